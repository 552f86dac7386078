package auth

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// wire records both directions of a line protocol as "C: " / "S: " lines.
type wire struct {
	mu    sync.Mutex
	lines []string
}

func (w *wire) add(who, line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, who+line)
}

// smtpServe is a minimal SMTP AUTH responder built on ServeExchange.
func smtpServe(conn net.Conn, w *wire, newServer func(string) (ServerMechanism, error)) (Identity, error) {
	br := bufio.NewReader(conn)
	send := func(s string) { w.add("S: ", s); fmt.Fprintf(conn, "%s\r\n", s) }
	read := func() (string, error) {
		l, err := br.ReadString('\n')
		return strings.TrimRight(l, "\r\n"), err
	}
	cmd, err := read()
	if err != nil {
		return Identity{}, err
	}
	f := strings.SplitN(cmd, " ", 3)
	m, err := newServer(f[1])
	if err != nil {
		send("504 5.5.4 Unrecognized authentication type")
		return Identity{}, err
	}
	initial := ""
	if len(f) == 3 {
		initial = f[2]
	}
	id, err := ServeExchange(context.Background(), m, initial, 0, func(enc string) (string, error) {
		send("334 " + enc)
		return read()
	})
	switch {
	case err == nil:
		send("235 2.7.0 Authentication successful")
	case errors.Is(err, ErrCanceled), errors.Is(err, ErrMalformed):
		send("501 5.5.2 Cannot decode response")
	case errors.Is(err, ErrAuthFailed):
		send("535 5.7.8 Authentication credentials invalid")
	default:
		send("454 4.7.0 Temporary authentication failure")
	}
	return id, err
}

// smtpStep is the client side callback for RunClientExchange.
func smtpStep(conn net.Conn, w *wire, mech string) func(string) (string, bool, error) {
	br := bufio.NewReader(conn)
	first := true
	return func(line string) (string, bool, error) {
		if first {
			first = false
			line = strings.TrimSpace("AUTH " + mech + " " + line)
		}
		w.add("C: ", line)
		fmt.Fprintf(conn, "%s\r\n", line)
		reply, err := br.ReadString('\n')
		if err != nil {
			return "", false, err
		}
		reply = strings.TrimRight(reply, "\r\n")
		switch {
		case strings.HasPrefix(reply, "334 "):
			return reply[4:], true, nil
		case strings.HasPrefix(reply, "235 "):
			return "", false, nil
		}
		return "", false, fmt.Errorf("%w: %s", ErrServerRejected, reply)
	}
}

// runResult is what smtpRun saw: the server's identity, both sides' errors
// and the wire transcript.
type runResult struct {
	id                Identity
	clientErr, srvErr error
	lines             []string
}

// smtpRun runs client c against servers from newServer over net.Pipe.
func smtpRun(t *testing.T, c ClientMechanism, sendIR bool, newServer func(string) (ServerMechanism, error)) runResult {
	t.Helper()
	cc, sc := net.Pipe()
	defer cc.Close()
	w := &wire{}
	type res struct {
		id  Identity
		err error
	}
	ch := make(chan res, 1)
	go func() {
		defer sc.Close()
		id, err := smtpServe(sc, w, newServer)
		ch <- res{id, err}
	}()
	cerr := RunClientExchange(c, sendIR, 0, smtpStep(cc, w, c.Name()))
	cc.Close()
	r := <-ch
	return runResult{r.id, cerr, r.err, w.lines}
}

func TestDriversRFC7677Transcript(t *testing.T) {
	v := scramVectors[1]
	salt, _ := base64.StdEncoding.DecodeString(v.salt)
	sec, err := DeriveSCRAMSecret(SCRAMSHA256, "pencil", salt, 4096)
	require.NoError(t, err)
	store := NewMemoryStore()
	store.SetSecret("user", sec)
	c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "user", Password: "pencil", nonce: func() string { return v.cnonce }})
	require.NoError(t, err)
	rr := smtpRun(t, c, true, func(m string) (ServerMechanism, error) {
		return NewServer(m, &ServerOptions{AllowInsecure: true, Credentials: store, nonce: func() string { return v.snonce }})
	})
	cerr, serr, id, lines := rr.clientErr, rr.srvErr, rr.id, rr.lines
	require.NoError(t, cerr)
	require.NoError(t, serr)
	require.Equal(t, "user", id.User())
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	require.Equal(t, []string{
		"C: AUTH SCRAM-SHA-256 " + b64(v.clientFirst),
		"S: 334 " + b64(v.serverFirst),
		"C: " + b64(v.clientFinal),
		"S: 334 " + b64(v.serverFinal),
		"C: ",
		"S: 235 2.7.0 Authentication successful",
	}, lines)
}

