package spfbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// childEnv, set to 1, makes the test binary serve the zone instead of
// running tests (see startChildServer).
const childEnv = "YUBIN_SPFBENCH_DNS_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		serveChild()
		return
	}
	os.Exit(m.Run())
}

// serveChild serves the zone on loopback, prints the address, and stops
// when its standard input closes (the parent is done or gone).
func serveChild() {
	srv, err := dnsmock.NewServer(zone(), 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.Addr)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// startChildServer runs the zone's DNS server in a child process (this
// test binary again) and returns its address. In one process, the client's
// and the server's goroutines share one Go scheduler, and on an idle VM how
// they hand the CPU to each other weighs as much as the lookups do; a
// separate process is how a host's resolver runs.
func startChildServer(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(tb, err, "child DNS server did not start")
	return strings.TrimSpace(line)
}

// TestChildServer checks that both libraries get the expected results from
// the child process's server.
func TestChildServer(t *testing.T) {
	e := newEnv(t, nil, startChildServer(t))
	for _, c := range cases {
		require.Equal(t, c.want, e.runYubin(c), c.name)
		require.Equal(t, c.want, e.runBlitiri(c), c.name)
	}
	o := e.yubin.CheckMailFrom(context.Background(), netip.MustParseAddr("203.0.113.9"), "bad.example", "a@fail.example")
	require.Equal(t, "203.0.113.9 is not one of fail.example's designated mail servers.", o.Explanation)
}
