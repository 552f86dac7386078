package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"strings"

	"golang.org/x/net/idna"
)

// KeyRecord is a parsed DKIM key record, the TXT record at
// selector._domainkey.domain (RFC 6376 section 3.6.1, RFC 8463 section 4).
type KeyRecord struct {
	Version   string           // v=, "DKIM1" or empty
	Hashes    []string         // h=, acceptable hash algorithms; nil = all
	KeyType   string           // k=, "rsa" (default) or "ed25519"
	Notes     string           // n=, decoded
	PublicKey crypto.PublicKey // from p=; nil when revoked
	Revoked   bool             // p= was empty (RFC 6376 section 3.6.1)
	Services  []string         // s=, default ["*"]
	Flags     []string         // t=, e.g. "y" (testing), "s" (strict i=)
}

// Testing reports the t=y flag: the domain is testing DKIM (RFC 6376
// section 3.6.1); verifiers must not treat the result differently from an
// unsigned message but may report it.
func (k *KeyRecord) Testing() bool { return k.hasFlag("y") }

// Strict reports the t=s flag: i= must use exactly the d= domain.
func (k *KeyRecord) Strict() bool { return k.hasFlag("s") }

func (k *KeyRecord) hasFlag(f string) bool {
	for _, x := range k.Flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// allowsHash reports whether h= permits the named hash.
func (k *KeyRecord) allowsHash(name string) bool {
	if k.Hashes == nil {
		return true
	}
	for _, h := range k.Hashes {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// allowsEmail reports whether s= permits the email service.
func (k *KeyRecord) allowsEmail() bool {
	for _, s := range k.Services {
		if s == "*" || strings.EqualFold(s, "email") {
			return true
		}
	}
	return false
}

// ParseKeyRecord parses a key record (RFC 6376 section 3.6.1). v=, when
// present, must be first and equal "DKIM1"; p= is required. An empty p=
// parses successfully with Revoked set. Unknown tags and unknown values in
// h=, s= and t= are ignored, as the RFC says; an unknown k= is an error,
// since the key cannot be used.
func ParseKeyRecord(txt string) (*KeyRecord, error) {
	return parseKeyRecord(new(keyStorage), txt)
}

// keyStorage holds a key record, its default s= and an RSA key of up to
// 2048 bits or an ed25519 key, so that they take one allocation, or none
// of their own when it is part of a larger one (the Verifier's).
type keyStorage struct {
	k     KeyRecord
	svc   [1]string
	rsa   rsa.PublicKey
	n     big.Int
	words [2048 / bits.UintSize]big.Word
	ed    [ed25519.PublicKeySize]byte
}

// parseKeyRecord is ParseKeyRecord into *kw, which must be zero.
func parseKeyRecord(kw *keyStorage, txt string) (*KeyRecord, error) {
	var buf [maxTagsOnStack]tag
	tags, err := appendTagList(buf[:0], txt, keyTag)
	if err != nil {
		return nil, err
	}
	k := &kw.k
	k.KeyType = "rsa"
	kw.svc[0] = "*"
	k.Services = kw.svc[:]
	var p string
	hasP := false
	for i, t := range tags {
		switch t.known {
		case keyV:
			if i != 0 || t.value != "DKIM1" {
				return nil, &SyntaxError{Tag: "v", Detail: "must be first and DKIM1", Err: ErrVersion}
			}
			k.Version = t.value
		case keyH:
			k.Hashes = splitColon(t.value)
		case keyK:
			k.KeyType = strings.ToLower(t.value)
		case keyN:
			k.Notes = decodeQP(t.value)
		case keyP:
			p, hasP = t.value, true
		case keyS:
			k.Services = splitColon(t.value)
		case keyT:
			k.Flags = splitColon(t.value)
		}
	}
	if !hasP {
		return nil, &SyntaxError{Tag: "p", Detail: "required tag missing", Err: ErrMissingTag}
	}
	if p == "" { // FWS around values is already trimmed
		k.Revoked = true
		return k, nil
	}
	// The DER of keys up to 4096 bits is decoded on the stack: RSA parsing
	// copies what it keeps.
	var derBuf [600]byte
	der := derBuf[:]
	if n := decodedLen(p); n > len(derBuf) {
		der = make([]byte, n)
	}
	n, err := decodeBase64(der, p)
	if err != nil {
		return nil, &SyntaxError{Tag: "p", Detail: "invalid base64"}
	}
	der = der[:n]
	switch k.KeyType {
	case "rsa":
		if n, e, ok := rsaSPKIParts(der); ok {
			for len(n) > 0 && n[0] == 0 {
				n = n[1:] // the sign byte of DER, which would need a word more
			}
			kw.n.SetBits(kw.words[:0]) // SetBytes uses its room
			kw.rsa = rsa.PublicKey{N: kw.n.SetBytes(n), E: e}
			k.PublicKey = &kw.rsa
			break
		}
		pub, err := parseRSAPublicKeyX509(der)
		if err != nil {
			return nil, &SyntaxError{Tag: "p", Detail: err.Error()}
		}
		k.PublicKey = pub
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, &SyntaxError{Tag: "p", Detail: "ed25519 key is not 32 bytes (RFC 8463 section 4)"}
		}
		k.PublicKey = ed25519.PublicKey(kw.ed[:copy(kw.ed[:], der)])
	default:
		return nil, &SyntaxError{Tag: "k", Detail: "unknown key type " + quoteShort(k.KeyType), Err: ErrUnsupportedAlgo}
	}
	return k, nil
}

// The tags of a key record (RFC 6376 section 3.6.1), numbered for
// [tag.known].
const (
	keyV = iota
	keyH
	keyK
	keyN
	keyP
	keyS
	keyT
)

// keyTag numbers the tags of a key record, -1 for others.
func keyTag(name string) int {
	switch name {
	case "v":
		return keyV
	case "h":
		return keyH
	case "k":
		return keyK
	case "n":
		return keyN
	case "p":
		return keyP
	case "s":
		return keyS
	case "t":
		return keyT
	}
	return -1
}

func splitColon(v string) []string {
	var out []string
	for x := range strings.SplitSeq(stripFWS(v), ":") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseRSAPublicKeyX509 accepts, through crypto/x509, the p= values that
// rsaSPKIParts leaves: other SubjectPublicKeyInfo encodings (RFC 6376
// section 3.6.1) and, as many deployed records do, a bare PKCS#1
// RSAPublicKey.
//
// QUIRK: the PKCS#1 form is accepted although the RFC names only SPKI.
func parseRSAPublicKeyX509(der []byte) (*rsa.PublicKey, error) {
	// der may be on the caller's stack; the x509 parsers may keep it.
	owned := bytes.Clone(der)
	if pub, err := x509.ParsePKIXPublicKey(owned); err == nil {
		if r, ok := pub.(*rsa.PublicKey); ok {
			return r, nil
		}
		return nil, errors.New("p= is not an RSA key")
	}
	if r, err := x509.ParsePKCS1PublicKey(owned); err == nil {
		return r, nil
	}
	return nil, errors.New("p= is not a valid RSA public key")
}

// GenerateKey makes a new signing key: algo RSASHA256 with bits between 1024
// and 4096 (0 means 2048), or Ed25519SHA256 (bits ignored).
func GenerateKey(algo Algorithm, bits int) (crypto.Signer, error) {
	switch algo {
	case RSASHA256:
		if bits == 0 {
			bits = 2048
		}
		if bits < 1024 || bits > 4096 {
			return nil, fmt.Errorf("dkim: RSA key size %d outside 1024..4096", bits)
		}
		return rsa.GenerateKey(rand.Reader, bits)
	case Ed25519SHA256:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("dkim: cannot generate keys for %q", algo)
}

// MarshalPrivateKeyPEM encodes a private key as a PKCS#8 "PRIVATE KEY" PEM
// block.
func MarshalPrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes the first PEM block of data: PKCS#8
// ("PRIVATE KEY", RSA or ed25519) or PKCS#1 ("RSA PRIVATE KEY").
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("dkim: no PEM block found")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dkim: %w", err)
		}
		if s, ok := k.(crypto.Signer); ok {
			if _, isRSA := s.(*rsa.PrivateKey); isRSA {
				return s, nil
			}
			if _, isEd := s.(ed25519.PrivateKey); isEd {
				return s, nil
			}
		}
		return nil, errors.New("dkim: PEM key is neither RSA nor ed25519")
	}
	return nil, fmt.Errorf("dkim: unsupported PEM block %q", block.Type)
}

// FormatKeyRecord returns the key record text for a public key:
// "v=DKIM1; k=rsa; p=..." (RFC 6376 section 3.6.1) or with k=ed25519 and
// the raw 32-byte key (RFC 8463 section 4). flags, if any, become t=.
func FormatKeyRecord(pub crypto.PublicKey, flags ...string) (string, error) {
	var k, p string
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim: %w", err)
		}
		k, p = "rsa", base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		k, p = "ed25519", base64.StdEncoding.EncodeToString(pub)
	default:
		return "", fmt.Errorf("dkim: unsupported public key type %T", pub)
	}
	s := "v=DKIM1; k=" + k + "; "
	if len(flags) > 0 {
		s += "t=" + strings.Join(flags, ":") + "; "
	}
	return s + "p=" + p, nil
}

