package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the mailserver once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mailserver-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mailserver")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// lockedBuffer is a bytes.Buffer safe for the exec copier goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// instance is a running mailserver.
type instance struct {
	cmd   *exec.Cmd
	data  string
	addrs map[string]string // listener name → address
	out   *lockedBuffer
}

// start runs the mailserver with all listeners on free loopback ports.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	data := t.TempDir()
	args = append([]string{"-data", data, "-hostname", "mx.example.test", "-smtp", "127.0.0.1:0", "-submission", "127.0.0.1:0", "-smtps", "127.0.0.1:0"}, args...)
	cmd := exec.Command(binary(t), args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	inst := &instance{cmd: cmd, data: data, addrs: map[string]string{}, out: stderr}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mailserver stderr:\n%s", stderr.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for len(inst.addrs) < 3 && sc.Scan() {
		if name, addr, ok := strings.Cut(sc.Text(), " listening on "); ok {
			inst.addrs[name] = addr
		}
	}
	require.Len(t, inst.addrs, 3, "listeners did not come up: %s", stderr.String())
	go io.Copy(io.Discard, stdout)
	return inst
}

// messages returns the contents of the messages in user's Maildir new/.
func (in *instance) messages(t *testing.T, user string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(in.data, user, "new", "*"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	return out
}

// conn is a raw SMTP test client.
type conn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &conn{t: t, c: c, br: bufio.NewReader(c)}
}

// cmd sends a line (when not empty) and returns the final reply line.
func (c *conn) cmd(line string) string {
	c.t.Helper()
	if line != "" {
		_, err := io.WriteString(c.c, line+"\r\n")
		require.NoError(c.t, err)
	}
	for {
		l, err := c.br.ReadString('\n')
		require.NoError(c.t, err)
		if len(l) < 4 || l[3] != '-' {
			return strings.TrimRight(l, "\r\n")
		}
	}
}

func (c *conn) startTLS() {
	require.True(c.t, strings.HasPrefix(c.cmd("STARTTLS"), "220 "))
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	require.NoError(c.t, tc.Handshake())
	c.c, c.br = tc, bufio.NewReader(tc)
}

func TestLocalDeliveryAndRelayPolicy(t *testing.T) {
	in := start(t, "-user", "alice:pw", "-user", "bob:pw2", "-domains", "example.test,other.test")
	c := dial(t, in.addrs["smtp"])
	require.True(t, strings.HasPrefix(c.cmd(""), "220 mx.example.test "))
	require.Equal(t, "250 HELP", c.cmd("EHLO client.test"))
	require.Contains(t, c.cmd("MAIL FROM:<sender@remote.test>"), "250 ")
	for rcpt, want := range map[string]string{
		"<nobody@example.test>":                        "550 5.1.1",
		"<alice@elsewhere.test>":                       "550 5.7.1",
		"<alice%elsewhere.test@example.test>":          "550 5.7.1",
		"<elsewhere.test!alice@example.test>":          "550 5.7.1",
		`<"alice@elsewhere.test"@example.test>`:        "550 5.7.1",
		"<@example.test,@x.test:alice@elsewhere.test>": "550 5.7.1",
		"<@x.test:alice@example.test>":                 "550 5.7.1",
		"<Alice@Example.TEST>":                         "250 2.1.5",
		"<bob@other.test>":                             "250 2.1.5",
		"<postmaster@example.test>":                    "250 2.1.5",
	} {
		require.True(t, strings.HasPrefix(c.cmd("RCPT TO:"+rcpt), want), rcpt)
	}
	require.Contains(t, c.cmd("DATA"), "354 ")
	require.Contains(t, c.cmd("Subject: hello\r\n\r\nbody\r\n."), "250 2.0.0")
	require.Contains(t, c.cmd("QUIT"), "221 ")

	alice := in.messages(t, "alice")
	require.Len(t, alice, 2) // Alice@ and postmaster (alice is the first user)
	require.True(t, strings.HasPrefix(alice[0], "Return-Path: <sender@remote.test>\r\nDelivered-To: "), alice[0])
	require.Contains(t, alice[0], "Received: from client.test ([127.0.0.1])\r\n\tby mx.example.test with ESMTP id ")
	require.True(t, strings.HasSuffix(alice[0], "Subject: hello\r\n\r\nbody\r\n"))
	require.Len(t, in.messages(t, "bob"), 1)
}

