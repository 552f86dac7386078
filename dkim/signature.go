package dkim

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/yubinmail/yubin/internal/ascii"
)

// Algorithm is a DKIM signing algorithm (RFC 6376 section 3.3, RFC 8463).
type Algorithm string

// Algorithms known to this package. rsa-sha1 is accepted for verification
// only, and only when [VerifyOptions.AllowSHA1] is set (RFC 8301 section 3.1).
const (
	RSASHA256     Algorithm = "rsa-sha256"
	Ed25519SHA256 Algorithm = "ed25519-sha256"
	RSASHA1       Algorithm = "rsa-sha1"
)

// keyType returns the k= value that a key must have for this algorithm.
func (a Algorithm) keyType() string {
	k, _, _ := strings.Cut(string(a), "-")
	return k
}

// hash returns the hash function named by the algorithm.
func (a Algorithm) hash() (crypto.Hash, string, bool) {
	switch a {
	case RSASHA256, Ed25519SHA256:
		return crypto.SHA256, "sha256", true
	case RSASHA1:
		return crypto.SHA1, "sha1", true
	}
	return 0, "", false
}

// Signature is a parsed DKIM-Signature field value (RFC 6376 section 3.5).
type Signature struct {
	Version       string           // v=, always "1"
	Algorithm     Algorithm        // a=, lower case
	Signature     []byte           // b=, decoded
	BodyHash      []byte           // bh=, decoded
	HeaderCanon   Canonicalization // c= header part, default simple
	BodyCanon     Canonicalization // c= body part, default simple
	Domain        string           // d=
	Headers       []string         // h=, as written
	Identifier    string           // i=, default "@" + d=
	BodyLength    int64            // l=, -1 when absent
	QueryMethods  []string         // q=, default dns/txt
	Selector      string           // s=
	Timestamp     time.Time        // t=, zero when absent
	Expiration    time.Time        // x=, zero when absent
	CopiedHeaders []string         // z=, raw entries
	HasBodyLength bool             // whether l= was present
	HasIdentifier bool             // whether i= was present
	UnknownTags   []string         // names of tags this package ignores

	// Storage for the usual values, to save allocations: b= of RSA-2048
	// and ed25519 (decodeBase64 wants room for FWS too), and bh= of
	// SHA-256.
	bBuf  [320]byte // 256 bytes, with room for the FWS of a folded b=
	bhBuf [64]byte
	hBuf  [8]string // h= of up to 8 names

	// bAt and bEnd locate the b= value (and its FWS) in the parsed text,
	// for the header hash (see withoutB).
	bAt, bEnd int
}

// ParseSignature parses a DKIM-Signature field value with the strict rules
// of RFC 6376 sections 3.2 and 3.5: duplicate tags, missing required tags
// (v, a, b, bh, d, h, s), a version other than 1, an h= without "from", an
// i= outside d=, x= not after t=, or malformed values give a *SyntaxError
// (a permerror in verification, section 6.1.1). It does not check times
// against a clock nor the algorithm against a policy: [Verify] does.
func ParseSignature(value string) (*Signature, error) {
	return parseSignature(new(Signature), value)
}

// parseSignature is ParseSignature into *s, storage that the caller
// provides (the Verifier keeps it in the same allocation as the rest of
// a signature's state) and that must be zero. It returns s, or nil when
// ParseSignature would.
func parseSignature(s *Signature, value string) (*Signature, error) {
	var buf [maxTagsOnStack]tag
	tags, err := appendTagList(buf[:0], value, sigTag)
	if err != nil {
		return nil, err
	}
	s.BodyLength, s.HeaderCanon, s.BodyCanon = -1, Simple, Simple
	var have uint // bit k: the tag numbered k was seen
	for i := range tags {
		t := &tags[i]
		if t.known >= 0 {
			have |= 1 << t.known
		}
		if err := s.setTag(t); err != nil {
			return nil, err
		}
	}
	if missing := ^have & (1<<len(requiredTags) - 1); missing != 0 {
		req := requiredTags[bits.TrailingZeros(missing)]
		return nil, &SyntaxError{Tag: req, Detail: "required tag missing", Err: ErrMissingTag}
	}
	return s, s.check()
}

// The tags of RFC 6376 section 3.5, numbered for [tag.known]: the
// required ones first, in the order of requiredTags.
const (
	tagV = iota
	tagA
	tagB
	tagBH
	tagD
	tagH
	tagS
	tagC
	tagI
	tagL
	tagQ
	tagT
	tagX
	tagZ
)

// requiredTags are the tags a signature must have (RFC 6376 section 3.5),
// numbered 0 to 6.
var requiredTags = [...]string{"v", "a", "b", "bh", "d", "h", "s"}

