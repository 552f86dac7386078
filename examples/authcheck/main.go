// Command authcheck runs the receiving side of sender authentication on one
// message, as an MTA would after DATA: SPF for the client IP, HELO and MAIL
// FROM (RFC 7208), every DKIM signature (RFC 6376), then DMARC (RFC 7489,
// RFC 9989).
//
//	authcheck -ip IP -helo NAME -sender ADDR [-dns host:port] [-authserv-id ID] < message
//
// It prints three lines:
//
//	Authentication-Results: ID; spf=...; dkim=...; dmarc=...
//	dmarc-policy: none|quarantine|reject
//	dmarc-disposition: none|quarantine|reject
//
// The first is the field a receiving MTA would prepend, on one line.
// dmarc-policy is what the author domain publishes for this message (p=,
// sp= or np=; none when there is no policy); dmarc-disposition is what to
// apply after the DMARC result, pct= and t=. An empty -sender (or "<>") is
// the null reverse-path: SPF checks the HELO identity.
//
// Exit status: 0 whatever the results, 1 when the message cannot be read,
// 2 for usage errors.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/dmarc"
	"github.com/yubinmail/yubin/internal/dnsclient"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/spf"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("authcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ipFlag := fs.String("ip", "", "client IP address (IPv4 or IPv6)")
	helo := fs.String("helo", "", "HELO/EHLO name of the client")
	sender := fs.String("sender", "", `MAIL FROM address; empty or "<>" for the null reverse-path`)
	server := fs.String("dns", "", "DNS server host:port (default: the servers of /etc/resolv.conf)")
	authserv := fs.String("authserv-id", "", "authserv-id of the Authentication-Results field (default: the host name)")
	timeout := fs.Duration("timeout", 20*time.Second, "time limit for all DNS work")
	discovery := fs.String("discovery", "treewalk", "DMARC policy discovery: treewalk (RFC 9989) or psl (RFC 7489)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: authcheck -ip IP -helo NAME -sender ADDR [-dns host:port] [-authserv-id ID] < message")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "authcheck:", msg)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 0 {
		return usage("unexpected arguments: " + strings.Join(fs.Args(), " "))
	}
	ip, err := netip.ParseAddr(*ipFlag)
	if err != nil || ip.Zone() != "" {
		return usage("-ip needs an IP address")
	}
	if *helo == "" {
		return usage("-helo is required")
	}
	mode := dmarc.TreeWalk
	switch *discovery {
	case "treewalk":
	case "psl":
		mode = dmarc.PublicSuffixList
	default:
		return usage("-discovery must be treewalk or psl")
	}
	if *authserv == "" {
		*authserv, _ = os.Hostname()
		if *authserv == "" {
			*authserv = "localhost"
		}
	}
	if strings.ContainsAny(*authserv, " ;\r\n") {
		return usage("-authserv-id must be a single token")
	}
	res, err := dnsclient.New(&dnsclient.Options{Server: *server})
	if err != nil {
		return usage(err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	from := strings.TrimSuffix(strings.TrimPrefix(*sender, "<"), ">")
	spfOut := spf.NewChecker(&spf.Options{Resolver: res}).CheckMailFrom(ctx, ip, *helo, from)

	hdr, dkimRes, err := readAndVerify(ctx, stdin, res)
	if err != nil {
		fmt.Fprintln(stderr, "authcheck:", err)
		return 1
	}
	dm := dmarc.Evaluate(ctx, &dmarc.Input{Header: hdr, SPF: spfOut, DKIM: dkimRes},
		&dmarc.Options{Resolver: res, Discovery: mode})
	fmt.Fprintln(stdout, "Authentication-Results: "+dmarc.AuthResults(*authserv, spfOut, dkimRes, dm).String())
	policy := dm.Policy
	if policy == "" {
		policy = dmarc.PolicyNone
	}
	fmt.Fprintln(stdout, "dmarc-policy: "+string(policy))
	fmt.Fprintln(stdout, "dmarc-disposition: "+string(dm.Disposition))
	return 0
}

// readAndVerify streams the message once: every byte goes through the DKIM
// verifier, and the header is parsed on the way for DMARC.
func readAndVerify(ctx context.Context, r io.Reader, res dkim.Resolver) (message.Header, []dkim.Result, error) {
	v, err := dkim.NewVerifier(ctx, &dkim.VerifyOptions{Resolver: res})
	if err != nil {
		return message.Header{}, nil, err
	}
	br := bufio.NewReader(io.TeeReader(r, v))
	// A partly broken header still yields its fields (with a warning
	// error); only an empty result is fatal.
	hdr, err := message.ReadHeader(br, nil)
	if err != nil && hdr.Len() == 0 {
		return hdr, nil, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return hdr, nil, err
	}
	out, err := v.Close()
	return hdr, out, err
}
