package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// Send errors, returned before anything of the transaction is sent.
var (
	// ErrNoRecipients: the envelope has no recipient.
	ErrNoRecipients = errors.New("smtp: no recipients")
	// ErrSMTPUTF8Unsupported: an address needs SMTPUTF8 (RFC 6531) and the
	// server does not offer it.
	ErrSMTPUTF8Unsupported = &Error{Code: 553, EnhancedCode: code(5, 6, 7),
		Message: "server does not support SMTPUTF8, needed for a non-ASCII address"}
	// ErrRequireTLSUnsupported: REQUIRETLS was asked for, and the connection
	// is not encrypted or the server does not offer it (RFC 8689 section 4.2.1).
	ErrRequireTLSUnsupported = &Error{Code: 530, EnhancedCode: code(5, 7, 30),
		Message: "REQUIRETLS needed but not supported by the next hop"}
	// ErrSizeExceeded: the message SIZE is over the server's announced limit.
	ErrSizeExceeded = &Error{Code: 552, EnhancedCode: code(5, 3, 4),
		Message: "message size exceeds the server's limit"}
	// ErrBinaryUnsupported: BODY=BINARYMIME needs CHUNKING and BINARYMIME.
	ErrBinaryUnsupported = &Error{Code: 554, EnhancedCode: code(5, 6, 3),
		Message: "server does not support BINARYMIME"}
	// ErrMessageBareLineEnding: the message holds a bare CR or LF and
	// ClientOptions.NormalizeLineEndings is off. The transaction was aborted
	// by closing the connection, so the server discards the partial data.
	ErrMessageBareLineEnding = errors.New("smtp: message holds a bare CR or LF")
)

// RcptResult is the outcome for one recipient.
type RcptResult struct {
	Rcpt envelope.Path
	// Err is nil when the recipient was accepted for delivery (after the
	// data, in both SMTP and LMTP). Otherwise it is the *Error the server
	// gave at RCPT or after the data, or the error that ended the
	// transaction.
	Err error
	// Reply is the server's last reply for this recipient: the data reply
	// (SMTP: shared by all recipients; LMTP: its own) or the RCPT reply.
	Code         int
	EnhancedCode EnhancedCode
	Message      string
}

// SendResult is the outcome of a transaction. Partial success is ordinary:
// look at each recipient's Err.
type SendResult struct {
	Rcpts []RcptResult
}

// Accepted returns the number of recipients the server took.
func (r *SendResult) Accepted() int {
	n := 0
	for _, rr := range r.Rcpts {
		if rr.Err == nil {
			n++
		}
	}
	return n
}

// SendOptions tunes one transaction. A nil pointer means defaults.
type SendOptions struct {
	// Chunking sends the message with BDAT when the server offers CHUNKING,
	// even when DATA would do. BODY=BINARYMIME always uses BDAT.
	Chunking bool
	// ChunkSize is the BDAT chunk size. Default 64 KiB.
	ChunkSize int
}

// Send runs one mail transaction: MAIL FROM with env.MailParams, RCPT TO for
// each of env.Rcpts, then the message from msg with DATA or BDAT. With
// PIPELINING, MAIL, every RCPT and DATA go in one round trip (RFC 2920).
//
// The error is non-nil only when the transaction as a whole failed (MAIL
// refused, no recipient accepted, the data refused, or an I/O error); the
// result then still says what happened to each recipient. After an error
// the client can be reused only when the error is an *Error (the server
// refused something); Send resets the transaction itself.
func (c *Client) Send(ctx context.Context, env *envelope.Envelope, msg io.Reader, opts *SendOptions) (*SendResult, error) {
	res := &SendResult{Rcpts: make([]RcptResult, len(env.Rcpts))}
	for i, r := range env.Rcpts {
		res.Rcpts[i].Rcpt = r.Path
	}
	if err := c.checkSend(env); err != nil {
		res.fail(err)
		return res, err
	}
	useBDAT := env.MailParams.Body == envelope.BodyBinaryMIME || (opts != nil && opts.Chunking && c.caps.Chunking)
	if c.caps.Pipelining {
		err := c.pipelinedEnvelope(ctx, env, res, !useBDAT)
		if err != nil || res.rcptAccepted() == 0 {
			return res, c.endFailed(ctx, res, err)
		}
	} else {
		if err := c.serialEnvelope(ctx, env, res); err != nil || res.rcptAccepted() == 0 {
			return res, c.endFailed(ctx, res, err)
		}
		if !useBDAT {
			r, err := c.cmd(ctx, c.opts.Timeouts.DataInit, "DATA")
			if err == nil && r.Code != 354 {
				err = replyError(r)
			}
			if err != nil {
				res.failAccepted(err)
				return res, c.endFailed(ctx, res, err)
			}
		}
	}
	var err error
	if useBDAT {
		err = c.sendBDAT(ctx, msg, opts)
	} else {
		err = c.sendData(ctx, msg)
	}
	if err != nil {
		res.failAccepted(err)
		return res, err
	}
	return res, c.readDataReplies(ctx, res)
}

