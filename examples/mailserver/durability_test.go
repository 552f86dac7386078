package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// durableBody is the content of message id: large enough that a kill often
// lands in the middle of a transfer, and self-checking through its last line.
func durableBody(id string) string {
	var b strings.Builder
	b.WriteString("Subject: " + id + "\r\n\r\n")
	for i := range 600 {
		fmt.Fprintf(&b, "%s line %04d %s\r\n", id, i, strings.Repeat("x", 80))
	}
	b.WriteString("END " + id + "\r\n")
	return b.String()
}

// sendOne delivers one message over c and reports whether it got 250.
func sendOne(c net.Conn, br *bufio.Reader, id string) bool {
	fmt.Fprintf(c, "MAIL FROM:<load@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
	for range 3 {
		l, err := br.ReadString('\n')
		if err != nil || l[0] != '2' && l[0] != '3' {
			return false
		}
	}
	if _, err := c.Write([]byte(durableBody(id) + ".\r\n")); err != nil {
		return false
	}
	l, err := br.ReadString('\n')
	return err == nil && strings.HasPrefix(l, "250 ")
}

// TestDurabilitySIGKILL runs the mailserver as a subprocess, delivers from
// many connections at once, and SIGKILLs the server mid-stream. Every
// message that got 250 must be in the Maildir, complete; no partial message
// may be visible in new/.
func TestDurabilitySIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	in := start(t, "-user", "alice:pw")
	var acked sync.Map
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			c, err := net.Dial("tcp", in.addrs["smtp"])
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(c)
			br.ReadString('\n')
			fmt.Fprintf(c, "HELO load.test\r\n")
			br.ReadString('\n')
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("msg-%d-%d", w, i)
				if !sendOne(c, br, id) {
					return
				}
				acked.Store(id, true)
				n.Add(1)
			}
		})
	}
	require.Eventually(t, func() bool { return n.Load() >= 40 }, 30*time.Second, time.Millisecond)
	require.NoError(t, in.cmd.Process.Signal(syscall.SIGKILL))
	close(stop)
	wg.Wait()
	in.cmd.Wait()

	newDir := filepath.Join(in.data, "alice", "new")
	files, err := os.ReadDir(newDir)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(newDir, f.Name()))
		require.NoError(t, err)
		s := string(b)
		i := strings.Index(s, "Subject: ")
		require.GreaterOrEqual(t, i, 0, "message without subject: %s", f.Name())
		id := strings.TrimSpace(s[i+9 : i+9+strings.Index(s[i+9:], "\r\n")])
		require.True(t, strings.HasSuffix(s, durableBody(id)), "partial message visible in new/: %s", f.Name())
		seen[id] = true
	}
	count := 0
	acked.Range(func(k, _ any) bool {
		require.True(t, seen[k.(string)], "acknowledged message %s is missing", k)
		count++
		return true
	})
	t.Logf("%d acknowledged, %d in new/", count, len(seen))
	require.GreaterOrEqual(t, len(seen), count)
}
