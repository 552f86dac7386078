// Command spfcheck evaluates the SPF policy (RFC 7208) for a client IP, a
// HELO name and a MAIL FROM address, as a receiving MTA would.
//
//	spfcheck -ip IP -helo NAME -sender ADDR [-dns host:port] [-timeout 2s]
//
// It prints the result on the first line, exactly one of none, neutral,
// pass, fail, softfail, temperror or permerror; on fail with an explanation
// (the exp= modifier), a second line "explanation: TEXT". An empty -sender
// (or "<>") is the null reverse-path: the HELO identity is checked, with
// sender postmaster@NAME. With -v, the Received-SPF field and the number of
// DNS queries go to standard error.
//
// The exit status is 0 for every SPF result, 2 for usage errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/yubinmail/yubin/internal/dnsclient"
	"github.com/yubinmail/yubin/spf"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spfcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ipFlag := fs.String("ip", "", "client IP address (IPv4 or IPv6)")
	helo := fs.String("helo", "", "HELO/EHLO name of the client")
	sender := fs.String("sender", "", `MAIL FROM address; empty or "<>" checks the HELO identity`)
	server := fs.String("dns", "", "DNS server host:port (default: the servers of /etc/resolv.conf)")
	timeout := fs.Duration("timeout", 2*time.Second, "time limit for each DNS query and for the whole check")
	receiver := fs.String("receiver", "", "receiving host name, for %{r} and Received-SPF")
	verbose := fs.Bool("v", false, "print Received-SPF and the DNS query count to standard error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: spfcheck -ip IP -helo NAME -sender ADDR [-dns host:port] [-timeout 2s]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "spfcheck:", msg)
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
	if *timeout <= 0 {
		return usage("-timeout must be positive")
	}
	res, err := dnsclient.New(&dnsclient.Options{Server: *server, Timeout: *timeout, Attempts: 1})
	if err != nil {
		return usage(err.Error())
	}
	c := spf.NewChecker(&spf.Options{Resolver: res, Timeout: *timeout, Receiver: *receiver})
	from := strings.TrimSuffix(strings.TrimPrefix(*sender, "<"), ">")
	o := c.CheckMailFrom(context.Background(), ip, *helo, from)
	fmt.Fprintln(stdout, o.Result)
	if o.Result == spf.Fail && o.Explanation != "" {
		fmt.Fprintln(stdout, "explanation:", oneLine(o.Explanation))
	}
	if *verbose {
		fmt.Fprintln(stderr, "Received-SPF:", o.ReceivedSPF(*receiver))
		fmt.Fprintln(stderr, "dns-queries:", o.Queries)
	}
	return 0
}

// oneLine keeps the explanation on one output line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
