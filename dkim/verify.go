package dkim

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/yubinmail/yubin/internal/ascii"
)

// Resolver is the DNS lookup the verifier needs. Each returned string is
// one TXT record with its character-strings joined. NXDOMAIN must be a
// *net.DNSError with IsNotFound set; temporary failures a *net.DNSError
// with IsTemporary set (the Yubin DNS convention, see package dnsmock).
// The keys of a message's signatures are looked up concurrently, so an
// implementation must be safe for concurrent use.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// maxRSABits bounds the RSA keys the verifier accepts.
const maxRSABits = 8192

// Status is an RFC 8601 section 2.7.1 DKIM result.
type Status string

// The results of RFC 8601 section 2.7.1.
const (
	StatusNone      Status = "none" // the message has no signature
	StatusPass      Status = "pass"
	StatusFail      Status = "fail"
	StatusNeutral   Status = "neutral"
	StatusTempError Status = "temperror"
	StatusPermError Status = "permerror"
	StatusPolicy    Status = "policy"
)

// Result is the outcome for one DKIM-Signature field.
type Result struct {
	Status Status
	// Reason is a short human-readable explanation, empty on pass.
	Reason string
	// Err is the typed cause (errors.Is with the Err* sentinels); nil on pass.
	Err error

	Domain     string    // d=
	Selector   string    // s=
	Identifier string    // i= (or "@" + d= by default)
	Algorithm  Algorithm // a=
	// HeaderB is the first 8 characters of b=, for the RFC 6008 header.b
	// property that tells signatures apart.
	HeaderB string

	Signature *Signature // nil when the field did not parse
	Key       *KeyRecord // nil when no usable key was found
	// Testing is set when the key has t=y (RFC 6376 section 3.6.1).
	Testing bool
	// SignedLength and UnsignedLength are the canonicalized body bytes
	// covered by the signature and following the l= length. Without l=,
	// UnsignedLength is 0.
	SignedLength, UnsignedLength int64
}

// VerifyOptions configures verification; a nil *VerifyOptions means the
// defaults documented on each field.
type VerifyOptions struct {
	// Resolver looks up keys. nil means a DNS resolver built from
	// /etc/resolv.conf (internal/dnsclient).
	Resolver Resolver
	// MaxSignatures bounds the signatures verified per message (default
	// 5); further ones get StatusPolicy with ErrTooManySignatures and cause
	// no DNS lookup.
	MaxSignatures int
	// AllowSHA1 accepts rsa-sha1 signatures. Off by default: RFC 8301
	// section 3.1 forbids treating them as valid; they get StatusPolicy.
	AllowSHA1 bool
	// MinRSABits is the smallest RSA key accepted; 0 means 1024, the RFC
	// 8301 section 3.2 floor. Smaller keys get permerror; a value below 1024
	// allows legacy keys for old archives, a value above 1024 refuses weaker
	// keys with StatusPolicy.
	MinRSABits int
	// AllowUnsignedContent lets a signature with l= pass even when body
	// content follows the signed length. By default such a signature
	// fails with ErrUnsignedContent, since that content would be shown
	// under a passing signature (RFC 6376 section 8.2).
	AllowUnsignedContent bool
	// IgnoreExpiration skips the x= check (RFC 6376 section 3.5 lets
	// verifiers ignore it). By default an expired signature is permerror.
	IgnoreExpiration bool
	// ClockSkew is the tolerance for t= in the future and x= in the past;
	// 0 means 5 minutes.
	ClockSkew time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxHeaderBytes bounds the header block kept in memory; 0 means
	// DefaultMaxHeaderBytes (1 MiB).
	MaxHeaderBytes int
	// Logger receives debug records; nil discards them.
	Logger *slog.Logger
}

