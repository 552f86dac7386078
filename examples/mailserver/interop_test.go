package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// peer returns the path of an interop program. A missing peer skips the
// test, unless YUBIN_INTEROP=require, which makes it a failure.
func peer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("YUBIN_INTEROP") == "require" {
			t.Fatalf("interop peer %s is missing (YUBIN_INTEROP=require)", name)
		}
		t.Skipf("interop peer %s not installed", name)
	}
	return p
}

func hostPort(addr string) (string, string) {
	h, p, _ := net.SplitHostPort(addr)
	return h, p
}

func runPeer(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	done := make(chan struct{})
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	close(done)
	require.NoError(t, err, "%s %v:\n%s", name, args, out)
	return string(out)
}

func waitMessages(t *testing.T, in *instance, user string, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool { return len(in.messages(t, user)) >= n }, 10*time.Second, 20*time.Millisecond)
	msgs := in.messages(t, user)
	require.Len(t, msgs, n)
	return msgs
}

func TestInteropSwaks(t *testing.T) {
	swaks := peer(t, "swaks")
	in := start(t, "-user", "alice:pw")
	cases := []struct {
		name, listener string
		args           []string
	}{
		{"plain", "smtp", nil},
		{"pipelining", "smtp", []string{"--pipeline"}},
		{"starttls", "smtp", []string{"-tls"}},
		{"auth-plain", "submission", []string{"-tls", "--auth", "PLAIN"}},
		{"auth-login", "submission", []string{"-tls", "--auth", "LOGIN"}},
		{"auth-cram-md5", "submission", []string{"-tls", "--auth", "CRAM-MD5", "--pipeline"}},
		{"implicit-tls", "smtps", []string{"-tlsc", "--auth", "PLAIN"}},
		{"bdat-less-8bit", "submission", []string{"-tls", "--auth", "LOGIN", "--body", "Grüße\n.leading dot\n"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, p := hostPort(in.addrs[tc.listener])
			args := append([]string{"--server", h, "--port", p, "--to", "alice@example.test", "--from", "sender@example.org",
				"--header", "Subject: swaks " + tc.name}, tc.args...)
			if strings.Contains(strings.Join(tc.args, " "), "--auth") {
				args = append(args, "--auth-user", "alice", "--auth-password", "pw")
			}
			out := runPeer(t, "", swaks, args...)
			require.Contains(t, out, "250 2.0.0 OK: message accepted")
			msgs := waitMessages(t, in, "alice", i+1)
			found := false
			for _, m := range msgs {
				if strings.Contains(m, "Subject: swaks "+tc.name+"\r\n") {
					found = true
					if tc.name == "bdat-less-8bit" {
						require.Contains(t, m, "\r\n\r\nGrüße\r\n.leading dot\r\n")
					}
				}
			}
			require.True(t, found)
		})
	}
}

const pySend = `
import smtplib, ssl, sys
from email.message import EmailMessage
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = EmailMessage()
msg["From"] = "sender@example.org"
msg["To"] = "jörg@example.test"
msg["Subject"] = "Grüße aus Python"
msg.set_content("Hallo Jörg\n")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP(host, port, timeout=20) as s:
    if mode == "submission":
        s.starttls(context=ctx)
        s.login("alice", "pw")
    refused = s.send_message(msg)
    assert not refused, refused
    assert s.has_extn("smtputf8")
print("sent")
`

func TestInteropPythonSMTPUTF8(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		peer(t, "python3-at-/usr/bin") // skips or fails
	}
	in := start(t, "-user", "alice:pw", "-user", "jörg:pw")
	for i, mode := range []string{"smtp", "submission"} {
		h, p := hostPort(in.addrs[mode])
		out := runPeer(t, "", py, "-c", pySend, h, p, mode)
		require.Contains(t, out, "sent")
		msgs := waitMessages(t, in, "jörg", i+1)
		require.Contains(t, msgs[0], "Delivered-To: jörg@example.test\r\n")
		require.Contains(t, msgs[0], "with UTF8SMTP")
	}
}

func TestInteropCurl(t *testing.T) {
	curl := peer(t, "curl")
	in := start(t, "-user", "alice:pw")
	msg := "From: sender@example.org\r\nTo: alice@example.test\r\nSubject: curl\r\n\r\nvia curl\r\n"
	file := filepath.Join(t.TempDir(), "msg.eml")
	require.NoError(t, os.WriteFile(file, []byte(msg), 0o600))
	runPeer(t, "", curl, "-sS", "smtp://"+in.addrs["smtp"]+"/client.test", "--mail-from", "sender@example.org",
		"--mail-rcpt", "alice@example.test", "-T", file)
	runPeer(t, "", curl, "-sS", "smtp://"+in.addrs["submission"]+"/client.test", "--ssl-reqd", "-k", "-u", "alice:pw",
		"--mail-from", "alice@example.test", "--mail-rcpt", "alice@example.test", "-T", file)
	runPeer(t, "", curl, "-sS", "smtps://"+in.addrs["smtps"]+"/client.test", "-k", "-u", "alice:pw",
		"--mail-from", "alice@example.test", "--mail-rcpt", "alice@example.test", "-T", file)
	msgs := waitMessages(t, in, "alice", 3)
	for _, m := range msgs {
		require.True(t, strings.HasSuffix(m, "Subject: curl\r\n\r\nvia curl\r\n"))
	}
}

func TestInteropMsmtp(t *testing.T) {
	msmtp := peer(t, "msmtp")
	in := start(t, "-user", "alice:pw")
	h, p := hostPort(in.addrs["submission"])
	msg := "From: alice@example.test\nTo: alice@example.test\nSubject: msmtp\n\nvia msmtp\n.dot line\n"
	runPeer(t, msg, msmtp, "-C", "/dev/null", "--host="+h, "--port="+p, "--tls=on", "--tls-starttls=on",
		"--tls-certcheck=off", "--auth=on", "--user=alice", "--passwordeval=echo pw", "--from=alice@example.test",
		"alice@example.test")
	hs, ps := hostPort(in.addrs["smtps"])
	runPeer(t, msg, msmtp, "-C", "/dev/null", "--host="+hs, "--port="+ps, "--tls=on", "--tls-starttls=off",
		"--tls-certcheck=off", "--auth=plain", "--user=alice", "--passwordeval=echo pw", "--from=alice@example.test",
		"alice@example.test")
	for _, m := range waitMessages(t, in, "alice", 2) {
		require.True(t, strings.HasSuffix(m, "Subject: msmtp\r\n\r\nvia msmtp\r\n.dot line\r\n"), m)
	}
}
