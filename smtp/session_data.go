package smtp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// cmdData handles DATA (RFC 5321 section 4.1.1.4).
func (c *conn) cmdData(arg string) bool {
	switch {
	case arg != "":
		return c.replyCounted(errSyntax)
	case c.bdat != nil:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "DATA not allowed in a BDAT transaction"})
	case !c.inTx:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Need MAIL before DATA"})
	case len(c.rcpts) == 0:
		return c.replyCounted(&Error{Code: 554, EnhancedCode: code(5, 5, 1), Message: "No valid recipients"})
	case c.mailParams.Body == envelope.BodyBinaryMIME:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "BINARYMIME requires BDAT"}) // RFC 3030 section 3
	}
	c.ok(354, "", "Start mail input; end with <CRLF>.<CRLF>")
	if c.flush() != nil {
		return false
	}
	c.tc.setPhase(orDur(c.srv.DataBlockTimeout, DefaultDataBlockTimeout), orDur(c.srv.MaxDataDuration, DefaultMaxDataDuration), false)
	c.borrowDataReader()
	// The readers are reused from message to message (fewer allocations).
	dr := &c.dot
	dr.Reset(c.br, &smtpwire.DotOptions{NormalizeBareLF: c.srv.NormalizeBareLF, MaxBytes: c.srv.maxMessage()})
	lr := &c.loop
	*lr = loopReader{r: dr, max: orInt(c.srv.MaxReceived, DefaultMaxReceived)}
	w := &c.watch
	w.reset(c)
	c.hook = eofHook{r: lr, w: w}
	results := c.runData(&c.hook)
	w.stop()
	derr := dr.Drain() // read to the real end of data whatever Data did
	if c.srv.Debug != nil {
		c.srv.trace("C: ", []byte("<message data, "+strconv.FormatInt(dr.Size(), 10)+" octets>"))
	}
	if derr != nil && !smtpwire.IsDataError(derr) {
		// The connection failed mid-DATA: nothing was acknowledged, and
		// Data saw the read error. Close (RFC 5321 section 4.5.3.2.5).
		c.logger().Info("smtp: connection lost in DATA", "err", derr)
		if isTimeout(derr) {
			c.reply(errTimeout)
			c.flush()
		}
		c.resetTx()
		return false
	}
	return c.finishMessage(results, streamError(derr, lr.err))
}

// streamError maps a content error of the message stream to its reply.
func streamError(dataErr, loopErr error) *Error {
	switch {
	case loopErr != nil:
		return ErrLoopDetected
	case errors.Is(dataErr, smtpwire.ErrTooLarge):
		return ErrMessageTooLarge
	case dataErr != nil:
		return ErrBareLineEnding
	}
	return nil
}

// finishMessage sends the final reply (one per recipient in LMTP) and ends
// the transaction.
func (c *conn) finishMessage(results []error, streamErr *Error) bool {
	panicked := false
	for i := range results {
		if errors.Is(results[i], errBackendPanic) {
			panicked = true
		}
		if streamErr != nil {
			if results[i] == nil {
				c.logger().Warn("smtp: Data returned nil for a stream that failed; the message is rejected", "reason", streamErr.Message)
			}
			results[i] = streamErr
		}
	}
	if panicked {
		c.reply(errPanic)
		c.flush()
		c.resetTx()
		return false
	}
	failed := false
	for _, err := range results {
		if err == nil {
			c.ok(250, "2.0.0", "OK: message accepted")
			continue
		}
		failed = true
		c.reply(replyFor(err))
	}
	c.resetTx()
	if failed {
		return c.countError()
	}
	return true
}

// runData passes the message to the backend and returns one result, or
// one per recipient in LMTP mode.
func (c *conn) runData(r io.Reader) []error {
	ctx, cancel := context.WithTimeout(c.ctx, orDur(c.srv.DataTimeout, DefaultDataTimeout))
	defer cancel()
	if h, ok := r.(*eofHook); ok {
		h.w.mu.Lock()
		h.w.cancel = cancel
		h.w.mu.Unlock()
	}
	if c.srv.AddReceived {
		r = io.MultiReader(strings.NewReader(c.receivedField()), r)
	}
	n := 1
	if c.srv.Mode == ModeLMTP {
		n = len(c.rcpts)
	}
	results := c.result[:0:1] // one result outside LMTP: no allocation
	if n > 1 {
		results = make([]error, 0, n)
	}
	results = results[:n]
	clear(results)
	err := c.call(func() error {
		if ls, ok := c.sess.(LMTPSession); ok && c.srv.Mode == ModeLMTP {
			sc := &statusCollector{rcpts: c.rcpts, status: results, set: make([]bool, n)}
			err := ls.LMTPData(ctx, r, sc)
			for i := range results {
				if !sc.set[i] {
					results[i] = err
				}
			}
			return nil
		}
		return c.sess.Data(ctx, r)
	})
	if err != nil {
		for i := range results {
			results[i] = err
		}
	}
	return results
}