func (o *VerifyOptions) withDefaults() (VerifyOptions, error) {
	var v VerifyOptions
	if o != nil {
		v = *o
	}
	if v.MaxSignatures <= 0 {
		v.MaxSignatures = 5
	}
	if v.MinRSABits <= 0 {
		v.MinRSABits = 1024
	}
	if v.ClockSkew <= 0 {
		v.ClockSkew = 5 * time.Minute
	}
	if v.Now == nil {
		v.Now = time.Now
	}
	if v.MaxHeaderBytes <= 0 {
		v.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if v.Resolver == nil {
		r, err := defaultResolver()
		if err != nil {
			return v, err
		}
		v.Resolver = r
	}
	return v, nil
}

// Verify reads a whole message from r and verifies every DKIM-Signature
// (up to MaxSignatures), in the order they appear. A message without
// signatures gives an empty slice. The error is non-nil only when the
// message could not be read or its header exceeds MaxHeaderBytes.
func Verify(ctx context.Context, r io.Reader, opts *VerifyOptions) ([]Result, error) {
	v, err := NewVerifier(ctx, opts)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(v, r); err != nil {
		return nil, err
	}
	return v.Close()
}

// Verifier verifies while the message is written to it: keys are fetched
// as soon as the header is complete, and the body is hashed in one pass
// for every signature at once.
type Verifier struct {
	ctx   context.Context
	opts  VerifyOptions
	split headerSplitter
	sigs  []*pending
	over  int // signatures past MaxSignatures, after sigs
	err   error

	// Storage for the usual message with one or two signatures, to save
	// allocations.
	first   pending
	sigsBuf [2]*pending
}

// pending is one signature under verification.
type pending struct {
	res       [1]Result   // an array, so that Close can return it in place
	decided   bool        // res is final (an error before the body)
	hashAlg   crypto.Hash // the a= hash, for the signature check
	bodyH     hash.Hash   // receives the canonical body
	body      *bodyCanon  // nil, or canon once the body is hashed
	canon     bodyCanon
	digest    []byte   // header hash, in digestBuf
	digestBuf [32]byte // room for SHA-256 and SHA-1 sums
	bodySum   [32]byte // the body hash, in finish
	pub       crypto.PublicKey
	field     int      // the DKIM-Signature field's index in the header
	keyTXT    []string // the key lookup's answer
	keyErr    error

	// Storage for the parsed signature and key record, which the Result
	// points to: a Result keeps its Verifier's memory anyway.
	sig Signature
	key keyStorage
}

// NewVerifier returns a Verifier; ctx bounds its key lookups.
func NewVerifier(ctx context.Context, opts *VerifyOptions) (*Verifier, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	v := &Verifier{ctx: ctx, opts: o}
	v.split.max = o.MaxHeaderBytes
	v.split.borrow = true
	return v, nil
}

// Write adds message bytes in any chunking.
func (v *Verifier) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	body, completed := v.split.write(p)
	if v.split.err != nil {
		v.err = v.split.err
		return 0, v.err
	}
	if completed {
		v.startBody()
	}
	if len(body) > 0 {
		for _, s := range v.sigs {
			if s.body != nil {
				s.body.Write(body)
			}
		}
	}
	return len(p), nil
}

// Close finishes the body and returns one Result per signature.
func (v *Verifier) Close() ([]Result, error) {
	if v.err != nil {
		return nil, v.err
	}
	if !v.split.done {
		v.split.done = true
		v.startBody()
	}
	for _, s := range v.sigs {
		if !s.decided {
			v.finish(s)
		}
	}
	if len(v.sigs) == 1 && v.over == 0 {
		return v.first.res[:], nil
	}
	out := make([]Result, 0, len(v.sigs)+v.over)
	for _, s := range v.sigs {
		out = append(out, s.res[0])
	}
	var over Result
	over.fail(StatusPolicy, ErrTooManySignatures, "")
	for range v.over {
		out = append(out, over)
	}
	return out, nil
}

