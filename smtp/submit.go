package smtp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	rfc5322 "github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// SubmitOptions configures Submit. A nil pointer means defaults.
type SubmitOptions struct {
	// Client configures the connection. Its TLS mode defaults to
	// TLSOpportunistic like any ClientOptions; for a submission port (587)
	// set TLSRequired, for 465 TLSImplicit.
	Client *ClientOptions
	// Auth, when set, authenticates before sending (RFC 4954). A
	// plaintext-equivalent mechanism is never used without TLS unless
	// Auth.AllowInsecure is set.
	Auth *auth.ClientOptions
	// Envelope, when set, replaces the envelope taken from the header. Bcc
	// fields are removed from what is sent in either case.
	Envelope *envelope.Envelope
	// From, when set, replaces the reverse-path taken from the header
	// ("local@domain", or "<>" for the null path).
	From string
	// To, when not nil, replaces the recipients taken from the header
	// ("local@domain" each).
	To []string
	// Now gives the time for a missing Date field. Default time.Now.
	Now func() time.Time
}

// Submit sends a message as a mail user agent does (RFC 6409): it takes the
// envelope from the header (To, Cc and Bcc, or the newest Resent- block;
// the reverse-path from Sender or From; see envelope.FromMessage), adds the
// Date and Message-ID fields when they are missing (RFC 6409 section 8),
// removes Bcc from what is sent, connects to addr, authenticates when asked,
// and sends. The header is changed only where said; the rest of the message
// is streamed unchanged.
func Submit(ctx context.Context, addr string, msg io.Reader, opts *SubmitOptions) (*SendResult, error) {
	if opts == nil {
		opts = &SubmitOptions{}
	}
	br := bufio.NewReaderSize(msg, 32*1024)
	h, err := rfc5322.ReadHeader(br, nil)
	var ws mime.Warnings
	if err != nil && !errors.As(err, &ws) {
		return nil, fmt.Errorf("smtp: submit: reading the header: %w", err)
	}
	env, err := submitEnvelope(&h, opts)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if !h.Has("Date") {
		h.Add("Date", rfc5322.FormatDate(now()))
	}
	if !h.Has("Message-ID") {
		// A-labels: they suit a UTF-8 message too.
		h.Add("Message-ID", rfc5322.GenerateMessageID(rfc5322.MessageIDDomain(env.From.Domain, false)))
	}
	h.Del("Bcc")
	h.Del("Resent-Bcc")

	c, err := Dial(ctx, addr, opts.Client)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if opts.Auth != nil {
		if err := c.Auth(ctx, opts.Auth); err != nil {
			return nil, err
		}
	}
	body := io.MultiReader(bytes.NewReader(h.Bytes()), br)
	res, err := c.Send(ctx, env, body, nil)
	if err == nil || c.broken == nil {
		c.Quit(ctx)
	}
	return res, err
}

// submitEnvelope takes the envelope from the options or the header.
func submitEnvelope(h *rfc5322.Header, opts *SubmitOptions) (*envelope.Envelope, error) {
	if opts.Envelope != nil {
		return opts.Envelope, nil
	}
	override, err := NewEnvelope(strings.Trim(opts.From, "<>"), opts.To...)
	if err != nil {
		return nil, fmt.Errorf("smtp: submit: %w", err)
	}
	if opts.From != "" && opts.To != nil {
		return override, nil
	}
	// Give FromMessage a sender and a recipient where the options replace
	// them, so that a header that lacks one still yields the other.
	c := h.Clone()
	if opts.From != "" {
		c.Del("Sender")
		c.Add("Sender", "placeholder@invalid")
	}
	if opts.To != nil {
		c.Add("To", "placeholder@invalid")
	}
	env, err := envelope.FromMessage(&c)
	if err != nil {
		return nil, fmt.Errorf("smtp: submit: %w", err)
	}
	if opts.From != "" {
		env.From = override.From
	}
	if opts.To != nil {
		env.Rcpts = override.Rcpts
	}
	env.MailParams.SMTPUTF8 = env.MailParams.SMTPUTF8 || override.MailParams.SMTPUTF8
	return env, nil
}

// SendMail connects to addr, authenticates when a is not nil, and sends msg
// from the reverse-path from to the forward-paths to, as given (no header
// processing; see Submit for that). Addresses are plain "local@domain"
// strings; from may be "" for the null reverse-path.
func SendMail(ctx context.Context, addr string, a *auth.ClientOptions, from string, to []string, msg io.Reader, opts *ClientOptions) (*SendResult, error) {
	env, err := NewEnvelope(from, to...)
	if err != nil {
		return nil, err
	}
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if a != nil {
		if err := c.Auth(ctx, a); err != nil {
			return nil, err
		}
	}
	res, err := c.Send(ctx, env, msg, nil)
	if err == nil || c.broken == nil {
		c.Quit(ctx)
	}
	return res, err
}

// NewEnvelope builds an envelope from plain addresses ("local@domain"; an
// empty from is the null reverse-path). Non-ASCII addresses are accepted
// and mark the envelope SMTPUTF8.
func NewEnvelope(from string, to ...string) (*envelope.Envelope, error) {
	popts := &envelope.PathOptions{SMTPUTF8: true}
	env := &envelope.Envelope{}
	if from != "" {
		p, err := envelope.ParseReversePath("<"+from+">", popts)
		if err != nil {
			return nil, err
		}
		env.From = p
	}
	for _, t := range to {
		p, err := envelope.ParseForwardPath("<"+t+">", popts)
		if err != nil {
			return nil, err
		}
		env.Rcpts = append(env.Rcpts, envelope.Recipient{Path: p})
	}
	utf8 := !env.From.IsASCII()
	for _, r := range env.Rcpts {
		utf8 = utf8 || !r.Path.IsASCII()
	}
	env.MailParams.SMTPUTF8 = utf8
	return env, nil
}
