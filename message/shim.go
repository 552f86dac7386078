package message

import (
	"io"
	stdmime "mime"
	"strings"

	"github.com/yubinmail/yubin/mime"
)

// The helpers in this file are the only places where this package calls the
// RFC 2047 encoder and decoder, so that they are easy to find and replace.

// decodeText decodes RFC 2047 encoded words in unstructured text
// (RFC 2047 section 5 (1)). On a malformed word it returns the best text it
// has and a non-nil error.
func decodeText(s string, lookup mime.CharsetLookup) (string, error) {
	if !strings.Contains(s, "=?") {
		return s, nil
	}
	d := stdmime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		cr, err := mime.NewCharsetReader(cs, r, lookup)
		if err != nil {
			return nil, err
		}
		return cr, nil
	}}
	out, err := d.DecodeHeader(s)
	if err != nil {
		return s, err
	}
	return out, nil
}

// encodeText encodes s as RFC 2047 words when it is not printable ASCII.
func encodeText(s string) string {
	if isPrintableASCII(s) {
		return s
	}
	return stdmime.QEncoding.Encode("utf-8", s)
}

// encodePhrase encodes a display name for use as an RFC 5322 phrase.
func encodePhrase(s string) string {
	return stdmime.QEncoding.Encode("utf-8", s)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}
