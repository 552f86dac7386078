package spf

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// requirePeer skips when a peer program is missing, unless
// YUBIN_INTEROP=require.
func requirePeer(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("YUBIN_INTEROP") == "require" {
		t.Fatalf("%s is missing and YUBIN_INTEROP=require", what)
	}
	t.Skipf("%s is missing", what)
}

// pyspfDivergences lists suite tests where pyspf 2.0.14 gives another
// result that the suite also accepts, or where it is known to be wrong.
var pyspfDivergences = map[string]string{
	"multispf1":             "the suite accepts permerror or fail; pyspf picks fail",
	"ptr-cname-loop":        "the loopback server answers a CNAME loop with SERVFAIL, which pyspf turns into temperror; the suite (and we, with the mock) expect neutral since ptr ignores DNS errors",
	"macro-mania-in-domain": "pyspf 2.0.14 gives fail where the suite expects pass",
}

// TestPyspfCrossCheck runs the openspf suite through pyspf and through our
// checker, with the zone data served over DNS on loopback, and compares.
func TestPyspfCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs pyspf")
	}
	_, err := exec.LookPath("/usr/bin/python3")
	requirePeer(t, err == nil, "/usr/bin/python3")
	err = exec.Command("/usr/bin/python3", "-c", "import spf, dns.resolver").Run()
	requirePeer(t, err == nil, "python3-spf (pyspf) with python3-dnspython")

	docs := loadSuite(t)
	for _, d := range docs {
		t.Run(d.description, func(t *testing.T) {
			t.Parallel()
			crossCheckDoc(t, d)
		})
	}
}

func crossCheckDoc(t *testing.T, d suiteDoc) {
	{
		mock := mockFromZone(t, d)
		srv, err := dnsmock.NewServer(mock, 0)
		require.NoError(t, err)
		host, port, _ := net.SplitHostPort(srv.Addr)

		cmd := exec.Command("/usr/bin/python3", "testdata/pyspf_check.py", host, port, "0.2")
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		c := NewChecker(&Options{Resolver: mock})
		for _, tc := range d.tests {
			host := tc.host
			if host == "" {
				host = "1.2.3.4"
			}
			line, _ := json.Marshal(map[string]string{"ip": host, "sender": tc.mailfrom, "helo": tc.helo})
			_, err := stdin.Write(append(line, '\n'))
			require.NoError(t, err)
			require.True(t, sc.Scan(), "pyspf stopped")
			var py struct{ Result, Explanation string }
			require.NoError(t, json.Unmarshal(sc.Bytes(), &py))

			o := c.CheckMailFrom(context.Background(), netip.MustParseAddr(host), tc.helo, tc.mailfrom)
			name := d.description + "/" + tc.name
			if why, ok := pyspfDivergences[tc.name]; ok {
				t.Logf("%s: ours %s, pyspf %s (known: %s)", name, o.Result, py.Result, why)
				continue
			}
			if py.Result != string(o.Result) {
				t.Errorf("%s: ours %s, pyspf %s (suite accepts %v)", name, o.Result, py.Result, tc.results)
			}
			if py.Explanation != "" && !strings.EqualFold(py.Explanation, o.Explanation) {
				t.Errorf("%s: explanation: ours %q, pyspf %q", name, o.Explanation, py.Explanation)
			}
		}
		stdin.Close()
		require.NoError(t, cmd.Wait())
		require.NoError(t, srv.Close())
	}
}
