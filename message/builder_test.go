package message

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func build(t *testing.T, b *Builder) []byte {
	t.Helper()
	var out bytes.Buffer
	n, err := b.WriteTo(&out)
	require.NoError(t, err)
	require.Equal(t, int64(out.Len()), n)
	for _, ln := range strings.Split(out.String(), "\r\n") {
		require.LessOrEqual(t, len(ln), 998)
		require.NotContains(t, ln, "\n", "bare LF")
	}
	return out.Bytes()
}

type leafInfo struct {
	section, typ, cte, charset, filename, text string
}

func leaves(t *testing.T, msg []byte) (Header, []leafInfo) {
	t.Helper()
	var out []leafInfo
	var h Header
	err := Walk(bytes.NewReader(msg), nil, func(e *Entity) error {
		if e.Depth == 0 {
			h = e.Header
		}
		require.Empty(t, e.Warnings, "%s: %v", e.Section, e.Warnings)
		if !e.IsLeaf() {
			return nil
		}
		tr := e.Body()
		if e.MediaType.Type == "text" {
			var err error
			tr, err = e.Text(nil)
			require.NoError(t, err)
		}
		txt, _ := io.ReadAll(tr)
		out = append(out, leafInfo{e.Section, e.MediaType.Type + "/" + e.MediaType.Subtype, e.TransferEncoding, e.Charset(), e.Filename(), string(txt)})
		return nil
	})
	require.NoError(t, err)
	return h, out
}

func TestBuilderFull(t *testing.T) {
	b := &Builder{
		From:       []Address{{Name: "Alice Ü", Local: "alice", Domain: "example.com"}},
		To:         []Address{{Name: "Bob", Local: "bob", Domain: "example.net"}, {Name: "Team", Group: true, Members: []Address{{Local: "t1", Domain: "x.test"}}}},
		Cc:         []Address{{Local: "carol", Domain: "example.net"}},
		Bcc:        []Address{{Local: "secret", Domain: "example.org"}, {Local: "BOB", Domain: "example.net"}},
		ReplyTo:    []Address{{Local: "reply", Domain: "example.com"}},
		Subject:    "Résumé and photos",
		Date:       time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("", 9*3600)),
		MessageID:  "id-1@example.com",
		InReplyTo:  []string{"p@x"},
		References: []string{"r@x", "p@x"},
		Text:       "Hello\nsee attached.\n",
		HTML:       "<p>Hello <img src=\"cid:img1@x\"></p>",
		Inline:     []Attachment{{Filename: "a.png", ContentID: "img1@x", Body: bytes.NewReader([]byte("\x89PNG\r\n\x1a\n\x00\x00"))}},
		Attachments: []Attachment{
			{Filename: "履歴書.pdf", Body: bytes.NewReader(bytes.Repeat([]byte{0, 1, 2, 255}, 100))},
			{Filename: "notes.txt", Body: strings.NewReader("plain notes\r\n")},
			{Filename: "big.bin", ContentType: "application/x-test", Body: bytes.NewReader(bytes.Repeat([]byte("a"), 100<<10))},
		},
		Forward: strings.NewReader("From: old@x\nSubject: old\n\nold body\n"),
	}
	b.Extra.Add("X-Mailer", "yubin")
	b.Extra.Add("Bcc", "sneaky@example.org")
	msg := build(t, b)
	require.NotContains(t, string(msg), "secret@example.org")
	require.NotContains(t, string(msg), "sneaky")
	require.Equal(t, []string{"bob@example.net", "t1@x.test", "carol@example.net", "secret@example.org"}, b.Recipients())

	h, ls := leaves(t, msg)
	require.Equal(t, "Tue, 24 Nov 2026 10:00:00 +0900", h.Get("Date"))
	require.Equal(t, "Résumé and photos", h.Text("Subject"))
	a, err := Author(h)
	require.NoError(t, err)
	require.Equal(t, "Alice Ü", a.Name)
	require.Equal(t, "<id-1@example.com>", h.Get("Message-ID"))
	require.Equal(t, "<r@x> <p@x>", h.Get("References"))
	require.Equal(t, "yubin", h.Get("X-Mailer"))
	require.False(t, h.Has("Bcc"))
	to, err := ParseAddressList(h.Get("To"), nil)
	require.NoError(t, err)
	require.Equal(t, b.To, to)

	require.Equal(t, []leafInfo{
		{"1.1", "text/plain", "7bit", "us-ascii", "", "Hello\r\nsee attached.\r\n"},
		{"1.2.1", "text/html", "7bit", "us-ascii", "", b.HTML},
		{"1.2.2", "image/png", "base64", "", "a.png", "\x89PNG\r\n\x1a\n\x00\x00"},
		{"2", "application/pdf", "base64", "", "履歴書.pdf", string(bytes.Repeat([]byte{0, 1, 2, 255}, 100))},
		{"3", "text/plain", "7bit", "", "notes.txt", "plain notes\r\n"},
		{"4", "application/x-test", "base64", "", "big.bin", strings.Repeat("a", 100<<10)},
		{"5.1", "text/plain", "7bit", "us-ascii", "", "old body\r\n"},
	}, ls)
	// RFC 2231 filename plus the legacy RFC 2047 name=.
	require.Contains(t, string(msg), "filename*=utf-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf")
	require.Contains(t, string(msg), `name="=?utf-8?`)
}

