package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxIdentity bounds identities in mechanisms whose RFC sets no limit.
const maxIdentity = 1024

// ---- PLAIN (RFC 4616) ----

// plainServer is the server itself seen through PLAIN's step method; a
// stateless step needs no allocation of its own.
type plainServer server

func (p *plainServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	s := (*server)(p)
	if resp == nil {
		// No initial response: send an empty challenge (RFC 4616 section 2).
		return []byte{}, false, nil
	}
	authz, authn, pass, err := parsePlain(resp)
	if err != nil {
		return nil, true, err
	}
	cr, err := s.credentials()
	if err != nil {
		return nil, true, err
	}
	if err := cr.CheckPassword(ctx, authn, pass); err != nil {
		return nil, true, credErr(err)
	}
	return nil, true, s.authorize(ctx, authn, authz)
}

// parsePlain splits message = [authzid] NUL authcid NUL passwd (RFC 4616
// section 2), each field at most 255 octets of UTF-8 without NUL.
func parsePlain(msg []byte) (authz, authn, pass string, err error) {
	i := bytes.IndexByte(msg, 0)
	j := -1
	if i >= 0 {
		j = bytes.IndexByte(msg[i+1:], 0)
	}
	if j < 0 || bytes.IndexByte(msg[i+1+j+1:], 0) >= 0 {
		return "", "", "", malformed(Plain, "want exactly two NUL separators")
	}
	j += i + 1
	all := string(msg) // one allocation for the three fields
	authz, authn, pass = all[:i], all[i+1:j], all[j+1:]
	if authn == "" || pass == "" {
		return "", "", "", malformed(Plain, "empty authcid or passwd")
	}
	for i, v := range []string{authz, authn, pass} {
		if err := checkText(Plain, [...]string{"authzid", "authcid", "passwd"}[i], v, plaintextMaxField); err != nil {
			return "", "", "", err
		}
	}
	return authz, authn, pass, nil
}

// plainClient is the client itself seen through PLAIN's step methods.
type plainClient client

func (p *plainClient) finish() error { return nil }

func (p *plainClient) start() ([]byte, error) {
	o := p.opts
	for _, v := range []string{o.Authz, o.Username, o.Password} {
		if err := checkText(Plain, "field", v, plaintextMaxField); err != nil {
			return nil, err
		}
	}
	if o.Username == "" || o.Password == "" {
		return nil, malformed(Plain, "empty username or password")
	}
	b := make([]byte, 0, len(o.Authz)+len(o.Username)+len(o.Password)+2)
	b = append(append(append(append(append(b, o.Authz...), 0), o.Username...), 0), o.Password...)
	return b, nil
}

func (p *plainClient) next(chal []byte) ([]byte, error) {
	if len(chal) != 0 {
		return nil, malformed(Plain, "unexpected server challenge")
	}
	return p.start()
}

// ---- LOGIN (draft-murchison-sasl-login-00) ----

type loginServer struct {
	s    *server
	step int
	user string
}

func (l *loginServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		if resp == nil {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		// QUIRK: many clients send the user name as an initial response
		// ("AUTH LOGIN dXNlcg=="); Postfix and Exchange accept it, so do we.
		fallthrough
	case 1:
		if len(resp) == 0 {
			return nil, true, malformed(Login, "empty user name")
		}
		if err := checkText(Login, "user name", string(resp), maxIdentity); err != nil {
			return nil, true, err
		}
		l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	}
	if err := checkText(Login, "password", string(resp), maxIdentity); err != nil {
		return nil, true, err
	}
	cr, err := l.s.credentials()
	if err != nil {
		return nil, true, err
	}
	if err := cr.CheckPassword(ctx, l.user, string(resp)); err != nil {
		return nil, true, credErr(err)
	}
	return nil, true, l.s.authorize(ctx, l.user, "")
}

type loginClient struct {
	c    *client
	step int
	finishOK
}

func (l *loginClient) start() ([]byte, error) { return nil, nil }

func (l *loginClient) next(chal []byte) ([]byte, error) {
	o := l.c.opts
	l.step++
	switch l.step {
	case 1:
		return []byte(o.Username), nil
	case 2:
		return []byte(o.Password), nil
	}
	return nil, malformed(Login, "unexpected third challenge")
}

// ---- CRAM-MD5 (RFC 2195) ----

type cramServer struct {
	s         *server
	challenge string
}

