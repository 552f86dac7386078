package auth

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the SCRAM (RFC 5802 section 7) grammar shared by the
// client, the server and OAUTHBEARER's GS2 header.

// gs2Header is a parsed GS2 header (RFC 5801 section 4, RFC 5802 section 7):
// gs2-cbind-flag "," [ "a=" saslname ] ",".
type gs2Header struct {
	flag   byte   // 'n', 'y' or 'p'
	cbType string // the cb-name after "p="
	authz  string // decoded saslname, "" when absent
	raw    string // the header as sent, with its final ','
}

// parseGS2 splits msg into its GS2 header and the rest.
func parseGS2(mech, msg string) (gs2Header, string, error) {
	var h gs2Header
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return h, "", malformed(mech, "missing GS2 header")
	}
	switch {
	case flag == "n" || flag == "y":
		h.flag = flag[0]
	case strings.HasPrefix(flag, "p="):
		h.flag, h.cbType = 'p', flag[2:]
		if !validCBName(h.cbType) {
			return h, "", malformed(mech, "invalid channel binding name")
		}
	default:
		return h, "", malformed(mech, "invalid gs2-cbind-flag")
	}
	authz, rest, ok := strings.Cut(rest, ",")
	if !ok {
		return h, "", malformed(mech, "GS2 header not terminated")
	}
	if authz != "" {
		if !strings.HasPrefix(authz, "a=") {
			return h, "", malformed(mech, "invalid gs2-authzid")
		}
		a, err := decodeSaslname(mech, authz[2:])
		if err != nil {
			return h, "", err
		}
		if a == "" {
			return h, "", malformed(mech, "empty gs2-authzid")
		}
		h.authz = a
	}
	h.raw = msg[:len(msg)-len(rest)]
	return h, rest, nil
}

// validCBName checks cb-name = 1*(ALPHA / DIGIT / "." / "-").
func validCBName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// decodeSaslname reverses the "=2C"/"=3D" escaping of RFC 5802 section 5.1;
// any other '=' or a raw ',' is malformed.
func decodeSaslname(mech, s string) (string, error) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return "", malformed(mech, "saslname is not valid UTF-8")
	}
	if len(s) > maxIdentity {
		return "", &LimitError{Limit: mech + " saslname", Max: maxIdentity}
	}
	if strings.IndexByte(s, ',') >= 0 {
		return "", malformed(mech, "unescaped ',' in saslname")
	}
	if strings.IndexByte(s, '=') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", malformed(mech, "bad '=' escape in saslname")
		}
		i += 2
	}
	return b.String(), nil
}

// encodeSaslname escapes ',' and '=' (RFC 5802 section 5.1).
func encodeSaslname(s string) string {
	if !strings.ContainsAny(s, ",=") {
		return s
	}
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// scramAttr is one "x=value" attribute.
type scramAttr struct {
	key byte
	val string
}

// parseAttrs splits a SCRAM message into attributes. Every attribute must
// be ALPHA "=" value.
func parseAttrs(mech, msg string) ([]scramAttr, error) {
	parts := strings.Split(msg, ",")
	attrs := make([]scramAttr, 0, len(parts))
	for _, p := range parts {
		if len(p) < 2 || p[1] != '=' || !(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z') {
			return nil, malformed(mech, "invalid attribute")
		}
		attrs = append(attrs, scramAttr{p[0], p[2:]})
	}
	return attrs, nil
}

// validNonce checks c-nonce/s-nonce: printable ASCII except ','.
func validNonce(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}

// parseIterations parses a positive decimal iteration count.
func parseIterations(s string) (int, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

func xorBytes(a, b []byte) []byte {
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// b64decode decodes canonical padded base64: unlike encoding/base64 alone
// it rejects embedded CR/LF and non-zero padding bits, so one value has
// exactly one encoding.
func b64decode(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errBadBase64
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}

var errBadBase64 = errors.New("invalid base64")