// sigTag numbers the tags of a signature, -1 for others. A switch, not a
// loop over names: it runs for every tag.
func sigTag(name string) int {
	switch name {
	case "v":
		return tagV
	case "a":
		return tagA
	case "b":
		return tagB
	case "bh":
		return tagBH
	case "d":
		return tagD
	case "h":
		return tagH
	case "s":
		return tagS
	case "c":
		return tagC
	case "i":
		return tagI
	case "l":
		return tagL
	case "q":
		return tagQ
	case "t":
		return tagT
	case "x":
		return tagX
	case "z":
		return tagZ
	}
	return -1
}

// check applies the cross-tag rules of RFC 6376 section 3.5 and 6.1.1.
func (s *Signature) check() error {
	from := false
	for _, h := range s.Headers {
		if ascii.EqualFold(h, "from") {
			from = true
		}
	}
	if !from {
		return &SyntaxError{Tag: "h", Detail: "from is not signed", Err: ErrFromNotSigned}
	}
	if !s.HasIdentifier {
		s.Identifier = "@" + s.Domain
	} else {
		_, dom, ok := strings.Cut(s.Identifier, "@")
		if !ok || !isSubdomain(dom, s.Domain) {
			return &SyntaxError{Tag: "i", Detail: "not in d= or below it", Err: ErrIdentityMismatch}
		}
	}
	if !s.Timestamp.IsZero() && !s.Expiration.IsZero() && !s.Expiration.After(s.Timestamp) {
		return &SyntaxError{Tag: "x", Detail: "not after t=", Err: ErrExpired}
	}
	return nil
}

// isSubdomain reports whether sub equals parent or is below it (case
// insensitive, RFC 6376 section 3.5 i=).
func isSubdomain(sub, parent string) bool {
	sub, parent = strings.ToLower(strings.TrimSuffix(sub, ".")), strings.ToLower(strings.TrimSuffix(parent, "."))
	return parent != "" && (sub == parent || strings.HasSuffix(sub, "."+parent))
}

func (s *Signature) setTag(t *tag) error {
	bad := func(detail string) error { return &SyntaxError{Tag: t.name, Detail: detail} }
	v := t.value
	switch t.known {
	case tagV:
		if v != "1" {
			return &SyntaxError{Tag: "v", Detail: "version " + quoteShort(v), Err: ErrVersion}
		}
		s.Version = v
	case tagA:
		s.Algorithm = knownAlgorithm(v)
	case tagB, tagBH:
		buf := s.bBuf[:]
		if t.known == tagBH {
			buf = s.bhBuf[:]
		}
		dec, err := decodeBase64FWSInto(buf, v)
		if err != nil || (t.known == tagBH && len(dec) == 0) {
			return bad("invalid base64")
		}
		if t.known == tagB {
			s.Signature = dec
			s.bAt, s.bEnd = t.at, t.end
		} else {
			s.BodyHash = dec
		}
	case tagC:
		hc, bc, _ := strings.Cut(v, "/")
		if bc == "" {
			bc = string(Simple)
		}
		var ok bool
		if s.HeaderCanon, ok = canonicalization(hc); !ok {
			return bad("unknown canonicalization " + quoteShort(strings.ToLower(hc)))
		}
		if s.BodyCanon, ok = canonicalization(bc); !ok {
			return bad("unknown canonicalization " + quoteShort(strings.ToLower(bc)))
		}
	case tagD:
		if v == "" {
			return bad("empty domain")
		}
		s.Domain = v
	case tagH:
		s.Headers = s.hBuf[:0]
		for h := stripFWS(v); ; {
			name, rest, more := strings.Cut(h, ":")
			if name == "" {
				return bad("empty field name")
			}
			s.Headers = append(s.Headers, name)
			if !more {
				break
			}
			h = rest
		}
	case tagI:
		s.Identifier, s.HasIdentifier = decodeQP(v), true
	case tagL:
		n, err := parseDecimal(v, 76)
		if err != nil {
			return bad("invalid length")
		}
		s.BodyLength, s.HasBodyLength = n, true
	case tagQ:
		for q := range strings.SplitSeq(stripFWS(v), ":") {
			s.QueryMethods = append(s.QueryMethods, q)
		}
		if !hasDNSTXT(s.QueryMethods) {
			return bad("no supported query method (dns/txt)")
		}
	case tagS:
		if v == "" {
			return bad("empty selector")
		}
		s.Selector = v
	case tagT, tagX:
		n, err := parseDecimal(v, 12)
		if err != nil {
			return bad("invalid time")
		}
		if t.known == tagT {
			s.Timestamp = time.Unix(n, 0).UTC()
		} else {
			s.Expiration = time.Unix(n, 0).UTC()
		}
	case tagZ:
		s.CopiedHeaders = strings.Split(stripFWS(v), "|")
	default:
		s.UnknownTags = append(s.UnknownTags, t.name)
	}
	return nil
}