func TestDriversTranscripts(t *testing.T) {
	store := testStore(t)
	newServer := func(m string) (ServerMechanism, error) {
		return NewServer(m, &ServerOptions{Credentials: store, AllowInsecure: true, Mechanisms: Mechanisms(),
			ExternalIdentity: "alice"})
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name   string
		mech   string
		opts   ClientOptions
		sendIR bool
		want   []string
		cerr   error
		serr   error
	}{
		{"PLAIN with IR", Plain, ClientOptions{Username: "alice", Password: "wonderland"}, true, []string{
			"C: AUTH PLAIN " + b64("\x00alice\x00wonderland"),
			"S: 235 2.7.0 Authentication successful",
		}, nil, nil},
		{"PLAIN without SASL-IR", Plain, ClientOptions{Username: "alice", Password: "wonderland"}, false, []string{
			"C: AUTH PLAIN",
			"S: 334 ",
			"C: " + b64("\x00alice\x00wonderland"),
			"S: 235 2.7.0 Authentication successful",
		}, nil, nil},
		{"LOGIN", Login, ClientOptions{Username: "alice", Password: "wonderland"}, true, []string{
			"C: AUTH LOGIN",
			"S: 334 VXNlcm5hbWU6",
			"C: YWxpY2U=",
			"S: 334 UGFzc3dvcmQ6",
			"C: d29uZGVybGFuZA==",
			"S: 235 2.7.0 Authentication successful",
		}, nil, nil},
		{"EXTERNAL empty IR", External, ClientOptions{}, true, []string{
			"C: AUTH EXTERNAL =",
			"S: 235 2.7.0 Authentication successful",
		}, nil, nil},
		{"EXTERNAL as someone else", External, ClientOptions{Authz: "bob"}, true, []string{
			"C: AUTH EXTERNAL Ym9i",
			"S: 535 5.7.8 Authentication credentials invalid",
		}, ErrServerRejected, ErrAuthFailed},
		{"wrong password", Plain, ClientOptions{Username: "alice", Password: "nope"}, true, []string{
			"C: AUTH PLAIN " + b64("\x00alice\x00nope"),
			"S: 535 5.7.8 Authentication credentials invalid",
		}, ErrServerRejected, ErrAuthFailed},
		{"client cancels on a bad challenge", CRAMMD5, ClientOptions{Username: "alice", Password: "wonderland"}, true, nil,
			nil, ErrCanceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.AllowInsecure = true
			c, err := NewClient(tc.mech, &opts)
			require.NoError(t, err)
			srv := newServer
			if tc.want == nil {
				// A CRAM-MD5 server whose second challenge is not base64.
				srv = func(string) (ServerMechanism, error) { return &scriptedServer{chals: []string{"<1.2@x>"}}, nil }
				c = &twoStepClient{ClientMechanism: c}
			}
			rr := smtpRun(t, c, tc.sendIR, srv)
			cerr, serr, lines := rr.clientErr, rr.srvErr, rr.lines
			if tc.cerr == nil && tc.want != nil {
				require.NoError(t, cerr)
			} else if tc.cerr != nil {
				require.ErrorIs(t, cerr, tc.cerr)
			}
			if tc.serr == nil {
				require.NoError(t, serr)
			} else {
				require.ErrorIs(t, serr, tc.serr)
			}
			if tc.want != nil {
				require.Equal(t, tc.want, lines)
			} else {
				require.Equal(t, "C: *", lines[len(lines)-2])
				require.Equal(t, "S: 501 5.5.2 Cannot decode response", lines[len(lines)-1])
			}
		})
	}
}

