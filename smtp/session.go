package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// errInterrupted is returned by timeoutConn.Read when Shutdown interrupts an
// idle connection, or when the server stops watching for a hang-up. It is a
// temporary net.Error, so a TLS connection stays usable after it.
var errInterrupted error = interruptedError{}

type interruptedError struct{}

func (interruptedError) Error() string   { return "smtp: read interrupted" }
func (interruptedError) Timeout() bool   { return true }
func (interruptedError) Temporary() bool { return true }

// timeoutConn applies each phase's timeout (RFC 5321 section 4.5.3.2) to
// every read, and lets Shutdown interrupt a connection that is idle between
// transactions.
//
// A read may wait at least timeout (RFC 5321 section 4.5.3.2 gives minimums)
// and at most timeout plus a slack of timeout/deadlineSlack, and never past
// the end of the phase. Within that window the deadline set for an earlier
// read is reused, so a busy connection does not re-arm the runtime's timer
// on every read: it is moved about once per slack period instead.
type timeoutConn struct {
	net.Conn
	mu      sync.Mutex
	timeout time.Duration // per read
	limit   time.Time     // for the whole phase, against slowloris senders
	set     time.Time     // the read deadline currently set on Conn
	idle    bool
	stop    bool
	pause   bool // reads fail at once (watchPeer is being stopped)
}

// deadlineSlack divides a timeout into the slack by which a read deadline
// may run late before it is moved again (a 5-minute timeout waits at most
// about 19 seconds longer).
const deadlineSlack = 16

func (t *timeoutConn) Read(p []byte) (int, error) {
	t.mu.Lock()
	if t.stop && t.idle || t.pause {
		t.mu.Unlock()
		return 0, errInterrupted
	}
	now := time.Now()
	if lo, hi := slackWindow(now, t.timeout, t.limit); t.set.Before(lo) || t.set.After(hi) {
		t.set = hi
		t.Conn.SetReadDeadline(hi)
	}
	t.mu.Unlock()
	return t.Conn.Read(p)
}

// slackWindow returns the range of deadlines acceptable for an operation
// that starts at now and may wait timeout, plus the slack, but not beyond
// limit (the zero limit means none).
func slackWindow(now time.Time, timeout time.Duration, limit time.Time) (lo, hi time.Time) {
	lo = now.Add(timeout)
	hi = lo.Add(timeout / deadlineSlack)
	if !limit.IsZero() {
		if lo.After(limit) {
			lo = limit
		}
		if hi.After(limit) {
			hi = limit
		}
	}
	return lo, hi
}

// interrupt makes a read in progress, and the next one, fail with a timeout.
// t.mu must be held.
func (t *timeoutConn) interrupt() {
	t.set = time.Unix(1, 0)
	t.Conn.SetReadDeadline(t.set)
}

// setPause makes reads fail at once (and interrupts one in progress) until
// it is called with false.
func (t *timeoutConn) setPause(on bool) {
	t.mu.Lock()
	t.pause = on
	if on {
		t.interrupt()
	}
	t.mu.Unlock()
}

// setPhase sets the per-read timeout and the deadline of the whole phase:
// a command must be complete within its timeout, however slowly its octets
// trickle in.
func (t *timeoutConn) setPhase(timeout, total time.Duration, idle bool) {
	t.mu.Lock()
	t.timeout, t.limit, t.idle = timeout, time.Now().Add(total), idle
	t.mu.Unlock()
}

// setIdle marks whether the connection waits between transactions, without
// starting a new phase.
func (t *timeoutConn) setIdle(idle bool) {
	t.mu.Lock()
	t.idle = idle
	t.mu.Unlock()
}

// conn is the state machine of one connection.
type conn struct {
	srv    *Server
	tc     *timeoutConn
	nc     net.Conn // tc, or a *tls.Conn over it
	br     *bufio.Reader
	cmdBr  *bufio.Reader // the small command reader while br is a pooled DATA reader
	bw     *bufio.Writer
	ctx    context.Context
	cancel context.CancelFunc
	info   ConnInfo
	sess   Session

	wset         time.Time // the write deadline currently set
	errors       int
	authFailures int
	transactions int        // MAIL commands so far (MaxTransactions)
	ipKey        netip.Addr // the per-IP connection count this conn holds

	// transaction state
	inTx       bool
	mailParams envelope.MailParams
	from       envelope.Path
	rcpts      []envelope.Path
	bdat       *bdatState
	result     [1]error // runData's result outside LMTP, reused
	copyBuf    []byte

	// per-message readers, reused
	dot   smtpwire.DotReader
	loop  loopReader
	hook  eofHook
	watch peerWatch
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	tc := &timeoutConn{Conn: nc, timeout: orDur(s.CommandTimeout, DefaultCommandTimeout)}
	c := &conn{srv: s, tc: tc, nc: tc, ctx: ctx, cancel: cancel}
	c.br = bufio.NewReaderSize(tc, max(s.maxLine(), 4096))
	c.bw = bufio.NewWriterSize(tc, 1024) // replies are short; DATA bypasses it
	c.info = ConnInfo{
		RemoteAddr: addrPort(nc.RemoteAddr()),
		LocalAddr:  addrPort(nc.LocalAddr()),
		Hostname:   s.host(),
		Mode:       s.Mode,
	}
	return c
}

