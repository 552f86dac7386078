package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// kvsep separates OAUTHBEARER and XOAUTH2 key/value pairs (RFC 7628 section 3.1).
const kvsep = "\x01"

// ---- OAUTHBEARER (RFC 7628) ----

type oauthBearerServer struct {
	s      *server
	failed error // set after the error challenge; the client must answer kvsep
}

func (ob *oauthBearerServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	if ob.failed != nil {
		// RFC 7628 section 3.2.3: after the error challenge the client sends
		// a single kvsep, and the server fails the exchange.
		if string(resp) != kvsep {
			return nil, true, malformed(OAuthBearer, "want a single %x01 after the error challenge")
		}
		return nil, true, ob.failed
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	tok, err := parseOAuthBearer(resp)
	if err != nil {
		return nil, true, err
	}
	err = ob.s.checkToken(ctx, tok)
	var te *TokenError
	switch {
	case err == nil:
		return nil, true, nil
	case errors.As(err, &te):
	case errors.Is(err, ErrAuthFailed):
		te = &TokenError{Status: "invalid_token"}
	default:
		return nil, true, err // temporary failure
	}
	ob.failed = err
	return te.JSON(), false, nil
}

// checkToken validates tok and applies the authorization rule.
func (s *server) checkToken(ctx context.Context, tok *Token) error {
	cr, err := s.credentials()
	if err != nil {
		return err
	}
	authn, err := cr.ValidateToken(ctx, tok)
	if err != nil {
		return err // *TokenError / ErrAuthFailed, or a temporary failure
	}
	if authn == "" {
		return ErrAuthFailed
	}
	return s.authorize(ctx, authn, tok.User)
}

// parseOAuthBearer parses client-resp = gs2-header kvsep *kvpair kvsep
// (RFC 7628 section 3.1).
func parseOAuthBearer(msg []byte) (*Token, error) {
	gs2, rest, err := parseGS2(OAuthBearer, string(msg))
	if err != nil {
		return nil, err
	}
	if gs2.flag == 'p' {
		return nil, malformed(OAuthBearer, "channel binding is not supported")
	}
	kv, ok := strings.CutPrefix(rest, kvsep)
	if !ok {
		return nil, malformed(OAuthBearer, "missing kvsep after GS2 header")
	}
	pairs, err := parseKVPairs(OAuthBearer, kv)
	if err != nil {
		return nil, err
	}
	tok := &Token{Mechanism: OAuthBearer, User: gs2.authz, Host: pairs["host"], Port: pairs["port"]}
	if tok.Token, err = bearerToken(OAuthBearer, pairs); err != nil {
		return nil, err
	}
	return tok, nil
}

// parseKVPairs parses *kvpair kvsep where kvpair = key "=" value kvsep,
// key = 1*ALPHA, value = *(VCHAR / SP / HTAB / CR / LF).
func parseKVPairs(mech, s string) (map[string]string, error) {
	body, ok := strings.CutSuffix(s, kvsep+kvsep)
	if !ok {
		if s != kvsep {
			return nil, malformed(mech, "message must end with two %x01")
		}
		body = ""
	}
	pairs := make(map[string]string)
	if body == "" {
		return pairs, nil
	}
	for _, p := range strings.Split(body, kvsep) {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || !isAlpha(k) {
			return nil, malformed(mech, "invalid key")
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if !(c >= 0x20 && c <= 0x7e || c == '\t' || c == '\r' || c == '\n') {
				return nil, malformed(mech, "invalid character in value")
			}
		}
		if _, dup := pairs[k]; dup {
			return nil, malformed(mech, "duplicate key "+k)
		}
		pairs[k] = v
	}
	return pairs, nil
}

// bearerToken extracts the token from auth = "Bearer" 1*SP b64token
// (RFC 6750 section 2.1; the scheme is case-insensitive).
func bearerToken(mech string, pairs map[string]string) (string, error) {
	auth, ok := pairs["auth"]
	if !ok {
		return "", malformed(mech, "missing auth key")
	}
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", malformed(mech, "auth is not a Bearer credential")
	}
	tok = strings.TrimLeft(tok, " ")
	if !validB64Token(tok) {
		return "", malformed(mech, "invalid bearer token")
	}
	return tok, nil
}

// validB64Token checks b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func validB64Token(s string) bool {
	t := strings.TrimRight(s, "=")
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

type oauthBearerClient struct {
	c      *client
	failed *TokenError
}

