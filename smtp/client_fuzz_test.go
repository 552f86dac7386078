package smtp

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func FuzzParseCapabilities(f *testing.F) {
	f.Add("PIPELINING\nSIZE 1000\nAUTH PLAIN LOGIN\nAUTH=CRAM-MD5\nLIMITS RCPTMAX=10 MAILMAX=x")
	f.Add("SIZE -1\n\n  \nx y z")
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseCapabilities(strings.Split(s, "\n"))
		require.GreaterOrEqual(t, c.Size, int64(0))
		for _, m := range c.Auth {
			require.Equal(t, strings.ToUpper(m), m)
		}
	})
}

// FuzzClientSession plays arbitrary server bytes against a full client
// session: it must end with an error or success, never a panic or a hang.
func FuzzClientSession(f *testing.F) {
	f.Add("220 x\r\n250-x\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n")
	f.Add("220 x\r\n250 x\r\n250 ok\r\n550 no\r\n")
	f.Add("220-x\r\n220 x\r\n502 no\r\n250 helo\r\n250 ok\r\n250 ok\r\n354 go\r\n")
	f.Add("220 x\r\n250-x\r\n250-CHUNKING\r\n250 STARTTLS\r\n220 go\r\n")
	f.Fuzz(func(t *testing.T, server string) {
		cc, sc := net.Pipe()
		go func() {
			defer sc.Close()
			go func() { // drain what the client writes
				buf := make([]byte, 4096)
				for {
					if _, err := sc.Read(buf); err != nil {
						return
					}
				}
			}()
			sc.Write([]byte(server))
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := NewClient(ctx, cc, "mx.test", &ClientOptions{TLS: TLSOff})
		if err != nil {
			return
		}
		defer c.Close()
		env, _ := NewEnvelope("a@x.test", "b@y.test")
		c.Send(ctx, env, strings.NewReader("Subject: x\r\n\r\nhi\r\n"), &SendOptions{Chunking: true})
	})
}