// logger returns the connection's logger. It is built on demand, because
// logging is rare and an idle connection should cost little memory.
func (c *conn) logger() *slog.Logger {
	return c.srv.logger().With("remote", c.info.RemoteAddr.String())
}

// interruptIfIdle makes a connection that waits for a command between
// transactions return from its read, so it can answer 421 and close.
func (c *conn) interruptIfIdle() {
	c.tc.mu.Lock()
	defer c.tc.mu.Unlock()
	c.tc.stop = true
	if c.tc.idle {
		c.tc.interrupt()
	}
}

// abort closes the connection at once (Server.Close).
func (c *conn) abort() {
	c.cancel()
	c.tc.Conn.Close()
}

func (c *conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.logger().Error("smtp: panic serving connection", "panic", r, "stack", string(debug.Stack()))
			c.reply(errPanic)
			c.flush()
		}
		c.finish()
	}()
	if !c.start() {
		return
	}
	for c.next() {
	}
}

// start handles PROXY, implicit TLS, the backend's connect check and the
// greeting. It reports whether the session continues.
func (c *conn) start() bool {
	s := c.srv
	if prefixesContain(s.TrustedProxies, c.info.RemoteAddr.Addr()) {
		if err := c.readProxyHeader(); err != nil {
			c.logger().Warn("smtp: bad PROXY header", "err", err)
			return false
		}
		if c.info.Proxied && !s.rekeyIP(c, c.info.RemoteAddr.Addr()) {
			c.reply(&Error{Code: 421, EnhancedCode: code(4, 7, 0), Message: "Too many connections, try again later"})
			c.flush()
			return false
		}
	}
	if s.ImplicitTLS {
		if err := c.handshake(); err != nil {
			c.logger().Info("smtp: TLS handshake failed", "err", err)
			return false
		}
	}
	if !c.newSession() {
		return false
	}
	c.greet()
	return true
}

func (c *conn) greet() {
	proto := "ESMTP"
	if c.srv.Mode == ModeLMTP {
		proto = "LMTP"
	}
	c.replyLine(220, "", c.info.Hostname+" "+proto+" Service ready")
}

func (c *conn) newSession() bool {
	var sess Session
	err := c.call(func() error {
		var err error
		sess, err = c.srv.Backend.NewSession(c.ctx, &c.info)
		return err
	})
	if err != nil {
		e := replyFor(err)
		if errors.Is(err, errBackendPanic) {
			e = errPanic
		} else if e == errInternal {
			e = &Error{Code: 554, EnhancedCode: code(5, 7, 0), Message: "Connection refused"}
		}
		c.reply(e)
		c.flush()
		return false
	}
	c.sess = sess
	return true
}

// call runs a backend function; a panic becomes errBackendPanic so the
// connection answers 421 and closes.
func (c *conn) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.logger().Error("smtp: backend panic", "panic", r, "stack", string(debug.Stack()))
			err = errBackendPanic
		}
	}()
	return f()
}

var errBackendPanic = errors.New("smtp: backend panicked")

func (c *conn) finish() {
	c.abortBDAT()
	if c.sess != nil {
		sess := c.sess
		c.sess = nil
		if c.inTx {
			c.call(func() error { sess.Reset(c.ctx); return nil })
		}
		c.call(func() error { return sess.Logout(c.ctx) })
	}
	c.cancel()
	c.nc.Close()
	c.returnDataReader(true)
	c.watch.close()
}

// next reads and runs one command; it reports whether to continue.
func (c *conn) next() bool {
	s := c.srv
	c.returnDataReader(false)
	hasLine := smtpwire.HasLine(c.br)
	if !hasLine && c.flush() != nil {
		return false
	}
	idle := !c.inTx && c.br.Buffered() == 0
	cmdTimeout := orDur(s.CommandTimeout, DefaultCommandTimeout)
	if !hasLine {
		// A command that is already buffered is read without waiting:
		// only a read that may block starts a new command phase.
		c.tc.setPhase(cmdTimeout, cmdTimeout, idle)
	}
	if idle && s.closing.Load() {
		c.reply(errShutdown)
		c.flush()
		return false
	}
	// Read up to the AUTH bound (RFC 4954 section 4: 12288 octets), then
	// hold other commands to MaxLineLength.
	line, err := smtpwire.ReadLine(c.br, max(s.maxLine(), maxAuthLine))
	c.tc.setIdle(false) // a command that reads more (AUTH, DATA, BDAT) sets its own phase
	if err != nil {
		return c.readFailed(err)
	}
	if len(line)+2 > s.maxLine() && !(len(line) > 5 && strings.EqualFold(string(line[:5]), "AUTH ")) {
		return c.replyCounted(errLineLong)
	}
	if c.srv.Debug != nil {
		c.srv.trace("C: ", redactLine(line))
	}
	cmd, err := smtpwire.ParseCommand(line)
	if err != nil {
		return c.replyCounted(&Error{Code: 500, EnhancedCode: code(5, 5, 2), Message: "Syntax error, command unrecognized"})
	}
	return c.dispatch(cmd)
}

