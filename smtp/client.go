package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/yubinmail/yubin/internal/smtpwire"
)

// TLSMode says how a client uses TLS.
type TLSMode int

const (
	// TLSOpportunistic uses STARTTLS when the server offers it, and goes on
	// in plaintext otherwise. This is the default, and what MTA-to-MTA
	// delivery does on port 25.
	TLSOpportunistic TLSMode = iota
	// TLSRequired requires STARTTLS: when it is not offered or fails, the
	// client aborts before sending anything else (RFC 3207 section 4.1).
	TLSRequired
	// TLSImplicit starts TLS on connect (port 465, RFC 8314).
	TLSImplicit
	// TLSOff never uses TLS.
	TLSOff
)

// ClientTimeouts are the per-phase timeouts of RFC 5321 section 4.5.3.2.
// Zero fields take the RFC's values.
type ClientTimeouts struct {
	Connect         time.Duration // default 1 minute
	Greeting        time.Duration // the 220 greeting; default 5 minutes
	Command         time.Duration // EHLO, STARTTLS, AUTH, RSET, QUIT; default 5 minutes
	Mail            time.Duration // default 5 minutes
	Rcpt            time.Duration // default 5 minutes
	DataInit        time.Duration // the 354 reply; default 2 minutes
	DataBlock       time.Duration // each write of message data; default 3 minutes
	DataTermination time.Duration // the reply after the final dot or BDAT LAST; default 10 minutes
}

func (t ClientTimeouts) withDefaults() ClientTimeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Connect, time.Minute)
	def(&t.Greeting, 5*time.Minute)
	def(&t.Command, 5*time.Minute)
	def(&t.Mail, 5*time.Minute)
	def(&t.Rcpt, 5*time.Minute)
	def(&t.DataInit, 2*time.Minute)
	def(&t.DataBlock, 3*time.Minute)
	def(&t.DataTermination, 10*time.Minute)
	return t
}

// ClientOptions configures a Client. A nil *ClientOptions means defaults.
type ClientOptions struct {
	// Hostname is the name sent in EHLO/HELO/LHLO. Default "localhost".
	Hostname string
	// TLS selects the TLS mode. Default TLSOpportunistic.
	TLS TLSMode
	// TLSConfig is used for STARTTLS and implicit TLS. When nil, a config
	// with ServerName set from the dialled host is used: certificates are
	// verified against the system roots.
	TLSConfig *tls.Config
	// LMTP makes the client speak LMTP (RFC 2033): LHLO, and one reply per
	// recipient after the data.
	LMTP bool
	// Timeouts are the per-phase timeouts.
	Timeouts ClientTimeouts
	// MaxReplyLine bounds one reply line. Default 2048 octets.
	MaxReplyLine int
	// MaxReplyLines bounds the lines of one reply. Default 256.
	MaxReplyLines int
	// NormalizeLineEndings turns bare CR and LF in message data into CRLF.
	// By default a message holding one is refused with ErrBareLineEnding
	// before its end is sent, and the connection is closed so that the
	// server discards the partial data.
	NormalizeLineEndings bool
	// Logger receives connection events. Nil discards them.
	Logger *slog.Logger
	// Trace, when set, receives a copy of the conversation, with AUTH
	// exchanges redacted.
	Trace io.Writer
}

// Client is an SMTP or LMTP client connection. It is not safe for concurrent
// use. Every method that talks to the server takes a ctx; cancelling it
// aborts the exchange and leaves the client unusable.
type Client struct {
	conn        net.Conn
	br          *bufio.Reader
	bw          *bufio.Writer
	opts        ClientOptions
	host        string // the server's host name, for TLS verification
	caps        Capabilities
	greeting    smtpwire.Reply
	tlsState    *tls.ConnectionState
	authed      bool
	redactTrace bool  // set during AUTH, for the trace writer
	broken      error // set when the connection can no longer be used
}

// Dial connects to addr ("host:port") and returns a client that has read the
// greeting, said EHLO (or HELO), and, as opts.TLS asks, started TLS.
func Dial(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	o := clientDefaults(opts)
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: dial: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, o.Timeouts.Connect)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: dial %s: %w", addr, err)
	}
	return NewClient(ctx, conn, host, &o)
}

