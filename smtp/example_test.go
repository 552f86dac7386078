package smtp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/yubinmail/yubin/envelope"
	"github.com/yubinmail/yubin/smtp"
)

// printSession prints each message it receives.
type printSession struct{ from string }

func (s *printSession) Mail(ctx context.Context, from envelope.Path, _ *envelope.MailParams) error {
	s.from = from.String()
	return nil
}

func (s *printSession) Rcpt(ctx context.Context, to envelope.Path, _ *envelope.RcptParams) error {
	if to.Domain != "example.test" {
		return smtp.ErrRelayDenied
	}
	return nil
}

func (s *printSession) Data(ctx context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	fmt.Printf("message from %s: %q\n", s.from, b)
	return nil
}

func (s *printSession) Reset(ctx context.Context)        {}
func (s *printSession) Logout(ctx context.Context) error { return nil }

func Example() {
	srv := &smtp.Server{
		Hostname: "mx.example.test",
		Backend: smtp.BackendFunc(func(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
			return &printSession{}, nil
		}),
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	c, _ := net.Dial("tcp", l.Addr().String())
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(lines ...string) {
		fmt.Fprint(c, strings.Join(lines, "\r\n")+"\r\n")
	}
	expect := func(n int) {
		for range n {
			line, _ := r.ReadString('\n')
			fmt.Println(line[:3])
		}
	}
	expect(1)
	say("HELO client.example.test", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.test>", "RCPT TO:<c@elsewhere.test>", "DATA")
	expect(5)
	say("Subject: hi", "", "..dot", ".")
	expect(1)
	say("QUIT")
	expect(1)
	// Output:
	// 220
	// 250
	// 250
	// 250
	// 550
	// 354
	// message from <a@example.org>: "Subject: hi\r\n\r\n.dot\r\n"
	// 250
	// 221
}
