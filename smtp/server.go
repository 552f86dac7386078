package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/yubinmail/yubin/auth"
	"time"
)

// Mode selects the protocol flavour a Server speaks.
type Mode int

const (
	// ModeMTA is SMTP relay/MX (RFC 5321, port 25): AUTH is optional and
	// relay policy is the backend's decision at RCPT.
	ModeMTA Mode = iota
	// ModeSubmission is message submission (RFC 6409, ports 587 and 465):
	// AUTH is required before MAIL.
	ModeSubmission
	// ModeLMTP is LMTP (RFC 2033): LHLO instead of EHLO, and one reply per
	// recipient after the message.
	ModeLMTP
)

func (m Mode) String() string {
	switch m {
	case ModeSubmission:
		return "submission"
	case ModeLMTP:
		return "lmtp"
	}
	return "mta"
}

// Defaults for the Server fields. The timeouts follow RFC 5321 section
// 4.5.3.2.
const (
	DefaultMaxLineLength       = 2048
	DefaultMaxMessageBytes     = 32 << 20
	DefaultMaxRecipients       = 1000
	DefaultMaxNullRecipients   = 10
	DefaultMaxErrors           = 10
	DefaultMaxTransactions     = 1000
	DefaultMaxConnections      = 1000
	DefaultMaxConnectionsPerIP = 20
	DefaultMaxReceived         = 100
	DefaultMaxAuthFailures     = 3
	DefaultAuthFailureDelay    = time.Second
	DefaultCommandTimeout      = 5 * time.Minute  // section 4.5.3.2.7, server timeout
	DefaultDataBlockTimeout    = 3 * time.Minute  // section 4.5.3.2.5
	DefaultDataTimeout         = 10 * time.Minute // section 4.5.3.2.6
	DefaultWriteTimeout        = 5 * time.Minute
	DefaultMaxDataDuration     = 30 * time.Minute
	maxAuthLine                = 12288 // RFC 4954 section 4
)

