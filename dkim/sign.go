package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yubinmail/yubin/internal/ascii"
)

// DefaultSignedHeaders returns the fields that a [Signer] signs when
// [SignOptions.Headers] is nil: From, To, Subject, Date, Message-ID,
// Reply-To, Cc, MIME-Version and Content-Type. Each is over-signed: listed in
// h= once more than it occurs, so that adding another instance breaks the
// signature (RFC 6376 sections 5.4.2 and 8.15).
func DefaultSignedHeaders() []string {
	return []string{"From", "To", "Subject", "Date", "Message-ID", "Reply-To", "Cc", "MIME-Version", "Content-Type"}
}

// SignOptions configures a [Signer]. Domain, Selector and Key are required.
type SignOptions struct {
	Domain   string        // d=, the signing domain
	Selector string        // s=
	Key      crypto.Signer // an *rsa.PrivateKey (1024..4096 bits) or ed25519.PrivateKey, or any crypto.Signer with such a public key

	// Identifier is the optional i= (an address or "@domain" at or below
	// Domain). Empty means none (verifiers then assume "@" + Domain).
	Identifier string
	// HeaderCanon and BodyCanon default to Relaxed.
	HeaderCanon, BodyCanon Canonicalization
	// Headers lists the fields to sign, in h= order, exactly as given (no
	// over-signing is added); it must include From. nil means
	// DefaultSignedHeaders(), over-signed.
	Headers []string
	// BodyLength adds l= with the length of the canonicalized body. This
	// lets content be appended without breaking the signature; verifiers
	// of this package fail such messages by default. Rarely wise.
	BodyLength bool
	// Timestamp adds t= with the signing time.
	Timestamp bool
	// Expiration, when non-zero, adds x= that far after the signing time
	// (and t= as well).
	Expiration time.Duration
	// Now returns the signing time; nil means time.Now.
	Now func() time.Time
	// MaxHeaderBytes bounds the header block kept in memory; 0 means
	// DefaultMaxHeaderBytes (1 MiB).
	MaxHeaderBytes int
}

// Signer computes a DKIM-Signature while the message is written to it. The
// header block is kept (bounded); the body is canonicalized and hashed in
// one pass and never stored. Write the whole message, call Close, then
// read the field with Field.
type Signer struct {
	opts  SignOptions
	algo  Algorithm
	split headerSplitter
	bh    hash.Hash // the body hash, then the header hash
	body  *bodyCanon
	field string
	err   error
	canon bodyCanon // body's storage, to save an allocation
	sum   [64]byte  // the body hash, then the header digest
}

