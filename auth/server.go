package auth

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultMaxMessageBytes bounds a single SASL message (after base64
// decoding) on both sides when the options leave the limit at 0. It is large
// enough for OAuth JWTs and far below what could hurt a server.
const DefaultMaxMessageBytes = 16 << 10

// ServerOptions configures server mechanisms. A nil *ServerOptions is
// equivalent to a zero value: the default mechanisms, no TLS, and no
// Credentials, so every exchange fails with ErrAuthFailed. A mechanism keeps
// the pointer it was made with: do not modify the options while it is in
// use (make one ServerOptions per connection; they are cheap).
type ServerOptions struct {
	// Credentials checks passwords, looks up SCRAM secrets and validates
	// tokens.
	Credentials Credentials

	// ConnState is the TLS state of the connection, nil when it is not
	// encrypted. It enables plaintext-equivalent mechanisms and the SCRAM
	// -PLUS variants.
	ConnState *tls.ConnectionState

	// Certificate is the server's leaf certificate on this connection. It is
	// needed only for the tls-server-end-point channel binding (RFC 5929
	// section 4), because a server's tls.ConnectionState does not include
	// it. Without it, TLS 1.2 -PLUS exchanges can still use tls-unique.
	Certificate *x509.Certificate

	// DisableChannelBinding turns off the -PLUS variants and makes the server
	// not claim channel binding support, for servers behind a TLS-terminating
	// proxy whose TLS session differs from the client's.
	DisableChannelBinding bool

	// Hostname is used in the CRAM-MD5 challenge (RFC 2195 section 2).
	// Default "localhost".
	Hostname string

	// Mechanisms is the enabled set, in advertising order. Nil means
	// DefaultServerMechanisms(). NewServer refuses names not in it.
	Mechanisms []string

	// AllowInsecure permits authentication without TLS (ConnState nil). By
	// default no mechanism is advertised or accepted before TLS, like
	// Postfix's smtpd_tls_auth_only: even SCRAM and CRAM-MD5 expose the user
	// name and material for an offline dictionary attack, and the session
	// that follows would be unprotected anyway. Set it for loopback or a
	// connection secured by other means; to allow only the mechanisms that
	// are not plaintext-equivalent there, filter Mechanisms with Info.
	AllowInsecure bool

	// ExternalIdentity is the identity established outside SASL (for example
	// from a verified TLS client certificate), used by EXTERNAL (RFC 4422
	// appendix A). When empty, EXTERNAL is neither advertised nor accepted.
	ExternalIdentity string

	// MaxResponseBytes bounds each client message after base64 decoding.
	// Default DefaultMaxMessageBytes (16 KiB).
	MaxResponseBytes int

	// Logger receives debug records about failures (never secrets). Nil
	// discards.
	Logger *slog.Logger

	// nonce, when set, replaces the random server nonce (SCRAM) or the
	// challenge (CRAM-MD5). Tests only.
	nonce func() string
}

// orDefault returns o, or a zero ServerOptions for nil. Mechanisms keep the
// pointer and read the defaulted values through the accessors below, so the
// options must not be modified while a mechanism made from them is in use.
func (o *ServerOptions) orDefault() *ServerOptions {
	if o == nil {
		return &ServerOptions{}
	}
	return o
}

func (o *ServerOptions) hostname() string {
	if o.Hostname == "" {
		return "localhost"
	}
	return o.Hostname
}

func (o *ServerOptions) mechanisms() []string {
	if o.Mechanisms == nil {
		return defaultServerMechanisms[:] // read only
	}
	return o.Mechanisms
}

func (o *ServerOptions) maxResponse() int {
	if o.MaxResponseBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return o.MaxResponseBytes
}

func (o *ServerOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return discardLogger
	}
	return o.Logger
}

// discardLogger is the immutable nil-Logger default.
var discardLogger = slog.New(slog.DiscardHandler)

// canBind reports whether the server can compute some channel binding on
// this connection, and so supports (and advertises) -PLUS.
func (o *ServerOptions) canBind() bool {
	if o.ConnState == nil || o.DisableChannelBinding {
		return false
	}
	for _, typ := range []string{CBTLSExporter, CBTLSUnique, CBTLSServerEndPoint} {
		if _, err := cbData(o.ConnState, typ, o.Certificate, true); err == nil {
			return true
		}
	}
	return false
}

// advertisesPlus reports whether the -PLUS variant of base is enabled and
// usable, which is what makes a "y" gs2 flag a downgrade (RFC 5802 section 6).
func (o *ServerOptions) advertisesPlus(base string) bool {
	return o.enabled(base+"-PLUS") && o.canBind()
}

func (o *ServerOptions) enabled(name string) bool {
	return slices.ContainsFunc(o.mechanisms(), func(s string) bool { return strings.EqualFold(s, name) })
}

// available returns nil when mechanism name may run on this connection.
func (o *ServerOptions) available(name string) error {
	info, ok := Info(name)
	if !ok || !o.enabled(name) {
		return fmt.Errorf("%w: %q", ErrUnsupportedMechanism, name)
	}
	if o.ConnState == nil && !o.AllowInsecure {
		return ErrTLSRequired
	}
	if info.ChannelBinding && !o.canBind() {
		return fmt.Errorf("%w: %w: no channel binding available", ErrUnsupportedMechanism, ErrChannelBinding)
	}
	if info.Name == External && o.ExternalIdentity == "" {
		// RFC 4422 appendix A: EXTERNAL needs an identity established
		// outside SASL; without one there is nothing to offer.
		return fmt.Errorf("%w: EXTERNAL without an external identity", ErrUnsupportedMechanism)
	}
	return nil
}

