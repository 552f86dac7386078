package spf

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dnsmock"
)

// TestSuiteThroughSpfcheck runs the whole openspf suite end to end: the
// zone data is served over real DNS on loopback by dnsmock.Server, and the
// examples/spfcheck binary (with the default miekg/dns resolver) checks
// each case. TIMEOUT names get no answer, so the -timeout flag is what
// turns them into temperror.
func TestSuiteThroughSpfcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the spfcheck binary 203 times")
	}
	docs := loadSuite(t)
	bin := filepath.Join(t.TempDir(), "spfcheck")
	out, err := exec.Command("go", "build", "-o", bin, "../examples/spfcheck").CombinedOutput()
	require.NoError(t, err, string(out))

	var mu sync.Mutex
	total := 0
	for _, d := range docs {
		t.Run(d.description, func(t *testing.T) {
			t.Parallel()
			srv, err := dnsmock.NewServer(mockFromZone(t, d), 0)
			require.NoError(t, err)
			defer srv.Close()
			for _, tc := range d.tests {
				host := tc.host
				if host == "" {
					host = "1.2.3.4"
				}
				var stdout, stderr bytes.Buffer
				cmd := exec.Command(bin, "-ip", host, "-helo", tc.helo, "-sender", tc.mailfrom,
					"-dns", srv.Addr, "-timeout", "300ms")
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				require.NoError(t, cmd.Run(), "%s: %s", tc.name, stderr.String())
				lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
				require.True(t, slices.Contains(tc.results, lines[0]), "%s: want %v, got %q", tc.name, tc.results, stdout.String())
				if len(lines) > 1 {
					require.Equal(t, "fail", lines[0], tc.name)
					require.Len(t, lines, 2, tc.name)
					require.True(t, strings.HasPrefix(lines[1], "explanation: "), tc.name)
				}
				switch exp := tc.explanation; {
				case exp == "" || exp == "DEFAULT":
					if exp == "DEFAULT" {
						require.Len(t, lines, 1, tc.name)
					}
				default:
					require.Len(t, lines, 2, tc.name)
					require.True(t, strings.EqualFold("explanation: "+exp, lines[1]), "%s: %q", tc.name, lines[1])
				}
				mu.Lock()
				total++
				mu.Unlock()
			}
		})
	}
	t.Cleanup(func() {
		if !t.Failed() {
			require.Equal(t, 203, total)
		}
	})
}
