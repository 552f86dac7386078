package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"sync"
)

// Credentials is the one interface through which server mechanisms ask the
// application about users. Every method gets the exchange's context.
//
// For a wrong password, an unknown user, an invalid token or a refused
// authorization, return ErrAuthFailed (or an error wrapping it, such as a
// *TokenError). Any other error (a database that is down, a canceled ctx) is
// passed through unchanged by ServerMechanism.Next, and protocol servers
// should answer it as a temporary failure (SMTP 454 4.7.0).
//
// A mechanism calls only the methods it needs, so an application that does
// not offer, say, OAUTHBEARER may return ErrAuthFailed from ValidateToken.
type Credentials interface {
	// CheckPassword verifies a plaintext password (PLAIN, LOGIN). authn is
	// the authentication identity as the client sent it. Compare in
	// constant time, or against a slow salted hash.
	CheckPassword(ctx context.Context, authn, password string) error

	// LookupSecret returns what a challenge-response mechanism needs for
	// authn: for mech SCRAM-SHA-1 or SCRAM-SHA-256 (never the -PLUS name),
	// Secret.SCRAM with the matching Hash; for CRAM-MD5, Secret.Password
	// (CRAM-MD5 cannot work without the plaintext password).
	LookupSecret(ctx context.Context, authn, mech string) (Secret, error)

	// ValidateToken checks a bearer token (OAUTHBEARER, XOAUTH2) and returns
	// the authentication identity the token was issued to. To control the
	// OAUTHBEARER error reply (RFC 7628 section 3.2.2), return a *TokenError.
	ValidateToken(ctx context.Context, tok *Token) (authn string, err error)

	// Authorize decides whether authn may act as authz (RFC 4422 section
	// 3.4.1). It is called only when the client asked for an authorization
	// identity that differs from authn, and for EXTERNAL whenever one is
	// asked for. Return nil to permit.
	Authorize(ctx context.Context, authn, authz string) error
}

// Secret is what Credentials.LookupSecret returns.
type Secret struct {
	// SCRAM is the stored SCRAM secret for a SCRAM-* lookup.
	SCRAM *SCRAMSecret
	// Password is the plaintext password, needed only for CRAM-MD5.
	Password string
}

// Token is a bearer token presented by an OAUTHBEARER or XOAUTH2 client.
type Token struct {
	Mechanism string // OAUTHBEARER or XOAUTH2
	// User is the identity the client claims: the gs2 authzid "a=" of
	// OAUTHBEARER (RFC 7628 section 3.1), or "user=" of XOAUTH2. It may be
	// empty for OAUTHBEARER. When it differs from the identity the token
	// belongs to, the server calls Authorize.
	User  string
	Token string // the bearer token itself, without "Bearer "
	Host  string // OAUTHBEARER "host" key, if sent
	Port  string // OAUTHBEARER "port" key, if sent
}

// Identity is the outcome of a successful exchange.
type Identity struct {
	Mechanism string // canonical mechanism name
	// Authn is the authentication identity: whose credentials were checked
	// (the authcid, the token's owner, or for EXTERNAL the external
	// identity from ServerOptions.ExternalIdentity).
	Authn string
	// Authz is the authorization identity the client asked to act as. It is
	// set only when it was permitted (equal to Authn, or allowed by
	// Credentials.Authorize); empty when none was asked for.
	Authz string
	// Anonymous is true after ANONYMOUS; Trace then holds the trace string
	// and Authn and Authz are empty: the client is nobody in particular.
	Anonymous bool
	Trace     string
	// ChannelBinding is the channel binding type that was verified (SCRAM
	// -PLUS), or "".
	ChannelBinding string
}

// User returns the identity to act as: Authz when set, else Authn.
func (id Identity) User() string {
	if id.Authz != "" {
		return id.Authz
	}
	return id.Authn
}

// TokenError is an error a Credentials.ValidateToken implementation may
// return to shape the OAUTHBEARER failure challenge (RFC 7628 section 3.2.2).
// It matches ErrAuthFailed with errors.Is.
type TokenError struct {
	Status              string `json:"status"` // e.g. "invalid_token"
	Scope               string `json:"scope,omitempty"`
	OpenIDConfiguration string `json:"openid-configuration,omitempty"`
}

func (e *TokenError) Error() string { return "auth: token rejected: " + e.Status }

// Is makes errors.Is(err, ErrAuthFailed) true.
func (e *TokenError) Is(target error) bool { return target == ErrAuthFailed }

// JSON returns the RFC 7628 section 3.2.2 error JSON object.
func (e *TokenError) JSON() []byte {
	b, _ := json.Marshal(e) // cannot fail: three strings
	return b
}

