package auth

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PostgreSQL is a widely deployed SCRAM-SHA-256(-PLUS) server that stores
// exactly the "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey" secrets this
// package produces, and that implements tls-server-end-point and the "y"
// downgrade check. These tests run our client against it and exchange
// secrets in both directions. They need the Debian package postgresql.

// interopSkip skips (or fails, with YUBIN_INTEROP=require) when a peer is missing.
func interopSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("YUBIN_INTEROP") == "require" {
		t.Fatalf("interop peer missing: "+format, args...)
	}
	t.Skipf("interop peer missing: "+format, args...)
}

type pgServer struct {
	bin, dir, addr string
	cert           *x509.Certificate
	cred           *syscall.Credential
}

// startPostgres creates and starts a throw-away cluster on loopback with
// TLS and scram-sha-256 authentication for TCP connections.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	pgBin, err := exec.LookPath("postgres")
	if err != nil {
		interopSkip(t, "postgres not in PATH")
	}
	if pgBin, err = filepath.EvalSymlinks(pgBin); err != nil {
		interopSkip(t, "postgres: %v", err)
	}
	pg := &pgServer{bin: filepath.Dir(pgBin), dir: t.TempDir()}
	if os.Getuid() == 0 { // postgres refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			interopSkip(t, "running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		require.NoError(t, os.Chmod(filepath.Dir(pg.dir), 0o755))
		require.NoError(t, os.Chown(pg.dir, uid, gid))
	}
	data := filepath.Join(pg.dir, "data")
	pg.run(t, "initdb", "-D", data, "-U", "yubin", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
	pg.writeCert(t, data)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	pg.addr = "127.0.0.1:" + port
	cmd := exec.Command(filepath.Join(pg.bin, "postgres"), "-D", data, "-k", pg.dir, "-h", "127.0.0.1", "-p", port,
		"-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key",
		"-c", "password_encryption=scram-sha-256", "-c", "fsync=off")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	logf, err := os.Create(filepath.Join(pg.dir, "postgres.log"))
	require.NoError(t, err)
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	out := func() string { b, _ := os.ReadFile(logf.Name()); return string(b) }
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	deadline := time.Now().Add(60 * time.Second) // a loaded CI machine can be slow
	for {
		// Ready means accepting queries, not just connections: while it
		// recovers, postgres answers "the database system is starting up".
		if _, err := pg.psql("SELECT 1"); err == nil {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("postgres exited: %v: %s", err, out())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres did not start: %s", out())
		}
	}
	return pg
}

func (pg *pgServer) run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(pg.bin, prog), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	cmd.Dir = pg.dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", prog, out)
	return string(out)
}

// sql runs one statement as the superuser over the Unix socket.
func (pg *pgServer) sql(t *testing.T, stmt string) string {
	t.Helper()
	out, err := pg.psql(stmt)
	require.NoError(t, err, "%s", out)
	return out
}

func (pg *pgServer) psql(stmt string) (string, error) {
	port := pg.addr[strings.LastIndexByte(pg.addr, ':')+1:]
	cmd := exec.Command(filepath.Join(pg.bin, "psql"), "-h", pg.dir, "-p", port, "-U", "yubin", "-d", "postgres", "-XAtq", "-c", stmt)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (pg *pgServer) writeCert(t *testing.T, data string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cert := selfSigned(t, key, x509.ECDSAWithSHA256)
	pg.cert = cert.Leaf
	der, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	files := map[string][]byte{
		"server.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		"server.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}),
	}
	for name, b := range files {
		p := filepath.Join(data, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		if pg.cred != nil {
			require.NoError(t, os.Chown(p, int(pg.cred.Uid), int(pg.cred.Gid)))
		}
	}
}

// pgAuth connects as user and runs the SASL exchange of the PostgreSQL
// protocol (version 3.0, "SASL Authentication") with our client.
func pgAuth(t *testing.T, pg *pgServer, useTLS bool, user string, mk func(offered []string, cs *tls.ConnectionState) (ClientMechanism, error)) error {
	t.Helper()
	conn, err := net.DialTimeout("tcp", pg.addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var cs *tls.ConnectionState
	if useTLS {
		conn.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}) // SSLRequest
		b := make([]byte, 1)
		_, err := io.ReadFull(conn, b)
		require.NoError(t, err)
		require.Equal(t, "S", string(b))
		pool := x509.NewCertPool()
		pool.AddCert(pg.cert)
		tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		require.NoError(t, tc.Handshake())
		st := tc.ConnectionState()
		cs, conn = &st, tc
	}
	startup := []byte{0, 3, 0, 0}
	startup = append(startup, "user\x00"+user+"\x00database\x00postgres\x00\x00"...)
	conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(startup)+4)), startup...))
	br := bufio.NewReader(conn)
	code, body, err := pgReadAuth(br)
	if err != nil {
		return err
	}
	require.Equal(t, uint32(10), code, "AuthenticationSASL")
	offered := strings.Split(strings.TrimRight(string(body), "\x00"), "\x00")
	c, err := mk(offered, cs)
	if err != nil {
		return err
	}
	ir, err := c.Start()
	if err != nil {
		return err
	}
	msg := append([]byte(c.Name()+"\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(ir)))...)
	pgWrite(conn, 'p', append(msg, ir...))
	for {
		code, body, err := pgReadAuth(br)
		if err != nil {
			return err
		}
		switch code {
		case 0: // AuthenticationOk
			return c.Finish()
		case 11, 12: // SASLContinue, SASLFinal
			resp, err := c.Next(body)
			if err != nil {
				return err
			}
			if code == 11 {
				pgWrite(conn, 'p', resp)
			}
		default:
			return fmt.Errorf("unexpected auth code %d", code)
		}
	}
}

func pgWrite(w io.Writer, typ byte, body []byte) {
	w.Write(append(append([]byte{typ}, binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))...), body...))
}