// knownAlgorithm returns a= in lower case: one of the constants when it
// names a known algorithm, whatever its case, so that no new string is
// made for it.
func knownAlgorithm(v string) Algorithm {
	for _, a := range [...]Algorithm{RSASHA256, Ed25519SHA256, RSASHA1} {
		if ascii.EqualFold(v, string(a)) {
			return a
		}
	}
	return Algorithm(strings.ToLower(v))
}

// canonicalization returns the c= algorithm named v, in any case.
func canonicalization(v string) (Canonicalization, bool) {
	switch {
	case ascii.EqualFold(v, string(Simple)):
		return Simple, true
	case ascii.EqualFold(v, string(Relaxed)):
		return Relaxed, true
	}
	return "", false
}

// decodeBase64FWS decodes a base64 value in which FWS may appear anywhere
// (RFC 6376 section 3.5 b= and bh=), with one allocation.
func decodeBase64FWS(v string) ([]byte, error) {
	dst := make([]byte, decodedLen(v))
	n, err := decodeBase64(dst, v)
	return dst[:n:n], err
}

// decodeBase64FWSInto is decodeBase64FWS decoding into dst when the value
// fits, and allocating otherwise.
func decodeBase64FWSInto(dst []byte, v string) ([]byte, error) {
	if decodedLen(v) > len(dst) {
		return decodeBase64FWS(v)
	}
	n, err := decodeBase64(dst, v)
	return dst[:n:n], err
}

func hasDNSTXT(q []string) bool {
	for _, m := range q {
		if strings.EqualFold(m, "dns/txt") {
			return true
		}
	}
	return false
}

// parseDecimal parses 1*max DIGIT (RFC 6376 section 3.5 l=, t=, x=).
func parseDecimal(s string, maxDigits int) (int64, error) {
	if s == "" || len(s) > maxDigits {
		return 0, ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrSyntax
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrSyntax
	}
	return n, nil
}

// decodeQP decodes DKIM-Quoted-Printable (RFC 6376 section 2.11) leniently:
// a malformed escape is kept as written.
func decodeQP(s string) string {
	s = stripFWS(s)
	if !strings.Contains(s, "=") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// withoutB appends to dst the raw signature field whose value the
// signature was parsed from (what follows its first colon) with the value
// of its b= tag deleted, including surrounding whitespace (RFC 6376 section
// 3.7). Other bytes, folding included, are untouched; the final line
// ending is kept.
func (s *Signature) withoutB(dst, raw []byte) []byte {
	base := bytes.IndexByte(raw, ':') + 1
	at, end := base+s.bAt, base+s.bEnd
	if end == len(raw) {
		end = len(trimLineEnd(raw))
	}
	return append(append(dst, raw[:at]...), raw[end:]...)
}

// String formats the signature as a DKIM-Signature field value on one line,
// b= last (RFC 6376 section 3.5). Tags left at their defaults are omitted;
// unknown tags are not kept.
func (s *Signature) String() string {
	var b strings.Builder
	add := func(tag, v string) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(tag + "=" + v)
	}
	add("v", "1")
	add("a", string(s.Algorithm))
	if s.HeaderCanon != Simple || s.BodyCanon != Simple {
		add("c", string(s.HeaderCanon)+"/"+string(s.BodyCanon))
	}
	add("d", s.Domain)
	add("s", s.Selector)
	if !s.Timestamp.IsZero() {
		add("t", strconv.FormatInt(s.Timestamp.Unix(), 10))
	}
	if !s.Expiration.IsZero() {
		add("x", strconv.FormatInt(s.Expiration.Unix(), 10))
	}
	if s.HasIdentifier {
		add("i", encodeQP(s.Identifier))
	}
	if s.HasBodyLength {
		add("l", strconv.FormatInt(s.BodyLength, 10))
	}
	if len(s.QueryMethods) > 0 {
		add("q", strings.Join(s.QueryMethods, ":"))
	}
	add("h", strings.Join(s.Headers, ":"))
	if len(s.CopiedHeaders) > 0 {
		add("z", strings.Join(s.CopiedHeaders, "|"))
	}
	add("bh", base64.StdEncoding.EncodeToString(s.BodyHash))
	add("b", base64.StdEncoding.EncodeToString(s.Signature))
	return b.String()
}
