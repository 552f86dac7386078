package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

func readHeader(t testing.TB, s string) *message.Header {
	h, err := message.ReadHeader(bufio.NewReader(strings.NewReader(s)), nil)
	var ws mime.Warnings
	if err != nil && !errors.As(err, &ws) {
		t.Fatal(err)
	}
	return &h
}

func rcptStrings(e *Envelope) []string {
	var out []string
	for _, r := range e.Rcpts {
		out = append(out, r.Path.String())
	}
	return out
}

func TestFromMessage(t *testing.T) {
	tests := []struct {
		name, hdr string
		from      string
		rcpts     []string
		utf8      bool
		err       error
	}{
		{"basic", "From: Alice <alice@a.test>\r\nTo: bob@b.test, \"Carol\" <carol@c.test>\r\nCc: dave@d.test\r\nBcc: eve@e.test\r\n\r\n",
			"<alice@a.test>", []string{"<bob@b.test>", "<carol@c.test>", "<dave@d.test>", "<eve@e.test>"}, false, nil},
		{"sender wins", "From: a@a.test, b@a.test\r\nSender: sec@a.test\r\nTo: x@x.test\r\n\r\n",
			"<sec@a.test>", []string{"<x@x.test>"}, false, nil},
		{"groups and dups", "From: a@a.test\r\nTo: team: x@x.test, y@y.test;, X@x.test, x@X.TEST\r\nCc: undisclosed-recipients:;\r\n\r\n",
			"<a@a.test>", []string{"<x@x.test>", "<y@y.test>", "<X@x.test>"}, false, nil},
		{"multi bcc fields", "From: a@a.test\r\nBcc: p@p.test\r\nBcc: q@q.test\r\n\r\n",
			"<a@a.test>", []string{"<p@p.test>", "<q@q.test>"}, false, nil},
		{"utf8", "From: jörg@bücher.test\r\nTo: 用户@例子.测试\r\n\r\n",
			"<jörg@bücher.test>", []string{"<用户@例子.测试>"}, true, nil},
		{"idn domain only", "From: a@bücher.test\r\nTo: b@bücher.test\r\n\r\n",
			"<a@bücher.test>", []string{"<b@bücher.test>"}, false, nil},
		{"resent", "Resent-From: fwd@f.test\r\nResent-To: new@n.test\r\nResent-Bcc: hid@n.test\r\nResent-Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n" +
			"Received: from x by y; Tue, 24 Nov 2026 09:00:00 +0000\r\n" +
			"Resent-From: old@o.test\r\nResent-To: older@o.test\r\n" +
			"From: a@a.test\r\nTo: orig@o.test\r\n\r\n",
			"<fwd@f.test>", []string{"<new@n.test>", "<hid@n.test>"}, false, nil},
		{"resent sender", "Resent-Sender: s@f.test\r\nResent-From: fwd@f.test\r\nResent-Cc: c@n.test\r\nFrom: a@a.test\r\nTo: orig@o.test\r\n\r\n",
			"<s@f.test>", []string{"<c@n.test>"}, false, nil},
		{"no rcpt", "From: a@a.test\r\nSubject: x\r\n\r\n", "", nil, false, ErrNoRecipients},
		{"no from", "To: b@b.test\r\n\r\n", "", nil, false, ErrNoSender},
		{"two authors", "From: a@a.test, b@b.test\r\nTo: b@b.test\r\n\r\n", "", nil, false, errors.New("x")},
		{"two from fields", "From: a@a.test\r\nFrom: b@b.test\r\nTo: b@b.test\r\n\r\n", "", nil, false, errors.New("x")},
		{"bad rcpt", "From: a@a.test\r\nTo: \"x\"@[300.1.1.1]\r\n\r\n", "", nil, false, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := FromMessage(readHeader(t, tt.hdr))
			if tt.err != nil {
				require.Error(t, err)
				if tt.err.Error() != "x" {
					require.ErrorIs(t, err, tt.err)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.from, env.From.String())
			require.Equal(t, tt.rcpts, rcptStrings(env))
			require.Equal(t, tt.utf8, env.MailParams.SMTPUTF8)
		})
	}
}

func TestTransmitCopy(t *testing.T) {
	body := "Body line\r\nBcc: not a header\r\n"
	in := "From: a@a.test\r\nBcc: hidden@h.test,\r\n  other@h.test\r\nTo: b@b.test\nBCC : x@x.test\r\nResent-Bcc: y@y.test\r\nX-Bcc: kept\r\n" +
		"Subject: " + strings.Repeat("long ", 2000) + "\r\n\r\n" + body
	want := "From: a@a.test\r\nTo: b@b.test\nX-Bcc: kept\r\n" + "Subject: " + strings.Repeat("long ", 2000) + "\r\n\r\n" + body
	var out bytes.Buffer
	require.NoError(t, TransmitCopy(&out, iotest.OneByteReader(strings.NewReader(in))))
	require.Equal(t, want, out.String())

	// A long Bcc line is dropped whole; a message without a body is copied as is.
	out.Reset()
	require.NoError(t, TransmitCopy(&out, strings.NewReader("Bcc: "+strings.Repeat("x", 10000)+"\r\nTo: b@b.test")))
	require.Equal(t, "To: b@b.test", out.String())
	out.Reset()
	require.NoError(t, TransmitCopy(&out, strings.NewReader("To: b@b.test\n\nBcc: x\n")))
	require.Equal(t, "To: b@b.test\n\nBcc: x\n", out.String())
	require.Error(t, TransmitCopy(&out, iotest.ErrReader(errors.New("boom"))))
}