func TestSubmissionRequiresTLSAndAuth(t *testing.T) {
	remote := start(t, "-user", "bob:pw", "-domains", "other.test")
	in := start(t, "-user", "alice:pw", "-relay", remote.addrs["smtp"], "-relay-insecure")
	c := dial(t, in.addrs["submission"])
	c.cmd("")
	caps := c.cmd("EHLO client.test")
	require.True(t, strings.HasPrefix(caps, "250 "))
	require.Contains(t, c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))), "538 5.7.11")
	require.Contains(t, c.cmd("MAIL FROM:<alice@example.test>"), "530 5.7.0")
	c.startTLS()
	c.cmd("EHLO client.test")
	require.Contains(t, c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00bad"))), "535 5.7.8")
	require.Contains(t, c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))), "235 2.7.0")
	require.Contains(t, c.cmd("MAIL FROM:<alice@example.test>"), "250 ")
	// Authenticated: non-local mail goes to the outbound queue, which
	// relays it through the -relay smarthost (here, a second instance).
	require.Contains(t, c.cmd("RCPT TO:<bob@other.test>"), "250 ")
	require.Contains(t, c.cmd("RCPT TO:<@x.test:bob@other.test>"), "550 5.7.1") // no source routes
	require.Contains(t, c.cmd("RCPT TO:<alice@example.test>"), "250 ")
	require.Contains(t, c.cmd("DATA"), "354 ")
	require.Contains(t, c.cmd("Subject: self\r\n\r\nhi\r\n."), "250 ")
	msgs := in.messages(t, "alice")
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0], "with ESMTPSA id")
	require.Eventually(t, func() bool { return len(remote.messages(t, "bob")) == 1 }, 20*time.Second, 50*time.Millisecond)
	relayed := remote.messages(t, "bob")[0]
	require.Contains(t, relayed, "Return-Path: <alice@example.test>\r\n")
	require.Contains(t, relayed, "by mx.example.test with ESMTPSA id") // our own hop, then the relay hop
	require.True(t, strings.HasSuffix(relayed, "Subject: self\r\n\r\nhi\r\n"))
}

func TestDemoUserAndSignals(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(binary(t), "-data", data, "-smtp", "127.0.0.1:0", "-submission", "", "-smtps", "")
	out := &lockedBuffer{}
	cmd.Stdout = out
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "smtp listening on ") }, 20*time.Second, 20*time.Millisecond)
	s := out.String()
	require.Contains(t, s, "demo user: demo:demo")
	require.Regexp(t, `self-signed certificate SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}`, s)
	require.NotContains(t, s, "submission listening")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait()) // exit status 0
	require.DirExists(t, filepath.Join(data, "demo", "new"))
}

func TestHelp(t *testing.T) {
	out, err := exec.Command(binary(t), "-h").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(out), "-submission")
}

func TestInsecureAuthFlag(t *testing.T) {
	in := start(t, "-user", "alice:pw", "-insecure-auth", "-trace")
	c := dial(t, in.addrs["submission"])
	c.cmd("")
	c.cmd("EHLO client.test")
	require.Contains(t, c.cmd("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))), "235 2.7.0")
	require.Contains(t, c.cmd("MAIL FROM:<alice@example.test>"), "250 ")
	// stderr reaches the test through a pipe and a copying goroutine.
	require.Eventually(t, func() bool { return strings.Contains(in.out.String(), "C: MAIL FROM:<alice@example.test>") },
		10*time.Second, 10*time.Millisecond)
	trace := in.out.String()
	require.Contains(t, trace, "C: AUTH PLAIN <redacted>")
	require.Contains(t, trace, "S: 235 2.7.0 Authentication successful")
	require.NotContains(t, trace, base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw")))
}
