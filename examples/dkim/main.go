//go:debug rsa1024min=0

// Command dkim makes DKIM keys, signs messages and verifies them.
//
//	dkim keygen -algo rsa|ed25519 [-bits 2048] -domain D -selector S -out key.pem
//	dkim sign -domain D -selector S -key key.pem [-headers from,to,...] [-c relaxed/relaxed] < msg > signed
//	dkim verify [-dns host:port] [-allow-sha1] [-min-rsa-bits N] [-timeout 10s] < msg
//
// keygen writes the private key (PKCS#8 PEM) and prints the DNS TXT record
// as a zone-file line. sign prepends a DKIM-Signature field; the output uses
// the line endings of the input. verify prints one line per signature,
// "RESULT d=DOMAIN s=SELECTOR [reason]", where RESULT is pass, fail,
// neutral, temperror, permerror or policy, or the single line "none" when
// the message has no signature. rsa-sha1 and RSA keys under 1024 bits are
// refused (RFC 8301) unless -allow-sha1 or -min-rsa-bits say otherwise.
//
// Exit status: 0 when the command ran (whatever the verification results),
// 1 on an I/O or key error, 2 on a usage error.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/internal/dnsclient"
)

const usage = `usage:
  dkim keygen -algo rsa|ed25519 [-bits 2048] -domain D -selector S -out key.pem
  dkim sign -domain D -selector S -key key.pem [-headers from,to,...] [-c relaxed/relaxed]
  dkim verify [-dns host:port] [-allow-sha1] [-min-rsa-bits N] [-timeout 10s]
Run "dkim COMMAND -h" for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "keygen":
		return keygen(args[1:], stdout, stderr)
	case "sign":
		return sign(args[1:], stdin, stdout, stderr)
	case "verify":
		return verify(args[1:], stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "dkim: unknown command %q\n%s", args[0], usage)
	return 2
}

// parse parses flags; it returns -1 when the caller should go on.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) int {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dkim %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2
	}
	return -1
}

func keygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	algo := fs.String("algo", "rsa", "key algorithm: rsa or ed25519")
	bits := fs.Int("bits", 2048, "RSA key size (1024..4096)")
	domain := fs.String("domain", "", "signing domain (d=)")
	selector := fs.String("selector", "", "selector (s=)")
	out := fs.String("out", "", "file to write the private key to (PEM)")
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	if *domain == "" || *selector == "" || *out == "" {
		fmt.Fprintln(stderr, "dkim keygen: -domain, -selector and -out are required")
		return 2
	}
	var a dkim.Algorithm
	switch *algo {
	case "rsa":
		a = dkim.RSASHA256
	case "ed25519":
		a = dkim.Ed25519SHA256
	default:
		fmt.Fprintf(stderr, "dkim keygen: -algo must be rsa or ed25519, not %q\n", *algo)
		return 2
	}
	key, err := dkim.GenerateKey(a, *bits)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	pemBytes, err := dkim.MarshalPrivateKeyPEM(key)
	if err == nil {
		err = os.WriteFile(*out, pemBytes, 0o600)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dkim keygen:", err)
		return 1
	}
	rec, err := dkim.FormatKeyRecord(key.Public())
	if err != nil {
		fmt.Fprintln(stderr, "dkim keygen:", err)
		return 1
	}
	fmt.Fprintln(stdout, dkim.ZoneLine(*selector, *domain, rec))
	return 0
}

func sign(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	domain := fs.String("domain", "", "signing domain (d=)")
	selector := fs.String("selector", "", "selector (s=)")
	keyFile := fs.String("key", "", "private key file (PEM: PKCS#8 or PKCS#1)")
	headers := fs.String("headers", "", "comma-separated fields to sign (default: the over-signed default set)")
	canon := fs.String("c", "relaxed/relaxed", "canonicalization header/body: simple or relaxed")
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	if *domain == "" || *selector == "" || *keyFile == "" {
		fmt.Fprintln(stderr, "dkim sign: -domain, -selector and -key are required")
		return 2
	}
	hc, bc, ok := strings.Cut(*canon, "/")
	if !ok {
		bc = "simple"
	}
	opts := &dkim.SignOptions{Domain: *domain, Selector: *selector,
		HeaderCanon: dkim.Canonicalization(hc), BodyCanon: dkim.Canonicalization(bc)}
	if *headers != "" {
		opts.Headers = strings.Split(*headers, ",")
	}
	data, err := os.ReadFile(*keyFile)
	if err == nil {
		opts.Key, err = dkim.ParsePrivateKeyPEM(data)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 1
	}
	s, err := dkim.NewSigner(opts)
	if err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 2
	}
	// The body is hashed as it is read and spooled to a temporary file, so
	// memory stays bounded however large the message is.
	spool, err := os.CreateTemp("", "dkim-sign-*")
	if err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 1
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	sniff := &lineEndings{}
	if _, err := io.Copy(io.MultiWriter(s, spool, sniff), stdin); err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 1
	}
	if err := s.Close(); err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 1
	}
	field := s.Field()
	if sniff.lfOnly() {
		field = strings.ReplaceAll(field, "\r\n", "\n")
	}
	w := bufio.NewWriter(stdout)
	w.WriteString(field)
	_, err = spool.Seek(0, io.SeekStart)
	if err == nil {
		_, err = io.Copy(w, spool)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintln(stderr, "dkim sign:", err)
		return 1
	}
	return 0
}

// lineEndings notes whether the first line ends in CRLF or a bare LF.
type lineEndings struct {
	seen, crlf bool
	last       byte
}

func (l *lineEndings) Write(p []byte) (int, error) {
	for i := 0; i < len(p) && !l.seen; i++ {
		if p[i] == '\n' {
			l.seen, l.crlf = true, l.last == '\r'
		}
		l.last = p[i]
	}
	return len(p), nil
}

func (l *lineEndings) lfOnly() bool { return l.seen && !l.crlf }

func verify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	server := fs.String("dns", "", "DNS server host:port (default: /etc/resolv.conf)")
	allowSHA1 := fs.Bool("allow-sha1", false, "accept rsa-sha1 signatures (legacy, RFC 8301 forbids)")
	minBits := fs.Int("min-rsa-bits", 1024, "smallest RSA key accepted (below 1024 only for old archives)")
	timeout := fs.Duration("timeout", 10*time.Second, "overall time limit for key lookups")
	if code := parse(fs, args, stderr); code >= 0 {
		return code
	}
	res, err := dnsclient.New(&dnsclient.Options{Server: *server})
	if err != nil {
		fmt.Fprintln(stderr, "dkim verify:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	results, err := dkim.Verify(ctx, stdin, &dkim.VerifyOptions{
		Resolver: res, AllowSHA1: *allowSHA1, MinRSABits: *minBits,
	})
	if err != nil {
		fmt.Fprintln(stderr, "dkim verify:", err)
		return 1
	}
	if len(results) == 0 {
		fmt.Fprintln(stdout, "none")
		return 0
	}
	for _, r := range results {
		line := string(r.Status) + " d=" + r.Domain + " s=" + r.Selector
		if r.Reason != "" {
			line += " " + r.Reason
		}
		fmt.Fprintln(stdout, line)
	}
	return 0
}