func (ob *oauthBearerClient) start() ([]byte, error) {
	o := ob.c.opts
	if !validB64Token(o.Token) {
		return nil, malformed(OAuthBearer, "invalid bearer token")
	}
	user := o.Authz
	if user == "" {
		user = o.Username
	}
	var b strings.Builder
	b.WriteString("n,")
	if user != "" {
		if err := checkText(OAuthBearer, "user", user, maxIdentity); err != nil {
			return nil, err
		}
		b.WriteString("a=" + encodeSaslname(user))
	}
	b.WriteString("," + kvsep)
	for _, kv := range [][2]string{{"host", o.Host}, {"port", o.Port}} {
		if kv[1] == "" {
			continue
		}
		if strings.ContainsFunc(kv[1], func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			return nil, malformed(OAuthBearer, "invalid "+kv[0])
		}
		b.WriteString(kv[0] + "=" + kv[1] + kvsep)
	}
	b.WriteString("auth=Bearer " + o.Token + kvsep + kvsep)
	return []byte(b.String()), nil
}

// next answers the server's error challenge with the dummy kvsep response
// (RFC 7628 section 3.2.3) and remembers the error for Finish.
func (ob *oauthBearerClient) next(chal []byte) ([]byte, error) {
	if ob.failed != nil {
		return nil, malformed(OAuthBearer, "unexpected second challenge")
	}
	ob.failed = parseTokenError(chal)
	return []byte(kvsep), nil
}

func (ob *oauthBearerClient) finish() error {
	if ob.failed != nil {
		return ob.failed
	}
	return nil
}

// parseTokenError decodes an error challenge; unparsable JSON still yields a
// TokenError so the failure is never lost.
func parseTokenError(chal []byte) *TokenError {
	te := &TokenError{}
	if err := json.Unmarshal(chal, te); err != nil || te.Status == "" {
		te.Status = "invalid_token"
	}
	return te
}

// ---- XOAUTH2 (Google) ----

// xoauth2Challenge is the error challenge in Google's format.
type xoauth2Challenge struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope,omitempty"`
}

type xoauth2Server struct {
	s      *server
	failed error
}

func (x *xoauth2Server) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	if x.failed != nil {
		// The client answers the error challenge with an empty response.
		if len(resp) != 0 {
			return nil, true, malformed(XOAuth2, "want an empty response after the error challenge")
		}
		return nil, true, x.failed
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	tok, err := parseXOAuth2(resp)
	if err != nil {
		return nil, true, err
	}
	err = x.s.checkToken(ctx, tok)
	if err == nil {
		return nil, true, nil
	}
	if !errors.Is(err, ErrAuthFailed) {
		return nil, true, err
	}
	ch := xoauth2Challenge{Status: "401", Schemes: "bearer"}
	var te *TokenError
	if errors.As(err, &te) {
		ch.Scope = te.Scope
	}
	x.failed = err
	b, _ := json.Marshal(ch)
	return b, false, nil
}

// parseXOAuth2 parses "user=" user ^A "auth=Bearer " token ^A ^A.
func parseXOAuth2(msg []byte) (*Token, error) {
	if bytes.IndexByte(msg, 0) >= 0 {
		return nil, malformed(XOAuth2, "NUL in message")
	}
	pairs, err := parseKVPairs(XOAuth2, string(msg))
	if err != nil {
		return nil, err
	}
	user := pairs["user"]
	if user == "" {
		return nil, malformed(XOAuth2, "missing user")
	}
	if err := checkText(XOAuth2, "user", user, maxIdentity); err != nil {
		return nil, err
	}
	tok := &Token{Mechanism: XOAuth2, User: user}
	if tok.Token, err = bearerToken(XOAuth2, pairs); err != nil {
		return nil, err
	}
	return tok, nil
}

type xoauth2Client struct {
	c      *client
	failed *TokenError
}

func (x *xoauth2Client) start() ([]byte, error) {
	o := x.c.opts
	if !validB64Token(o.Token) {
		return nil, malformed(XOAuth2, "invalid bearer token")
	}
	if o.Username == "" || strings.ContainsFunc(o.Username, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, malformed(XOAuth2, "invalid user")
	}
	return []byte("user=" + o.Username + kvsep + "auth=Bearer " + o.Token + kvsep + kvsep), nil
}

func (x *xoauth2Client) next(chal []byte) ([]byte, error) {
	if x.failed != nil {
		return nil, malformed(XOAuth2, "unexpected second challenge")
	}
	var ch xoauth2Challenge
	_ = json.Unmarshal(chal, &ch) // best effort; the failure is what matters
	x.failed = &TokenError{Status: ch.Status, Scope: ch.Scope}
	if x.failed.Status == "" {
		x.failed.Status = "invalid_token"
	}
	return []byte{}, nil
}

func (x *xoauth2Client) finish() error {
	if x.failed != nil {
		return x.failed
	}
	return nil
}
