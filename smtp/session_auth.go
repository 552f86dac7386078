package smtp

import (
	"errors"
	"strings"
	"time"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// cmdStartTLS handles STARTTLS (RFC 3207).
func (c *conn) cmdStartTLS(arg string) bool {
	switch {
	case c.srv.TLSConfig == nil:
		return c.replyCounted(&Error{Code: 502, EnhancedCode: code(5, 5, 1), Message: "STARTTLS not available"})
	case c.info.TLS != nil:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "TLS already active"})
	case arg != "":
		return c.replyCounted(errSyntax)
	case c.inTx:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "STARTTLS not allowed in a transaction"})
	}
	c.ok(220, "2.0.0", "Ready to start TLS")
	if c.flush() != nil {
		return false
	}
	if n := c.br.Buffered(); n > 0 {
		// Plaintext pipelined behind STARTTLS could have been injected by a
		// man in the middle: it is dropped, never run inside TLS
		// (CVE-2011-0411).
		c.logger().Warn("smtp: discarding plaintext pipelined after STARTTLS", "octets", n)
	}
	if err := c.handshake(); err != nil {
		c.logger().Info("smtp: STARTTLS handshake failed", "err", err)
		return false
	}
	// RFC 3207 section 4.2: forget everything learned before TLS.
	c.resetTx()
	c.info.Helo, c.info.ESMTP, c.info.Auth = "", false, nil
	return true
}

func (c *conn) authOptions() *auth.ServerOptions {
	o := &auth.ServerOptions{
		Credentials:   c.srv.Credentials,
		ConnState:     c.info.TLS,
		Hostname:      c.info.Hostname,
		Mechanisms:    c.srv.AuthMechanisms,
		AllowInsecure: c.srv.AllowInsecureAuth,
		Logger:        c.srv.Logger,
	}
	if c.info.TLS != nil && c.srv.TLSConfig != nil && len(c.srv.TLSConfig.Certificates) > 0 {
		o.Certificate = c.srv.TLSConfig.Certificates[0].Leaf
	}
	return o
}

// cmdAuth runs an AUTH exchange (RFC 4954 section 4).
func (c *conn) cmdAuth(arg string) bool {
	switch {
	case c.srv.Credentials == nil:
		return c.replyCounted(&Error{Code: 502, EnhancedCode: code(5, 5, 1), Message: "AUTH not available"})
	case c.info.Helo == "" || !c.info.ESMTP:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Send EHLO first"})
	case c.info.Auth != nil:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Already authenticated"})
	case c.inTx:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "AUTH not allowed in a transaction"})
	case c.info.TLS == nil && !c.srv.AllowInsecureAuth:
		return c.replyCounted(ErrEncryptionRequired)
	}
	mechName, ir, _ := strings.Cut(arg, " ")
	mech, err := auth.NewServer(mechName, c.authOptions())
	if err != nil {
		if errors.Is(err, auth.ErrTLSRequired) {
			return c.replyCounted(ErrEncryptionRequired)
		}
		return c.replyCounted(&Error{Code: 504, EnhancedCode: code(5, 5, 4), Message: "Unrecognized authentication mechanism"})
	}
	resp, err := auth.DecodeInitialResponse(strings.TrimSpace(ir), 0)
	if err != nil {
		return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 5, 2), Message: "Invalid base64 in initial response"})
	}
	id, err, alive := c.runAuth(mech, resp)
	if !alive {
		return false
	}
	if err == nil {
		if ac, ok := c.sess.(AuthChecker); ok {
			err = ac.Authenticated(c.ctx, id)
		}
	}
	if err == nil {
		c.info.Auth = &id
		c.ok(235, "2.7.0", "Authentication successful")
		return true
	}
	return c.authFailed(err)
}

// runAuth drives the challenge/response loop. alive is false when the
// connection failed.
func (c *conn) runAuth(mech auth.ServerMechanism, resp []byte) (auth.Identity, error, bool) {
	for {
		chal, done, err := mech.Next(c.ctx, resp)
		if err != nil {
			return auth.Identity{}, err, true
		}
		if done && len(chal) == 0 {
			return mech.Identity(), nil, true
		}
		// A challenge, or additional data with success sent as a last
		// challenge (RFC 4954 section 4).
		c.ok(334, "", auth.EncodeChallenge(chal))
		if c.flush() != nil {
			return auth.Identity{}, nil, false
		}
		cmdTimeout := orDur(c.srv.CommandTimeout, DefaultCommandTimeout)
		c.tc.setPhase(cmdTimeout, cmdTimeout, false) // each response line is timed like a command
		line, rerr := smtpwire.ReadLine(c.br, maxAuthLine)
		if rerr != nil {
			if errors.Is(rerr, smtpwire.ErrLineTooLong) {
				return auth.Identity{}, &Error{Code: 500, EnhancedCode: code(5, 5, 6), Message: "Authentication exchange line too long"}, true
			}
			return auth.Identity{}, nil, false
		}
		if c.srv.Debug != nil {
			c.srv.trace("C: ", []byte("<redacted>"))
		}
		if string(line) == "*" {
			return auth.Identity{}, auth.ErrCanceled, true
		}
		if done {
			if len(line) != 0 {
				return auth.Identity{}, &Error{Code: 501, EnhancedCode: code(5, 5, 2), Message: "Expected an empty response"}, true
			}
			return mech.Identity(), nil, true
		}
		resp, err = auth.DecodeResponse(string(line), 0)
		if err != nil {
			return auth.Identity{}, &Error{Code: 501, EnhancedCode: code(5, 5, 2), Message: "Invalid base64 response"}, true
		}
	}
}

// authFailed answers a failed exchange: credentials errors are delayed,
// more each time, and end the connection after MaxAuthFailures.
func (c *conn) authFailed(err error) bool {
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, auth.ErrCanceled):
		return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 0, 0), Message: "Authentication canceled"})
	case errors.Is(err, auth.ErrMalformed):
		e = &Error{Code: 501, EnhancedCode: code(5, 5, 2), Message: "Malformed authentication response"}
	case errors.Is(err, auth.ErrAuthFailed):
		e = ErrAuthFailed
	default:
		c.logger().Warn("smtp: authentication backend error", "err", err)
		return c.replyCounted(ErrAuthUnavailable)
	}
	c.authFailures++
	c.logger().Info("smtp: authentication failed", "failures", c.authFailures)
	if d := c.srv.authDelay(c.authFailures); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			return false
		}
	}
	if c.authFailures >= orInt(c.srv.MaxAuthFailures, DefaultMaxAuthFailures) {
		c.reply(&Error{Code: 421, EnhancedCode: code(4, 7, 0), Message: "Too many authentication failures"})
		c.flush()
		return false
	}
	return c.replyCounted(e)
}

// authDelay is the wait before answering the n-th failed AUTH: it grows
// linearly with n, to slow down password guessing.
func (s *Server) authDelay(n int) time.Duration {
	d := s.AuthFailureDelay
	if d < 0 {
		return 0
	}
	if d == 0 {
		d = DefaultAuthFailureDelay
	}
	return d * time.Duration(n)
}