// NewSigner checks the options and returns a Signer.
func NewSigner(opts *SignOptions) (*Signer, error) {
	if opts == nil {
		return nil, errors.New("dkim: nil SignOptions")
	}
	s := &Signer{opts: *opts}
	o := &s.opts
	if err := checkToken("domain", o.Domain); err != nil {
		return nil, err
	}
	if err := checkToken("selector", o.Selector); err != nil {
		return nil, err
	}
	if o.Identifier != "" {
		_, dom, ok := strings.Cut(o.Identifier, "@")
		if !ok || !isSubdomain(dom, o.Domain) || strings.ContainsAny(o.Identifier, "\r\n") {
			return nil, ErrIdentityMismatch
		}
	}
	if o.Key == nil {
		return nil, errors.New("dkim: no signing key")
	}
	var pub crypto.PublicKey
	switch k := o.Key.(type) {
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errors.New("dkim: ed25519 private key of wrong length")
		}
		pub = ed25519.PublicKey(nil) // only the type matters below
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	default:
		pub = o.Key.Public()
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n < 1024 || n > 4096 {
			return nil, fmt.Errorf("dkim: RSA key of %d bits outside 1024..4096: %w", n, ErrKeyTooSmall)
		}
		s.algo = RSASHA256
	case ed25519.PublicKey:
		s.algo = Ed25519SHA256
	default:
		return nil, fmt.Errorf("dkim: unsupported key type %T: %w", pub, ErrUnsupportedAlgo)
	}
	if o.HeaderCanon == "" {
		o.HeaderCanon = Relaxed
	}
	if o.BodyCanon == "" {
		o.BodyCanon = Relaxed
	}
	for _, c := range []Canonicalization{o.HeaderCanon, o.BodyCanon} {
		if c != Simple && c != Relaxed {
			return nil, fmt.Errorf("dkim: unknown canonicalization %q", c)
		}
	}
	if o.Headers != nil {
		from := false
		for _, h := range o.Headers {
			if !validToken(h, badInName) {
				return nil, fmt.Errorf("dkim: invalid header name %q", h)
			}
			from = from || ascii.EqualFold(h, "from")
		}
		if !from {
			return nil, ErrFromNotSigned
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	s.split.max = o.MaxHeaderBytes
	s.bh = crypto.SHA256.New()
	s.body = &s.canon
	s.body.init(s.bh, o.BodyCanon, -1)
	return s, nil
}

func checkToken(what, v string) error {
	if !validToken(v, badInTag) {
		return fmt.Errorf("dkim: invalid %s %q", what, v)
	}
	return nil
}

// Classes of bytes that signer options must not hold, as bits of
// tokenBytes: badInTag for d= and s= values, badInName for h= names.
const (
	badInTag  = 1
	badInName = 2
)

// tokenBytes marks the bytes that would break the tag-list (';', '=',
// FWS) or the h= list (':' as well). A table: the check runs on every
// name of every signature.
var tokenBytes = [256]uint8{
	';': badInTag | badInName, '=': badInTag | badInName,
	' ': badInTag | badInName, '\t': badInTag | badInName,
	'\r': badInTag | badInName, '\n': badInTag | badInName,
	':': badInName,
}

// validToken reports whether v is not empty and holds no byte of the
// class bad.
func validToken(v string, bad uint8) bool {
	for i := 0; i < len(v); i++ {
		if tokenBytes[v[i]]&bad != 0 {
			return false
		}
	}
	return v != ""
}

// Write adds message bytes (header, blank line, body), in any chunking.
func (s *Signer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	body, _ := s.split.write(p)
	if s.split.err != nil {
		s.err = s.split.err
		return 0, s.err
	}
	if len(body) > 0 {
		s.body.Write(body)
	}
	return len(p), nil
}

// Close finishes the body and computes the signature. A message without
// exactly one From field is refused (ErrNoFrom, ErrMultipleFrom).
func (s *Signer) Close() error {
	if s.err != nil {
		return s.err
	}
	if s.field != "" {
		return nil
	}
	s.body.close()
	var fieldBuf [32]Field // the usual header fits on the stack
	fields := appendFields(fieldBuf[:0], s.split.header())
	froms := 0
	for _, f := range fields {
		if ascii.EqualFold(f.Name, "from") {
			froms++
		}
	}
	// A verifier rejects these (RFC 6376 section 8.15, RFC 5322 section
	// 3.6), so signing them would only produce a useless signature.
	if froms != 1 {
		s.err = ErrMultipleFrom
		if froms == 0 {
			s.err = ErrNoFrom
		}
		return s.err
	}
	names := s.opts.Headers
	if names == nil {
		names = oversign(fields, DefaultSignedHeaders())
	}
	// The body hash is formatted into the field before its hash and its
	// buffer are used again for the header. The field is built on the
	// stack (in fb when it fits) and copied once into Field's string.
	var fb [1024]byte
	field := s.format(fb[:0], names, s.bh.Sum(s.sum[:0]))
	h := s.bh
	h.Reset()
	var sel [16]int32 // the usual h= fits on the stack
	// The body's buffer, done with, gathers the canonical header.
	hashFieldsAt(h, s.opts.HeaderCanon, fields, selectIndexes(sel[:0], fields, names), field, s.canon.small[:])
	sig, err := signDigest(s.opts.Key, s.algo, h.Sum(s.sum[:0]))
	if err != nil {
		s.err = err
		return err
	}
	field = appendFoldedBase64(field, sig, len("b="))
	s.field = string(append(field, '\r', '\n'))
	return nil
}

// Field returns the DKIM-Signature field, "DKIM-Signature: ...\r\n", ready
// to be prepended to the message. It is empty until Close succeeded.
func (s *Signer) Field() string { return s.field }

// Sign reads a whole message from r and returns its DKIM-Signature field.
func Sign(r io.Reader, opts *SignOptions) (string, error) {
	s, err := NewSigner(opts)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(s, r); err != nil {
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	return s.Field(), nil
}

func signDigest(key crypto.Signer, algo Algorithm, digest []byte) ([]byte, error) {
	if algo == Ed25519SHA256 {
		// RFC 8463 section 3: PureEdDSA over the SHA-256 hash.
		return key.Sign(rand.Reader, digest, crypto.Hash(0))
	}
	return key.Sign(rand.Reader, digest, crypto.SHA256)
}

// oversign lists each name once more than it occurs in fields.
func oversign(fields []Field, names []string) []string {
	var out []string
	for _, n := range names {
		c := 1
		for _, f := range fields {
			if ascii.EqualFold(f.Name, n) {
				c++
			}
		}
		for range c {
			out = append(out, strings.ToLower(n))
		}
	}
	return out
}

// format appends to b the signature field with an empty b= at the end,
// after making room for the b= value.
func (s *Signer) format(b []byte, names []string, bodyHash []byte) []byte {
	o := &s.opts
	size := 200 + len(o.Domain) + len(o.Selector) + 3*len(o.Identifier) +
		base64.StdEncoding.EncodedLen(len(bodyHash)) + 3*signatureSize(o.Key, s.algo)/2
	for _, n := range names {
		size += len(n) + 4
	}
	b = slices.Grow(b, size)
	b = append(b, "DKIM-Signature: v=1; a="...)
	b = append(b, s.algo...)
	b = append(b, "; c="...)
	b = append(b, o.HeaderCanon...)
	b = append(b, '/')
	b = append(b, o.BodyCanon...)
	b = append(b, ";\r\n d="...)
	b = append(b, o.Domain...)
	b = append(b, "; s="...)
	b = append(b, o.Selector...)
	b = append(b, ';')
	var now time.Time
	if o.Timestamp || o.Expiration > 0 {
		now = o.Now()
		b = append(b, " t="...)
		b = strconv.AppendInt(b, now.Unix(), 10)
		b = append(b, ';')
	}
	if o.Expiration > 0 {
		b = append(b, " x="...)
		b = strconv.AppendInt(b, now.Add(o.Expiration).Unix(), 10)
		b = append(b, ';')
	}
	if o.Identifier != "" {
		b = append(b, "\r\n i="...)
		b = append(b, encodeQP(o.Identifier)...)
		b = append(b, ';')
	}
	if o.BodyLength {
		b = append(b, " l="...)
		b = strconv.AppendInt(b, s.body.total, 10)
		b = append(b, ';')
	}
	b = append(b, "\r\n h="...)
	col := 3
	for i, n := range names {
		if i > 0 {
			b = append(b, ':')
			col++
		}
		if col+len(n) > 76 {
			b = append(b, "\r\n  "...)
			col = 2
		}
		b = append(b, n...)
		col += len(n)
	}
	b = append(b, ";\r\n bh="...)
	b = base64.StdEncoding.AppendEncode(b, bodyHash)
	return append(b, ";\r\n b="...)
}

// signatureSize is the length of the key's signatures, for buffer sizes.
func signatureSize(k crypto.Signer, algo Algorithm) int {
	if algo == Ed25519SHA256 {
		return ed25519.SignatureSize
	}
	if pub, ok := k.Public().(*rsa.PublicKey); ok {
		return pub.Size()
	}
	return 512
}

// appendFoldedBase64 appends the base64 form of v, broken into lines of at
// most 76 columns; first is the column where the value starts.
func appendFoldedBase64(dst, v []byte, first int) []byte {
	const fold = "\r\n  "
	n := base64.StdEncoding.EncodedLen(len(v))
	width := 76 - first - 1
	folds := 0
	if n > width {
		folds = (n - width + 72) / 73
	}
	// The value is encoded at the end of its room, then its lines move
	// forward one by one to make room for the folds.
	at := len(dst)
	dst = slices.Grow(dst, n+len(fold)*folds)[:at+n+len(fold)*folds]
	from := at + len(fold)*folds
	base64.StdEncoding.Encode(dst[from:], v)
	for range folds {
		at += copy(dst[at:], dst[from:from+width])
		at += copy(dst[at:], fold)
		from += width
		width = 73
	}
	copy(dst[at:], dst[from:])
	return dst
}

// encodeQP encodes an i= value in DKIM-Quoted-Printable (RFC 6376 section
// 2.11): bytes outside 0x21..0x7E, ';' and '=' become =XX.
func encodeQP(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ';' || c == '=' {
			fmt.Fprintf(&b, "=%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
