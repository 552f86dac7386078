package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yubinmail/yubin/internal/smtpwire"
)

// Client errors.
var (
	// ErrTLSUnavailable: TLSRequired, and the server does not offer
	// STARTTLS. Nothing but EHLO was sent.
	ErrTLSUnavailable = errors.New("smtp: STARTTLS required but not offered by the server")
	// ErrClientBroken: an earlier error left the connection in an unknown
	// state; close it and dial again.
	ErrClientBroken = errors.New("smtp: connection unusable after an earlier error")
	// ErrBadArgument: a command argument holds CR, LF or NUL.
	ErrBadArgument = errors.New("smtp: command argument holds CR, LF or NUL")
)

// withDeadline runs f with the connection deadline set to now+timeout (or
// ctx's deadline when sooner), and aborts the I/O when ctx is cancelled.
func (c *Client) withDeadline(ctx context.Context, timeout time.Duration, f func() error) error {
	if c.broken != nil {
		return c.broken
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	c.conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	err := f()
	stop()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("smtp: %w", cerr)
		}
		var smtpErr *Error
		if !errors.As(err, &smtpErr) {
			// An I/O or protocol error: the conversation is out of step.
			c.broken = fmt.Errorf("%w: %w", ErrClientBroken, err)
		}
	}
	return err
}

// readReply reads one reply within timeout.
func (c *Client) readReply(ctx context.Context, timeout time.Duration) (smtpwire.Reply, error) {
	var r smtpwire.Reply
	err := c.withDeadline(ctx, timeout, func() error {
		var err error
		r, err = c.readReplyNow()
		return err
	})
	return r, err
}

func (c *Client) readReplyNow() (smtpwire.Reply, error) {
	r, err := smtpwire.ReadReply(c.br, c.opts.MaxReplyLine, c.opts.MaxReplyLines)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return r, fmt.Errorf("smtp: reading reply: %w", err)
	}
	return r, nil
}

// cmd sends one command line and reads its reply. A reply outside 2xx/3xx
// is returned as *Error alongside the reply.
func (c *Client) cmd(ctx context.Context, timeout time.Duration, line string) (smtpwire.Reply, error) {
	if err := checkArg(line); err != nil {
		return smtpwire.Reply{}, err
	}
	var r smtpwire.Reply
	err := c.withDeadline(ctx, timeout, func() error {
		c.bw.WriteString(line)
		c.bw.WriteString("\r\n")
		if err := c.bw.Flush(); err != nil {
			return fmt.Errorf("smtp: write: %w", err)
		}
		var err error
		r, err = c.readReplyNow()
		return err
	})
	if err != nil {
		return r, err
	}
	if r.Code >= 400 {
		return r, replyError(r)
	}
	return r, nil
}

func checkArg(s string) error {
	if strings.ContainsAny(s, "\r\n\x00") {
		return ErrBadArgument
	}
	return nil
}

// replyError converts a reply into *Error.
func replyError(r smtpwire.Reply) *Error {
	e := &Error{Code: r.Code, Message: strings.Join(r.Lines, "\n")}
	if r.Enhanced != "" {
		e.EnhancedCode, _ = parseEnhanced(r.Enhanced)
	}
	return e
}

func parseEnhanced(s string) (EnhancedCode, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return EnhancedCode{}, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 999 {
			return EnhancedCode{}, false
		}
		n[i] = v
	}
	return EnhancedCode{Class: n[0], Subject: n[1], Detail: n[2]}, true
}

// hello sends EHLO (LHLO for LMTP), falling back to HELO when the server
// does not know EHLO, and records the capabilities.
func (c *Client) hello(ctx context.Context) error {
	verb := "EHLO "
	if c.opts.LMTP {
		verb = "LHLO "
	}
	r, err := c.cmd(ctx, c.opts.Timeouts.Command, verb+c.opts.Hostname)
	var smtpErr *Error
	if err != nil && !c.opts.LMTP && errors.As(err, &smtpErr) && smtpErr.Code >= 500 {
		// RFC 5321 section 3.2: fall back to HELO.
		if _, err := c.cmd(ctx, c.opts.Timeouts.Command, "HELO "+c.opts.Hostname); err != nil {
			return err
		}
		c.caps = Capabilities{}
		return nil
	}
	if err != nil {
		return err
	}
	c.caps = ParseCapabilities(r.Lines[1:])
	c.caps.Extended = true
	return nil
}

// startTLS runs STARTTLS (RFC 3207): on success the handshake is made, any
// bytes the server sent behind its 220 are discarded, and EHLO is said again
// because everything learned before TLS is forgotten.
func (c *Client) startTLS(ctx context.Context) error {
	_, err := c.cmd(ctx, c.opts.Timeouts.Command, "STARTTLS")
	if err != nil {
		if c.opts.TLS == TLSRequired {
			return fmt.Errorf("smtp: STARTTLS required but refused: %w", err)
		}
		var smtpErr *Error
		if errors.As(err, &smtpErr) {
			return nil // opportunistic: go on in plaintext
		}
		return err
	}
	// Bytes pipelined behind the 220 came in plaintext and must never be
	// read as if they came over TLS (SECURITY.md, CVE-2011-0411 family).
	if n := c.br.Buffered(); n > 0 {
		c.opts.Logger.Warn("smtp: discarding plaintext received after STARTTLS", "bytes", n)
	}
	tc := tls.Client(c.conn, c.tlsConfig())
	if err := c.handshake(ctx, tc); err != nil {
		c.broken = err
		return err
	}
	c.setConn(tc)
	c.caps = Capabilities{}
	return c.hello(ctx)
}

// traceWriter copies the conversation to a trace writer, one prefix per
// line. While the client runs an AUTH exchange, credentials are redacted.
type traceWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	client  *Client
	partial []byte
}

func (t *traceWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(t.partial) < 4096 {
				t.partial = append(t.partial, p...)
			}
			break
		}
		line := append(t.partial, p[:i+1]...)
		t.partial = t.partial[:0]
		p = p[i+1:]
		io.WriteString(t.w, t.prefix)
		t.w.Write(t.redact(line))
	}
	return n, nil
}

func (t *traceWriter) redact(line []byte) []byte {
	if t.client == nil || !t.client.redactTrace {
		return line
	}
	if t.prefix == "S: " {
		if bytes.HasPrefix(line, []byte("334")) {
			return []byte("334 [redacted]\r\n")
		}
		return line
	}
	if f := bytes.Fields(line); len(f) >= 2 && bytes.EqualFold(f[0], []byte("AUTH")) {
		return []byte("AUTH " + string(f[1]) + " [redacted]\r\n")
	}
	return []byte("[redacted]\r\n")
}