type statusCollector struct {
	rcpts  []envelope.Path
	status []error
	set    []bool
}

func (s *statusCollector) SetStatus(i int, err error) {
	if i >= 0 && i < len(s.status) {
		s.status[i], s.set[i] = err, true
	}
}

func (s *statusCollector) Recipients() []envelope.Path { return s.rcpts }

// bdatState is a BDAT transaction in progress (RFC 3030 section 2): the
// backend's Data runs in its own goroutine and reads the chunks through a
// pipe, so a message is streamed however many chunks it has.
type bdatState struct {
	pw   *io.PipeWriter
	done chan []error
	size int64
	lr   *loopReader
}

var errBDATAborted = errors.New("smtp: BDAT transaction aborted")

// cmdBDAT handles one BDAT chunk.
func (c *conn) cmdBDAT(arg string) bool {
	size, last, err := smtpwire.ParseBDAT(arg)
	if err != nil || c.srv.DisableChunking {
		// The chunk size is unknown, so the stream cannot be resynchronised.
		c.reply(&Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Syntax: BDAT size [LAST]"})
		c.flush()
		return false
	}
	max := c.srv.maxMessage()
	if size > 2*max+65536 {
		// Reading and discarding this much is not worth it: refuse and close.
		c.reply(ErrMessageTooLarge)
		c.flush()
		return false
	}
	c.tc.setPhase(orDur(c.srv.DataBlockTimeout, DefaultDataBlockTimeout), orDur(c.srv.MaxDataDuration, DefaultMaxDataDuration), false)
	if int64(c.br.Buffered()) < size && c.flush() != nil {
		return false // reading the chunk may block: send pending replies first
	}
	var failure *Error
	switch {
	case !c.inTx:
		failure = &Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Need MAIL before BDAT"}
	case len(c.rcpts) == 0:
		failure = &Error{Code: 554, EnhancedCode: code(5, 5, 1), Message: "No valid recipients"}
	}
	if failure != nil {
		// RFC 3030 section 2: the chunk is read and discarded, e.g. after a
		// failed MAIL or RCPT in a pipelined group.
		if !c.discard(size) {
			return false
		}
		return c.replyCounted(failure)
	}
	if c.bdat == nil {
		c.startBDAT()
	}
	b := c.bdat
	if b.size+size > max {
		// RFC 3030 section 2: answer this chunk with 552 after reading it;
		// the transaction is over and later chunks are discarded.
		b.pw.CloseWithError(smtpwire.ErrTooLarge)
		if !c.discard(size) {
			return false
		}
		results := <-b.done
		c.bdat = nil
		return c.finishMessage(results, ErrMessageTooLarge)
	}
	if err := c.copyChunk(b.pw, size); err != nil {
		c.logger().Info("smtp: connection lost in BDAT", "err", err)
		if isTimeout(err) {
			c.reply(errTimeout)
			c.flush()
		}
		return false // finish aborts the pipe, so nothing is delivered
	}
	b.size += size
	if c.srv.Debug != nil {
		c.srv.trace("C: ", []byte("<chunk data, "+strconv.FormatInt(size, 10)+" octets>"))
	}
	if !last {
		select {
		case results := <-b.done: // Data returned before the last chunk
			c.bdat = nil
			for i := range results {
				if results[i] == nil {
					results[i] = errInternal
				}
			}
			return c.finishMessage(results, streamError(nil, b.lr.err))
		default:
		}
		c.ok(250, "2.0.0", strconv.FormatInt(size, 10)+" octets received")
		return true
	}
	b.pw.Close()
	results := <-b.done
	c.bdat = nil
	return c.finishMessage(results, streamError(nil, b.lr.err))
}

// copyChunk copies size octets of chunk data to w. When w fails (Data
// stopped reading) the rest is read and dropped; only a read error, which
// means the connection is lost, is returned.
func (c *conn) copyChunk(w io.Writer, size int64) error {
	buf := c.buf()
	writeOK := true
	for size > 0 {
		n, err := io.ReadFull(c.br, buf[:min(size, int64(len(buf)))])
		size -= int64(n)
		if writeOK && n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				writeOK = false
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) buf() []byte {
	if c.copyBuf == nil {
		c.copyBuf = make([]byte, 32<<10)
	}
	return c.copyBuf
}

// discard reads and drops n octets of chunk data.
func (c *conn) discard(n int64) bool {
	for n > 0 {
		d, err := c.br.Discard(int(min(n, int64(c.br.Size()))))
		n -= int64(d)
		if err != nil {
			c.logger().Info("smtp: connection lost in BDAT", "err", err)
			return false
		}
	}
	return true
}

func (c *conn) startBDAT() {
	pr, pw := io.Pipe()
	lr := &loopReader{r: pr, max: orInt(c.srv.MaxReceived, DefaultMaxReceived)}
	b := &bdatState{pw: pw, done: make(chan []error, 1), lr: lr}
	c.bdat = b
	go func() {
		results := c.runData(lr)
		pr.CloseWithError(errBDATAborted) // unblock the writer if Data stopped early
		b.done <- results
	}()
}

// abortBDAT stops a BDAT transaction in progress (RSET, connection lost).
func (c *conn) abortBDAT() {
	if c.bdat == nil {
		return
	}
	c.bdat.pw.CloseWithError(errBDATAborted)
	<-c.bdat.done
	c.bdat = nil
}

// eofHook starts watching for a hang-up once the backend has read the whole
// message.
type eofHook struct {
	r io.Reader
	w *peerWatch
}

func (h *eofHook) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if err == io.EOF {
		h.w.start()
	}
	return n, err
}

// peerWatch cancels the Data context when the client hangs up while the
// backend is still working on a complete message (for example scanning or
// storing it), so that the backend can stop early. When Data is still
// running watchDelay after the message ended, it reads ahead on the
// connection; stop interrupts that read and returns when the watcher is done
// with the connection, so the session can go on using it. (Most Data calls
// finish well within watchDelay, and then cost no goroutine at all.)
//
// The connection's timer is not re-armed for every message: once pending,
// it stays so, and when it fires for a later message than the one it was
// set for, it is re-armed once more. The watch thus starts between one and
// two watchDelays after the end of a message; a busy connection moves its
// timer at most once per watchDelay, and an idle one not at all.
type peerWatch struct {
	c       *conn
	mu      sync.Mutex
	cancel  context.CancelFunc
	timer   *time.Timer // reused by the connection's messages
	pending bool        // timer is running
	seq     uint64      // messages that reached their end so far
	timed   uint64      // the message the pending timer was set for
	armed   bool
	started bool
	stopped bool
	done    chan struct{}
}

const watchDelay = 50 * time.Millisecond

// reset prepares w for a new message (a pending timer finds nothing to do,
// or re-arms itself once this message has ended).
func (w *peerWatch) reset(c *conn) {
	w.mu.Lock()
	w.c, w.cancel, w.armed, w.started, w.stopped = c, nil, false, false, false
	w.mu.Unlock()
}

func (w *peerWatch) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.armed || w.cancel == nil {
		return
	}
	w.armed = true
	w.seq++
	w.arm()
}

