package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/internal/peers"
)

// TestInteropPostfix runs a throwaway Postfix instance (its own config,
// queue and data directories) whose relayhost is our SMTP listener, injects
// mail with its sendmail, and checks that it lands in the Maildir.
func TestInteropPostfix(t *testing.T) {
	sendmail := peer(t, "sendmail")
	in := start(t, "-user", "alice:pw")
	pf := peers.StartPostfix(t, &peers.PostfixOptions{RelayHost: in.addrs["smtp"], Main: "smtp_tls_loglevel = 1\n"})
	bodies := []string{"Subject: via postfix 1\n\nhello\n.dot line\n", "Subject: via postfix 2\nContent-Type: text/plain; charset=utf-8\n\nGrüße\n"}
	for _, b := range bodies {
		cmd := exec.Command(sendmail, "-C", pf.ConfigDir, "-f", "sender@example.org", "alice@example.test")
		cmd.Stdin = strings.NewReader(b)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "sendmail: %s", out)
	}
	var msgs []string
	require.Eventually(t, func() bool {
		msgs = in.messages(t, "alice")
		return len(msgs) == 2
	}, 60*time.Second, 100*time.Millisecond)
	all := strings.Join(msgs, "\n")
	require.Contains(t, all, "Return-Path: <sender@example.org>\r\n")
	require.Contains(t, all, "Subject: via postfix 1\r\n")
	require.Contains(t, all, "\r\n\r\nhello\r\n.dot line\r\n")
	require.Contains(t, all, "\r\n\r\nGrüße\r\n")
	require.Contains(t, all, "Received: from postfix.test ([127.0.0.1])\r\n\t(using TLS")
	require.Contains(t, pf.Log(), "status=sent (250 2.0.0 OK: message accepted)")
}
