package message

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// FormatOptions tune FormatField. A nil *FormatOptions means defaults.
type FormatOptions struct {
	// UTF8 writes non-ASCII text as raw UTF-8 (RFC 6532 section 3.2), for
	// messages sent with SMTPUTF8. By default non-ASCII text is written as
	// RFC 2047 encoded words.
	UTF8 bool
	// LineLength is the preferred maximum line length without the CRLF,
	// default 78 (RFC 5322 section 2.1.1). Lines never exceed 998.
	LineLength int
}

const maxLine = 998

// addressFields are the fields whose value is an address list (RFC 5322
// section 3.6.2 and 3.6.3, RFC 6854 for Sender and From groups).
var addressFields = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"resent-from": true, "resent-sender": true, "resent-to": true, "resent-cc": true,
	"resent-bcc": true, "disposition-notification-to": true,
}

// structuredFields are folded only at whitespace after commas when possible
// and are never RFC 2047 encoded as a whole.
func isStructured(lname string) bool {
	if addressFields[lname] {
		return true
	}
	switch lname {
	case "message-id", "in-reply-to", "references", "content-type", "content-disposition",
		"received", "dkim-signature", "authentication-results", "arc-seal",
		"arc-message-signature", "arc-authentication-results", "date", "resent-date",
		"content-transfer-encoding", "mime-version", "return-path", "list-id":
		return true
	}
	return false
}

// FormatField returns "Name: value" folded to CRLF-terminated lines.
//
// CR and LF in value become spaces, and bytes not allowed in a field name
// become '-'. Non-ASCII text is written as RFC 2047
// encoded words unless opts.UTF8 is set: unstructured fields are encoded as
// text (RFC 2047 section 5 (1)), and address fields are parsed and written
// again with encoded display names (section 5 (3)). Lines are folded at 78
// columns (RFC 5322 section 2.2.3), at whitespace after commas first in
// structured fields, then at any whitespace; encoded words are never split.
// A word of an unstructured field too long to fit in 998 columns is
// re-encoded in short encoded words.
//
// QUIRK: a single token of a structured field that is longer than 998
// characters cannot be folded without changing its meaning and is written
// as is.
func FormatField(name, value string, opts *FormatOptions) []byte {
	width := 78
	utf := false
	if opts != nil {
		utf = opts.UTF8
		if opts.LineLength > 0 && opts.LineLength < maxLine {
			width = opts.LineLength
		}
	}
	name = cleanFieldName(name)
	value = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, value)
	lname := strings.ToLower(name)
	structured := isStructured(lname)
	if !utf && !isPrintableASCII(value) {
		if addressFields[lname] {
			if list, err := ParseAddressList(value, nil); err == nil && len(list) > 0 {
				value = FormatAddressList(list, nil)
			} else {
				value = encodeText(value)
			}
		} else if !structured {
			value = encodeText(value)
		}
	}
	return fold(name, value, structured, width)
}

// cleanFieldName replaces the bytes that RFC 5322 section 3.6.8 does not
// allow in a field name (controls, space, ':', non-ASCII) by '-', so that a
// name can never inject a line or a field.
func cleanFieldName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c == ':' || c >= 0x7f {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if c := b[j]; c <= ' ' || c == ':' || c >= 0x7f {
					b[j] = '-'
				}
			}
			return string(b)
		}
	}
	if name == "" {
		return "X-Empty"
	}
	return name
}

type segment struct {
	s     string // leading whitespace plus a word
	comma bool   // word ends in ','
}

func splitSegments(value string, breakLong bool) []segment {
	var segs []segment
	i := 0
	for i < len(value) {
		j := i
		for j < len(value) && isWSP(value[j]) {
			j++
		}
		k := j
		for k < len(value) && !isWSP(value[k]) {
			k++
		}
		if j == k { // trailing whitespace
			break
		}
		s := value[i:k]
		if breakLong && k-j > maxLine-20 {
			for n, w := range longWord(value[j:k]) {
				ws := " "
				if n == 0 {
					ws = value[i:j]
				}
				segs = append(segs, segment{s: ws + w})
			}
		} else {
			segs = append(segs, segment{s: s, comma: value[k-1] == ','})
		}
		i = k
	}
	return segs
}

// longWord encodes an overlong word as "B" encoded words of at most 75
// characters each, never splitting a UTF-8 sequence (RFC 2047 section 5).
func longWord(w string) []string {
	var out []string
	for len(w) > 0 {
		n := min(45, len(w))
		for n < len(w) && n > 0 && !utf8.RuneStart(w[n]) {
			n--
		}
		if n == 0 {
			n = min(45, len(w))
		}
		out = append(out, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(w[:n]))+"?=")
		w = w[n:]
	}
	return out
}

func fold(name, value string, structured bool, width int) []byte {
	segs := splitSegments(value, !structured)
	var b strings.Builder
	b.Grow(len(name) + len(value) + 8)
	b.WriteString(name)
	b.WriteByte(':')
	col := len(name) + 1
	for i := 0; i < len(segs); {
		// A unit is the run of segments up to one ending in a comma.
		end := i + 1
		if structured {
			for end < len(segs) && !segs[end-1].comma {
				end++
			}
		}
		ulen := 0
		for _, s := range segs[i:end] {
			ulen += len(s.s)
		}
		if i == 0 {
			ulen++ // the space added after the colon
		}
		switch {
		case col+ulen <= width:
			for k := i; k < end; k++ {
				col = writeSeg(&b, segs[k].s, k == 0, col, false)
			}
		case i > 0 && ulen <= width:
			for k := i; k < end; k++ {
				col = writeSeg(&b, segs[k].s, false, col, k == i)
			}
		default:
			for k := i; k < end; k++ {
				brk := col+len(segs[k].s) > width && (k > 0 || len(segs[k].s) < width)
				col = writeSeg(&b, segs[k].s, k == 0, col, brk)
			}
		}
		i = end
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

func writeSeg(b *strings.Builder, s string, first bool, col int, brk bool) int {
	if first {
		s = " " + strings.TrimLeft(s, " \t")
	}
	if brk {
		b.WriteString("\r\n")
		col = 0
	}
	b.WriteString(s)
	return col + len(s)
}