// Server is an SMTP, submission or LMTP server. Configure it with its
// fields before calling Serve; zero fields take the documented defaults. A
// Server must not be copied or modified after first use.
type Server struct {
	// Addr is the address ListenAndServe listens on. Default ":25" (":24"
	// for LMTP, ":587" for submission, ":465" with ImplicitTLS).
	Addr string
	// Backend creates sessions. Required.
	Backend Backend
	// Hostname is the server's name in the greeting, EHLO reply and
	// Received field. Default os.Hostname(), else "localhost".
	Hostname string
	// Mode is MTA (default), submission or LMTP.
	Mode Mode

	// TLSConfig enables STARTTLS (RFC 3207) and is used by ImplicitTLS.
	// Nil disables TLS.
	TLSConfig *tls.Config
	// ImplicitTLS makes ListenAndServe and Serve wrap every connection in
	// TLS from the first byte (RFC 8314 section 3.3, port 465).
	ImplicitTLS bool

	// Credentials enables AUTH (RFC 4954) with the auth package's server
	// mechanisms. Nil disables AUTH.
	Credentials auth.Credentials
	// AuthMechanisms is the enabled mechanism set in advertising order.
	// Nil means auth.DefaultServerMechanisms().
	AuthMechanisms []string
	// AllowInsecureAuth advertises and accepts AUTH on connections without
	// TLS. By default AUTH is offered only after TLS.
	AllowInsecureAuth bool
	// MaxAuthFailures is the number of failed AUTH attempts after which
	// the connection is closed with 421. Default 3.
	MaxAuthFailures int
	// AuthFailureDelay is the delay before answering a failed AUTH,
	// multiplied by the number of failures so far. Default 1s; negative
	// disables it.
	AuthFailureDelay time.Duration

	// MaxLineLength bounds a command line, CRLF included (RFC 5321 section
	// 4.5.3.1.4). Longer lines get 500. Default 2048.
	MaxLineLength int
	// MaxMessageBytes bounds a message, advertised with SIZE (RFC 1870).
	// Default 32 MiB.
	MaxMessageBytes int64
	// MaxRecipients bounds the recipients per transaction; more get 452
	// (RFC 5321 section 4.5.3.1.10). Advertised as LIMITS RCPTMAX (RFC
	// 9422). Default 1000.
	MaxRecipients int
	// MaxTransactions bounds the MAIL commands of one session. When it is
	// reached, a further MAIL gets 421 4.7.0 and the connection closes, so
	// the client goes on in a new session. It is advertised as LIMITS
	// MAILMAX (RFC 9422 section 4.1). Default 1000; negative means no
	// limit (and no MAILMAX).
	MaxTransactions int
	// MaxNullSenderRecipients bounds the recipients of a transaction with
	// the null reverse-path "<>": bounces and other notifications go to a
	// single address (RFC 5321 section 4.5.5, RFC 3464), so a "<>" message
	// to many recipients is spam using the bounce exemption. More get 452.
	// Default 10.
	MaxNullSenderRecipients int
	// MaxErrors is the number of error replies after which the server
	// answers 421 and closes the connection. Default 10.
	MaxErrors int
	// MaxConnections bounds simultaneous connections; more get 421.
	// Default 1000.
	MaxConnections int
	// MaxConnectionsPerIP bounds simultaneous connections from one client
	// IP (IPv6 per /64); more get 421. Default 20.
	MaxConnectionsPerIP int
	// MaxReceived is the number of Received fields at which a message is
	// rejected as a loop with 554 5.4.6 (RFC 5321 section 6.3). Default 100.
	MaxReceived int

	// CommandTimeout bounds the wait for each command, and the time to
	// receive a whole command line however slowly it arrives. Default 5
	// minutes.
	CommandTimeout time.Duration
	// DataBlockTimeout bounds each read while receiving a message; when it
	// expires the connection is closed. Default 3 minutes.
	DataBlockTimeout time.Duration
	// MaxDataDuration bounds the whole transfer of one message (DATA) or
	// chunk (BDAT), so a sender that trickles octets just fast enough to
	// beat DataBlockTimeout is still cut off. Default 30 minutes.
	MaxDataDuration time.Duration
	// DataTimeout bounds Session.Data through its ctx. Default 10 minutes.
	DataTimeout time.Duration
	// WriteTimeout bounds each write of replies. Default 5 minutes.
	//
	// A single wait on the network, a read bounded by CommandTimeout or
	// DataBlockTimeout or a write bounded by WriteTimeout, may last up to
	// 1/16 longer than its timeout: a busy connection moves its deadline
	// only when it is off by more than that, not on every read. The bounds
	// on a whole command line and on MaxDataDuration are exact.
	WriteTimeout time.Duration

	// NormalizeBareLF accepts a bare LF in DATA as a line ending, as
	// Postfix's smtpd_forbid_bare_newline=normalize does. By default a bare
	// CR or LF rejects the message (SMTP smuggling protection).
	NormalizeBareLF bool
	// AddReceived prepends a Received field (RFC 5321 section 4.4) to every
	// message passed to Data.
	AddReceived bool
	// DisableChunking stops advertising CHUNKING and BINARYMIME (RFC 3030).
	DisableChunking bool

	// TrustedProxies lists networks whose connections must start with a
	// PROXY protocol v1 or v2 header giving the real client address.
	// Connections from elsewhere are served directly.
	TrustedProxies []netip.Prefix
	// XCLIENTTrusted lists networks allowed to use XCLIENT (Postfix's
	// extension for proxies and tests); XCLIENT is advertised only to them.
	XCLIENTTrusted []netip.Prefix

	// Logger receives connection and error logs. Nil discards.
	Logger *slog.Logger
	// Debug, when set, receives a wire trace of every session ("C: ",
	// "S: " lines). AUTH data is redacted and message content is
	// summarised. Writes are serialised.
	Debug io.Writer

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	perIP     map[netip.Addr]int
	closing   atomic.Bool
	wg        sync.WaitGroup
	debugMu   sync.Mutex
	hostOnce  sync.Once
	hostname  string
	// dataReaders pools the large read buffers used during DATA.
	dataReaders sync.Pool
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) host() string {
	s.hostOnce.Do(func() {
		s.hostname = s.Hostname
		if s.hostname == "" {
			s.hostname, _ = os.Hostname()
		}
		if s.hostname == "" {
			s.hostname = "localhost"
		}
	})
	return s.hostname
}

