package smtp

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// serveConn runs one session on nc synchronously.
func serveConn(s *Server, nc net.Conn) {
	c := newConn(s, nc)
	c.serve()
}

var fuzzStates = []string{
	"",
	"EHLO x\r\n",
	"EHLO x\r\nMAIL FROM:<a@b.test>\r\n",
	"EHLO x\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n",
	"EHLO x\r\nMAIL FROM:<a@b.test> BODY=BINARYMIME\r\nRCPT TO:<c@d.test>\r\nBDAT 10\r\n",
	"EHLO x\r\nAUTH LOGIN\r\n",
}

// FuzzSession feeds random bytes to a whole server session in each
// connection state: it must never panic or hang.
func FuzzSession(f *testing.F) {
	for i := range fuzzStates {
		f.Add(uint8(i), []byte("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"))
		f.Add(uint8(i), []byte("BDAT 3 LAST\r\nabcRSET\r\n\n.\n\r.\r\nSTARTTLS\r\n"))
	}
	f.Add(uint8(0), []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nXCLIENT ADDR=1.2.3.4\r\nAUTH PLAIN AGEAYg==\r\n"))
	creds := testCredentials(f)
	f.Fuzz(func(t *testing.T, state uint8, in []byte) {
		b := &memBackend{}
		srv := &Server{Backend: b, Hostname: "mx.test", MaxMessageBytes: 1000, CommandTimeout: 2 * time.Second,
			DataBlockTimeout: 2 * time.Second, Credentials: creds, AllowInsecureAuth: true, AuthFailureDelay: -1,
			MaxLineLength: 512}
		if state&0x80 != 0 {
			srv.Mode = ModeLMTP
		}
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			serveConn(srv, server)
		}()
		go io.Copy(io.Discard, client)
		prefix := fuzzStates[int(state&0x7f)%len(fuzzStates)]
		client.SetWriteDeadline(time.Now().Add(5 * time.Second))
		client.Write([]byte(prefix))
		client.Write(in)
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session did not end")
		}
		require.LessOrEqual(t, len(b.messages()), len(in)+1)
	})
}
