package auth

import (
	"encoding/base64"
	"strings"
)

// This file is the small codec that SMTP AUTH (RFC 4954 section 4), IMAP
// AUTHENTICATE (RFC 9051 section 6.2.2, RFC 4959) and POP3 AUTH (RFC 5034
// section 4) share: SASL messages travel as base64 text on a line.

// maxEncoded is the base64 length of max decoded bytes.
func maxEncoded(max int) int {
	if max <= 0 {
		max = DefaultMaxMessageBytes
	}
	return base64.StdEncoding.EncodedLen(max)
}

// EncodeInitialResponse encodes an initial response for the command line
// (AUTH PLAIN <ir>, AUTHENTICATE PLAIN <ir>): nil means no initial response
// and yields ""; an empty response yields "=" (RFC 4954 section 4, RFC 4959
// section 3).
func EncodeInitialResponse(ir []byte) string {
	if ir == nil {
		return ""
	}
	if len(ir) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(ir)
}

// DecodeInitialResponse is the inverse of EncodeInitialResponse, for
// servers: "" (no argument) yields nil, "=" yields an empty non-nil slice.
// max bounds the decoded size (0 means DefaultMaxMessageBytes); a longer
// input gives a *LimitError without being decoded, and invalid base64 a
// *MalformedError.
func DecodeInitialResponse(s string, max int) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if s == "=" {
		return []byte{}, nil
	}
	return decodeLine(s, max)
}

// EncodeChallenge encodes a server challenge for the continuation line
// ("334 " + it, "+ " + it); an empty challenge is an empty string.
func EncodeChallenge(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// DecodeChallenge decodes a server challenge, for clients. Surrounding
// spaces are ignored; an empty line is an empty challenge.
func DecodeChallenge(s string, max int) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []byte{}, nil
	}
	return decodeLine(s, max)
}

// EncodeResponse encodes a client response line. An empty response is an
// empty line.
func EncodeResponse(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// CancelLine is what a client sends to cancel the exchange (RFC 4954
// section 4).
const CancelLine = "*"

// DecodeResponse decodes a client response line, for servers. The line must
// not include its CRLF. "*" yields ErrCanceled; an empty line (or "=", which
// some clients send) yields an empty non-nil slice. max bounds the decoded
// size (0 means DefaultMaxMessageBytes).
func DecodeResponse(line string, max int) ([]byte, error) {
	switch line {
	case CancelLine:
		return nil, ErrCanceled
	case "", "=":
		return []byte{}, nil
	}
	return decodeLine(line, max)
}

// decodeLine decodes strict, padded standard base64 after checking the bound.
func decodeLine(s string, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxMessageBytes
	}
	if len(s) > maxEncoded(max) {
		return nil, &LimitError{Limit: "SASL message bytes", Max: max}
	}
	// encoding/base64 skips CR and LF; a line must not contain them at all.
	if strings.ContainsAny(s, "\r\n") {
		return nil, malformed("SASL", "CR or LF in base64 line")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, malformed("SASL", "invalid base64")
	}
	if len(b) > max {
		return nil, &LimitError{Limit: "SASL message bytes", Max: max}
	}
	return b, nil
}
