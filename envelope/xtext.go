package envelope

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

const hexUpper = "0123456789ABCDEF"

// EncodeXtext encodes s as RFC 3461 section 4 xtext: bytes outside
// "!" to "~", and "+" and "=", become "+" followed by two upper-case hex
// digits.
func EncodeXtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 || c == '+' || c == '=' {
			b.WriteByte('+')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// DecodeXtext decodes RFC 3461 section 4 xtext.
//
// QUIRK: lower-case hex digits after "+" are accepted; RFC 3461 requires
// upper case, but some clients send lower case.
func DecodeXtext(s string) (string, error) {
	if strings.IndexByte(s, '+') < 0 {
		if err := checkXchars(s); err != nil {
			return "", err
		}
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' {
			if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
				return "", newError("xtext", s, "bad hexchar", 501, CodeInvalidArgs, ErrSyntax)
			}
			b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
			i += 2
			continue
		}
		if c < 33 || c > 126 || c == '=' {
			return "", newError("xtext", s, "invalid character", 501, CodeInvalidArgs, ErrSyntax)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func checkXchars(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == '=' {
			return newError("xtext", s, "invalid character", 501, CodeInvalidArgs, ErrSyntax)
		}
	}
	return nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// EncodeUTF8AddrXtext encodes an address as RFC 6533 section 3
// utf-8-addr-xtext: ASCII stays as it is except controls, space, "+", "=",
// "\" and DEL, which become "\x{HEX}", as does every non-ASCII character.
// Use it for ORCPT=utf-8;... without SMTPUTF8.
func EncodeUTF8AddrXtext(s string) string { return encodeUTF8Addr(s, false) }

// EncodeUTF8AddrUnitext encodes an address as RFC 6533 section 3
// utf-8-addr-unitext: like utf-8-addr-xtext, but non-ASCII characters are
// kept as UTF-8. Only for sessions with SMTPUTF8.
func EncodeUTF8AddrUnitext(s string) string { return encodeUTF8Addr(s, true) }

func encodeUTF8Addr(s string, unitext bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x21 || r == '+' || r == '=' || r == '\\' || r == 0x7f:
			writeHexPoint(&b, r)
		case r < 0x80 || unitext && r != utf8.RuneError:
			b.WriteRune(r)
		default:
			writeHexPoint(&b, r)
		}
	}
	return b.String()
}

// writeHexPoint writes RFC 6533 EmbeddedUnicodeChar "\x{HEXPOINT}".
func writeHexPoint(b *strings.Builder, r rune) {
	b.WriteString(`\x{`)
	b.WriteString(strings.ToUpper(strconv.FormatInt(int64(r), 16)))
	b.WriteByte('}')
}

// DecodeUTF8AddrXtext decodes RFC 6533 utf-8-addr-xtext and
// utf-8-addr-unitext ("\x{HEX}" escapes; raw UTF-8 only when unitext is
// true). The result must be valid UTF-8 without surrogates.
func DecodeUTF8AddrXtext(s string, unitext bool) (string, error) {
	bad := func(r string) (string, error) {
		return "", newError("utf-8-addr-xtext", s, r, 501, CodeInvalidArgs, ErrSyntax)
	}
	if !utf8.ValidString(s) {
		return bad("invalid UTF-8")
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if !strings.HasPrefix(s[i:], `\x{`) {
				return bad(`"\" not followed by "x{"`)
			}
			end := strings.IndexByte(s[i:], '}')
			if end < 0 || end-3 < 1 || end-3 > 6 {
				return bad("bad \\x{HEX} escape")
			}
			v, err := strconv.ParseUint(s[i+3:i+end], 16, 32)
			if err != nil || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
				return bad("bad code point")
			}
			b.WriteRune(rune(v))
			i += end + 1
		case c >= 0x80:
			if !unitext {
				return bad("raw UTF-8 in utf-8-addr-xtext")
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+n])
			i += n
		case c < 0x21 || c > 0x7e || c == '+' || c == '=':
			return bad("invalid character")
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}