var errPG = errors.New("postgres error")

// pgReadAuth reads one Authentication message, or turns an ErrorResponse
// into an error.
func pgReadAuth(br *bufio.Reader) (uint32, []byte, error) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n < 4 || n > 1<<16 {
		return 0, nil, fmt.Errorf("bad length %d", n)
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(br, body); err != nil {
		return 0, nil, err
	}
	switch hdr[0] {
	case 'R':
		if len(body) < 4 {
			return 0, nil, errors.New("short auth message")
		}
		return binary.BigEndian.Uint32(body), body[4:], nil
	case 'E':
		return 0, nil, fmt.Errorf("%w: %q", errPG, body)
	}
	return 0, nil, fmt.Errorf("unexpected message %q", hdr[0])
}

func TestInteropPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	pg := startPostgres(t)

	// Our secret, stored verbatim by PostgreSQL.
	sec, err := DeriveSCRAMSecret(SCRAMSHA256, "alice pw", nil, 4096)
	require.NoError(t, err)
	pg.sql(t, "CREATE ROLE alice LOGIN PASSWORD '"+sec.String()+"'")
	require.Equal(t, sec.String(), pg.sql(t, "SELECT rolpassword FROM pg_authid WHERE rolname='alice'"))
	// PostgreSQL's secret, read and checked by us.
	pg.sql(t, "CREATE ROLE bob LOGIN PASSWORD 'b0b pw'")
	bobSecret, err := ParseSCRAMSecret(pg.sql(t, "SELECT rolpassword FROM pg_authid WHERE rolname='bob'"))
	require.NoError(t, err)
	require.True(t, bobSecret.CheckPassword("b0b pw"))
	require.False(t, bobSecret.CheckPassword("b0b pW"))

	choose := func(user, pw string, extra ClientOptions) func([]string, *tls.ConnectionState) (ClientMechanism, error) {
		return func(offered []string, cs *tls.ConnectionState) (ClientMechanism, error) {
			o := extra
			o.Username, o.Password, o.ConnState = user, pw, cs
			if o.ServerMechanisms == nil {
				o.ServerMechanisms = offered
			}
			mech, err := ChooseMechanism(offered, &o)
			if err != nil {
				return nil, err
			}
			if extra.Mechanisms != nil {
				mech = extra.Mechanisms[0]
			}
			return NewClient(mech, &o)
		}
	}
	// PostgreSQL implements tls-server-end-point only.
	ep := ClientOptions{ChannelBinding: CBTLSServerEndPoint}
	require.NoError(t, pgAuth(t, pg, false, "alice", choose("alice", "alice pw", ClientOptions{})))
	require.NoError(t, pgAuth(t, pg, false, "bob", choose("bob", "b0b pw", ClientOptions{})))
	require.NoError(t, pgAuth(t, pg, true, "alice", choose("alice", "alice pw", ep)))
	require.ErrorIs(t, pgAuth(t, pg, false, "alice", choose("alice", "wrong", ClientOptions{})), errPG)
	require.ErrorIs(t, pgAuth(t, pg, true, "bob", choose("bob", "wrong", ep)), errPG)

	// With TLS, PostgreSQL offers -PLUS; our default choice takes it.
	var chosen string
	err = pgAuth(t, pg, true, "bob", func(offered []string, cs *tls.ConnectionState) (ClientMechanism, error) {
		c, err := choose("bob", "b0b pw", ep)(offered, cs)
		if c != nil {
			chosen = c.Name()
		}
		return c, err
	})
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA256Plus, chosen)

	// Downgrade: the client can bind but claims the server did not offer
	// -PLUS ("y"); PostgreSQL, which does support it, must refuse.
	strip := ep
	strip.ServerMechanisms, strip.Mechanisms = []string{SCRAMSHA256}, []string{SCRAMSHA256}
	err = pgAuth(t, pg, true, "alice", choose("alice", "alice pw", strip))
	require.ErrorIs(t, err, errPG)
	require.Contains(t, err.Error(), "channel binding")
	// Choosing not to bind when -PLUS is offered ("n") is allowed.
	plain := ep
	plain.Mechanisms = []string{SCRAMSHA256}
	require.NoError(t, pgAuth(t, pg, true, "alice", choose("alice", "alice pw", plain)))
}
