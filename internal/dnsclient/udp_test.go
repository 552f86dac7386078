package dnsclient

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialers are both ways of opening a query socket: the one of this
// platform and the package net one it falls back to.
var dialers = []struct {
	name string
	dial func(*net.UDPAddr) (udpConn, error)
}{{"platform", dialUDPAddr}, {"net", dialUDPNet}}

// TestDialUDPPaths checks that both dialers behave the same: a fresh
// source port per socket, datagrams in and out (an empty one reads as 0
// bytes), ECONNREFUSED at once from a closed port, the read deadline, and
// a Close from another goroutine ending a blocked read.
func TestDialUDPPaths(t *testing.T) {
	for _, d := range dialers {
		t.Run(d.name, func(t *testing.T) {
			for _, network := range []string{"udp4", "udp6"} {
				pc, err := net.ListenPacket(network, map[string]string{"udp4": "127.0.0.1:0", "udp6": "[::1]:0"}[network])
				if err != nil {
					t.Logf("%s: %v", network, err)
					continue
				}
				defer pc.Close()
				testDialer(t, d.dial, pc)
			}
		})
	}
}

func testDialer(t *testing.T, dial func(*net.UDPAddr) (udpConn, error), pc net.PacketConn) {
	addr := pc.LocalAddr().(*net.UDPAddr)
	c, err := dial(addr)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = c.Write([]byte("query"))
	require.NoError(t, err)
	buf := make([]byte, 512)
	n, from, err := pc.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "query", string(buf[:n]))
	_, err = pc.WriteTo(nil, from)
	require.NoError(t, err)
	_, err = pc.WriteTo([]byte("answer"), from)
	require.NoError(t, err)
	n, err = c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	n, err = c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "answer", string(buf[:n]))

	// A second socket has its own source port.
	c2, err := dial(addr)
	require.NoError(t, err)
	_, err = c2.Write([]byte("q2"))
	require.NoError(t, err)
	_, from2, err := pc.ReadFrom(buf)
	require.NoError(t, err)
	require.NotEqual(t, from.String(), from2.String())
	require.NoError(t, c2.Close())

	// The deadline.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = c.Read(buf)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)

	// Close from another goroutine.
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = c.Close()
	}()
	start := time.Now()
	_, err = c.Read(buf)
	require.Error(t, err)
	require.Less(t, time.Since(start), 4*time.Second)

	// A closed port answers ICMP port unreachable: the read fails at once.
	closed, err := net.ListenPacket(addr.Network(), net.JoinHostPort(addr.IP.String(), "0"))
	require.NoError(t, err)
	dead := closed.LocalAddr().(*net.UDPAddr)
	require.NoError(t, closed.Close())
	c3, err := dial(dead)
	require.NoError(t, err)
	defer c3.Close()
	require.NoError(t, c3.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = c3.Write([]byte("q"))
	require.NoError(t, err)
	_, err = c3.Read(buf)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	var oe *net.OpError
	require.True(t, errors.As(err, &oe))
}

// TestDeadlineOverParent checks that an exchange on a deadline over a
// cancellable parent (as an spf check's context is) ends at the deadline
// and when the parent is cancelled, against a server that never answers.
func TestDeadlineOverParent(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	c, err := New(&Options{Server: pc.LocalAddr().String(), Timeout: 5 * time.Second, CacheSize: -1})
	require.NoError(t, err)

	parent, cancel := context.WithCancel(context.Background())
	ctx, stop := context.WithTimeout(parent, 100*time.Millisecond)
	defer stop()
	start := time.Now()
	_, err = c.LookupTXT(ctx, "late.test")
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.True(t, de.IsTimeout, "%v", err)
	require.Less(t, time.Since(start), 4*time.Second)

	ctx, stop = context.WithTimeout(parent, time.Minute)
	defer stop()
	time.AfterFunc(50*time.Millisecond, cancel)
	start = time.Now()
	_, err = c.LookupTXT(ctx, "cancelled.test")
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 4*time.Second)
}
