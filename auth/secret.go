package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/text/secure/precis"
)

// DefaultIterations is the SCRAM iteration count DeriveSCRAMSecret uses when
// given 0: the minimum RFC 5802 section 5.1 and RFC 7677 section 4 ask
// servers to announce. Applications with the CPU budget should use more.
const DefaultIterations = 4096

// Bounds on stored and announced SCRAM parameters.
const (
	// DefaultMinIterations is ClientOptions.MinIterations' default.
	DefaultMinIterations = 4096
	// DefaultMaxIterations is ClientOptions.MaxIterations' default. It stops a
	// hostile server from burning the client's CPU.
	DefaultMaxIterations = 1_000_000
	saltLen              = 16
	maxSaltLen           = 1024
)

// scramHash describes one SCRAM hash family.
type scramHash struct {
	mech string // SCRAM-SHA-1 or SCRAM-SHA-256
	new  func() hash.Hash
	size int
}

var (
	hashSHA1   = scramHash{SCRAMSHA1, sha1.New, sha1.Size}
	hashSHA256 = scramHash{SCRAMSHA256, sha256.New, sha256.Size}
)

// scramHashFor returns the hash family for a SCRAM mechanism name, with or
// without -PLUS.
func scramHashFor(mech string) (scramHash, bool) {
	switch strings.TrimSuffix(strings.ToUpper(mech), "-PLUS") {
	case SCRAMSHA1:
		return hashSHA1, true
	case SCRAMSHA256:
		return hashSHA256, true
	}
	return scramHash{}, false
}

func (h scramHash) hmac(key []byte, parts ...string) []byte {
	m := hmac.New(h.new, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func (h scramHash) sum(b []byte) []byte {
	d := h.new()
	d.Write(b)
	return d.Sum(nil)
}

// saltedPassword is Hi(Normalize(password), salt, i) of RFC 5802 section
// 2.2, which is PBKDF2 with HMAC-H (RFC 2898).
func (h scramHash) saltedPassword(password string, salt []byte, iter int) ([]byte, error) {
	p, err := saslPrep(password)
	if err != nil {
		return nil, err
	}
	return pbkdf2.Key(h.new, p, salt, iter, h.size)
}

// ErrInvalidString means a username or password was rejected by string
// preparation (RFC 4013 SASLprep, here the PRECIS OpaqueString profile).
var ErrInvalidString = errors.New("auth: string rejected by SASLprep/PRECIS")

// saslPrep prepares a password or username for SCRAM (RFC 5802 section 2.2
// "Normalize").
//
// QUIRK: SASLprep (RFC 4013, stringprep) is obsolete; we apply its successor,
// the PRECIS OpaqueString profile (RFC 8265 section 4.2) from
// golang.org/x/text. The two agree on ASCII and on typical input, but
// OpaqueString normalises with NFC where SASLprep used NFKC (so compatibility
// characters such as U+2168 ROMAN NUMERAL NINE are kept, not folded to "IX"),
// and it rejects unassigned and default-ignorable code points (such as SOFT
// HYPHEN, which SASLprep maps to nothing). An empty or control-character string
// is rejected with ErrInvalidString, as in both specifications.
func saslPrep(s string) (string, error) {
	p, err := precis.OpaqueString.String(s)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidString, err)
	}
	return p, nil
}

// SCRAMSecret is what a server stores for a SCRAM mechanism instead of a
// password (RFC 5802 section 3): the salt, the iteration count, StoredKey :=
// H(HMAC(SaltedPassword, "Client Key")) and ServerKey :=
// HMAC(SaltedPassword, "Server Key").
type SCRAMSecret struct {
	Mechanism  string // SCRAM-SHA-1 or SCRAM-SHA-256
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// DeriveSCRAMSecret computes the stored secret for password. mech is
// SCRAM-SHA-1 or SCRAM-SHA-256 (a -PLUS suffix is ignored). A nil salt means
// 16 fresh random bytes; iterations 0 means DefaultIterations.
func DeriveSCRAMSecret(mech, password string, salt []byte, iterations int) (*SCRAMSecret, error) {
	h, ok := scramHashFor(mech)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a SCRAM mechanism", ErrUnsupportedMechanism, mech)
	}
	if iterations == 0 {
		iterations = DefaultIterations
	}
	if iterations < 1 {
		return nil, fmt.Errorf("auth: invalid iteration count %d", iterations)
	}
	if salt == nil {
		salt = make([]byte, saltLen)
		rand.Read(salt)
	}
	sp, err := h.saltedPassword(password, salt, iterations)
	if err != nil {
		return nil, err
	}
	return &SCRAMSecret{
		Mechanism:  h.mech,
		Salt:       append([]byte(nil), salt...),
		Iterations: iterations,
		StoredKey:  h.sum(h.hmac(sp, "Client Key")),
		ServerKey:  h.hmac(sp, "Server Key"),
	}, nil
}