func (c *cramServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	if c.challenge == "" {
		if resp != nil {
			return nil, true, malformed(CRAMMD5, "initial response not allowed")
		}
		c.challenge = c.newChallenge()
		return []byte(c.challenge), false, nil
	}
	// RFC 2195 section 2: user name, a space, 32 lower-case hex digits. The
	// user name may itself contain spaces, so split at the last one.
	i := bytes.LastIndexByte(resp, ' ')
	if i <= 0 || len(resp)-i-1 != 2*md5.Size {
		return nil, true, malformed(CRAMMD5, "want \"user digest\"")
	}
	user := string(resp[:i])
	if err := checkText(CRAMMD5, "user name", user, maxIdentity); err != nil {
		return nil, true, err
	}
	digest, err := hex.DecodeString(string(resp[i+1:]))
	if err != nil {
		return nil, true, malformed(CRAMMD5, "digest is not hex")
	}
	cr, err := c.s.credentials()
	if err != nil {
		return nil, true, err
	}
	sec, err := cr.LookupSecret(ctx, user, CRAMMD5)
	if err != nil {
		return nil, true, credErr(err)
	}
	want := cramDigest(sec.Password, c.challenge)
	if sec.Password == "" || !hmac.Equal(want, digest) {
		return nil, true, ErrAuthFailed
	}
	return nil, true, c.s.authorize(ctx, user, "")
}

// newChallenge builds a msg-id style challenge (RFC 2195 section 2):
// <random.timestamp@hostname>.
func (c *cramServer) newChallenge() string {
	if c.s.opts.nonce != nil {
		return c.s.opts.nonce()
	}
	return "<" + randomString(12) + "." + strconv.FormatInt(time.Now().Unix(), 10) + "@" + c.s.opts.hostname() + ">"
}

func cramDigest(password, challenge string) []byte {
	m := hmac.New(md5.New, []byte(password))
	m.Write([]byte(challenge))
	return m.Sum(nil)
}

type cramClient struct {
	c    *client
	done bool
	finishOK
}

func (c *cramClient) start() ([]byte, error) { return nil, nil }

func (c *cramClient) next(chal []byte) ([]byte, error) {
	if c.done {
		return nil, malformed(CRAMMD5, "unexpected second challenge")
	}
	if len(chal) == 0 {
		return nil, malformed(CRAMMD5, "empty challenge")
	}
	c.done = true
	o := c.c.opts
	return []byte(o.Username + " " + hex.EncodeToString(cramDigest(o.Password, string(chal)))), nil
}

// ---- EXTERNAL (RFC 4422 appendix A) ----

type externalServer struct{ s *server }

func (e *externalServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil // ask for the (possibly empty) authzid
	}
	authz := string(resp)
	if err := checkText(External, "authzid", authz, maxIdentity); err != nil {
		return nil, true, err
	}
	ext := e.s.opts.ExternalIdentity
	if ext == "" {
		return nil, true, ErrAuthFailed
	}
	if authz != "" && authz != ext {
		cr, err := e.s.credentials()
		if err != nil {
			return nil, true, err
		}
		if err := cr.Authorize(ctx, ext, authz); err != nil {
			return nil, true, credErr(err)
		}
	}
	e.s.id.Authn, e.s.id.Authz = ext, authz
	return nil, true, nil
}

type externalClient struct {
	c *client
	finishOK
}

func (e *externalClient) start() ([]byte, error) { return []byte(e.c.opts.Authz), nil }

func (e *externalClient) next(chal []byte) ([]byte, error) {
	if len(chal) != 0 {
		return nil, malformed(External, "unexpected server challenge")
	}
	return []byte(e.c.opts.Authz), nil
}

// ---- ANONYMOUS (RFC 4505) ----

// maxTrace is the RFC 4505 section 3 bound: up to 255 characters.
const maxTrace = 255

type anonymousServer struct{ s *server }

func (a *anonymousServer) next(ctx context.Context, resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil
	}
	trace, err := checkTrace(resp)
	if err != nil {
		return nil, true, err
	}
	a.s.id.Anonymous, a.s.id.Trace = true, trace
	return nil, true, nil
}

// checkTrace validates RFC 4505 trace information: UTF-8, at most 255
// characters, no control characters.
func checkTrace(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", malformed(Anonymous, "trace is not valid UTF-8")
	}
	if n := utf8.RuneCount(b); n > maxTrace {
		return "", &LimitError{Limit: "ANONYMOUS trace characters", Max: maxTrace}
	}
	s := string(b)
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", malformed(Anonymous, "trace contains control characters")
	}
	return s, nil
}

type anonymousClient struct {
	c *client
	finishOK
}

func (a *anonymousClient) start() ([]byte, error) {
	if _, err := checkTrace([]byte(a.c.opts.Trace)); err != nil {
		return nil, err
	}
	return []byte(a.c.opts.Trace), nil
}

func (a *anonymousClient) next(chal []byte) ([]byte, error) {
	if len(chal) != 0 {
		return nil, malformed(Anonymous, "unexpected server challenge")
	}
	return a.start()
}