// SplitTXT splits a record into character-strings of at most 255 bytes, as
// a DNS TXT record needs (RFC 1035 section 3.3.14).
func SplitTXT(record string) []string {
	var out []string
	for len(record) > 255 {
		out = append(out, record[:255])
		record = record[255:]
	}
	return append(out, record)
}

// ZoneLine formats the TXT record for a zone file, for example
//
//	sel._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=..."
//
// with the record split into quoted strings of at most 255 bytes.
func ZoneLine(selector, domain, record string) string {
	parts := SplitTXT(record)
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(p, `\`, `\\`), `"`, `\"`) + `"`
	}
	return KeyName(selector, domain) + ". IN TXT " + strings.Join(parts, " ")
}

// KeyName returns the DNS name of a key: selector._domainkey.domain (RFC
// 6376 section 3.6.2.1).
//
// Selector and domain in U-labels are converted to A-labels for the query
// (RFC 8616 section 4).
func KeyName(selector, domain string) string {
	return toASCII(selector) + "._domainkey." + toASCII(strings.TrimSuffix(domain, "."))
}

// toASCII converts U-labels to A-labels, leaving ASCII (and anything that
// does not convert) as it is.
func toASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if a, err := idna.Punycode.ToASCII(s); err == nil {
				return a
			}
			return s
		}
	}
	return s
}