func TestBuilderTextEncodings(t *testing.T) {
	tests := []struct {
		text, cte, charset string
	}{
		{"plain ascii", "7bit", "us-ascii"},
		{"Un café crème, s'il vous plaît. This text is mostly ASCII, with a few accents.", "quoted-printable", "utf-8"},
		{"日本語のテキストです。", "base64", "utf-8"},
		{strings.Repeat("x", 2000), "quoted-printable", "us-ascii"},
	}
	for _, tt := range tests {
		msg := build(t, &Builder{From: []Address{{Local: "a", Domain: "x"}}, Text: tt.text})
		_, ls := leaves(t, msg)
		require.Len(t, ls, 1)
		require.Equal(t, tt.cte, ls[0].cte, tt.text)
		require.Equal(t, tt.charset, ls[0].charset)
		require.Equal(t, tt.text, ls[0].text)
	}
	msg := build(t, &Builder{From: []Address{{Local: "a", Domain: "x"}}, Text: "café", Allow8Bit: true})
	_, ls := leaves(t, msg)
	require.Equal(t, "8bit", ls[0].cte)
}

func TestBuilderISO2022JP(t *testing.T) {
	b := &Builder{
		From:      []Address{{Name: "鈴木一郎", Local: "suzuki", Domain: "example.jp"}},
		To:        []Address{{Name: "山田太郎", Local: "yamada", Domain: "example.jp"}},
		Subject:   "会議の件について",
		Text:      "山田様\n\n来週の会議の資料です。\n",
		ISO2022JP: true,
	}
	msg := build(t, b)
	for _, c := range msg {
		require.Less(t, c, byte(0x80), "ISO-2022-JP mail is 7-bit")
	}
	require.Contains(t, strings.ToUpper(string(msg)), "=?ISO-2022-JP?B?")
	require.Contains(t, string(msg), "charset=ISO-2022-JP")
	h, ls := leaves(t, msg)
	require.Equal(t, "会議の件について", h.Text("Subject"))
	from, err := Author(h)
	require.NoError(t, err)
	require.Equal(t, "鈴木一郎", from.Name)
	require.Equal(t, "7bit", ls[0].cte)
	require.Equal(t, "iso-2022-jp", ls[0].charset)
	require.Equal(t, "山田様\r\n\r\n来週の会議の資料です。\r\n", ls[0].text)

	// Text outside ISO-2022-JP falls back to UTF-8.
	msg = build(t, &Builder{From: []Address{{Local: "a", Domain: "x"}}, Text: "emoji 😀", ISO2022JP: true})
	_, ls = leaves(t, msg)
	require.Equal(t, "utf-8", ls[0].charset)
}