// ServerMechanism runs the server side of one exchange. It is used by one
// goroutine at a time and is not reusable: create one per AUTH command.
type ServerMechanism interface {
	// Name returns the canonical mechanism name.
	Name() string

	// Next takes the client's next message and returns the next challenge.
	// The first call gets the initial response, or nil when the client sent
	// none (an empty initial response is a non-nil empty slice; see
	// DecodeInitialResponse). When done is true with a nil error, the client
	// is authenticated and Identity is valid. When done is true and
	// challenge is non-empty, challenge is "additional data with success"
	// (RFC 4422 section 3.6, e.g. the SCRAM server signature): protocols
	// without that feature (SMTP, IMAP, POP3) send it as one more challenge,
	// wait for the client's empty response, then report success. Any error
	// ends the exchange: ErrAuthFailed, *MalformedError/*LimitError,
	// ErrCanceled, or an error from Credentials (temporary).
	Next(ctx context.Context, response []byte) (challenge []byte, done bool, err error)

	// Identity returns the authenticated identity after success, and the
	// zero Identity before.
	Identity() Identity
}

// serverStep is the per-mechanism state machine behind a ServerMechanism.
type serverStep interface {
	next(ctx context.Context, response []byte) (challenge []byte, done bool, err error)
}

// NewServer returns the server side of mechanism mech (case-insensitive). It
// fails with ErrUnsupportedMechanism when the mechanism is unknown or not in
// opts.Mechanisms, with ErrTLSRequired without TLS (unless AllowInsecure),
// and with an error matching ErrChannelBinding for a -PLUS
// variant when no channel binding can be computed.
func NewServer(mech string, opts *ServerOptions) (ServerMechanism, error) {
	o := opts.orDefault()
	if err := o.available(mech); err != nil {
		return nil, err
	}
	info, _ := Info(mech)
	s := &server{name: info.Name, opts: o}
	switch info.Name {
	case Plain:
		s.step = (*plainServer)(s)
	case Login:
		s.step = &loginServer{s: s}
	case CRAMMD5:
		s.step = &cramServer{s: s}
	case SCRAMSHA1, SCRAMSHA1Plus, SCRAMSHA256, SCRAMSHA256Plus:
		s.step = newSCRAMServer(s, info)
	case OAuthBearer:
		s.step = &oauthBearerServer{s: s}
	case XOAuth2:
		s.step = &xoauth2Server{s: s}
	case External:
		s.step = &externalServer{s: s}
	case Anonymous:
		s.step = &anonymousServer{s: s}
	}
	return s, nil
}

// server wraps a serverStep with the rules common to every mechanism: size
// bound, no messages after the end, identity only after success.
type server struct {
	name     string
	opts     *ServerOptions
	step     serverStep
	calls    int
	finished bool
	success  bool
	id       Identity
}

func (s *server) Name() string { return s.name }

func (s *server) Identity() Identity {
	if !s.success {
		return Identity{}
	}
	return s.id
}

func (s *server) Next(ctx context.Context, response []byte) ([]byte, bool, error) {
	if s.finished {
		return nil, true, ErrDone
	}
	if max := s.opts.maxResponse(); len(response) > max {
		s.finished = true
		return nil, true, &LimitError{Limit: "MaxResponseBytes", Max: max}
	}
	if err := ctx.Err(); err != nil {
		s.finished = true
		return nil, true, err
	}
	if s.calls > 0 && response == nil {
		response = []byte{} // only the first call can mean "no initial response"
	}
	s.calls++
	chal, done, err := s.step.next(ctx, response)
	if err != nil {
		s.finished = true
		s.opts.logger().DebugContext(ctx, "sasl exchange failed", "mechanism", s.name, "err", err)
		return nil, true, err
	}
	if done {
		s.finished = true
		s.success = true
		s.id.Mechanism = s.name
	}
	return chal, done, nil
}

// credentials returns the configured Credentials or an error when absent.
func (s *server) credentials() (Credentials, error) {
	if s.opts.Credentials == nil {
		return nil, fmt.Errorf("%w: no Credentials configured", ErrAuthFailed)
	}
	return s.opts.Credentials, nil
}

// authorize applies RFC 4422 section 3.4.1: an empty authz or one equal to
// authn needs no permission; any other must be permitted by the application.
// On success it records the identity.
func (s *server) authorize(ctx context.Context, authn, authz string) error {
	if authz != "" && authz != authn {
		cr, err := s.credentials()
		if err != nil {
			return err
		}
		if err := cr.Authorize(ctx, authn, authz); err != nil {
			return credErr(err)
		}
	}
	s.id.Authn, s.id.Authz = authn, authz
	return nil
}

// credErr keeps an ErrAuthFailed-compatible error, and passes any other
// (temporary) error through unchanged.
func credErr(err error) error {
	if errors.Is(err, ErrAuthFailed) {
		return fmt.Errorf("%w (%v)", ErrAuthFailed, err)
	}
	return err
}

// randomString returns n random bytes in unpadded base64 (no ',' or '=').
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// checkText validates a UTF-8 text field without NUL, bounded in bytes.
func checkText(mech, field, v string, max int) error {
	if !utf8.ValidString(v) {
		return malformed(mech, field+" is not valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return malformed(mech, field+" contains NUL")
	}
	if len(v) > max {
		return &LimitError{Limit: mech + " " + field, Max: max}
	}
	return nil
}
