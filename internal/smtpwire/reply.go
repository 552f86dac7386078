package smtpwire

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
)

// Reply is one SMTP reply (RFC 5321 section 4.2), possibly multi-line.
type Reply struct {
	// Code is the three-digit reply code.
	Code int
	// Enhanced is the RFC 3463 enhanced status code ("2.1.0"), or "" when
	// the reply carries none. It is taken from the first line.
	Enhanced string
	// Lines holds the text of each line, without the code and without the
	// enhanced code.
	Lines []string
}

// Text joins Lines with a single space.
func (r Reply) Text() string { return strings.Join(r.Lines, " ") }

// WriteReply writes a reply with the given code, enhanced status code
// (empty for none) and text. The text is split at every CR, LF or CRLF into
// separate continuation lines, so no CR or LF reaches the wire inside a line
// and a text cannot inject a reply of its own (RFC 5321 section 4.2.1). Other
// control characters are replaced by '?'.
func WriteReply(w *bufio.Writer, code int, enhanced, text string) error {
	if code < 200 || code > 599 {
		return fmt.Errorf("smtpwire: reply code %d out of range", code)
	}
	for {
		line, rest, more := cutLine(text)
		w.WriteByte(byte('0' + code/100))
		w.WriteByte(byte('0' + code/10%10))
		w.WriteByte(byte('0' + code%10))
		if more {
			w.WriteByte('-')
		} else {
			w.WriteByte(' ')
		}
		if enhanced != "" {
			w.WriteString(enhanced)
			if line != "" {
				w.WriteByte(' ')
			}
		}
		writeSafe(w, line)
		_, err := w.WriteString("\r\n")
		if !more || err != nil {
			return err
		}
		text = rest
	}
}

// cutLine splits s at the first CR, LF or CRLF.
func cutLine(s string) (line, rest string, more bool) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, "", false
	}
	line, rest = s[:i], s[i+1:]
	if s[i] == '\r' && len(rest) > 0 && rest[0] == '\n' {
		rest = rest[1:]
	}
	return line, rest, true
}

func writeSafe(w *bufio.Writer, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			w.WriteString(s[start:i])
			w.WriteByte('?')
			start = i + 1
		}
	}
	w.WriteString(s[start:])
}

// Reply parsing errors.
var (
	// ErrMalformedReply is a reply line that does not start with three
	// digits and a space or hyphen, or whose lines disagree on the code.
	ErrMalformedReply = errors.New("smtpwire: malformed reply")
	// ErrReplyTooLong is a multi-line reply with more than the allowed
	// number of lines.
	ErrReplyTooLong = errors.New("smtpwire: reply has too many lines")
)

// DefaultMaxReplyLines bounds the number of lines ReadReply accepts.
const DefaultMaxReplyLines = 256

// ReadReply reads one possibly multi-line reply. Each line is bounded by
// maxLine octets (DefaultMaxLine when <= 0) and the reply by maxLines lines
// (DefaultMaxReplyLines when <= 0).
func ReadReply(br *bufio.Reader, maxLine, maxLines int) (Reply, error) {
	if maxLines <= 0 {
		maxLines = DefaultMaxReplyLines
	}
	var r Reply
	for n := 0; ; n++ {
		if n >= maxLines {
			return r, ErrReplyTooLong
		}
		line, err := ReadLine(br, maxLine)
		if err != nil {
			return r, err
		}
		code, more, text, ok := parseReplyLine(line)
		if !ok || (n > 0 && code != r.Code) {
			return r, ErrMalformedReply
		}
		if n == 0 {
			r.Code = code
			r.Enhanced, _ = splitEnhanced(code, text)
		}
		if r.Enhanced != "" {
			if e, t := splitEnhanced(code, text); e == r.Enhanced {
				text = t
			}
		}
		r.Lines = append(r.Lines, text)
		if !more {
			return r, nil
		}
	}
}

func parseReplyLine(line []byte) (code int, more bool, text string, ok bool) {
	if len(line) < 3 {
		return 0, false, "", false
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, false, "", false
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code > 599 {
		return 0, false, "", false
	}
	if len(line) == 3 {
		return code, false, "", true
	}
	switch line[3] {
	case ' ':
	case '-':
		more = true
	default:
		return 0, false, "", false
	}
	return code, more, string(line[4:]), true
}

// splitEnhanced recognises an RFC 3463 status code "class.subject.detail"
// at the start of text whose class matches the reply code's first digit
// (RFC 2034 section 4).
func splitEnhanced(code int, text string) (enh, rest string) {
	word, rest, _ := strings.Cut(text, " ")
	if !ValidEnhanced(word) || int(word[0]-'0') != code/100 {
		return "", text
	}
	return word, rest
}

// ValidEnhanced reports whether s is an RFC 3463 section 2 status code:
// class "2", "4" or "5", then a subject and a detail of 1 to 3 digits each.
func ValidEnhanced(s string) bool {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return false
	}
	parts := strings.Split(s[2:], ".")
	if len(parts) != 2 {
		return false
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}
