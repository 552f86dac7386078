package dkim

import (
	"errors"
	"strings"
)

// tag is one tag=value pair of an RFC 6376 section 3.2 tag-list; known is
// the tag's number among those its parser knows, or -1. The value is
// list[at:end] with its FWS trimmed, where at is just after the '=' and
// end at the ';' that ends the tag or at the end of the list.
type tag struct {
	name, value string
	known       int
	at, end     int
}

// maxTagsOnStack is the tag-list length that parsers keep on their stack.
const maxTagsOnStack = 16

// appendTagList parses a tag-list (RFC 6376 section 3.2) and appends its
// tags to tags, so that a caller can offer storage on its stack for the
// usual short lists. Whitespace (FWS) around names and values is removed;
// folding inside values is kept for the caller to strip where the value's
// syntax allows it. A duplicate tag name makes the whole list invalid, as
// does a tag without '=' or with an invalid name. A trailing ';' is
// allowed. known numbers the tags the caller knows (0 to 63, -1 for
// others), which tells their duplicates by a bit each.
func appendTagList(tags []tag, s string, known func(string) int) ([]tag, error) {
	var seen map[string]bool // only for long lists; short ones are scanned
	var seenKnown uint64
	list := len(s)
	for len(s) > 0 {
		off := list - len(s) // of part in the list
		part := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		eq := strings.IndexByte(part, '=')
		if eq < 0 {
			if trimFWS(part) == "" {
				continue // FWS between semicolons, or after the last one
			}
			return nil, &SyntaxError{Detail: "tag without '=': " + quoteShort(part)}
		}
		name := trimFWS(part[:eq])
		k := known(name) // known names are valid ones
		if k < 0 && !validTagName(name) {
			return nil, &SyntaxError{Detail: "invalid tag name " + quoteShort(name)}
		}
		dup := false
		if k >= 0 {
			dup = seenKnown&(1<<k) != 0
			seenKnown |= 1 << k
		} else {
			dup = hasTag(tags, name, &seen)
		}
		if dup {
			return nil, &SyntaxError{Tag: name, Detail: "duplicate tag", Err: ErrDuplicateTag}
		}
		tags = append(tags, tag{name: name, value: trimFWS(part[eq+1:]), known: k, at: off + eq + 1, end: off + len(part)})
	}
	return tags, nil
}

// hasTag reports whether name, a tag its parser does not know, is among
// tags, and records it: by a scan while the list is short, then in *seen,
// so that a hostile list of many tags costs linear time.
func hasTag(tags []tag, name string, seen *map[string]bool) bool {
	const scanMax = 32
	if len(tags) < scanMax {
		for _, t := range tags {
			if t.name == name {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*scanMax)
		for _, t := range tags {
			(*seen)[t.name] = true
		}
	}
	if (*seen)[name] {
		return true
	}
	(*seen)[name] = true
	return false
}

// validTagName checks tag-name = ALPHA *ALNUMPUNC (RFC 6376 section 3.2).
func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

func trimFWS(s string) string {
	for len(s) > 0 && isFWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isFWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isFWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// stripFWS removes all whitespace, for base64 values and lists that allow
// FWS anywhere (RFC 6376 sections 3.5 b=, bh=, h=).
func stripFWS(s string) string {
	if indexFWS(s) == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "\"" + s + "\""
}

// SyntaxError reports a malformed signature field or key record.
type SyntaxError struct {
	Tag    string // the tag concerned, if any
	Detail string
	Err    error // a sentinel such as ErrDuplicateTag, or nil
}

func (e *SyntaxError) Error() string {
	if e.Tag != "" {
		return "dkim: tag " + e.Tag + ": " + e.Detail
	}
	return "dkim: " + e.Detail
}

// Unwrap returns the sentinel, so errors.Is(err, ErrDuplicateTag) works.
func (e *SyntaxError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return ErrSyntax
}

// Sentinel errors; a Result's Err wraps one of these (or a *SyntaxError that
// unwraps to ErrSyntax or a more specific sentinel).
var (
	ErrSyntax             = errors.New("dkim: syntax error")
	ErrDuplicateTag       = errors.New("dkim: duplicate tag")
	ErrMissingTag         = errors.New("dkim: missing required tag")
	ErrVersion            = errors.New("dkim: unsupported version")
	ErrFromNotSigned      = errors.New("dkim: From field not signed (h= lacks from)")
	ErrIdentityMismatch   = errors.New("dkim: i= is not in d= or its subdomains")
	ErrExpired            = errors.New("dkim: signature expired (x=)")
	ErrFutureTimestamp    = errors.New("dkim: signature timestamp in the future (t=)")
	ErrUnsupportedAlgo    = errors.New("dkim: unsupported algorithm")
	ErrSHA1Disabled       = errors.New("dkim: rsa-sha1 not accepted (RFC 8301)")
	ErrKeyTooSmall        = errors.New("dkim: RSA key too small")
	ErrKeyRevoked         = errors.New("dkim: key revoked (empty p=)")
	ErrKeyTooLarge        = errors.New("dkim: RSA key larger than 8192 bits")
	ErrKeyHashMismatch    = errors.New("dkim: key h= does not allow this hash")
	ErrKeyServiceMismatch = errors.New("dkim: key s= does not allow email")
	ErrKeyTypeMismatch    = errors.New("dkim: key k= does not match a=")
	ErrKeyStrictSubdomain = errors.New("dkim: key t=s forbids a subdomain in i=")
	ErrMultipleKeys       = errors.New("dkim: more than one key record")
	ErrNoKey              = errors.New("dkim: no key record")
	ErrKeyUnavailable     = errors.New("dkim: key lookup failed temporarily")
	ErrBodyHash           = errors.New("dkim: body hash did not verify")
	ErrBadSignature       = errors.New("dkim: signature did not verify")
	ErrUnsignedContent    = errors.New("dkim: body has content after the l= length")
	ErrMultipleFrom       = errors.New("dkim: message has more than one From field")
	ErrNoFrom             = errors.New("dkim: message has no From field")
	ErrTooManySignatures  = errors.New("dkim: too many signatures")
	ErrHeaderTooLong      = errors.New("dkim: header exceeds MaxHeaderBytes")
)