func (c *Client) checkSend(env *envelope.Envelope) error {
	if c.broken != nil {
		return c.broken
	}
	if len(env.Rcpts) == 0 {
		return ErrNoRecipients
	}
	mp := env.MailParams
	needUTF8 := !env.From.IsASCII()
	for _, r := range env.Rcpts {
		needUTF8 = needUTF8 || !r.Path.IsASCII()
	}
	switch {
	case (needUTF8 || mp.SMTPUTF8) && !c.caps.SMTPUTF8:
		return ErrSMTPUTF8Unsupported
	case mp.RequireTLS && (c.tlsState == nil || !c.caps.RequireTLS):
		return ErrRequireTLSUnsupported
	case mp.HasSize && c.caps.Size > 0 && mp.Size > c.caps.Size:
		return ErrSizeExceeded
	case mp.Body == envelope.BodyBinaryMIME && !(c.caps.BinaryMIME && c.caps.Chunking):
		return ErrBinaryUnsupported
	}
	return nil
}

// mailLine and rcptLine format the commands, leaving out the parameters
// the server did not announce support for (they would be refused).
func (c *Client) mailLine(env *envelope.Envelope) string {
	mp := env.MailParams
	if !c.caps.DSN {
		mp.Ret, mp.EnvID = "", ""
	}
	if mp.Body == envelope.Body8BitMIME && !c.caps.EightBitMIME {
		mp.Body = "" // QUIRK: sent as-is, as most MTAs do; the server may still accept 8-bit
	}
	if !c.caps.Has("SIZE") {
		mp.HasSize = false
	}
	if !c.caps.Has("AUTH") {
		mp.HasAuth = false
	}
	if !env.From.IsASCII() {
		mp.SMTPUTF8 = true
	}
	line := "MAIL FROM:" + env.From.String()
	if p := mp.String(); p != "" {
		line += " " + p
	}
	return line
}

func (c *Client) rcptLine(r envelope.Recipient) string {
	rp := r.Params
	if !c.caps.DSN {
		rp.Notify = 0
		rp.ORcpt = envelope.ORcpt{}
	}
	line := "RCPT TO:" + r.Path.String()
	if p := rp.String(); p != "" {
		line += " " + p
	}
	return line
}

// pipelinedEnvelope writes MAIL, every RCPT and (when withData) DATA in one
// flush, then reads the replies in order.
func (c *Client) pipelinedEnvelope(ctx context.Context, env *envelope.Envelope, res *SendResult, withData bool) error {
	lines := []string{c.mailLine(env)}
	for _, r := range env.Rcpts {
		lines = append(lines, c.rcptLine(r))
	}
	for _, l := range lines {
		if err := checkArg(l); err != nil {
			return err
		}
	}
	return c.withDeadline(ctx, c.opts.Timeouts.Mail, func() error {
		for _, l := range lines {
			c.bw.WriteString(l)
			c.bw.WriteString("\r\n")
		}
		if withData {
			c.bw.WriteString("DATA\r\n")
		}
		if err := c.bw.Flush(); err != nil {
			return fmt.Errorf("smtp: write: %w", err)
		}
		mail, err := c.readReplyNow()
		if err != nil {
			return err
		}
		for i := range env.Rcpts {
			r, err := c.readReplyNow()
			if err != nil {
				return err
			}
			res.setRcpt(i, r, mail)
		}
		if !withData {
			if mail.Code >= 400 {
				return replyError(mail)
			}
			return nil
		}
		data, err := c.readReplyNow()
		if err != nil {
			return err
		}
		return c.afterPipelinedData(mail, data, res)
	})
}

