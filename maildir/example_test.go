package maildir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/yubinmail/yubin/maildir"
)

func Example() {
	root, _ := os.MkdirTemp("", "maildir-example")
	defer os.RemoveAll(root)

	inbox, err := maildir.Create(filepath.Join(root, "alice"))
	if err != nil {
		panic(err)
	}
	msg := "From: bob@example.org\r\nSubject: lunch?\r\n\r\nNoon?\r\n"
	_, err = inbox.Deliver(context.Background(), strings.NewReader(msg), &maildir.DeliverOptions{
		ReturnPath:  "<bob@example.org>",
		DeliveredTo: "alice@example.test",
	})
	if err != nil {
		panic(err)
	}
	msgs, _ := inbox.Messages()
	data, _ := os.ReadFile(msgs[0].Path)
	fmt.Print(strings.ReplaceAll(string(data), "\r\n", "\n"))
	// Output:
	// Return-Path: <bob@example.org>
	// Delivered-To: alice@example.test
	// From: bob@example.org
	// Subject: lunch?
	//
	// Noon?
}
