// Command mimedump prints the MIME structure of a message.
//
//	mimedump [-json] FILE|-
//
// Without -json it prints the main header fields and the entity tree, one
// entity per line with its IMAP section number, media type, transfer
// encoding, disposition, file name, decoded size and line count, followed
// by any warnings about broken structure.
//
// With -json it prints one JSON object:
//
//	{"subject": "...", "from": [{"name": "...", "address": "..."}], "to": [...],
//	 "cc": [...], "date": "2026-11-24T10:00:00+09:00", "message_id": "id@host",
//	 "parts": [{"path": "1.1", "content_type": "text/plain", "charset": "utf-8",
//	            "disposition": "", "filename": "", "size": 72,
//	            "sha256": "...", "text": "..."}]}
//
// subject is decoded from RFC 2047; from, to and cc list mailboxes (group
// members included) with decoded names and addresses in their UTF-8 form;
// date is RFC 3339 in the message's own offset, or "" when missing or
// unreadable; message_id has no angle brackets. parts lists the leaf parts
// depth-first, descending into multipart and message/rfc822 bodies, with
// their IMAP section numbers; content_type is lower case; charset is given
// for text parts only (us-ascii when not declared, RFC 2046 section
// 4.1.2); filename is decoded from RFC 2231 or RFC 2047; size and sha256 are
// of the transfer-decoded bytes; text is given for text parts, converted to
// UTF-8 with LF line ends.
//
// The exit status is 0 when the message was printed (also for broken mail,
// and when a limit stopped the walk: the note goes to standard error), 1
// when the input cannot be read, and 2 for usage errors.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Mailbox is one address in the JSON output.
type Mailbox struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Part is one leaf part in the JSON output.
type Part struct {
	Path        string  `json:"path"`
	ContentType string  `json:"content_type"`
	Charset     *string `json:"charset,omitempty"`
	Disposition string  `json:"disposition"`
	Filename    string  `json:"filename"`
	Size        int     `json:"size"`
	SHA256      string  `json:"sha256"`
	Text        *string `json:"text,omitempty"`
}

// Dump is the JSON output.
type Dump struct {
	Subject   string    `json:"subject"`
	From      []Mailbox `json:"from"`
	To        []Mailbox `json:"to"`
	Cc        []Mailbox `json:"cc"`
	Date      string    `json:"date"`
	MessageID string    `json:"message_id"`
	Parts     []Part    `json:"parts"`
}

const usage = `usage: mimedump [-json] FILE|-

Prints the MIME structure of the message in FILE (or standard input for -):
the main header fields and one line per entity with its IMAP section
number. With -json, prints one JSON object with subject, from, to, cc,
date, message_id and the leaf parts (path, content_type, charset,
disposition, filename, size, sha256 and, for text parts, text).

Flags:
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mimedump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "print the JSON object described above")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	in := stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "mimedump:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	var err error
	if *jsonOut {
		err = dumpJSON(in, stdout, stderr)
	} else {
		err = dumpTree(in, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mimedump:", err)
		return 1
	}
	return 0
}

// walk calls fn for each entity. A limit stops the walk with a note on
// stderr but is not an error: what was read is still printed.
func walk(in io.Reader, stderr io.Writer, fn func(*message.Entity) error) error {
	err := message.Walk(in, nil, fn)
	var le *mime.LimitError
	if errors.As(err, &le) {
		fmt.Fprintln(stderr, "mimedump: stopped:", le)
		return nil
	}
	return err
}

func dumpJSON(in io.Reader, stdout, stderr io.Writer) error {
	d := Dump{From: []Mailbox{}, To: []Mailbox{}, Cc: []Mailbox{}, Parts: []Part{}}
	err := walk(in, stderr, func(e *message.Entity) error {
		if e.Depth == 0 {
			d.headers(e.Header)
		}
		if !e.IsLeaf() {
			return nil
		}
		p, err := leaf(e)
		d.Parts = append(d.Parts, p)
		return err
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

func (d *Dump) headers(h message.Header) {
	d.Subject = h.Text("Subject")
	d.From = mailboxes(h, "From")
	d.To = mailboxes(h, "To")
	d.Cc = mailboxes(h, "Cc")
	if t, err := message.ParseDate(h.Get("Date")); err == nil {
		d.Date = t.Format(time.RFC3339)
	}
	d.MessageID, _ = message.ParseMsgID(h.Get("Message-ID"))
}

// mailboxes lists the mailboxes of every field with the name; items that
// do not parse are left out (see message.Author for the interpretation).
func mailboxes(h message.Header, name string) []Mailbox {
	out := []Mailbox{}
	for _, v := range h.Values(name) {
		list, _ := message.ParseAddressList(v, nil)
		for _, a := range message.Mailboxes(list) {
			out = append(out, Mailbox{Name: a.Name, Address: a.Addr()})
		}
	}
	return out
}

func leaf(e *message.Entity) (Part, error) {
	p := Part{
		Path:        e.Section,
		ContentType: e.MediaType.Type + "/" + e.MediaType.Subtype,
		Disposition: e.Disposition.Type,
		Filename:    e.Filename(),
	}
	h := sha256.New()
	var buf bytes.Buffer
	w := io.Writer(h)
	isText := e.MediaType.Type == "text"
	if isText {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.Copy(w, e.Body())
	if err != nil {
		return p, err
	}
	p.Size = int(n)
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	if isText {
		cs := e.Charset()
		if cs == "" {
			cs = "us-ascii"
		}
		p.Charset = &cs
		txt, _ := message.DecodeText(cs, buf.Bytes(), nil)
		txt = strings.ReplaceAll(txt, "\r\n", "\n")
		p.Text = &txt
	}
	return p, nil
}

func dumpTree(in io.Reader, stdout, stderr io.Writer) error {
	var b strings.Builder
	err := walk(in, stderr, func(e *message.Entity) error {
		if e.Depth == 0 {
			for _, name := range []string{"From", "To", "Cc", "Subject", "Date", "Message-ID"} {
				if v := e.Header.Get(name); v != "" {
					if name == "Subject" {
						v = e.Header.Text(name)
					}
					fmt.Fprintf(&b, "%s: %s\n", name, v)
				}
			}
			b.WriteString("\n")
		}
		return treeLine(&b, e)
	})
	io.WriteString(stdout, b.String())
	return err
}

func treeLine(b *strings.Builder, e *message.Entity) error {
	sec := e.Section
	if sec == "" {
		sec = "-"
	}
	fmt.Fprintf(b, "%s%s %s/%s", strings.Repeat("  ", e.Depth), sec, e.MediaType.Type, e.MediaType.Subtype)
	if cs := e.Charset(); cs != "" {
		fmt.Fprintf(b, "; charset=%s", cs)
	}
	if e.Encapsulated {
		b.WriteString(" (encapsulated message")
		if s := e.Header.Text("Subject"); s != "" {
			fmt.Fprintf(b, " %q", s)
		}
		b.WriteString(")")
	}
	if e.Disposition.Type != "" {
		fmt.Fprintf(b, " %s", e.Disposition.Type)
	}
	if f := e.Filename(); f != "" {
		fmt.Fprintf(b, " %q", f)
	}
	if e.IsLeaf() {
		n, err := io.Copy(io.Discard, e.Body())
		if err != nil {
			return err
		}
		fmt.Fprintf(b, " [%s, %d bytes, %d lines]", e.TransferEncoding, n, e.Lines)
	}
	b.WriteString("\n")
	for _, w := range e.Warnings {
		fmt.Fprintf(b, "%s  ! %s\n", strings.Repeat("  ", e.Depth), w.Error())
	}
	return nil
}
