// Command mailserver is Yubin's embedded mail server: SMTP (MX), message
// submission with STARTTLS and AUTH, and SMTPS, delivering local mail into
// Maildir directories.
//
// Usage:
//
//	go run ./examples/mailserver [flags]
//
// Without -user, a demo user demo:demo is created and printed. Without
// -tls-cert/-tls-key, a self-signed certificate is generated at start and its
// SHA-256 fingerprint printed. Once every listener is ready it prints one line
// per listener: "NAME listening on ADDR". It stops cleanly on SIGINT and
// SIGTERM.
//
// Mail for the -domains is delivered into DATA/USER (a Maildir) when USER is
// configured, and refused at RCPT (550 5.1.1) otherwise, so nothing is ever
// bounced later. Mail for other domains is accepted only from authenticated
// clients (550 5.7.1 otherwise) and goes to the durable outbound queue under
// DATA/.queue, which delivers it to the -relay smarthost or, without one, to
// the recipients' MX hosts, retrying and bouncing as an MTA does.
//
// The POP3 and IMAP listeners described in DESIGN.md are not served yet;
// their flags are not present in this version.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yubinmail/yubin/smtp"
	"github.com/yubinmail/yubin/smtp/queue"
)

type userFlags []string

func (u *userFlags) String() string     { return strings.Join(*u, ",") }
func (u *userFlags) Set(v string) error { *u = append(*u, v); return nil }