func TestBuilderUTF8Header(t *testing.T) {
	msg := build(t, &Builder{From: []Address{{Name: "Jöran", Local: "jöran", Domain: "exämple.se"}}, Subject: "Hej då", UTF8: true, Text: "x"})
	require.Contains(t, string(msg), "From: Jöran <jöran@exämple.se>\r\n")
	require.Contains(t, string(msg), "Subject: Hej då\r\n")
}

func TestBuilderIDN(t *testing.T) {
	b := &Builder{From: []Address{{Name: "Jörg", Local: "j", Domain: "bücher.example"}}, To: []Address{{Local: "x", Domain: "例え.jp"}}, Text: "x"}
	msg := build(t, b)
	require.Contains(t, string(msg), "<j@xn--bcher-kva.example>")
	require.Contains(t, string(msg), "To: x@xn--r8jz45g.jp\r\n")
	require.Contains(t, string(msg), "@xn--bcher-kva.example>\r\n")
	_, err := (&Builder{From: []Address{{Local: "jörg", Domain: "x.example"}}}).WriteTo(io.Discard)
	require.Error(t, err)
	_, err = (&Builder{From: []Address{{Local: "jörg", Domain: "x.example"}}, UTF8: true}).WriteTo(io.Discard)
	require.NoError(t, err)
}

func TestBuilderInlineWithoutHTML(t *testing.T) {
	msg := build(t, &Builder{From: []Address{{Local: "a", Domain: "x"}}, Text: "see the picture\n",
		Inline: []Attachment{{Filename: "p.gif", Body: strings.NewReader("GIF89a")}}})
	_, ls := leaves(t, msg)
	require.Len(t, ls, 2)
	require.Equal(t, "image/gif", ls[1].typ)
	require.Contains(t, string(msg), "Content-Disposition: inline; filename=p.gif")
}

func TestBuilderErrors(t *testing.T) {
	_, err := (&Builder{}).WriteTo(io.Discard)
	require.Error(t, err)
	_, err = (&Builder{From: []Address{{Local: "a", Domain: "x"}, {Local: "b", Domain: "x"}}}).WriteTo(io.Discard)
	require.Error(t, err)
	_, err = (&Builder{From: []Address{{Local: "a", Domain: "x"}}, Attachments: []Attachment{{Filename: "x"}}}).WriteTo(io.Discard)
	require.Error(t, err)
}

func TestCRLFReader(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb": "a\r\nb", "a\r\nb\r\n": "a\r\nb\r\n", "a\rb\r": "a\r\nb\r\n", "\r\r\n\n": "\r\n\r\n\r\n", "": "",
	} {
		out, err := io.ReadAll(&crlfReader{r: bufioReader(in)})
		require.NoError(t, err)
		require.Equal(t, want, string(out), "%q", in)
	}
}

// TestBuilderPythonInterop parses a built message with Python's email
// package, an independent MIME parser.
func TestBuilderPythonInterop(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		requirePeer(t, "python3")
		return
	}
	msg := build(t, &Builder{
		From: []Address{{Name: "Zoë", Local: "zoe", Domain: "x.test"}}, Subject: "Grüße",
		Text: "Hallo\n", HTML: "<p>Hallo</p>",
		Attachments: []Attachment{{Filename: "Übersicht.pdf", Body: strings.NewReader("%PDF-1.4")}},
	})
	script := `import sys, email, email.policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
print(m["subject"]); print(m["from"].addresses[0].display_name)
for p in m.walk():
    if not p.is_multipart():
        print(p.get_content_type(), p.get_filename(), len(p.get_payload(decode=True)))
print(len(m.defects))`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "Grüße\nZoë\ntext/plain None 7\ntext/html None 12\napplication/pdf Übersicht.pdf 8\n0\n", string(out))
}
