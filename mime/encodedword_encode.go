package mime

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// maxEncodedWord is the longest encoded word RFC 2047 section 2 allows.
const maxEncodedWord = 75

// WordEncoder writes RFC 2047 encoded words. The zero value writes UTF-8
// and picks Q or B by length.
type WordEncoder struct {
	// Charset is the charset to encode to; empty means utf-8. Text the
	// charset cannot represent (or an unknown charset) is written as
	// utf-8 instead.
	Charset string
	// Mode is 'Q' or 'B' to force an encoding; 0 picks, for each run of
	// words, whichever gives the shorter result (Q on a tie).
	Mode byte
	// Charsets resolves Charset; nil means LookupCharset.
	Charsets CharsetLookup
}

// Encode encodes s for an unstructured header field such as Subject (RFC
// 2047 section 5 (1)). It returns s unchanged when s is printable ASCII
// (blanks included) without "=?". Otherwise only the blank-separated words
// that need it are encoded: each run of such words becomes encoded words of
// at most 75 characters, separated by single spaces, so that a header folder
// may break the line between them. A character is never split between
// words. Decoding the result with WordDecoder gives s back.
func (e *WordEncoder) Encode(s string) string {
	if !needsEncoding(s, false) {
		return s
	}
	// QUIRK: ASCII text holding "=?" is encoded too, so that decoding
	// gives it back unchanged.
	return e.encode(s, false, maxEncodedWord)
}

// EncodePhrase encodes s for use as an RFC 5322 phrase, such as the display
// name of an address (RFC 2047 section 5 (3)). Printable ASCII made of atoms
// is returned unchanged and other printable ASCII as a quoted string.
// Otherwise the words that are not atoms are encoded, with the restricted
// Q alphabet that phrases require.
func (e *WordEncoder) EncodePhrase(s string) string {
	if !needsEncoding(s, false) {
		if !needsEncoding(s, true) {
			return s
		}
		return quotePhrase(s)
	}
	return e.encode(s, true, maxEncodedWord)
}

// quotePhrase writes an RFC 5322 quoted-string (section 3.2.4).
func quotePhrase(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isAtext reports RFC 5322 section 3.2.3 atext.
func isAtext(c byte) bool { return atextChars[c] }

var atextChars = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", c)
	}
	return t
}()

// tokenNeeds reports whether a blank-free token must be encoded.
func tokenNeeds(tok string, phrase bool) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < ' ' || c >= 0x7f {
			return true
		}
		if phrase && !isAtext(c) {
			return true
		}
	}
	return strings.Contains(tok, "=?")
}

// needsEncoding reports whether any token of s must be encoded.
func needsEncoding(s string, phrase bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			continue
		}
		if c < ' ' || c >= 0x7f || phrase && !isAtext(c) {
			return true
		}
		if c == '=' && i+1 < len(s) && s[i+1] == '?' {
			return true
		}
	}
	return false
}

// encode splits s into blank-separated tokens and encodes each maximal run
// of tokens that need it (with the blanks inside the run).
func (e *WordEncoder) encode(s string, phrase bool, limit int) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	runStart, runEnd := -1, -1 // current run of tokens to encode
	lit := 0                   // start of text not yet written
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if tokenNeeds(s[i:j], phrase) {
			if runStart < 0 {
				b.WriteString(s[lit:i])
				runStart = i
			}
			runEnd = j
		} else if runStart >= 0 {
			e.encodeRun(&b, s[runStart:runEnd], phrase, limit)
			runStart, lit = -1, runEnd
		}
		i = j
	}
	if runStart >= 0 {
		e.encodeRun(&b, s[runStart:runEnd], phrase, limit)
		lit = runEnd
	}
	b.WriteString(s[lit:])
	return b.String()
}

// encodeRun writes text as one or more encoded words of at most limit
// characters.
func (e *WordEncoder) encodeRun(b *strings.Builder, text string, phrase bool, limit int) {
	cs, enc := e.charset(text)
	mode := e.Mode
	if mode != 'Q' && mode != 'B' {
		mode = 'B'
		if enc == nil {
			if qLen(text, phrase) <= (len(text)+2)/3*4 {
				mode = 'Q'
			}
		} else if raw, _ := encodeCharset(enc, []byte(text)); qLen(raw, phrase) <= (len(raw)+2)/3*4 {
			mode = 'Q'
		}
	}
	room := limit - (len(cs) + 6) - 2 // "=?" cs "?" mode "?" ... "?="
	first := true
	for len(text) > 0 {
		n := e.fit(text, enc, mode, phrase, room)
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString("=?")
		b.WriteString(cs)
		b.WriteByte('?')
		b.WriteByte(mode)
		b.WriteByte('?')
		if enc == nil {
			writeEncoded(b, text[:n], mode, phrase)
		} else {
			raw, _ := encodeCharset(enc, []byte(text[:n]))
			writeEncoded(b, raw, mode, phrase)
		}
		b.WriteString("?=")
		text = text[n:]
	}
}

