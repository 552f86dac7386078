package smtp

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/auth"
)

func TestSubmitTakesEnvelopeFromHeaderAndDropsBcc(t *testing.T) {
	st := auth.NewMemoryStore()
	require.NoError(t, st.SetPassword("alice", "secret", 4096))
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be, Mode: ModeSubmission, TLSConfig: testTLSConfig(t), Credentials: st})
	msg := "From: Alice <alice@example.test>\r\n" +
		"To: Bob <bob@example.org>, \"Team\": carol@example.org;\r\n" +
		"Bcc: secret@example.net\r\n" +
		"Subject: plans\r\n" +
		"\r\n" +
		"See you.\r\n"
	when := time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("", 9*3600))
	res, err := Submit(testCtx(t), addr, strings.NewReader(msg), &SubmitOptions{
		Client: &ClientOptions{TLS: TLSRequired, TLSConfig: &tls.Config{InsecureSkipVerify: true}},
		Auth:   &auth.ClientOptions{Username: "alice", Password: "secret"},
		Now:    func() time.Time { return when },
	})
	require.NoError(t, err)
	require.Equal(t, 3, res.Accepted())
	msgs := be.messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, "<alice@example.test>", m.From)
	require.Equal(t, []string{"<bob@example.org>", "<carol@example.org>", "<secret@example.net>"}, m.Rcpts)
	require.NotContains(t, m.Data, "Bcc")
	require.NotContains(t, m.Data, "secret@example.net")
	require.Contains(t, m.Data, "Date: Tue, 24 Nov 2026 10:00:00 +0900\r\n")
	require.Contains(t, m.Data, "Message-ID: <")
	require.Contains(t, m.Data, "@example.test>\r\n")
	require.True(t, strings.HasSuffix(m.Data, "\r\n\r\nSee you.\r\n"))
	require.True(t, strings.HasPrefix(m.Data, "From: Alice <alice@example.test>\r\nTo: Bob"))
}

func TestSubmitRefusesWithoutTLS(t *testing.T) {
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be, Mode: ModeSubmission})
	_, err := Submit(testCtx(t), addr, strings.NewReader("From: a@x.test\r\nTo: b@y.test\r\n\r\nx\r\n"),
		&SubmitOptions{Client: &ClientOptions{TLS: TLSRequired}})
	require.ErrorIs(t, err, ErrTLSUnavailable)
	require.Empty(t, be.messages())
}

func TestSendMail(t *testing.T) {
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be})
	res, err := SendMail(context.Background(), addr, nil, "", []string{"b@mx.test", "ü@mx.test"},
		strings.NewReader("Subject: x\r\n\r\ny\r\n"), nil)
	require.NoError(t, err)
	require.Equal(t, 2, res.Accepted())
	msgs := be.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "<>", msgs[0].From)
	require.True(t, msgs[0].Mail.SMTPUTF8)

	_, err = SendMail(context.Background(), addr, nil, "", []string{"not an address"}, strings.NewReader(""), nil)
	require.Error(t, err)
}

func TestSubmitEnvelopeOverrides(t *testing.T) {
	be := &memBackend{}
	addr := startServer(t, &Server{Backend: be})
	noFrom := "To: b@mx.test\r\nBcc: hidden@mx.test\r\nSubject: x\r\n\r\ny\r\n"
	cases := []struct {
		name      string
		opts      *SubmitOptions
		msg       string
		wantFrom  string
		wantRcpts []string
	}{
		{"from only", &SubmitOptions{From: "env@src.test"}, noFrom, "<env@src.test>", []string{"<b@mx.test>", "<hidden@mx.test>"}},
		{"null from", &SubmitOptions{From: "<>"}, noFrom, "<>", []string{"<b@mx.test>", "<hidden@mx.test>"}},
		{"to only", &SubmitOptions{To: []string{"c@mx.test"}}, "From: a@src.test\r\n\r\nz\r\n", "<a@src.test>", []string{"<c@mx.test>"}},
		{"both", &SubmitOptions{From: "e@src.test", To: []string{"d@mx.test"}}, "\r\nbody\r\n", "<e@src.test>", []string{"<d@mx.test>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := len(be.messages())
			_, err := Submit(testCtx(t), addr, strings.NewReader(tc.msg), tc.opts)
			require.NoError(t, err)
			m := be.messages()[n]
			require.Equal(t, tc.wantFrom, m.From)
			require.Equal(t, tc.wantRcpts, m.Rcpts)
			require.NotContains(t, m.Data, "hidden")
		})
	}
	_, err := Submit(testCtx(t), addr, strings.NewReader("Subject: x\r\n\r\n"), nil)
	require.Error(t, err, "no sender and no recipients")
}
