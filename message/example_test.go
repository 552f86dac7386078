package message_test

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/yubinmail/yubin/message"
)

func ExampleReadHeader() {
	raw := "From: =?utf-8?q?Ren=C3=A9e?= <renee@example.com>\r\n" +
		"Subject: Hello\r\n world\r\n" +
		"Date: Tue, 24 Nov 2026 10:00:00 EST\r\n\r\nbody"
	h, err := message.ReadHeader(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		panic(err)
	}
	author, _ := message.Author(h)
	date, _ := message.ParseDate(h.Get("Date"))
	fmt.Println(author.Name, author.Addr())
	fmt.Println(h.Get("Subject"))
	fmt.Println(date.Format(time.RFC3339))
	// Output:
	// Renée renee@example.com
	// Hello world
	// 2026-11-24T10:00:00-05:00
}

func ExampleWalk() {
	msg := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=a.pdf\r\n\r\nJVBERi0=\r\n--b--\r\n"
	_ = message.Walk(strings.NewReader(msg), nil, func(e *message.Entity) error {
		fmt.Printf("%q %s/%s", e.Section, e.MediaType.Type, e.MediaType.Subtype)
		if e.IsLeaf() {
			body, _ := io.ReadAll(e.Body())
			fmt.Printf(" %q %q", e.Filename(), body)
		}
		fmt.Println()
		return nil
	})
	// Output:
	// "" multipart/mixed
	// "1" text/plain "" "hello"
	// "2" application/pdf "a.pdf" "%PDF-"
}

func ExampleParseAuthResults() {
	ar, _ := message.ParseAuthResults("mx.example.net; spf=pass smtp.mailfrom=a@example.com; dkim=fail (bad sig) header.d=example.com")
	for _, r := range ar.Results {
		fmt.Println(r.Method, r.Result, r.Props[0].Value)
	}
	fmt.Println(ar.String())
	// Output:
	// spf pass a@example.com
	// dkim fail example.com
	// mx.example.net; spf=pass smtp.mailfrom=a@example.com; dkim=fail (bad sig) header.d=example.com
}

func ExampleBuilder() {
	b := &message.Builder{
		From:    []message.Address{{Name: "Alice", Local: "alice", Domain: "example.com"}},
		To:      []message.Address{{Local: "bob", Domain: "example.net"}},
		Bcc:     []message.Address{{Local: "audit", Domain: "example.com"}},
		Subject: "Hi",
		Text:    "Hello Bob.\n",
	}
	var sb strings.Builder
	if _, err := b.WriteTo(&sb); err != nil {
		panic(err)
	}
	fmt.Println(b.Recipients())
	fmt.Println(strings.Contains(sb.String(), "audit"))
	// Output:
	// [bob@example.net audit@example.com]
	// false
}