// startBody parses the signatures and fetches keys once the header is in.
func (v *Verifier) startBody() {
	// The header and its fields are needed only here: the signatures keep
	// a copy of their text.
	defer v.split.release()
	var fieldBuf [32]Field
	fields := appendFields(fieldBuf[:0], v.split.header())
	froms := 0
	for _, f := range fields {
		if ascii.EqualFold(f.Name, "from") {
			froms++
		}
	}
	n := 0
	var readyBuf [2]*pending
	ready := readyBuf[:0] // signatures that need their key
	for i := range fields {
		if !ascii.EqualFold(fields[i].Name, "DKIM-Signature") {
			continue
		}
		if n++; n > v.opts.MaxSignatures {
			// Only counted: a header of many signature fields must not
			// cost a pending each (see Close).
			v.over++
			continue
		}
		s := &v.first
		if len(v.sigs) > 0 {
			s = new(pending)
		} else {
			v.sigs = v.sigsBuf[:0]
		}
		s.field = i
		v.sigs = append(v.sigs, s)
		if v.precheck(s, string(fields[i].Raw), froms) {
			ready = append(ready, s)
		}
	}
	v.lookupKeys(ready)
	for _, s := range ready {
		v.prepare(s, fields)
	}
}

// lookupKeys fetches the keys of several signatures at once, so that the
// DNS latency of a message is that of its slowest lookup, not their sum.
// The Resolver must be safe for concurrent use (dnsmock and the default
// resolver are).
func (v *Verifier) lookupKeys(sigs []*pending) {
	if len(sigs) == 1 {
		v.lookupKey(sigs[0])
		return
	}
	var wg sync.WaitGroup
	for _, s := range sigs {
		wg.Go(func() { v.lookupKey(s) })
	}
	wg.Wait()
}

// lookupKey fetches the key record of one signature.
func (v *Verifier) lookupKey(s *pending) {
	name := KeyName(s.res[0].Signature.Selector, s.res[0].Signature.Domain)
	s.keyTXT, s.keyErr = v.opts.Resolver.LookupTXT(v.ctx, name)
	if l := v.opts.Logger; l != nil {
		l.Debug("dkim key lookup", "name", name, "records", len(s.keyTXT), "err", s.keyErr)
	}
}

// fail records a final result.
func (s *pending) fail(st Status, err error, reason string) {
	s.decided = true
	s.res[0].fail(st, err, reason)
	s.body = nil
}

// fail sets the status, the error and the reason, which defaults to the
// error's text.
func (r *Result) fail(st Status, err error, reason string) {
	r.Status, r.Err = st, err
	if reason == "" && err != nil {
		reason = strings.TrimPrefix(err.Error(), "dkim: ")
	}
	r.Reason = reason
}

// precheck parses one signature from its field's text, a copy that the
// Signature's strings keep, and applies the checks that need no key; it
// reports whether the key should be fetched.
func (v *Verifier) precheck(s *pending, text string, froms int) bool {
	_, value, _ := strings.Cut(text, ":")
	sig, err := parseSignature(&s.sig, value)
	if sig != nil {
		s.res[0].Domain, s.res[0].Selector, s.res[0].Algorithm = sig.Domain, sig.Selector, sig.Algorithm
		s.res[0].Identifier, s.res[0].Signature = sig.Identifier, sig
	}
	if sig != nil {
		s.res[0].HeaderB = headerB(value[sig.bAt:sig.bEnd])
	} else if t, ok := findTag(value, "b"); ok {
		s.res[0].HeaderB = headerB(t)
	}
	if err != nil {
		if sig == nil {
			s.res[0].Domain, _ = findTag(value, "d")
			s.res[0].Selector, _ = findTag(value, "s")
		}
		s.fail(StatusPermError, err, "")
		return false
	}
	if froms > 1 {
		s.fail(StatusPermError, ErrMultipleFrom, "")
		return false
	}
	if froms == 0 {
		s.fail(StatusNeutral, nil, "message has no From field")
		return false
	}
	if _, _, ok := sig.Algorithm.hash(); !ok {
		s.fail(StatusPermError, ErrUnsupportedAlgo, "unsupported algorithm "+string(sig.Algorithm))
		return false
	}
	if sig.Algorithm == RSASHA1 && !v.opts.AllowSHA1 {
		s.fail(StatusPolicy, ErrSHA1Disabled, "")
		return false
	}
	return v.checkTimes(s, sig)
}

