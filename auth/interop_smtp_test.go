package auth

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// These tests put our server mechanisms behind a minimal SMTP responder and
// let real clients log in: msmtp (whose SASL is GNU SASL: PLAIN, LOGIN,
// CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS variants, plus its
// own OAUTHBEARER and XOAUTH2) and swaks (its own PLAIN, LOGIN, CRAM-MD5).
// They need the Debian packages msmtp and swaks.

// miniSMTP serves one connection: EHLO, STARTTLS, AUTH (through
// ServeExchange), MAIL, RCPT, DATA, QUIT.
type miniSMTP struct {
	store *MemoryStore
	cert  tls.Certificate
	mechs []string
	ids   chan Identity // one per successful AUTH
}

func (m *miniSMTP) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var cs *tls.ConnectionState
	br := bufio.NewReader(conn)
	send := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
	read := func() (string, error) {
		l, err := br.ReadString('\n')
		return strings.TrimRight(l, "\r\n"), err
	}
	send("220 localhost ESMTP test")
	for {
		line, err := read()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		opts := &ServerOptions{Credentials: m.store, ConnState: cs, Certificate: m.cert.Leaf,
			Mechanisms: m.mechs, ExternalIdentity: "alice", AllowInsecure: true}
		switch strings.ToUpper(verb) {
		case "EHLO":
			send("250-localhost")
			if cs == nil {
				send("250-STARTTLS")
			}
			send("250-AUTH " + strings.Join(ServerMechanisms(opts), " "))
			send("250 8BITMIME")
		case "STARTTLS":
			send("220 2.0.0 go ahead")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{m.cert}})
			if tc.Handshake() != nil {
				return
			}
			st := tc.ConnectionState()
			conn, cs, br = tc, &st, bufio.NewReader(tc)
		case "AUTH":
			m.auth(arg, opts, send, read)
		case "DATA":
			send("354 go on")
			for l, err := read(); err == nil && l != "."; l, err = read() {
			}
			send("250 2.0.0 queued")
		case "QUIT":
			send("221 2.0.0 bye")
			return
		default:
			send("250 2.0.0 ok")
		}
	}
}

func (m *miniSMTP) auth(arg string, opts *ServerOptions, send func(string), read func() (string, error)) {
	mech, initial, _ := strings.Cut(arg, " ")
	s, err := NewServer(mech, opts)
	if err != nil {
		send("504 5.5.4 " + err.Error())
		return
	}
	id, err := ServeExchange(context.Background(), s, initial, 0, func(enc string) (string, error) {
		send("334 " + enc)
		return read()
	})
	switch {
	case err == nil:
		m.ids <- id
		send("235 2.7.0 Authentication successful")
	case errors.Is(err, ErrAuthFailed):
		send("535 5.7.8 " + strings.ReplaceAll(err.Error(), "\n", " "))
	default:
		send("501 5.5.2 " + strings.ReplaceAll(err.Error(), "\n", " "))
	}
}

// startMiniSMTP listens on loopback and serves every connection.
func startMiniSMTP(t *testing.T, mechs []string) (*miniSMTP, string) {
	t.Helper()
	m := &miniSMTP{store: testStore(t), cert: ecdsaCert(t), mechs: mechs, ids: make(chan Identity, 16)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.serve(c)
		}
	}()
	return m, ln.Addr().String()
}

func lookPeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		interopSkip(t, "%s not installed", name)
	}
	return p
}

func TestInteropMsmtp(t *testing.T) {
	bin := lookPeer(t, "msmtp")
	m, addr := startMiniSMTP(t, Mechanisms())
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "msmtprc")
	require.NoError(t, os.WriteFile(conf, nil, 0o600))
	cases := []struct {
		auth, user, secret string
		tls                bool
		want               Identity
	}{
		{"plain", "alice", "wonderland", true, Identity{Mechanism: Plain, Authn: "alice"}},
		{"login", "alice", "wonderland", true, Identity{Mechanism: Login, Authn: "alice"}},
		{"cram-md5", "alice", "wonderland", false, Identity{Mechanism: CRAMMD5, Authn: "alice"}},
		{"scram-sha-1", "bob", "b0b-secret", false, Identity{Mechanism: SCRAMSHA1, Authn: "bob"}},
		{"scram-sha-256", "bob", "b0b-secret", false, Identity{Mechanism: SCRAMSHA256, Authn: "bob"}},
		{"oauthbearer", "alice", "tok-alice.123", true, Identity{Mechanism: OAuthBearer, Authn: "alice", Authz: "alice"}},
		{"xoauth2", "alice", "tok-alice.123", true, Identity{Mechanism: XOAuth2, Authn: "alice", Authz: "alice"}},
		{"scram-sha-256", "bob", "wrong", false, Identity{}},
		{"scram-sha-256", "bob", "b0b-secret", true, Identity{Mechanism: SCRAMSHA256, Authn: "bob"}},
		// msmtp's own choice: it prefers PLAIN once TLS is up.
		{"on", "bob", "b0b-secret", true, Identity{Mechanism: Plain, Authn: "bob"}},
	}
	for _, tc := range cases {
		t.Run(tc.auth, func(t *testing.T) {
			args := []string{"-C", conf, "--host=" + host, "--port=" + port, "--auth=" + tc.auth,
				"--user=" + tc.user, "--passwordeval=echo " + tc.secret, "--from=a@example.com",
				"--tls-certcheck=off"}
			if tc.tls {
				args = append(args, "--tls=on", "--tls-starttls=on")
			} else {
				args = append(args, "--tls=off")
			}
			cmd := exec.Command(bin, append(args, "--", "rcpt@example.com")...)
			cmd.Stdin = strings.NewReader("Subject: t\r\n\r\nhello\r\n")
			out, err := cmd.CombinedOutput()
			if tc.want.Mechanism == "" {
				require.Error(t, err, "%s", out)
				require.Contains(t, string(out), "535")
				return
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, tc.want, <-m.ids)
		})
	}
}

