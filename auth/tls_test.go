package auth

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// selfSigned makes a self-signed certificate for "localhost".
func selfSigned(t *testing.T, key crypto.Signer, alg x509.SignatureAlgorithm) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(1),
		Subject:            pkix.Name{CommonName: "localhost"},
		DNSNames:           []string{"localhost"},
		NotBefore:          time.Now().Add(-time.Hour),
		NotAfter:           time.Now().Add(time.Hour),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		SignatureAlgorithm: alg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func ecdsaCert(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return selfSigned(t, key, x509.ECDSAWithSHA256)
}

// tlsConn is one end of a loopback TLS connection.
type tlsConn struct {
	conn  *tls.Conn
	state tls.ConnectionState
}

// tlsPair dials a loopback TLS connection at exactly the given version.
func tlsPair(t *testing.T, version uint16, cert tls.Certificate) (client, server tlsConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	srvCh := make(chan tlsConn, 1)
	errCh := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errCh <- err
			return
		}
		sc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version})
		if err := sc.Handshake(); err != nil {
			errCh <- err
			return
		}
		srvCh <- tlsConn{sc, sc.ConnectionState()}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	cc, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost",
		MinVersion: version, MaxVersion: version})
	require.NoError(t, err)
	select {
	case server = <-srvCh:
	case err := <-errCh:
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close(); server.conn.Close() })
	return tlsConn{cc, cc.ConnectionState()}, server
}

// authOverConn runs an SMTP-like AUTH dialogue over the TLS connection:
//
//	C: AUTH <mech> <ir or =>
//	S: 334 <challenge> | 235 ok | 535 <error>
//	C: <response> | *
func authOverConn(t *testing.T, cc, sc *tls.Conn, c ClientMechanism, newServer func(mech string) (ServerMechanism, error)) (Identity, error) {
	t.Helper()
	type result struct {
		id  Identity
		err error
	}
	res := make(chan result, 1)
	go func() {
		id, err := serveAuth(sc, newServer)
		res <- result{id, err}
	}()
	cerr := clientAuth(cc, c)
	r := <-res
	if r.err != nil {
		return Identity{}, r.err
	}
	return r.id, cerr
}

func serveAuth(conn *tls.Conn, newServer func(string) (ServerMechanism, error)) (Identity, error) {
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		return Identity{}, err
	}
	f := strings.Fields(strings.TrimSpace(line))
	if len(f) < 2 || f[0] != "AUTH" {
		return Identity{}, malformed("test", "bad command")
	}
	s, err := newServer(f[1])
	if err != nil {
		conn.Write([]byte("504 " + err.Error() + "\r\n"))
		return Identity{}, err
	}
	var resp []byte
	if len(f) == 3 {
		if resp, err = DecodeInitialResponse(f[2], 0); err != nil {
			conn.Write([]byte("501 bad\r\n"))
			return Identity{}, err
		}
	}
	for {
		chal, done, err := s.Next(context.Background(), resp)
		if err != nil {
			conn.Write([]byte("535 " + strings.ReplaceAll(err.Error(), "\n", " ") + "\r\n"))
			return Identity{}, err
		}
		if done && len(chal) == 0 {
			conn.Write([]byte("235 ok\r\n"))
			return s.Identity(), nil
		}
		conn.Write([]byte("334 " + EncodeChallenge(chal) + "\r\n"))
		line, err := br.ReadString('\n')
		if err != nil {
			return Identity{}, err
		}
		if resp, err = DecodeResponse(strings.TrimRight(line, "\r\n"), 0); err != nil {
			return Identity{}, err
		}
		if done {
			conn.Write([]byte("235 ok\r\n"))
			return s.Identity(), nil
		}
	}
}

func clientAuth(conn *tls.Conn, c ClientMechanism) error {
	br := bufio.NewReader(conn)
	ir, err := c.Start()
	if err != nil {
		conn.Close()
		return err
	}
	cmd := "AUTH " + c.Name()
	if ir != nil {
		cmd += " " + EncodeInitialResponse(ir)
	}
	conn.Write([]byte(cmd + "\r\n"))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "235"):
			return c.Finish()
		case strings.HasPrefix(line, "334 "):
			chal, err := DecodeChallenge(line[4:], 0)
			if err == nil {
				var resp []byte
				if resp, err = c.Next(chal); err == nil {
					conn.Write([]byte(EncodeResponse(resp) + "\r\n"))
					continue
				}
			}
			conn.Write([]byte(CancelLine + "\r\n"))
			return err
		default:
			return &ServerError{Mechanism: c.Name(), Message: line}
		}
	}
}