// CheckPassword reports, in constant time with respect to the secret,
// whether password matches s. It lets a server verify PLAIN and LOGIN
// against stored SCRAM secrets, so it never needs the plaintext.
func (s *SCRAMSecret) CheckPassword(password string) bool {
	d, err := DeriveSCRAMSecret(s.Mechanism, password, s.Salt, s.Iterations)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(d.StoredKey, s.StoredKey) == 1
}

// String encodes s in the RFC 5803 section 3 form,
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>" with standard
// base64, which PostgreSQL also stores.
func (s *SCRAMSecret) String() string {
	e := base64.StdEncoding.EncodeToString
	return s.Mechanism + "$" + strconv.Itoa(s.Iterations) + ":" + e(s.Salt) + "$" +
		e(s.StoredKey) + ":" + e(s.ServerKey)
}

// DovecotString encodes s in Dovecot's password-scheme form,
// "{SCRAM-SHA-256}<iterations>,<salt>,<StoredKey>,<ServerKey>", for a
// passwd-file or SQL passdb.
func (s *SCRAMSecret) DovecotString() string {
	e := base64.StdEncoding.EncodeToString
	return "{" + s.Mechanism + "}" + strconv.Itoa(s.Iterations) + "," + e(s.Salt) + "," +
		e(s.StoredKey) + "," + e(s.ServerKey)
}

// ParseSCRAMSecret decodes either the String (RFC 5803, PostgreSQL) or the
// DovecotString form; in the latter a fifth field, as GNU SASL's
// "gsasl --mkpasswd" appends (the hex salted password), is ignored. It checks
// the mechanism name, the key lengths for the hash, and that iterations is
// positive.
func ParseSCRAMSecret(str string) (*SCRAMSecret, error) {
	var mech, iterStr, saltStr, storedStr, serverStr string
	if rest, ok := strings.CutPrefix(str, "{"); ok {
		var fields string
		mech, fields, ok = strings.Cut(rest, "}")
		f := strings.Split(fields, ",")
		if !ok || len(f) < 4 || len(f) > 5 {
			return nil, malformed("SCRAM secret", "want {MECH}iterations,salt,StoredKey,ServerKey")
		}
		iterStr, saltStr, storedStr, serverStr = f[0], f[1], f[2], f[3]
	} else {
		var params, keys string
		var ok1, ok2, ok3 bool
		mech, rest, ok1 = strings.Cut(str, "$")
		params, keys, ok2 = strings.Cut(rest, "$")
		iterStr, saltStr, ok3 = strings.Cut(params, ":")
		var ok4 bool
		storedStr, serverStr, ok4 = strings.Cut(keys, ":")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, malformed("SCRAM secret", "want MECH$iterations:salt$StoredKey:ServerKey")
		}
	}
	return decodeSCRAMSecret(mech, iterStr, saltStr, storedStr, serverStr)
}

func decodeSCRAMSecret(mech, iterStr, saltStr, storedStr, serverStr string) (*SCRAMSecret, error) {
	bad := func(reason string) error { return malformed("SCRAM secret", reason) }
	h, ok := scramHashFor(mech)
	if !ok || strings.HasSuffix(strings.ToUpper(mech), "-PLUS") {
		return nil, bad("unknown mechanism")
	}
	iter, ok := parseIterations(iterStr)
	if !ok {
		return nil, bad("invalid iteration count")
	}
	d := b64decode
	salt, err1 := d(saltStr)
	stored, err2 := d(storedStr)
	server, err3 := d(serverStr)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, bad("invalid base64")
	}
	if len(salt) == 0 || len(salt) > maxSaltLen || len(stored) != h.size || len(server) != h.size {
		return nil, bad("wrong salt or key length")
	}
	return &SCRAMSecret{Mechanism: h.mech, Salt: salt, Iterations: iter, StoredKey: stored, ServerKey: server}, nil
}