// readFailed handles a failed command read.
func (c *conn) readFailed(err error) bool {
	var le *smtpwire.LineTooLongError
	switch {
	case errors.As(err, &le):
		if !le.Drained {
			c.reply(errLineLong)
			c.flush()
			return false
		}
		return c.replyCounted(errLineLong)
	case errors.Is(err, errInterrupted) || c.srv.closing.Load() && isTimeout(err):
		c.reply(errShutdown)
	case isTimeout(err):
		c.reply(errTimeout)
	default:
		return false // EOF or reset: nobody to answer
	}
	c.flush()
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// replyCounted sends an error reply and counts it towards MaxErrors; it
// reports whether the session continues.
func (c *conn) replyCounted(e *Error) bool {
	c.reply(e)
	return c.countError()
}

func (c *conn) countError() bool {
	c.errors++
	if c.errors >= orInt(c.srv.MaxErrors, DefaultMaxErrors) {
		c.reply(errTooMany)
		c.flush()
		return false
	}
	return true
}

// reply writes an error reply (it is not flushed until the input is
// drained; RFC 2920 section 3.2).
func (c *conn) reply(e *Error) {
	c.replyLine(e.Code, e.enhanced(), e.Message)
}

func (c *conn) replyLine(code int, enhanced, text string) {
	if c.srv.Debug != nil {
		var b strings.Builder
		w := bufio.NewWriter(&b)
		smtpwire.WriteReply(w, code, enhanced, text)
		w.Flush()
		c.srv.trace("S: ", []byte(strings.TrimRight(strings.ReplaceAll(b.String(), "\r\n", "\nS: "), "\nS: ")))
	}
	smtpwire.WriteReply(c.bw, code, enhanced, text)
}

// ok writes a 2xx/3xx reply.
func (c *conn) ok(code int, enhanced, text string) { c.replyLine(code, enhanced, text) }

func (c *conn) flush() error {
	if c.bw.Buffered() == 0 {
		return nil
	}
	// Like reads, a write may take WriteTimeout plus a small slack, so that
	// the deadline is not moved on every flush.
	lo, hi := slackWindow(time.Now(), orDur(c.srv.WriteTimeout, DefaultWriteTimeout), time.Time{})
	if c.wset.Before(lo) || c.wset.After(hi) {
		c.wset = hi
		c.tc.Conn.SetWriteDeadline(hi)
	}
	return c.bw.Flush()
}

// redactLine hides AUTH credentials in the trace.
func redactLine(line []byte) []byte {
	if len(line) >= 5 && strings.EqualFold(string(line[:5]), "AUTH ") {
		if i := strings.IndexByte(string(line[5:]), ' '); i >= 0 {
			return append(append([]byte(nil), line[:5+i+1]...), "<redacted>"...)
		}
	}
	return line
}

// handshake runs the server side of TLS on the current connection.
func (c *conn) handshake() error {
	cfg := c.srv.TLSConfig
	if cfg == nil {
		return errors.New("smtp: no TLS config")
	}
	tc := tls.Server(c.tc, cfg)
	c.tc.setPhase(orDur(c.srv.CommandTimeout, DefaultCommandTimeout), orDur(c.srv.CommandTimeout, DefaultCommandTimeout), false)
	hctx, cancel := context.WithTimeout(c.ctx, orDur(c.srv.CommandTimeout, DefaultCommandTimeout))
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return err
	}
	st := tc.ConnectionState()
	c.info.TLS = &st
	c.nc = tc
	c.br.Reset(tc) // plaintext read ahead of the handshake is discarded
	c.bw.Reset(tc)
	return nil
}

// resetTx ends the transaction and tells the backend.
func (c *conn) resetTx() {
	c.abortBDAT()
	if c.inTx && c.sess != nil {
		c.call(func() error { c.sess.Reset(c.ctx); return nil })
	}
	c.inTx = false
	c.from = envelope.Path{}
	c.mailParams = envelope.MailParams{}
	c.rcpts = c.rcpts[:0]
}

var _ io.Reader = (*timeoutConn)(nil)