// NewClient runs the start of a session over an established connection:
// implicit TLS when asked, the greeting, EHLO (falling back to HELO), and
// STARTTLS as opts.TLS asks. host is the server name used to verify its
// certificate. On error the connection is closed.
func NewClient(ctx context.Context, conn net.Conn, host string, opts *ClientOptions) (*Client, error) {
	o := clientDefaults(opts)
	c := &Client{opts: o, host: host}
	if o.TLS == TLSImplicit {
		tc := tls.Client(conn, c.tlsConfig())
		if err := c.handshake(ctx, tc); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	c.setConn(conn)
	if err := c.start(ctx); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

func clientDefaults(opts *ClientOptions) ClientOptions {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.MaxReplyLine <= 0 {
		o.MaxReplyLine = smtpwire.DefaultMaxLine
	}
	if o.MaxReplyLines <= 0 {
		o.MaxReplyLines = smtpwire.DefaultMaxReplyLines
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Timeouts = o.Timeouts.withDefaults()
	return o
}

func (c *Client) setConn(conn net.Conn) {
	c.conn = conn
	var r io.Reader = conn
	var w io.Writer = conn
	if c.opts.Trace != nil {
		r = io.TeeReader(conn, &traceWriter{w: c.opts.Trace, prefix: "S: "})
		w = io.MultiWriter(conn, &traceWriter{w: c.opts.Trace, prefix: "C: ", client: c})
	}
	c.br = bufio.NewReaderSize(r, 4096)
	c.bw = bufio.NewWriterSize(w, 4096)
}

func (c *Client) tlsConfig() *tls.Config {
	if c.opts.TLSConfig != nil {
		cfg := c.opts.TLSConfig.Clone()
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			cfg.ServerName = c.host
		}
		return cfg
	}
	return &tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12}
}

func (c *Client) handshake(ctx context.Context, tc *tls.Conn) error {
	hctx, cancel := context.WithTimeout(ctx, c.opts.Timeouts.Command)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return fmt.Errorf("smtp: TLS handshake: %w", err)
	}
	st := tc.ConnectionState()
	c.tlsState = &st
	return nil
}

// start reads the greeting, says hello and negotiates TLS.
func (c *Client) start(ctx context.Context) error {
	r, err := c.readReply(ctx, c.opts.Timeouts.Greeting)
	if err != nil {
		return err
	}
	c.greeting = r
	if r.Code != 220 {
		return replyError(r)
	}
	if err := c.hello(ctx); err != nil {
		return err
	}
	if c.tlsState != nil || c.opts.TLS == TLSOff || c.opts.TLS == TLSImplicit {
		return nil
	}
	if !c.caps.StartTLS {
		if c.opts.TLS == TLSRequired {
			return ErrTLSUnavailable
		}
		return nil
	}
	return c.startTLS(ctx)
}

// Capabilities returns what the server announced in its latest EHLO reply
// (after STARTTLS, the reply given over TLS).
func (c *Client) Capabilities() Capabilities { return c.caps }

// TLSConnectionState returns the TLS state, or nil without TLS.
func (c *Client) TLSConnectionState() *tls.ConnectionState { return c.tlsState }

// Greeting returns the text of the server's 220 greeting.
func (c *Client) Greeting() string { return c.greeting.Text() }

// Reset aborts the current transaction with RSET, so that the connection
// can carry another message.
func (c *Client) Reset(ctx context.Context) error {
	_, err := c.cmd(ctx, c.opts.Timeouts.Command, "RSET")
	return err
}

// Noop sends NOOP, to check that the connection is alive.
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.cmd(ctx, c.opts.Timeouts.Command, "NOOP")
	return err
}

// Quit sends QUIT and closes the connection.
func (c *Client) Quit(ctx context.Context) error {
	_, err := c.cmd(ctx, c.opts.Timeouts.Command, "QUIT")
	c.conn.Close() // the server may close first; that is not an error
	return err
}

// Close closes the connection without QUIT.
func (c *Client) Close() error { return c.conn.Close() }