type config struct {
	hostname, domains, certFile, keyFile, relay, data string
	smtpAddr, submissionAddr, smtpsAddr               string
	insecureAuth, relayInsecure                       bool
	users                                             userFlags
	verbose, trace                                    bool
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("mailserver", flag.ContinueOnError)
	fs.StringVar(&cfg.hostname, "hostname", "localhost", "server host name (greeting, Received, certificate)")
	fs.StringVar(&cfg.domains, "domains", "example.test", "comma-separated local domains")
	fs.Var(&cfg.users, "user", "local user as name:password (repeatable; default demo:demo)")
	fs.StringVar(&cfg.certFile, "tls-cert", "", "TLS certificate file (PEM); default: a generated self-signed one")
	fs.StringVar(&cfg.keyFile, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&cfg.relay, "relay", "", "smarthost host:port for outbound mail; default: deliver to the recipients' MX hosts")
	fs.BoolVar(&cfg.relayInsecure, "relay-insecure", false, "do not verify the -relay smarthost's TLS certificate")
	fs.BoolVar(&cfg.insecureAuth, "insecure-auth", false, "allow AUTH without TLS")
	fs.StringVar(&cfg.data, "data", "./maildata", "directory of the users' Maildirs")
	fs.StringVar(&cfg.smtpAddr, "smtp", "127.0.0.1:2525", "SMTP (MX) listen address; empty disables")
	fs.StringVar(&cfg.submissionAddr, "submission", "127.0.0.1:2587", "submission (STARTTLS + AUTH) listen address; empty disables")
	fs.StringVar(&cfg.smtpsAddr, "smtps", "127.0.0.1:2465", "SMTPS (implicit TLS + AUTH) listen address; empty disables")
	fs.BoolVar(&cfg.verbose, "v", false, "debug logging")
	fs.BoolVar(&cfg.trace, "trace", false, "print an SMTP wire trace on stderr (AUTH data redacted)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mailserver:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if len(cfg.users) == 0 {
		cfg.users = userFlags{"demo:demo"}
		fmt.Println("demo user: demo:demo")
	}
	store, err := newStore(cfg.data, cfg.domains, cfg.users)
	if err != nil {
		return err
	}
	tlsConfig, fingerprint, err := loadTLS(cfg.hostname, cfg.certFile, cfg.keyFile)
	if err != nil {
		return err
	}
	if fingerprint != "" {
		fmt.Println("self-signed certificate SHA-256 fingerprint:", fingerprint)
	}
	stopQueue, err := startQueue(cfg, store, logger)
	if err != nil {
		return err
	}
	defer stopQueue()
	base := smtp.Server{
		Hostname:          cfg.hostname,
		Backend:           store,
		TLSConfig:         tlsConfig,
		Credentials:       store.creds,
		AuthMechanisms:    []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"},
		AllowInsecureAuth: cfg.insecureAuth,
		AddReceived:       true,
		Logger:            logger,
	}
	if cfg.trace {
		base.Debug = os.Stderr
	}
	servers, err := listen(cfg, &base)
	if err != nil {
		return err
	}
	errc := make(chan error, len(servers))
	for _, ls := range servers {
		go func() { errc <- ls.srv.Serve(ls.l) }()
		fmt.Printf("%s listening on %s\n", ls.name, ls.l.Addr())
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var serveErr error
	select {
	case s := <-sig:
		logger.Info("shutting down", "signal", s.String())
	case serveErr = <-errc:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, ls := range servers {
		wg.Go(func() { ls.srv.Shutdown(ctx) })
	}
	wg.Wait()
	return serveErr
}

// startQueue opens the outbound queue under DATA/.queue and runs it until
// the returned stop function is called.
func startQueue(cfg config, store *store, logger *slog.Logger) (stop func(), err error) {
	qstore, err := queue.NewFileStore(filepath.Join(cfg.data, ".queue"))
	if err != nil {
		return nil, err
	}
	q, err := queue.New(&queue.Options{
		Store:           qstore,
		Hostname:        cfg.hostname,
		DeliveryOptions: deliveryOptions(cfg),
		Logger:          logger.With("component", "queue"),
	})
	if err != nil {
		return nil, err
	}
	store.queue = q
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); q.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}

// listening is one enabled listener and its server.
type listening struct {
	name string
	srv  *smtp.Server
	l    net.Listener
}

// listen opens the enabled listeners (an empty address disables one).
func listen(cfg config, base *smtp.Server) ([]listening, error) {
	var out []listening
	for _, l := range []struct {
		name, addr string
		mode       smtp.Mode
		implicit   bool
	}{
		{"smtp", cfg.smtpAddr, smtp.ModeMTA, false},
		{"submission", cfg.submissionAddr, smtp.ModeSubmission, false},
		{"smtps", cfg.smtpsAddr, smtp.ModeSubmission, true},
	} {
		if l.addr == "" {
			continue
		}
		nl, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, o := range out {
				o.l.Close()
			}
			return nil, fmt.Errorf("%s: %w", l.name, err)
		}
		out = append(out, listening{name: l.name, srv: newServer(base, l.mode, l.implicit), l: nl})
	}
	if len(out) == 0 {
		return nil, errors.New("no listener enabled")
	}
	return out, nil
}

// deliveryOptions configures the outbound queue's deliveries.
func deliveryOptions(cfg config) *smtp.DeliveryOptions {
	o := &smtp.DeliveryOptions{Relay: cfg.relay, Client: &smtp.ClientOptions{Hostname: cfg.hostname}}
	if cfg.relay != "" && cfg.relayInsecure {
		o.Client.TLSConfig = &tls.Config{InsecureSkipVerify: true} // explicitly requested by -relay-insecure
	}
	return o
}

// newServer copies the shared configuration into a Server of its own (a
// Server must not be copied after use, so each listener gets a fresh one).
func newServer(base *smtp.Server, mode smtp.Mode, implicit bool) *smtp.Server {
	return &smtp.Server{
		Hostname:          base.Hostname,
		Backend:           base.Backend,
		TLSConfig:         base.TLSConfig,
		Credentials:       base.Credentials,
		AuthMechanisms:    base.AuthMechanisms,
		AllowInsecureAuth: base.AllowInsecureAuth,
		AddReceived:       base.AddReceived,
		Debug:             base.Debug,
		Logger:            base.Logger.With("listener", mode.String()),
		Mode:              mode,
		ImplicitTLS:       implicit,
	}
}
