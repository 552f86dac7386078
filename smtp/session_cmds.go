package smtp

import (
	"strconv"
	"strings"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/smtpwire"
)

// dispatch runs one command and reports whether the session continues.
func (c *conn) dispatch(cmd smtpwire.Command) bool {
	switch cmd.Verb {
	case "EHLO", "HELO", "LHLO":
		return c.cmdHello(cmd)
	case "MAIL":
		return c.cmdMail(cmd.Arg)
	case "RCPT":
		return c.cmdRcpt(cmd.Arg)
	case "DATA":
		return c.cmdData(cmd.Arg)
	case "BDAT":
		return c.cmdBDAT(cmd.Arg)
	case "RSET":
		if cmd.Arg != "" {
			return c.replyCounted(errSyntax)
		}
		c.resetTx()
		c.ok(250, "2.0.0", "Reset OK")
	case "NOOP":
		c.ok(250, "2.0.0", "OK")
	case "QUIT":
		c.ok(221, "2.0.0", c.info.Hostname+" closing connection")
		c.flush()
		return false
	case "VRFY":
		return c.cmdVrfy(cmd.Arg)
	case "EXPN":
		return c.replyCounted(&Error{Code: 502, EnhancedCode: code(5, 5, 1), Message: "EXPN not available"})
	case "HELP":
		c.ok(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH\nSee RFC 5321")
	case "STARTTLS":
		return c.cmdStartTLS(cmd.Arg)
	case "AUTH":
		return c.cmdAuth(cmd.Arg)
	case "XCLIENT":
		return c.cmdXCLIENT(cmd.Arg)
	default:
		if smtpwire.IsHTTPVerb(cmd.Verb) {
			// A browser or proxy talking HTTP: cross-protocol attack.
			c.reply(&Error{Code: 502, EnhancedCode: code(5, 5, 1), Message: "This is an SMTP server, closing connection"})
			c.flush()
			return false
		}
		return c.replyCounted(errUnknownCmd)
	}
	return true
}

func (c *conn) cmdHello(cmd smtpwire.Command) bool {
	lmtp := c.srv.Mode == ModeLMTP
	if lmtp != (cmd.Verb == "LHLO") {
		return c.replyCounted(errUnknownCmd) // RFC 2033 section 4.1
	}
	domain, _, _ := strings.Cut(cmd.Arg, " ")
	if domain == "" {
		return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Domain or address literal required"})
	}
	c.resetTx() // RFC 5321 section 4.1.4
	c.info.Helo = domain
	c.info.ESMTP = cmd.Verb != "HELO"
	if hc, ok := c.sess.(HelloChecker); ok {
		if err := hc.Hello(c.ctx, &c.info); err != nil {
			c.info.Helo, c.info.ESMTP = "", false
			return c.replyCounted(replyFor(err))
		}
	}
	if cmd.Verb == "HELO" {
		c.ok(250, "", c.info.Hostname)
		return true
	}
	c.ok(250, "", strings.Join(c.extensions(), "\n"))
	return true
}

// extensions lists the EHLO keywords, hostname first.
func (c *conn) extensions() []string {
	s := c.srv
	ext := []string{c.info.Hostname + " greets " + c.info.Helo,
		"PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN",
		"SIZE " + strconv.FormatInt(s.maxMessage(), 10)}
	if !s.DisableChunking {
		ext = append(ext, "CHUNKING", "BINARYMIME")
	}
	if s.TLSConfig != nil && c.info.TLS == nil {
		ext = append(ext, "STARTTLS")
	}
	if c.info.TLS != nil {
		ext = append(ext, "REQUIRETLS") // RFC 8689 section 4: only over TLS
	}
	if mechs := c.authMechanisms(); len(mechs) > 0 && c.info.Auth == nil {
		ext = append(ext, "AUTH "+strings.Join(mechs, " "))
	}
	limits := "LIMITS RCPTMAX=" + strconv.Itoa(orInt(s.MaxRecipients, DefaultMaxRecipients))
	if m := s.maxTransactions(); m > 0 {
		limits += " MAILMAX=" + strconv.Itoa(m) // RFC 9422 section 4.1
	}
	ext = append(ext, limits)
	if prefixesContain(s.XCLIENTTrusted, c.info.RemoteAddr.Addr()) {
		ext = append(ext, "XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT")
	}
	return append(ext, "HELP")
}

// authMechanisms returns the mechanisms usable now, none before TLS unless
// AllowInsecureAuth.
func (c *conn) authMechanisms() []string {
	if c.srv.Credentials == nil || (c.info.TLS == nil && !c.srv.AllowInsecureAuth) {
		return nil
	}
	return auth.ServerMechanisms(c.authOptions())
}

func (c *conn) cmdMail(arg string) bool {
	s := c.srv
	switch {
	case c.info.Helo == "":
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Send EHLO/HELO first"})
	case c.inTx:
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Nested MAIL command"})
	case s.Mode == ModeSubmission && c.info.Auth == nil:
		return c.replyCounted(ErrAuthRequired)
	}
	if m := s.maxTransactions(); m > 0 && c.transactions >= m {
		// RFC 9422 section 4.1: every MAIL counts, successful or not.
		c.reply(&Error{Code: 421, EnhancedCode: code(4, 7, 0), Message: "Too many transactions in this session, closing connection"})
		c.flush()
		return false
	}
	c.transactions++
	rest, ok := smtpwire.CutPrefixFold(arg, "FROM:")
	if !ok {
		return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Syntax: MAIL FROM:<address>"})
	}
	pathStr, paramStr, err := envelope.SplitPathAndParams(rest)
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	params, err := parseMailParams(paramStr)
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	if e := c.checkMailParams(&params); e != nil {
		return c.replyCounted(e)
	}
	from, err := envelope.ParseReversePath(pathStr, &envelope.PathOptions{SMTPUTF8: params.SMTPUTF8})
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	if err := c.sess.Mail(c.ctx, from, &params); err != nil {
		return c.replyCounted(replyFor(err))
	}
	c.inTx, c.from, c.mailParams = true, from, params
	c.ok(250, "2.1.0", "Sender OK")
	return true
}

// checkMailParams refuses parameters the server did not advertise or
// cannot honour.
func (c *conn) checkMailParams(p *envelope.MailParams) *Error {
	s := c.srv
	if len(p.Other) > 0 {
		return &Error{Code: 555, EnhancedCode: code(5, 5, 4), Message: "Unsupported parameter " + p.Other[0].Keyword}
	}
	if p.HasSize && p.Size > s.maxMessage() {
		return ErrMessageTooLarge // RFC 1870 section 6.1: refuse early
	}
	if p.Body == envelope.BodyBinaryMIME && s.DisableChunking {
		return &Error{Code: 555, EnhancedCode: code(5, 5, 4), Message: "BINARYMIME not supported"}
	}
	if p.RequireTLS && c.info.TLS == nil {
		return &Error{Code: 530, EnhancedCode: code(5, 7, 10), Message: "REQUIRETLS needs a TLS connection"}
	}
	if p.By != nil || p.HasMTPriority {
		return &Error{Code: 555, EnhancedCode: code(5, 5, 4), Message: "Unsupported parameter"}
	}
	return nil
}

func (c *conn) cmdRcpt(arg string) bool {
	if !c.inTx {
		return c.replyCounted(&Error{Code: 503, EnhancedCode: code(5, 5, 1), Message: "Need MAIL before RCPT"})
	}
	if c.bdat != nil {
		return c.replyCounted(errBadSeq)
	}
	if len(c.rcpts) >= orInt(c.srv.MaxRecipients, DefaultMaxRecipients) ||
		c.from.IsNull() && len(c.rcpts) >= orInt(c.srv.MaxNullSenderRecipients, DefaultMaxNullRecipients) {
		return c.replyCounted(ErrTooManyRecipients)
	}
	rest, ok := smtpwire.CutPrefixFold(arg, "TO:")
	if !ok {
		return c.replyCounted(&Error{Code: 501, EnhancedCode: code(5, 5, 4), Message: "Syntax: RCPT TO:<address>"})
	}
	pathStr, paramStr, err := envelope.SplitPathAndParams(rest)
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	params, err := parseRcptParams(paramStr)
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	if len(params.Other) > 0 {
		return c.replyCounted(&Error{Code: 555, EnhancedCode: code(5, 5, 4), Message: "Unsupported parameter " + params.Other[0].Keyword})
	}
	to, err := envelope.ParseForwardPath(pathStr, &envelope.PathOptions{SMTPUTF8: c.mailParams.SMTPUTF8})
	if err != nil {
		return c.replyCounted(replyFor(err))
	}
	if err := c.sess.Rcpt(c.ctx, to, &params); err != nil {
		return c.replyCounted(replyFor(err))
	}
	c.rcpts = append(c.rcpts, to)
	c.ok(250, "2.1.5", "Recipient OK")
	return true
}

func (c *conn) cmdVrfy(arg string) bool {
	if arg == "" {
		return c.replyCounted(errSyntax)
	}
	v, ok := c.sess.(Verifier)
	if !ok {
		c.ok(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery")
		return true
	}
	if err := v.Verify(c.ctx, arg); err != nil {
		e := replyFor(err)
		if e.Code < 400 {
			c.reply(e)
			return true
		}
		return c.replyCounted(e)
	}
	c.ok(250, "2.1.5", "User OK")
	return true
}

// parseMailParams is envelope.ParseMailParams with a shortcut, free of
// allocations, for the common MAIL command without parameters.
func parseMailParams(s string) (envelope.MailParams, error) {
	if s == "" {
		return envelope.MailParams{}, nil
	}
	return envelope.ParseMailParams(s)
}

// parseRcptParams is envelope.ParseRcptParams with a shortcut for a RCPT
// command without parameters.
func parseRcptParams(s string) (envelope.RcptParams, error) {
	if s == "" {
		return envelope.RcptParams{}, nil
	}
	return envelope.ParseRcptParams(s)
}
