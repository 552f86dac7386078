package auth

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// ClientOptions configures client mechanisms and ChooseMechanism. A nil
// *ClientOptions is equivalent to a zero value. A mechanism keeps the
// pointer it was made with: do not modify the options while it is in use.
type ClientOptions struct {
	// Username is the authentication identity (authcid).
	Username string
	// Password is the user's password (PLAIN, LOGIN, CRAM-MD5, SCRAM).
	Password string
	// Authz is the authorization identity to act as; empty means the same
	// as Username (RFC 4422 section 3.4.1).
	Authz string
	// Token is a bearer token (OAUTHBEARER, XOAUTH2), without "Bearer ".
	Token string
	// Host and Port are sent as the OAUTHBEARER "host" and "port" keys
	// (RFC 7628 section 3.1) when not empty.
	Host string
	Port string
	// Trace is the ANONYMOUS trace string (RFC 4505), at most 255 characters.
	Trace string

	// ConnState is the TLS state of the connection, nil when it is not
	// encrypted. It enables channel binding (-PLUS) and, without
	// AllowInsecure, is required for plaintext-equivalent mechanisms.
	ConnState *tls.ConnectionState
	// AllowInsecure permits sending plaintext-equivalent mechanisms (PLAIN,
	// LOGIN, OAUTHBEARER, XOAUTH2) without TLS. Off by default.
	AllowInsecure bool

	// Mechanisms is ChooseMechanism's preference order, strongest first. Nil
	// means DefaultClientOrder() (or DefaultTokenOrder() when only Token is
	// set).
	Mechanisms []string
	// ServerMechanisms is the list the server advertised, if known. A SCRAM
	// client without -PLUS that can bind sends the gs2 flag "y" ("I could
	// bind but you did not offer it", RFC 5802 section 6) unless this list
	// shows the server offered -PLUS, in which case choosing not to bind is
	// deliberate and the flag is "n". Leave nil when unknown.
	ServerMechanisms []string
	// ChannelBinding forces a channel binding type (CBTLSExporter,
	// CBTLSServerEndPoint, CBTLSUnique). Empty means tls-exporter on TLS 1.3
	// and tls-server-end-point (else tls-unique) below.
	ChannelBinding string
	// DisableChannelBinding makes the client claim no channel binding support
	// (gs2 flag "n") and never choose -PLUS.
	DisableChannelBinding bool

	// MinIterations and MaxIterations bound the SCRAM iteration count the
	// client accepts from the server. Defaults DefaultMinIterations (4096)
	// and DefaultMaxIterations (1,000,000).
	MinIterations int
	MaxIterations int
	// MaxChallengeBytes bounds each server challenge after base64 decoding.
	// Default DefaultMaxMessageBytes (16 KiB).
	MaxChallengeBytes int

	// nonce, when set, replaces the random client nonce. Tests only.
	nonce func() string
}

// orDefault returns o, or a zero ClientOptions for nil. Mechanisms keep the
// pointer, so the options must not be modified while a mechanism made from
// them is in use.
func (o *ClientOptions) orDefault() *ClientOptions {
	if o == nil {
		return &ClientOptions{}
	}
	return o
}

func (o *ClientOptions) minIterations() int {
	if o.MinIterations <= 0 {
		return DefaultMinIterations
	}
	return o.MinIterations
}

func (o *ClientOptions) maxIterations() int {
	if o.MaxIterations <= 0 {
		return DefaultMaxIterations
	}
	return o.MaxIterations
}

func (o *ClientOptions) maxChallenge() int {
	if o.MaxChallengeBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return o.MaxChallengeBytes
}

// bindingType is the channel binding type the client would use, or "".
func (o *ClientOptions) bindingType() string {
	if o.ConnState == nil || o.DisableChannelBinding {
		return ""
	}
	if o.ChannelBinding != "" {
		if _, err := cbData(o.ConnState, o.ChannelBinding, nil, false); err != nil {
			return ""
		}
		return o.ChannelBinding
	}
	return defaultBindingType(o.ConnState)
}