func TestChannelBindingOverTLS(t *testing.T) {
	cert := ecdsaCert(t)
	cases := []struct {
		name    string
		version uint16
		mech    string
		cbType  string // forced client type, "" = default
		want    string // binding the server reports
	}{
		{"TLS13/default", tls.VersionTLS13, SCRAMSHA256Plus, "", CBTLSExporter},
		{"TLS13/sha1", tls.VersionTLS13, SCRAMSHA1Plus, "", CBTLSExporter},
		{"TLS13/server-end-point", tls.VersionTLS13, SCRAMSHA256Plus, CBTLSServerEndPoint, CBTLSServerEndPoint},
		{"TLS12/default", tls.VersionTLS12, SCRAMSHA256Plus, "", CBTLSServerEndPoint},
		{"TLS12/tls-unique", tls.VersionTLS12, SCRAMSHA256Plus, CBTLSUnique, CBTLSUnique},
		{"TLS12/tls-exporter-EMS", tls.VersionTLS12, SCRAMSHA1Plus, CBTLSExporter, CBTLSExporter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, sv := tlsPair(t, tc.version, cert)
			store := testStore(t)
			c, err := NewClient(tc.mech, &ClientOptions{Username: "bob", Password: "b0b-secret",
				ConnState: &cl.state, ChannelBinding: tc.cbType})
			require.NoError(t, err)
			id, err := authOverConn(t, cl.conn, sv.conn, c, func(m string) (ServerMechanism, error) {
				return NewServer(m, &ServerOptions{Credentials: store, ConnState: &sv.state, Certificate: cert.Leaf})
			})
			require.NoError(t, err)
			require.Equal(t, Identity{Mechanism: tc.mech, Authn: "bob", ChannelBinding: tc.want}, id)
		})
	}
}

func TestChannelBindingMismatch(t *testing.T) {
	// The client binds to one TLS connection, the server sees another: what
	// a man-in-the-middle terminating TLS on both sides looks like.
	cert := ecdsaCert(t)
	for _, tc := range []struct {
		version uint16
		cbType  string
	}{{tls.VersionTLS13, CBTLSExporter}, {tls.VersionTLS12, CBTLSUnique}, {tls.VersionTLS12, CBTLSExporter}} {
		t.Run(tc.cbType, func(t *testing.T) {
			cl, _ := tlsPair(t, tc.version, cert)
			cl2, sv2 := tlsPair(t, tc.version, cert)
			c, err := NewClient(SCRAMSHA256Plus, &ClientOptions{Username: "bob", Password: "b0b-secret",
				ConnState: &cl.state, ChannelBinding: tc.cbType})
			require.NoError(t, err)
			_, err = authOverConn(t, cl2.conn, sv2.conn, c, func(m string) (ServerMechanism, error) {
				return NewServer(m, &ServerOptions{Credentials: testStore(t), ConnState: &sv2.state, Certificate: cert.Leaf})
			})
			require.ErrorIs(t, err, ErrChannelBinding)
			require.ErrorIs(t, err, ErrAuthFailed)
		})
	}
	t.Run("other-certificate", func(t *testing.T) {
		cl, sv := tlsPair(t, tls.VersionTLS12, cert)
		c, err := NewClient(SCRAMSHA256Plus, &ClientOptions{Username: "bob", Password: "b0b-secret", ConnState: &cl.state})
		require.NoError(t, err)
		other := ecdsaCert(t)
		_, err = authOverConn(t, cl.conn, sv.conn, c, func(m string) (ServerMechanism, error) {
			return NewServer(m, &ServerOptions{Credentials: testStore(t), ConnState: &sv.state, Certificate: other.Leaf})
		})
		require.ErrorIs(t, err, ErrChannelBinding)
	})
}

func TestChannelBindingDowngrade(t *testing.T) {
	cert := ecdsaCert(t)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cl, sv := tlsPair(t, version, cert)
		srv := func(disable bool) func(string) (ServerMechanism, error) {
			return func(m string) (ServerMechanism, error) {
				return NewServer(m, &ServerOptions{Credentials: testStore(t), ConnState: &sv.state,
					Certificate: cert.Leaf, DisableChannelBinding: disable})
			}
		}
		sopts := &ServerOptions{ConnState: &sv.state, Certificate: cert.Leaf}
		require.Contains(t, ServerMechanisms(sopts), SCRAMSHA256Plus)
		// A MITM stripped -PLUS from the list; the client can bind, so it
		// says "y", and the server, which does support binding, must fail.
		c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "bob", Password: "b0b-secret",
			ConnState: &cl.state, ServerMechanisms: []string{SCRAMSHA256}})
		require.NoError(t, err)
		ir, err := c.Start()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(ir), "y,,"), string(ir))
		s, err := srv(false)(SCRAMSHA256)
		require.NoError(t, err)
		_, _, err = s.Next(context.Background(), ir)
		require.ErrorIs(t, err, ErrChannelBinding)
		require.ErrorIs(t, err, ErrAuthFailed)

		// A server that really cannot bind (behind a TLS proxy) accepts "y".
		cl2, sv2 := tlsPair(t, version, cert)
		sv = sv2
		c, err = NewClient(SCRAMSHA256, &ClientOptions{Username: "bob", Password: "b0b-secret", ConnState: &cl2.state})
		require.NoError(t, err)
		id, err := authOverConn(t, cl2.conn, sv2.conn, c, srv(true))
		require.NoError(t, err)
		require.Equal(t, "bob", id.Authn)

		// The client knew -PLUS was offered and chose not to bind: "n".
		c, err = NewClient(SCRAMSHA256, &ClientOptions{Username: "bob", Password: "b0b-secret",
			ConnState: &cl.state, ServerMechanisms: []string{SCRAMSHA256Plus, SCRAMSHA256}})
		require.NoError(t, err)
		ir, err = c.Start()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(ir), "n,,"), string(ir))
	}
}