// afterPipelinedData handles the DATA reply of a pipelined group.
func (c *Client) afterPipelinedData(mail, data smtpwire.Reply, res *SendResult) error {
	if data.Code == 354 && (mail.Code >= 400 || res.rcptAccepted() == 0) {
		// RFC 2920 section 3.1: the server should have refused DATA; end
		// the (empty) data so the conversation stays in step. No recipient
		// was accepted, so nothing is delivered.
		c.bw.WriteString(".\r\n")
		if err := c.bw.Flush(); err != nil {
			return err
		}
		if _, err := c.readReplyNow(); err != nil {
			return err
		}
	}
	if mail.Code >= 400 {
		return replyError(mail)
	}
	if res.rcptAccepted() == 0 {
		return res.firstErr()
	}
	if data.Code != 354 {
		err := replyError(data)
		res.failAccepted(err)
		return err
	}
	return nil
}

// serialEnvelope sends MAIL and each RCPT, waiting for every reply.
func (c *Client) serialEnvelope(ctx context.Context, env *envelope.Envelope, res *SendResult) error {
	mail, err := c.cmd(ctx, c.opts.Timeouts.Mail, c.mailLine(env))
	if err != nil {
		res.fail(err)
		return err
	}
	for i, r := range env.Rcpts {
		reply, err := c.cmd(ctx, c.opts.Timeouts.Rcpt, c.rcptLine(r))
		var smtpErr *Error
		if err != nil && !errors.As(err, &smtpErr) {
			return err
		}
		res.setRcpt(i, reply, mail)
	}
	return nil
}

// endFailed resets the transaction after a failure that left the
// connection usable, and returns the error to report.
func (c *Client) endFailed(ctx context.Context, res *SendResult, err error) error {
	if err == nil {
		err = res.firstErr()
	}
	if c.broken == nil {
		if _, rerr := c.cmd(ctx, c.opts.Timeouts.Command, "RSET"); rerr != nil {
			var smtpErr *Error
			if !errors.As(rerr, &smtpErr) {
				return err
			}
		}
	}
	return err
}

// sendData streams the message through the dot-stuffer, in blocks, each
// within the data-block timeout, and writes the terminator.
func (c *Client) sendData(ctx context.Context, msg io.Reader) error {
	dw := smtpwire.NewDotWriter(c.bw)
	check := &lineEndingCheck{}
	buf := make([]byte, 32*1024)
	for {
		n, rerr := msg.Read(buf)
		if n > 0 {
			if !c.opts.NormalizeLineEndings && check.bad(buf[:n]) {
				return c.abortData()
			}
			err := c.withDeadline(ctx, c.opts.Timeouts.DataBlock, func() error {
				_, err := dw.Write(buf[:n])
				return err
			})
			if err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			c.conn.Close()
			c.broken = fmt.Errorf("%w: reading the message: %w", ErrClientBroken, rerr)
			return c.broken
		}
	}
	if !c.opts.NormalizeLineEndings && check.pendingCR {
		return c.abortData()
	}
	return c.withDeadline(ctx, c.opts.Timeouts.DataBlock, func() error {
		dw.Close()
		return c.bw.Flush()
	})
}

// abortData closes the connection mid-data: the server drops the partial
// message (RFC 5321 section 4.1.1.4: no terminator, no delivery).
func (c *Client) abortData() error {
	c.conn.Close()
	c.broken = fmt.Errorf("%w: %w", ErrClientBroken, ErrMessageBareLineEnding)
	return ErrMessageBareLineEnding
}

// lineEndingCheck finds a bare CR or LF across write boundaries.
type lineEndingCheck struct{ pendingCR bool }

func (l *lineEndingCheck) bad(p []byte) bool {
	for _, b := range p {
		if l.pendingCR {
			if b != '\n' {
				return true
			}
			l.pendingCR = false
			continue
		}
		switch b {
		case '\r':
			l.pendingCR = true
		case '\n':
			return true
		}
	}
	return false
}

