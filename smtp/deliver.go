package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/internal/dnsclient"
)

// DeliveryStatus classifies the outcome of a delivery attempt for one
// recipient.
type DeliveryStatus int

const (
	// Delivered: the next hop accepted responsibility (2xx after the data).
	Delivered DeliveryStatus = iota
	// Temporary: try again later (4xx, network errors, DNS failures, or no
	// host reachable).
	Temporary
	// Permanent: do not try again; bounce (5xx, null MX, no such domain).
	Permanent
)

// String returns "delivered", "temporary" or "permanent".
func (s DeliveryStatus) String() string {
	switch s {
	case Delivered:
		return "delivered"
	case Temporary:
		return "temporary"
	}
	return "permanent"
}

// Outcome is the result of a delivery attempt for one recipient.
type Outcome struct {
	Rcpt   envelope.Recipient
	Status DeliveryStatus
	// Code, EnhancedCode and Message are the server's reply, or a locally
	// generated one (for DNS and connection failures).
	Code         int
	EnhancedCode EnhancedCode
	Message      string
	// RemoteMTA is the host that gave the reply, "" when none was reached.
	RemoteMTA string
	// Err is the error behind a non-delivered status.
	Err error
}

// DeliveryOptions configures Deliver. A nil pointer means defaults.
type DeliveryOptions struct {
	// Resolver finds the next hops. Default: the resolver built on
	// miekg/dns (internal/dnsclient), reading /etc/resolv.conf.
	Resolver MXResolver
	// NextHop tunes MX selection.
	NextHop *NextHopOptions
	// Relay, when set ("host:port"), sends everything to this smarthost
	// instead of looking up MX records.
	Relay string
	// RelayAuth authenticates to the Relay, when set.
	RelayAuth *auth.ClientOptions
	// Port is the port of MX hosts. Default "25".
	Port string
	// Client configures each connection. Its TLS mode applies; with the
	// default TLSOpportunistic and a nil TLSConfig, MX delivery encrypts
	// without verifying certificates (RFC 7435 opportunistic security, as
	// Postfix's "may" level does), because MX hosts rarely present a
	// certificate for their MX name. Set TLSConfig, or TLS: TLSRequired, to
	// verify.
	Client *ClientOptions
	// Dial opens connections; default net.Dialer.DialContext. Tests use it
	// to map MX addresses to loopback listeners.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Deliver delivers one message to the recipients of env, as an MTA: it
// groups the recipients by domain, finds each domain's next hops (MX, or the
// implicit MX; or opts.Relay), and tries each host and address in order
// until one takes the transaction. The message is read from msg (size
// bytes) once per attempt, so it must be re-readable, such as an *os.File
// or a *bytes.Reader.
//
// Deliver returns one Outcome per recipient, in the order of env.Rcpts.
// Failing to reach every host is Temporary; the replies decide the rest.
func Deliver(ctx context.Context, env *envelope.Envelope, msg io.ReaderAt, size int64, opts *DeliveryOptions) []Outcome {
	d, err := deliveryDefaults(opts)
	out := make([]Outcome, len(env.Rcpts))
	for i, r := range env.Rcpts {
		out[i] = Outcome{Rcpt: r, Status: Temporary}
	}
	if err != nil {
		setOutcomes(out, allIndexes(len(out)), err)
		return out
	}
	for _, idx := range groupByDomain(env.Rcpts, d.Relay != "") {
		d.deliverGroup(ctx, env, idx, msg, size, out)
	}
	return out
}

type deliverer struct {
	DeliveryOptions
}

func deliveryDefaults(opts *DeliveryOptions) (*deliverer, error) {
	d := &deliverer{}
	if opts != nil {
		d.DeliveryOptions = *opts
	}
	if d.Port == "" {
		d.Port = "25"
	}
	if d.Dial == nil {
		var nd net.Dialer
		d.Dial = nd.DialContext
	}
	if d.Resolver == nil && d.Relay == "" {
		r, err := dnsclient.New(nil)
		if err != nil {
			return nil, fmt.Errorf("smtp: resolver: %w", err)
		}
		d.Resolver = r
	}
	return d, nil
}

// groupByDomain returns the recipient indexes grouped by domain (case-
// insensitively), in first-seen order; with a relay, one group.
func groupByDomain(rcpts []envelope.Recipient, one bool) [][]int {
	if one {
		return [][]int{allIndexes(len(rcpts))}
	}
	pos := map[string]int{}
	var groups [][]int
	for i, r := range rcpts {
		d := strings.ToLower(r.Path.Domain)
		g, ok := pos[d]
		if !ok {
			g = len(groups)
			pos[d] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

func allIndexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

type target struct{ host, addr string }

// targets lists the host and address pairs to try for one domain.
func (d *deliverer) targets(ctx context.Context, domain string) ([]target, error) {
	if d.Relay != "" {
		host, _, err := net.SplitHostPort(d.Relay)
		if err != nil {
			return nil, &Error{Code: 451, EnhancedCode: code(4, 3, 5), Message: "bad relay address: " + err.Error()}
		}
		return []target{{host, d.Relay}}, nil
	}
	hops, err := LookupNextHops(ctx, d.Resolver, domain, d.NextHop)
	var ts []target
	for _, h := range hops {
		for _, a := range h.Addrs {
			ts = append(ts, target{h.Host, net.JoinHostPort(a.String(), d.Port)})
		}
	}
	if len(ts) == 0 {
		if err == nil {
			err = ErrNoHosts
		}
		return nil, err
	}
	return ts, nil
}

// deliverGroup delivers to the recipients idx, which share a domain.
func (d *deliverer) deliverGroup(ctx context.Context, env *envelope.Envelope, idx []int, msg io.ReaderAt, size int64, out []Outcome) {
	ts, err := d.targets(ctx, env.Rcpts[idx[0]].Path.Domain)
	if err != nil {
		setOutcomes(out, idx, err)
		return
	}
	for _, t := range ts {
		if ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		var done bool
		if done, err = d.attempt(ctx, env, idx, msg, size, t, out); done {
			return
		}
	}
	setOutcomes(out, idx, err)
}

// attempt delivers to one address. It returns done=false when the host
// could not take the transaction at all (connection, greeting or TLS
// failure, or a temporary failure of MAIL), so that the next host is tried.
func (d *deliverer) attempt(ctx context.Context, env *envelope.Envelope, idx []int, msg io.ReaderAt, size int64, t target, out []Outcome) (bool, error) {
	co := clientDefaults(d.Client)
	if co.TLSConfig == nil && co.TLS == TLSOpportunistic && d.Relay == "" {
		co.TLSConfig = &tls.Config{InsecureSkipVerify: true} // RFC 7435; see DeliveryOptions.Client
	}
	dctx, cancel := context.WithTimeout(ctx, co.Timeouts.Connect)
	conn, err := d.Dial(dctx, "tcp", t.addr)
	cancel()
	if err != nil {
		return false, &Error{Code: 451, EnhancedCode: code(4, 4, 1), Message: "cannot connect to " + t.host + ": " + err.Error()}
	}
	c, err := NewClient(ctx, conn, t.host, &co)
	if err != nil {
		return false, err
	}
	defer c.Close()
	if d.Relay != "" && d.RelayAuth != nil {
		if err := c.Auth(ctx, d.RelayAuth); err != nil {
			return false, err
		}
	}
	sub := &envelope.Envelope{From: env.From, MailParams: env.MailParams}
	for _, i := range idx {
		sub.Rcpts = append(sub.Rcpts, env.Rcpts[i])
	}
	res, err := c.Send(ctx, sub, io.NewSectionReader(msg, 0, size), nil)
	var smtpErr *Error
	if err != nil && res.Accepted() == 0 && (!errors.As(err, &smtpErr) || smtpErr.Temporary() && allSame(res, smtpErr)) {
		// Nothing was taken and the failure is not about the recipients:
		// another host may do better.
		return false, err
	}
	for k, i := range idx {
		rr := res.Rcpts[k]
		o := &out[i]
		o.RemoteMTA, o.Err = t.host, rr.Err
		o.Code, o.EnhancedCode, o.Message = rr.Code, rr.EnhancedCode, rr.Message
		o.Status = statusOf(rr.Err)
	}
	c.Quit(ctx)
	return true, nil
}

// allSame reports whether every recipient failed with the same error,
// meaning MAIL (or the connection) failed rather than the recipients.
func allSame(res *SendResult, e *Error) bool {
	for _, rr := range res.Rcpts {
		if rr.Err != error(e) {
			return false
		}
	}
	return true
}

func statusOf(err error) DeliveryStatus {
	if err == nil {
		return Delivered
	}
	var e *Error
	if errors.As(err, &e) && e.Code >= 500 {
		return Permanent
	}
	return Temporary
}

func setOutcomes(out []Outcome, idx []int, err error) {
	if err == nil {
		err = ErrNoHosts
	}
	for _, i := range idx {
		o := &out[i]
		o.Err, o.Status = err, statusOf(err)
		var e *Error
		if errors.As(err, &e) {
			o.Code, o.EnhancedCode, o.Message = e.Code, e.EnhancedCode, e.Message
		} else {
			o.Code, o.EnhancedCode, o.Message = 451, code(4, 4, 0), err.Error()
		}
	}
}