func TestChooseMechanismWithTLS(t *testing.T) {
	cl, sv := tlsPair(t, tls.VersionTLS13, ecdsaCert(t))
	offered := ServerMechanisms(&ServerOptions{ConnState: &sv.state})
	require.Equal(t, []string{SCRAMSHA256Plus, SCRAMSHA1Plus, SCRAMSHA256, SCRAMSHA1, Plain, Login}, offered)
	m, err := ChooseMechanism(offered, &ClientOptions{Password: "x", ConnState: &cl.state})
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA256Plus, m)
	m, err = ChooseMechanism(offered, &ClientOptions{Password: "x", ConnState: &cl.state, DisableChannelBinding: true})
	require.NoError(t, err)
	require.Equal(t, SCRAMSHA256, m)
	m, err = ChooseMechanism([]string{"login", "plain"}, &ClientOptions{Password: "x", ConnState: &cl.state})
	require.NoError(t, err)
	require.Equal(t, Plain, m)
}

func TestUnavailableBindings(t *testing.T) {
	cert := ecdsaCert(t)
	cl13, sv13 := tlsPair(t, tls.VersionTLS13, cert)
	_, err := NewClient(SCRAMSHA256Plus, &ClientOptions{ConnState: &cl13.state, ChannelBinding: CBTLSUnique})
	require.ErrorIs(t, err, ErrChannelBinding, "tls-unique is undefined on TLS 1.3")
	_, err = NewClient(SCRAMSHA256Plus, &ClientOptions{ChannelBinding: CBTLSExporter})
	require.ErrorIs(t, err, ErrChannelBinding, "no TLS")
	_, err = ChannelBindingData(&cl13.state, "tls-bogus", nil)
	require.ErrorIs(t, err, ErrChannelBinding)

	// TLS 1.2 server without its certificate cannot check tls-server-end-point.
	cl, sv := tlsPair(t, tls.VersionTLS12, cert)
	c, err := NewClient(SCRAMSHA256Plus, &ClientOptions{Username: "bob", Password: "b0b-secret", ConnState: &cl.state})
	require.NoError(t, err)
	_, err = authOverConn(t, cl.conn, sv.conn, c, func(m string) (ServerMechanism, error) {
		return NewServer(m, &ServerOptions{Credentials: testStore(t), ConnState: &sv.state})
	})
	require.ErrorIs(t, err, ErrChannelBinding)

	// A server with DisableChannelBinding refuses -PLUS outright.
	_, err = NewServer(SCRAMSHA256Plus, &ServerOptions{ConnState: &sv13.state, DisableChannelBinding: true})
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
	_, err = NewServer(SCRAMSHA256Plus, nil)
	require.ErrorIs(t, err, ErrTLSRequired)
	_, err = NewServer(SCRAMSHA256Plus, &ServerOptions{AllowInsecure: true})
	require.ErrorIs(t, err, ErrUnsupportedMechanism)
}

func TestServerEndPointHash(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, tc := range []struct {
		key  crypto.Signer
		alg  x509.SignatureAlgorithm
		size int
	}{
		{p256, x509.ECDSAWithSHA1, 32}, // SHA-1 is upgraded to SHA-256 (RFC 5929 section 4.1)
		{p256, x509.ECDSAWithSHA256, 32},
		{p384, x509.ECDSAWithSHA384, 48},
		{p384, x509.ECDSAWithSHA512, 64},
		{ed, x509.PureEd25519, 0},
	} {
		cert := selfSigned(t, tc.key, tc.alg)
		b, err := ChannelBindingData(&tls.ConnectionState{}, CBTLSServerEndPoint, cert.Leaf)
		if tc.size == 0 {
			require.ErrorIs(t, err, ErrChannelBinding)
			continue
		}
		require.NoError(t, err)
		require.Len(t, b, tc.size, tc.alg.String())
	}
}
