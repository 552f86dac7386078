// Command bounceinfo reads bounce messages and prints, for each file that
// is an RFC 3464 delivery status notification, one line per recipient:
//
//	FILE<TAB>ACTION<TAB>STATUS<TAB>RECIPIENT
//
// and for any other file:
//
//	FILE<TAB>not-a-dsn
//
// It is the tool a sender runs over the bounces it receives to build a
// suppression list: recipients with action "failed" and a 5.x.x status are
// the ones to stop mailing. The exit status is 0 whatever the files hold;
// a file that cannot be read is reported on standard error and printed as
// not-a-dsn. "-" reads standard input.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yubinmail/yubin/envelope"
)

func main() {
	fs := flag.NewFlagSet("bounceinfo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bounceinfo FILE...\n\n"+
			"For each RFC 3464 DSN, prints one line per recipient:\n"+
			"  FILE<TAB>ACTION<TAB>STATUS<TAB>RECIPIENT\n"+
			"and for any other file:\n"+
			"  FILE<TAB>not-a-dsn\n"+
			"\"-\" reads standard input. The exit status is 0.\n")
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, name := range fs.Args() {
		report(out, os.Stderr, name)
	}
}

// report prints the lines for one file.
func report(out, errOut io.Writer, name string) {
	var r io.Reader
	if name == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(errOut, "bounceinfo: %v\n", err)
			fmt.Fprintf(out, "%s\tnot-a-dsn\n", clean(name))
			return
		}
		defer f.Close()
		r = f
	}
	d, err := envelope.ParseDSN(r, nil)
	if d == nil {
		if !errors.Is(err, envelope.ErrNotDSN) {
			fmt.Fprintf(errOut, "bounceinfo: %s: %v\n", name, err)
		}
		fmt.Fprintf(out, "%s\tnot-a-dsn\n", clean(name))
		return
	}
	for _, rc := range d.Recipients {
		action := string(rc.Action)
		if action == "" {
			action = "unknown"
		}
		status := rc.Status.String()
		if status == "" {
			status = "-"
		}
		fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", clean(name), clean(action), status, clean(rc.Recipient()))
	}
}

// clean keeps one record per line and four columns per record.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