// prepare checks the fetched key and hashes the header (RFC 6376 section
// 6.1.2 and 6.1.3).
func (v *Verifier) prepare(s *pending, fields []Field) {
	sig := s.res[0].Signature
	hashAlg, hashName, _ := sig.Algorithm.hash()
	key, ok := v.parseKey(s, sig)
	if !ok {
		return
	}
	if !v.checkKey(s, sig, key, hashName) {
		return
	}
	s.pub = key.PublicKey
	h := hashAlg.New()
	var noB [1024]byte // the signature field without b=, usually on the stack
	var sel [16]int32
	// The body's buffer, not in use yet, gathers the canonical header.
	hashFieldsAt(h, sig.HeaderCanon, fields, selectIndexes(sel[:0], fields, sig.Headers),
		sig.withoutB(noB[:0], fields[s.field].Raw), s.canon.small[:])
	s.digest = h.Sum(s.digestBuf[:0])
	s.hashAlg = hashAlg
	// The header hash is done: it hashes the body next.
	h.Reset()
	s.bodyH = h
	s.body = &s.canon
	s.body.init(h, sig.BodyCanon, sig.BodyLength)
}

// headerB returns the RFC 6008 header.b value of a b= value as written:
// its first 8 characters other than FWS, a substring when no FWS falls
// among them.
func headerB(b string) string {
	b = trimFWS(b)
	if n := min(len(b), 8); indexFWS(b[:n]) == n {
		return b[:n]
	}
	var buf [8]byte
	k := 0
	for i := 0; i < len(b) && k < len(buf); i++ {
		if !isFWS(b[i]) {
			buf[k] = b[i]
			k++
		}
	}
	return string(buf[:k])
}

// findTag extracts a tag value from a possibly broken tag-list, for
// reporting only.
func findTag(list, name string) (string, bool) {
	for part := range strings.SplitSeq(list, ";") {
		k, val, ok := strings.Cut(part, "=")
		if ok && trimFWS(k) == name {
			return trimFWS(val), true
		}
	}
	return "", false
}

// checkTimes applies x= and t= (RFC 6376 section 3.5).
func (v *Verifier) checkTimes(s *pending, sig *Signature) bool {
	if sig.Expiration.IsZero() && sig.Timestamp.IsZero() {
		return true
	}
	now := v.opts.Now()
	if !sig.Expiration.IsZero() && !v.opts.IgnoreExpiration && now.After(sig.Expiration.Add(v.opts.ClockSkew)) {
		s.fail(StatusPermError, ErrExpired, "")
		return false
	}
	if !sig.Timestamp.IsZero() && sig.Timestamp.After(now.Add(v.opts.ClockSkew)) {
		s.fail(StatusPermError, ErrFutureTimestamp, "")
		return false
	}
	return true
}

