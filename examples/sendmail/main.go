// Command sendmail submits a message read from standard input to an SMTP
// server, as a mail user agent does (RFC 6409).
//
// Usage:
//
//	sendmail -server host:port [-tls | -starttls] [-user U -password P]
//	         [-from ADDR] [-to a,b] [-insecure] < message
//
// Without -to, the recipients are taken from the To, Cc and Bcc fields (or
// the newest Resent- block), and Bcc is removed from what is sent. Without
// -from, the reverse-path is taken from Sender or From. Date and Message-ID
// are added when missing.
//
// TLS: -tls uses implicit TLS (port 465), -starttls requires STARTTLS and
// aborts before anything else is sent when it is not available; with
// neither, STARTTLS is used when offered. Credentials are never sent over a
// plaintext connection. -insecure skips certificate verification.
//
// Output, one line per recipient:
//
//	ADDR CODE ENHANCED TEXT
//
// where CODE is the server's reply for that recipient and ENHANCED its
// enhanced status code (class.0.0 when the server sent none). The exit
// status is 0 when every recipient was accepted, 1 when any was not or the
// submission failed, and 2 for usage errors.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/yubinmail/yubin/auth"
	"github.com/yubinmail/yubin/smtp"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type config struct {
	server, user, password, from, to string
	implicitTLS, startTLS, insecure  bool
	timeout                          time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	var c config
	fs := flag.NewFlagSet("sendmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.server, "server", "", "SMTP server `host:port` (required)")
	fs.BoolVar(&c.implicitTLS, "tls", false, "use implicit TLS (port 465)")
	fs.BoolVar(&c.startTLS, "starttls", false, "require STARTTLS")
	fs.StringVar(&c.user, "user", "", "AUTH user name")
	fs.StringVar(&c.password, "password", "", "AUTH password")
	fs.StringVar(&c.from, "from", "", "envelope sender `ADDR` (default: from Sender or From)")
	fs.StringVar(&c.to, "to", "", "envelope recipients `a,b` (default: To, Cc and Bcc)")
	fs.BoolVar(&c.insecure, "insecure", false, "skip TLS certificate verification")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "overall time limit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendmail -server host:port [-tls|-starttls] [-user U -password P] [-from ADDR] [-to a,b] [-insecure] < message")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case c.server == "":
		return nil, errors.New("-server is required")
	case c.implicitTLS && c.startTLS:
		return nil, errors.New("-tls and -starttls exclude each other")
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case (c.user == "") != (c.password == ""):
		return nil, errors.New("-user and -password go together")
	}
	return &c, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sendmail:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	opts := &smtp.SubmitOptions{Client: &smtp.ClientOptions{Hostname: hostname()}, From: c.from}
	switch {
	case c.implicitTLS:
		opts.Client.TLS = smtp.TLSImplicit
	case c.startTLS:
		opts.Client.TLS = smtp.TLSRequired
	}
	if c.insecure {
		opts.Client.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	}
	if c.to != "" {
		for _, a := range strings.Split(c.to, ",") {
			if a = strings.TrimSpace(a); a != "" {
				opts.To = append(opts.To, a)
			}
		}
	}
	if c.user != "" {
		opts.Auth = &auth.ClientOptions{Username: c.user, Password: c.password}
	}
	res, err := smtp.Submit(ctx, c.server, stdin, opts)
	if res != nil {
		for _, r := range res.Rcpts {
			fmt.Fprintln(stdout, formatResult(r))
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "sendmail:", err)
		return 1
	}
	if res.Accepted() != len(res.Rcpts) {
		return 1
	}
	return 0
}

// formatResult prints "ADDR CODE ENHANCED TEXT" for one recipient.
func formatResult(r smtp.RcptResult) string {
	code, enh, text := r.Code, r.EnhancedCode, r.Message
	if code == 0 {
		code, text = 451, errText(r.Err)
	}
	if enh.Class == 0 {
		enh.Class = code / 100
		enh.Subject, enh.Detail = 0, 0
	}
	text = strings.Join(strings.Fields(text), " ")
	return fmt.Sprintf("%s %d %s %s", r.Rcpt.Mailbox(), code, enh.String(), text)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" || !strings.Contains(h, ".") {
		return "localhost"
	}
	return h
}