// scriptedServer sends fixed challenges and never finishes.
type scriptedServer struct{ chals []string }

func (s *scriptedServer) Name() string       { return CRAMMD5 }
func (s *scriptedServer) Identity() Identity { return Identity{} }
func (s *scriptedServer) Next(_ context.Context, _ []byte) ([]byte, bool, error) {
	if len(s.chals) == 0 {
		return []byte("more"), false, nil
	}
	c := s.chals[0]
	s.chals = s.chals[1:]
	return []byte(c), false, nil
}

// twoStepClient fails on its second challenge, as a client does on an
// unexpected one.
type twoStepClient struct {
	ClientMechanism
	n int
}

func (c *twoStepClient) Next(ch []byte) ([]byte, error) {
	c.n++
	if c.n > 1 {
		return nil, malformed(CRAMMD5, "unexpected challenge")
	}
	return c.ClientMechanism.Next(ch)
}

func TestDriverMissingServerSignature(t *testing.T) {
	// A server that claims success right after client-final-message (it
	// never had the secret) must not be trusted.
	store := testStore(t)
	c, err := NewClient(SCRAMSHA256, &ClientOptions{Username: "bob", Password: "b0b-secret"})
	require.NoError(t, err)
	rr := smtpRun(t, c, true, func(m string) (ServerMechanism, error) {
		s, err := NewServer(m, &ServerOptions{AllowInsecure: true, Credentials: store})
		return &dropFinal{ServerMechanism: s}, err
	})
	cerr, lines := rr.clientErr, rr.lines
	require.ErrorIs(t, cerr, ErrServerSignature)
	require.Equal(t, "S: 235 2.7.0 Authentication successful", lines[len(lines)-1])
}

// dropFinal swallows the additional data with success.
type dropFinal struct{ ServerMechanism }

func (d *dropFinal) Next(ctx context.Context, r []byte) ([]byte, bool, error) {
	ch, done, err := d.ServerMechanism.Next(ctx, r)
	if done {
		ch = nil
	}
	return ch, done, err
}

func TestServeExchangeRejects(t *testing.T) {
	store := testStore(t)
	ctx := context.Background()
	newPlain := func() ServerMechanism {
		m, err := NewServer(Plain, &ServerOptions{Credentials: store, AllowInsecure: true})
		require.NoError(t, err)
		return m
	}
	reply := func(line string) func(string) (string, error) {
		return func(string) (string, error) { return line, nil }
	}
	_, err := ServeExchange(ctx, newPlain(), "!!!", 0, reply(""))
	require.ErrorIs(t, err, ErrMalformed)
	_, err = ServeExchange(ctx, newPlain(), "", 0, reply("*"))
	require.ErrorIs(t, err, ErrCanceled)
	_, err = ServeExchange(ctx, newPlain(), "", 8, reply(base64.StdEncoding.EncodeToString([]byte("\x00alice\x00wonderland"))))
	var le *LimitError
	require.ErrorAs(t, err, &le)
	ioErr := errors.New("connection reset")
	_, err = ServeExchange(ctx, newPlain(), "", 0, func(string) (string, error) { return "", ioErr })
	require.ErrorIs(t, err, ioErr)

	// After the SCRAM server-final challenge the client must answer empty.
	v := scramVectors[1]
	salt, _ := base64.StdEncoding.DecodeString(v.salt)
	sec, _ := DeriveSCRAMSecret(SCRAMSHA256, "pencil", salt, 4096)
	st := NewMemoryStore()
	st.SetSecret("user", sec)
	m, err := NewServer(SCRAMSHA256, &ServerOptions{AllowInsecure: true, Credentials: st, nonce: func() string { return v.snonce }})
	require.NoError(t, err)
	answers := []string{base64.StdEncoding.EncodeToString([]byte(v.clientFinal)), "Zm9v"}
	_, err = ServeExchange(ctx, m, base64.StdEncoding.EncodeToString([]byte(v.clientFirst)), 0, func(string) (string, error) {
		a := answers[0]
		answers = answers[1:]
		return a, nil
	})
	require.ErrorIs(t, err, ErrMalformed)
}