// sendBDAT sends the message in BDAT chunks (RFC 3030). With PIPELINING the
// chunks are not waited for; otherwise each chunk's reply is read before the
// next is sent. The reply to the LAST chunk is left for readDataReplies.
func (c *Client) sendBDAT(ctx context.Context, msg io.Reader, opts *SendOptions) error {
	size := 64 * 1024
	if opts != nil && opts.ChunkSize > 0 {
		size = opts.ChunkSize
	}
	buf := make([]byte, size)
	pending := 0 // chunk replies not read yet
	for {
		n, rerr := io.ReadFull(msg, buf)
		last := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !last {
			c.conn.Close()
			c.broken = fmt.Errorf("%w: reading the message: %w", ErrClientBroken, rerr)
			return c.broken
		}
		err := c.withDeadline(ctx, c.opts.Timeouts.DataBlock, func() error {
			c.bw.WriteString("BDAT " + strconv.Itoa(n))
			if last {
				c.bw.WriteString(" LAST")
			}
			c.bw.WriteString("\r\n")
			c.bw.Write(buf[:n])
			return c.bw.Flush()
		})
		if err != nil {
			return err
		}
		if last {
			return c.readChunkReplies(ctx, pending)
		}
		pending++
		if !c.caps.Pipelining {
			if err := c.readChunkReplies(ctx, pending); err != nil {
				return err
			}
			pending = 0
		}
	}
}

// readChunkReplies reads n replies to non-final BDAT chunks.
func (c *Client) readChunkReplies(ctx context.Context, n int) error {
	var first error
	for ; n > 0; n-- {
		r, err := c.readReply(ctx, c.opts.Timeouts.DataTermination)
		if err != nil {
			return err
		}
		if r.Code >= 400 && first == nil {
			first = replyError(r)
		}
	}
	return first
}

// readDataReplies reads the reply after the data: one for SMTP, one per
// accepted recipient for LMTP (RFC 2033 section 4.2).
func (c *Client) readDataReplies(ctx context.Context, res *SendResult) error {
	n := 1
	if c.opts.LMTP {
		n = res.rcptAccepted()
	}
	var replies []smtpwire.Reply
	for i := 0; i < n; i++ {
		r, err := c.readReply(ctx, c.opts.Timeouts.DataTermination)
		if err != nil {
			res.failAccepted(err)
			return err
		}
		replies = append(replies, r)
	}
	idx := 0
	for i := range res.Rcpts {
		rr := &res.Rcpts[i]
		if rr.Err != errPendingData {
			continue
		}
		r := replies[0]
		if c.opts.LMTP {
			r = replies[idx]
			idx++
		}
		rr.setReply(r)
	}
	if res.Accepted() == 0 {
		return res.firstErr()
	}
	return nil
}

func (rr *RcptResult) setReply(r smtpwire.Reply) {
	rr.Code = r.Code
	rr.Message = r.Text()
	rr.EnhancedCode, _ = parseEnhanced(r.Enhanced)
	rr.Err = nil
	if r.Code >= 300 {
		rr.Err = replyError(r)
	}
}

// setRcpt records the RCPT reply. A recipient accepted at RCPT stays marked
// with errPendingData until the data reply decides.
func (res *SendResult) setRcpt(i int, r, mail smtpwire.Reply) {
	rr := &res.Rcpts[i]
	if mail.Code >= 400 {
		rr.setReply(mail)
		return
	}
	rr.setReply(r)
	if rr.Err == nil {
		rr.Err = errPendingData
	}
}

// errPendingData marks a recipient accepted at RCPT whose data reply is not
// known yet.
var errPendingData = errors.New("smtp: data not sent")

func (res *SendResult) rcptAccepted() int {
	n := 0
	for _, rr := range res.Rcpts {
		if rr.Err == errPendingData {
			n++
		}
	}
	return n
}

// fail sets err on every recipient.
func (res *SendResult) fail(err error) {
	for i := range res.Rcpts {
		res.Rcpts[i].Err = err
		fillReply(&res.Rcpts[i], err)
	}
}

// failAccepted sets err on the recipients still waiting for the data reply.
func (res *SendResult) failAccepted(err error) {
	for i := range res.Rcpts {
		if res.Rcpts[i].Err == errPendingData {
			res.Rcpts[i].Err = err
			fillReply(&res.Rcpts[i], err)
		}
	}
}

func fillReply(rr *RcptResult, err error) {
	var e *Error
	if errors.As(err, &e) {
		rr.Code, rr.EnhancedCode, rr.Message = e.Code, e.EnhancedCode, e.Message
	}
}

func (res *SendResult) firstErr() error {
	for _, rr := range res.Rcpts {
		if rr.Err != nil && rr.Err != errPendingData {
			return rr.Err
		}
	}
	return ErrNoRecipients
}