// MemoryStore is an in-memory Credentials implementation for tests, examples
// and small servers. It stores only SCRAM secrets (never the plaintext,
// unless SetPlaintext is used for CRAM-MD5) and checks PLAIN/LOGIN passwords
// against the stored SCRAM-SHA-256 secret. It is safe for concurrent use. The
// zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	dummy  *SCRAMSecret // checked for unknown users, so they take as long
	mu     sync.RWMutex
	users  map[string]*memUser
	tokens map[string]string
	authz  map[[2]string]bool
}

type memUser struct {
	plaintext string
	scram     map[string]*SCRAMSecret // by mechanism base name
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	dummy, _ := DeriveSCRAMSecret(SCRAMSHA256, "dummy password", nil, DefaultIterations)
	return &MemoryStore{
		dummy:  dummy,
		users:  make(map[string]*memUser),
		tokens: make(map[string]string),
		authz:  make(map[[2]string]bool),
	}
}

// SetPassword derives and stores SCRAM-SHA-1 and SCRAM-SHA-256 secrets for
// user with a fresh random salt and the given iteration count (0 means
// DefaultIterations). The password itself is not kept.
func (m *MemoryStore) SetPassword(user, password string, iterations int) error {
	u := &memUser{scram: make(map[string]*SCRAMSecret)}
	for _, mech := range []string{SCRAMSHA1, SCRAMSHA256} {
		s, err := DeriveSCRAMSecret(mech, password, nil, iterations)
		if err != nil {
			return err
		}
		u.scram[mech] = s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[user] = u
	return nil
}

// SetPlaintext is SetPassword that also keeps the plaintext, which CRAM-MD5
// requires.
func (m *MemoryStore) SetPlaintext(user, password string, iterations int) error {
	if err := m.SetPassword(user, password, iterations); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[user].plaintext = password
	return nil
}

// SetSecret stores a SCRAM secret (for example one parsed with
// ParseSCRAMSecret) for user, next to any secrets already stored.
func (m *MemoryStore) SetSecret(user string, s *SCRAMSecret) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.users[user]
	if u == nil {
		u = &memUser{scram: make(map[string]*SCRAMSecret)}
		m.users[user] = u
	}
	u.scram[s.Mechanism] = s
}

// SetToken registers a bearer token that authenticates user.
func (m *MemoryStore) SetToken(token, user string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[token] = user
}

// Allow permits authn to act as authz.
func (m *MemoryStore) Allow(authn, authz string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.authz[[2]string{authn, authz}] = true
}

// CheckPassword implements Credentials.
func (m *MemoryStore) CheckPassword(ctx context.Context, authn, password string) error {
	m.mu.RLock()
	u := m.users[authn]
	m.mu.RUnlock()
	if u == nil {
		// Spend the same work as for a real user, so response time does
		// not reveal which user names exist.
		m.dummy.CheckPassword(password)
		return ErrAuthFailed
	}
	if u.plaintext != "" {
		if equalSecret(u.plaintext, password) {
			return nil
		}
		return ErrAuthFailed
	}
	for _, mech := range []string{SCRAMSHA256, SCRAMSHA1} {
		if s := u.scram[mech]; s != nil {
			if s.CheckPassword(password) {
				return nil
			}
			return ErrAuthFailed
		}
	}
	return ErrAuthFailed
}

// LookupSecret implements Credentials.
func (m *MemoryStore) LookupSecret(ctx context.Context, authn, mech string) (Secret, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u := m.users[authn]
	if u == nil {
		return Secret{}, ErrAuthFailed
	}
	if mech == CRAMMD5 {
		if u.plaintext == "" {
			return Secret{}, ErrAuthFailed
		}
		return Secret{Password: u.plaintext}, nil
	}
	s := u.scram[mech]
	if s == nil {
		return Secret{}, fmt.Errorf("%w: no %s secret for user", ErrAuthFailed, mech)
	}
	return Secret{SCRAM: s}, nil
}

// ValidateToken implements Credentials.
func (m *MemoryStore) ValidateToken(ctx context.Context, tok *Token) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for t, user := range m.tokens {
		if equalSecret(t, tok.Token) {
			return user, nil
		}
	}
	return "", &TokenError{Status: "invalid_token"}
}

// equalSecret compares in constant time, without revealing even the
// length: crypto/subtle returns early on a length mismatch, so it compares
// fixed-size digests.
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// Authorize implements Credentials.
func (m *MemoryStore) Authorize(ctx context.Context, authn, authz string) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.authz[[2]string{authn, authz}] {
		return nil
	}
	return ErrAuthFailed
}