// parseKey interprets the key lookup (RFC 6376 section 6.1.2).
func (v *Verifier) parseKey(s *pending, sig *Signature) (*KeyRecord, bool) {
	name := func() string { return KeyName(sig.Selector, sig.Domain) }
	txts, err := s.keyTXT, s.keyErr
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			s.fail(StatusPermError, ErrNoKey, "no key record at "+name())
			return nil, false
		}
		s.fail(StatusTempError, errors.Join(ErrKeyUnavailable, err), "key lookup failed: "+name())
		return nil, false
	}
	switch len(txts) {
	case 0:
		s.fail(StatusPermError, ErrNoKey, "no key record at "+name())
		return nil, false
	case 1:
	default:
		// QUIRK: RFC 6376 section 3.6.2.2 leaves this undefined; choosing
		// one record at random would make results unstable, so we refuse.
		s.fail(StatusPermError, ErrMultipleKeys, "")
		return nil, false
	}
	key, err := parseKeyRecord(&s.key, txts[0])
	if err != nil {
		s.fail(StatusPermError, err, "key record: "+strings.TrimPrefix(err.Error(), "dkim: "))
		return nil, false
	}
	s.res[0].Key = key
	s.res[0].Testing = key.Testing()
	return key, true
}

// checkKey applies the key record's constraints (RFC 6376 section 6.1.2,
// RFC 8301 section 3.2).
func (v *Verifier) checkKey(s *pending, sig *Signature, key *KeyRecord, hashName string) bool {
	switch {
	case key.Revoked:
		s.fail(StatusPermError, ErrKeyRevoked, "")
	case key.KeyType != sig.Algorithm.keyType():
		s.fail(StatusPermError, ErrKeyTypeMismatch, "")
	case !key.allowsHash(hashName):
		s.fail(StatusPermError, ErrKeyHashMismatch, "")
	case !key.allowsEmail():
		s.fail(StatusPermError, ErrKeyServiceMismatch, "")
	case key.Strict() && !strictIdentity(sig):
		s.fail(StatusPermError, ErrKeyStrictSubdomain, "")
	default:
		if pub, ok := key.PublicKey.(*rsa.PublicKey); ok {
			bits := pub.N.BitLen()
			if bits > maxRSABits {
				// Verifying with a huge key costs time quadratic in its
				// size; no signer uses more than 4096 bits (RFC 8301).
				s.fail(StatusPermError, ErrKeyTooLarge, "RSA key of "+itoa(int64(bits))+" bits")
				return false
			}
			// QUIRK: below 1024 bits, crypto/rsa itself also needs
			// GODEBUG=rsa1024min=0 (see the package doc).
			if bits < v.opts.MinRSABits {
				st := StatusPolicy
				if bits < 1024 {
					st = StatusPermError
				}
				s.fail(st, ErrKeyTooSmall, "RSA key of "+itoa(int64(bits))+" bits")
				return false
			}
		}
		return true
	}
	return false
}

func strictIdentity(sig *Signature) bool {
	_, dom, _ := strings.Cut(sig.Identifier, "@")
	return strings.EqualFold(strings.TrimSuffix(dom, "."), strings.TrimSuffix(sig.Domain, "."))
}

// finish compares the body hash and checks the signature (RFC 6376
// section 6.1.3).
func (v *Verifier) finish(s *pending) {
	s.body.close()
	sig := s.res[0].Signature
	s.res[0].SignedLength = s.body.hashed
	if sig.HasBodyLength {
		if sig.BodyLength > s.body.total {
			s.fail(StatusFail, ErrBodyHash, "l= is longer than the body")
			return
		}
		s.res[0].UnsignedLength = s.body.total - sig.BodyLength
	}
	if subtle.ConstantTimeCompare(s.bodyH.Sum(s.bodySum[:0]), sig.BodyHash) != 1 {
		s.fail(StatusFail, ErrBodyHash, "")
		return
	}
	var ok bool
	switch pub := s.pub.(type) {
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, s.hashAlg, s.digest, sig.Signature) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(pub, s.digest, sig.Signature)
	}
	if !ok {
		s.fail(StatusFail, ErrBadSignature, "")
		return
	}
	if s.res[0].UnsignedLength > 0 && !v.opts.AllowUnsignedContent {
		s.fail(StatusFail, ErrUnsignedContent, itoa(s.res[0].UnsignedLength)+" body bytes after l= are not signed")
		return
	}
	s.decided = true
	s.res[0].Status = StatusPass
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