// charset picks the charset for text: e.Charset when it is known, short
// enough and can represent text, else utf-8 (enc nil means UTF-8 bytes as
// they are).
func (e *WordEncoder) charset(text string) (string, encoding.Encoding) {
	cs := normCharset(e.Charset)
	if cs == "" || cs == "utf-8" || cs == "utf8" || len(cs) > 40 || !isToken(cs) {
		return "utf-8", nil
	}
	enc, ok := lookupWith(e.Charsets, cs)
	if !ok || enc == unicode.UTF8 {
		return "utf-8", nil
	}
	// Only ASCII-compatible charsets are fit for mail text (RFC 2046
	// section 4.1.2); utf-16 would also put a BOM into every word.
	if a, ok := encodeCharset(enc, []byte("Aa1 =?")); !ok || string(a) != "Aa1 =?" {
		return "utf-8", nil
	}
	if _, ok := encodeCharset(enc, []byte(text)); !ok {
		return "utf-8", nil
	}
	return cs, enc
}

// fit returns how many bytes of text (whole runes, at least one) encode
// into room characters.
func (e *WordEncoder) fit(text string, enc encoding.Encoding, mode byte, phrase bool, room int) int {
	n, cost := 0, 0
	for n < len(text) {
		_, size := utf8.DecodeRuneInString(text[n:])
		var c int
		if enc == nil {
			// UTF-8 is stateless: count this rune alone.
			if mode == 'Q' {
				c = cost + qLen(text[n:n+size], phrase)
			} else {
				c = (n + size + 2) / 3 * 4
			}
		} else {
			// Stateful charsets (ISO-2022-JP) need the whole prefix.
			raw, _ := encodeCharset(enc, []byte(text[:n+size]))
			if mode == 'Q' {
				c = qLen(raw, phrase)
			} else {
				c = (len(raw) + 2) / 3 * 4
			}
		}
		if c > room && n > 0 {
			break
		}
		n, cost = n+size, c
	}
	return n
}

// qSafe reports bytes written as themselves in Q text: RFC 2047 section 5
// (3) for phrases, section 5 (1) (any printable but "=", "?", "_") else.
func qSafe(c byte, phrase bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '!' || c == '*' || c == '+' || c == '-' || c == '/':
		return true
	case phrase || c <= ' ' || c >= 0x7f:
		return false
	}
	return c != '=' && c != '?' && c != '_' && c != '"' && c != '(' && c != ')'
}

func qLen[T string | []byte](raw T, phrase bool) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == ' ' || qSafe(c, phrase) {
			n++
		} else {
			n += 3
		}
	}
	return n
}

const ewUpperHex = "0123456789ABCDEF"

func writeEncoded[T string | []byte](b *strings.Builder, raw T, mode byte, phrase bool) {
	if mode == 'B' {
		var buf [64]byte
		for len(raw) > 0 {
			n := min(len(raw), 48)
			m := ewB64Encode(buf[:], raw[:n])
			b.Write(buf[:m])
			raw = raw[n:]
		}
		return
	}
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == ' ':
			b.WriteByte('_')
		case qSafe(c, phrase):
			b.WriteByte(c)
		default:
			b.WriteByte('=')
			b.WriteByte(ewUpperHex[c>>4])
			b.WriteByte(ewUpperHex[c&15])
		}
	}
}

// ewB64Encode writes padded standard base64 of src (len ≤ 48) into dst.
func ewB64Encode[T string | []byte](dst []byte, src T) int {
	n := 0
	for len(src) >= 3 {
		v := uint(src[0])<<16 | uint(src[1])<<8 | uint(src[2])
		dst[n], dst[n+1], dst[n+2], dst[n+3] = utf7B64[v>>18], utf7B64[v>>12&63], utf7B64[v>>6&63], utf7B64[v&63]
		n += 4
		src = src[3:]
	}
	switch len(src) {
	case 1:
		v := uint(src[0]) << 16
		dst[n], dst[n+1], dst[n+2], dst[n+3] = utf7B64[v>>18], utf7B64[v>>12&63], '=', '='
		n += 4
	case 2:
		v := uint(src[0])<<16 | uint(src[1])<<8
		dst[n], dst[n+1], dst[n+2], dst[n+3] = utf7B64[v>>18], utf7B64[v>>12&63], utf7B64[v>>6&63], '='
		n += 4
	}
	return n
}

// isToken reports RFC 2045 token characters only.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isTokenChar reports RFC 2045 section 5.1 token characters: printable
// ASCII except SPACE and tspecials.
func isTokenChar(c byte) bool { return tokenChars[c] }

var tokenChars = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`()<>@,;:\"/[]?=`, c)
	}
	return t
}()