func TestInteropSwaks(t *testing.T) {
	bin := lookPeer(t, "swaks")
	m, addr := startMiniSMTP(t, Mechanisms())
	for _, tc := range []struct {
		mech string
		pass string
		ok   bool
	}{
		{"PLAIN", "wonderland", true}, {"LOGIN", "wonderland", true}, {"CRAM-MD5", "wonderland", true},
		{"PLAIN", "wrong", false}, {"CRAM-MD5", "wrong", false},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			out, err := exec.Command(bin, "--server", addr, "--tls", "--auth", tc.mech,
				"--auth-user", "alice", "--auth-password", tc.pass, "--quit-after", "AUTH",
				"--from", "a@example.com", "--to", "b@example.com").CombinedOutput()
			if !tc.ok {
				require.Error(t, err, "%s", out)
				require.Contains(t, string(out), "535")
				return
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, Identity{Mechanism: tc.mech, Authn: "alice"}, <-m.ids)
		})
	}
}

// TestInteropCurl logs in with curl's SASL client (Debian package curl),
// the only common client here that speaks EXTERNAL.
func TestInteropCurl(t *testing.T) {
	bin := lookPeer(t, "curl")
	for _, tc := range []struct {
		name  string
		args  []string
		want  Identity
		mechs []string // advertised; nil means all
	}{
		{"PLAIN", []string{"--login-options", "AUTH=PLAIN", "-u", "alice:wonderland"}, Identity{Mechanism: Plain, Authn: "alice"}, nil},
		{"LOGIN", []string{"--login-options", "AUTH=LOGIN", "-u", "alice:wonderland"}, Identity{Mechanism: Login, Authn: "alice"}, nil},
		{"CRAM-MD5", []string{"--login-options", "AUTH=CRAM-MD5", "-u", "alice:wonderland"}, Identity{Mechanism: CRAMMD5, Authn: "alice"}, nil},
		{"EXTERNAL", []string{"--login-options", "AUTH=EXTERNAL", "-u", "alice:"}, Identity{Mechanism: External, Authn: "alice", Authz: "alice"}, nil},
		{"OAUTHBEARER", []string{"--login-options", "AUTH=OAUTHBEARER", "-u", "alice:", "--oauth2-bearer", "tok-alice.123"},
			Identity{Mechanism: OAuthBearer, Authn: "alice", Authz: "alice"}, nil},
		// curl prefers OAUTHBEARER whenever it is offered.
		{"XOAUTH2", []string{"--login-options", "AUTH=XOAUTH2", "-u", "alice:", "--oauth2-bearer", "tok-alice.123"},
			Identity{Mechanism: XOAuth2, Authn: "alice", Authz: "alice"}, []string{XOAuth2}},
		{"OAUTHBEARER bad token", []string{"--login-options", "AUTH=OAUTHBEARER", "-u", "alice:", "--oauth2-bearer", "nope"}, Identity{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mechs := tc.mechs
			if mechs == nil {
				mechs = Mechanisms()
			}
			m, addr := startMiniSMTP(t, mechs)
			args := append([]string{"-sS", "--ssl-reqd", "-k", "smtp://" + addr, "--mail-from", "a@example.com",
				"--mail-rcpt", "b@example.com", "-T", "-"}, tc.args...)
			cmd := exec.Command(bin, args...)
			cmd.Stdin = strings.NewReader("Subject: t\r\n\r\nhello\r\n")
			out, err := cmd.CombinedOutput()
			if tc.want.Mechanism == "" {
				require.Error(t, err, "%s", out)
				return
			}
			require.NoError(t, err, "%s", out)
			require.Equal(t, tc.want, <-m.ids)
		})
	}
}
