package smtp

import (
	"context"
	"errors"
	"fmt"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// ErrAuthUnsupported is returned by Auth when the server offers no AUTH
// mechanism that the options allow.
var ErrAuthUnsupported = errors.New("smtp: server offers no usable AUTH mechanism")

// Auth authenticates with SMTP AUTH (RFC 4954). The mechanism is the
// strongest one the server offers and opts allows (auth.ChooseMechanism):
// SCRAM-PLUS when TLS gives a channel binding, then SCRAM, CRAM-MD5, and
// plaintext-equivalent mechanisms (PLAIN, LOGIN, tokens) only over TLS
// unless opts.AllowInsecure is set. opts.ConnState and ServerMechanisms are
// filled in from the connection. The error is an *Error for a refusal by the
// server.
func (c *Client) Auth(ctx context.Context, opts *auth.ClientOptions) error {
	if c.authed {
		return errors.New("smtp: already authenticated")
	}
	var o auth.ClientOptions
	if opts != nil {
		o = *opts
	}
	o.ConnState = c.tlsState
	o.ServerMechanisms = c.caps.Auth
	if len(c.caps.Auth) == 0 {
		return ErrAuthUnsupported
	}
	name, err := auth.ChooseMechanism(c.caps.Auth, &o)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuthUnsupported, err)
	}
	mech, err := auth.NewClient(name, &o)
	if err != nil {
		return err
	}
	c.redactTrace = true
	defer func() { c.redactTrace = false }()
	if err := c.authExchange(ctx, mech); err != nil {
		return err
	}
	c.authed = true
	return nil
}

// authExchange runs the AUTH command and its challenges.
func (c *Client) authExchange(ctx context.Context, mech auth.ClientMechanism) error {
	ir, err := mech.Start()
	if err != nil {
		return err
	}
	line := "AUTH " + mech.Name()
	if ir != nil {
		enc := auth.EncodeInitialResponse(ir)
		// RFC 4954 section 4: a command line over 512 octets is not
		// allowed; send the response after an empty challenge instead.
		if len(line)+1+len(enc)+2 <= 512 {
			line += " " + enc
			ir = nil
		}
	}
	r, err := c.cmdAuth(ctx, line)
	for err == nil && r.Code == 334 {
		var resp []byte
		if ir != nil {
			resp, ir = ir, nil
		} else {
			ch, derr := auth.DecodeChallenge(r.Text(), 0)
			if derr != nil {
				c.cancelAuth(ctx)
				return derr
			}
			if resp, err = mech.Next(ch); err != nil {
				c.cancelAuth(ctx)
				return err
			}
		}
		r, err = c.cmdAuth(ctx, auth.EncodeResponse(resp))
	}
	if err != nil {
		return err
	}
	if r.Code != 235 {
		return replyError(r)
	}
	// A SCRAM server signature that was not verified fails here.
	return mech.Finish()
}

func (c *Client) cmdAuth(ctx context.Context, line string) (smtpwire.Reply, error) {
	return c.cmd(ctx, c.opts.Timeouts.Command, line)
}

// cancelAuth sends "*" to abandon the exchange (RFC 4954 section 4).
func (c *Client) cancelAuth(ctx context.Context) {
	c.cmd(ctx, c.opts.Timeouts.Command, "*")
}