// arm starts the timer for the current message unless it is already
// pending; w.mu must be held.
func (w *peerWatch) arm() {
	if w.pending {
		return
	}
	w.pending, w.timed = true, w.seq
	if w.timer == nil {
		w.timer = time.AfterFunc(watchDelay, w.fire)
	} else {
		w.timer.Reset(watchDelay)
	}
}

// fire runs on the timer's goroutine.
func (w *peerWatch) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = false
	if w.stopped || !w.armed || w.started {
		return
	}
	if w.timed != w.seq {
		w.arm() // a later message than the one the timer was set for
		return
	}
	w.started = true
	w.done = make(chan struct{})
	c, cancel, done := w.c, w.cancel, w.done
	go func() {
		defer close(done)
		if _, err := c.br.Peek(1); err != nil && !isTimeout(err) {
			cancel() // EOF or reset: the client is gone
		}
	}()
}

func (w *peerWatch) stop() {
	w.mu.Lock()
	w.stopped = true
	started, done := w.started, w.done
	w.mu.Unlock()
	if started {
		w.c.tc.setPause(true)
		<-done
		w.c.tc.setPause(false)
	}
}

// close stops the timer when the connection ends.
func (w *peerWatch) close() {
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.pending = false
	w.mu.Unlock()
}

// dataReaderSize is the read buffer used while a message streams in: large
// reads mean few system calls. Connections borrow one from a pool only for
// the DATA phase, so idle connections keep their small command buffer.
const dataReaderSize = 64 << 10

// borrowDataReader switches to a large pooled read buffer for DATA, when
// nothing is buffered in the command reader (the client waited for 354).
func (c *conn) borrowDataReader() {
	if c.cmdBr != nil || c.br.Buffered() != 0 {
		return
	}
	big, _ := c.srv.dataReaders.Get().(*bufio.Reader)
	if big == nil {
		big = bufio.NewReaderSize(c.nc, dataReaderSize)
	} else {
		big.Reset(c.nc)
	}
	c.cmdBr, c.br = c.br, big
}

// returnDataReader goes back to the command reader once the large buffer
// holds nothing more (pipelined commands after the data are read from it
// first).
func (c *conn) returnDataReader(force bool) {
	if c.cmdBr == nil || !force && c.br.Buffered() != 0 {
		return
	}
	big := c.br
	c.br, c.cmdBr = c.cmdBr, nil
	c.br.Reset(c.nc)
	big.Reset(nil)
	c.srv.dataReaders.Put(big)
}