// serverOffered reports whether the server is known to have advertised name.
func (o *ClientOptions) serverOffered(name string) bool {
	return slices.ContainsFunc(o.ServerMechanisms, func(s string) bool { return strings.EqualFold(s, name) })
}

// ClientMechanism runs the client side of one exchange. It is used by one
// goroutine at a time and is not reusable: create one per AUTH command.
type ClientMechanism interface {
	// Name returns the canonical mechanism name.
	Name() string
	// Start returns the initial response. A nil ir means none (the client
	// waits for the server's first challenge); a non-nil empty ir is an
	// empty initial response (encoded "=" on SMTP/IMAP command lines).
	Start() (ir []byte, err error)
	// Next answers a server challenge.
	Next(challenge []byte) (response []byte, err error)
	// Finish must be called when the server reports success. It returns an
	// error when the client has not completed its side: for SCRAM, when the
	// server signature was not received and verified (ErrServerSignature);
	// for OAUTHBEARER, when the server had sent an error challenge. A
	// protocol client must treat such an error as authentication failure.
	Finish() error
}

// NewClient returns the client side of mechanism mech (case-insensitive).
// It fails with ErrUnsupportedMechanism for unknown names, with
// ErrTLSRequired for a plaintext-equivalent mechanism without ConnState
// (unless AllowInsecure), and with an error matching ErrChannelBinding for a
// -PLUS variant when no channel binding is available.
func NewClient(mech string, opts *ClientOptions) (ClientMechanism, error) {
	o := opts.orDefault()
	info, ok := Info(mech)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedMechanism, mech)
	}
	if info.PlaintextEquivalent && o.ConnState == nil && !o.AllowInsecure {
		return nil, ErrTLSRequired
	}
	if info.ChannelBinding && o.bindingType() == "" {
		return nil, fmt.Errorf("%w: no channel binding available for %s", ErrChannelBinding, info.Name)
	}
	c := &client{name: info.Name, opts: o}
	switch info.Name {
	case Plain:
		c.step = (*plainClient)(c)
	case Login:
		c.step = &loginClient{c: c}
	case CRAMMD5:
		c.step = &cramClient{c: c}
	case SCRAMSHA1, SCRAMSHA1Plus, SCRAMSHA256, SCRAMSHA256Plus:
		c.step = newSCRAMClient(c, info)
	case OAuthBearer:
		c.step = &oauthBearerClient{c: c}
	case XOAuth2:
		c.step = &xoauth2Client{c: c}
	case External:
		c.step = &externalClient{c: c}
	case Anonymous:
		c.step = &anonymousClient{c: c}
	}
	return c, nil
}

// clientStep is the per-mechanism state machine behind a ClientMechanism.
type clientStep interface {
	start() ([]byte, error)
	next(challenge []byte) ([]byte, error)
	finish() error
}

type client struct {
	name    string
	opts    *ClientOptions
	step    clientStep
	started bool
	failed  error
}

func (c *client) Name() string { return c.name }

func (c *client) Start() ([]byte, error) {
	if c.started {
		return nil, fmt.Errorf("auth: %s: Start called twice", c.name)
	}
	c.started = true
	ir, err := c.step.start()
	if err != nil {
		c.failed = err
	}
	return ir, err
}

func (c *client) Next(challenge []byte) ([]byte, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	if !c.started {
		// The protocol client skipped Start: a client-first mechanism sends
		// its initial response as the answer to the server's (empty) prompt.
		c.started = true
		ir, err := c.step.start()
		if err != nil || ir != nil {
			c.failed = err
			return ir, err
		}
	}
	if max := c.opts.maxChallenge(); len(challenge) > max {
		c.failed = &LimitError{Limit: "MaxChallengeBytes", Max: max}
		return nil, c.failed
	}
	resp, err := c.step.next(challenge)
	if err != nil {
		c.failed = err
	}
	return resp, err
}

func (c *client) Finish() error {
	if c.failed != nil {
		return c.failed
	}
	return c.step.finish()
}

// finishOK is the finish method of mechanisms with nothing to verify.
type finishOK struct{}

func (finishOK) finish() error { return nil }