// maxTransactions is MaxTransactions with its default; 0 means no limit.
func (s *Server) maxTransactions() int {
	if s.MaxTransactions < 0 {
		return 0
	}
	return orInt(s.MaxTransactions, DefaultMaxTransactions)
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func (s *Server) maxLine() int { return orInt(s.MaxLineLength, DefaultMaxLineLength) }
func (s *Server) maxMessage() int64 {
	if s.MaxMessageBytes <= 0 {
		return DefaultMaxMessageBytes
	}
	return s.MaxMessageBytes
}

// ListenAndServe listens on s.Addr over TCP and calls Serve.
func (s *Server) ListenAndServe() error {
	if s.closing.Load() {
		return ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		switch {
		case s.ImplicitTLS:
			addr = ":465"
		case s.Mode == ModeSubmission:
			addr = ":587"
		case s.Mode == ModeLMTP:
			addr = ":24"
		default:
			addr = ":25"
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// always returns a non-nil error; after Shutdown or Close it returns
// ErrServerClosed. With ImplicitTLS set, connections are wrapped in TLS
// using TLSConfig.
func (s *Server) Serve(l net.Listener) error {
	if s.Backend == nil {
		return errors.New("smtp: Server.Backend is nil")
	}
	if s.ImplicitTLS {
		if s.TLSConfig == nil {
			return errors.New("smtp: ImplicitTLS requires TLSConfig")
		}
	}
	if !s.trackListener(&l, true) {
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		s.accept(c)
	}
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing.Load() {
			return false
		}
		if s.listeners == nil {
			s.listeners = make(map[*net.Listener]struct{})
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

// ipKey groups IPv6 clients by /64, since one host usually holds a whole
// /64.
func ipKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort()
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// accept registers c and starts its session, or refuses it with 421 when a
// connection limit is reached.
func (s *Server) accept(nc net.Conn) {
	remote := addrPort(nc.RemoteAddr())
	key := ipKey(remote.Addr())
	s.mu.Lock()
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
		s.perIP = make(map[netip.Addr]int)
	}
	// A trusted proxy carries many clients: the per-IP bound applies to the
	// addresses in its PROXY headers, not to the proxy itself.
	// Unix-socket peers (LMTP from a local MTA) have no IP to count.
	proxied := prefixesContain(s.TrustedProxies, remote.Addr()) || !remote.Addr().IsValid()
	tooMany := len(s.conns) >= orInt(s.MaxConnections, DefaultMaxConnections) ||
		!proxied && s.perIP[key] >= orInt(s.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP)
	if tooMany || s.closing.Load() {
		s.mu.Unlock()
		go refuse(nc, tooMany)
		return
	}
	c := newConn(s, nc)
	c.ipKey = key
	s.conns[c] = struct{}{}
	s.perIP[key]++
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		if s.perIP[c.ipKey]--; s.perIP[c.ipKey] <= 0 {
			delete(s.perIP, c.ipKey)
		}
		s.mu.Unlock()
	}()
}

// rekeyIP moves c's per-IP count to the client address learned from a
// PROXY header, and reports false when that client is over its bound.
func (s *Server) rekeyIP(c *conn, a netip.Addr) bool {
	key := ipKey(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[key] >= orInt(s.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP) {
		return false
	}
	if s.perIP[c.ipKey]--; s.perIP[c.ipKey] <= 0 {
		delete(s.perIP, c.ipKey)
	}
	c.ipKey = key
	s.perIP[key]++
	return true
}

func refuse(nc net.Conn, tooMany bool) {
	defer nc.Close()
	nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if tooMany {
		io.WriteString(nc, "421 4.7.0 Too many connections, try again later\r\n")
	} else {
		io.WriteString(nc, "421 4.3.2 Server shutting down\r\n")
	}
}

// Shutdown stops the server gracefully: it closes the listeners, answers
// 421 to idle connections and closes them, lets connections inside a
// transaction finish it, and waits for all connections to end. When ctx
// expires first, it closes the remaining connections (as Close does) and
// returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.closeListeners()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			c.interruptIfIdle()
		}
		s.mu.Unlock()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			s.Close()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close closes the listeners and every connection immediately, cancelling
// the contexts of their sessions. Transactions in progress are aborted;
// nothing is acknowledged that Data has not accepted.
func (s *Server) Close() error {
	s.closing.Store(true)
	s.closeListeners()
	s.mu.Lock()
	for c := range s.conns {
		c.abort()
	}
	s.mu.Unlock()
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		(*l).Close()
	}
}

func (s *Server) trace(prefix string, b []byte) {
	if s.Debug == nil {
		return
	}
	s.debugMu.Lock()
	defer s.debugMu.Unlock()
	buf := make([]byte, 0, len(prefix)+len(b)+1)
	buf = append(append(buf, prefix...), b...)
	s.Debug.Write(append(buf, '\n'))
}
