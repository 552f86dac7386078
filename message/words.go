package message

import (
	"unicode/utf8"

	"github.com/yubinmail/yubin/mime"
)

// The helpers in this file are the only places where this package calls the
// RFC 2047 encoder and decoder.

// decodeText decodes RFC 2047 encoded words in unstructured text
// (RFC 2047 section 5 (1)). It always returns the best text it has; the
// error (mime.Warnings or *mime.UnknownCharsetError) says what was wrong.
//
// QUIRK: 8-bit bytes that are not UTF-8 (undeclared legacy text) are read as
// windows-1252, so that the result is always valid UTF-8.
func decodeText(s string, lookup mime.CharsetLookup) (string, error) {
	d := mime.WordDecoder{Charsets: lookup}
	out, err := d.DecodeHeader(s)
	if !utf8.ValidString(out) {
		out = string((&textReader{latin: true}).convert([]byte(out)))
	}
	return out, err
}

// encodeText encodes s as RFC 2047 words when it is not printable ASCII.
func encodeText(s string) string {
	var e mime.WordEncoder
	return e.Encode(s)
}

// encodePhrase encodes a display name for use as an RFC 5322 phrase.
func encodePhrase(s string) string {
	var e mime.WordEncoder
	return e.EncodePhrase(s)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}
