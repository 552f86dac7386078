package envelope

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const bounceCorpus = "../../shared/corpora/bounces"

// TestCorpusBounces parses every bounce of the public corpus: none may
// panic or fail with anything but ErrNotDSN, every DSN must name its
// recipients with an action and a status, and the count of DSNs must match
// the corpus shape (about 343 of 629 files are RFC 3464 DSNs).
func TestCorpusBounces(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(bounceCorpus, "*.eml"))
	if len(files) == 0 {
		t.Skip("bounce corpus not present")
	}
	dsns, rfc3464, rfc3464Found := 0, 0, 0
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		d, err := ParseDSN(fh, nil)
		fh.Close()
		base := filepath.Base(f)
		if strings.HasPrefix(base, "rfc3464-") {
			rfc3464++
		}
		if errors.Is(err, ErrNotDSN) {
			if testing.Verbose() {
				t.Logf("not a DSN: %s", base)
			}
			continue
		}
		require.NotNil(t, d, base)
		dsns++
		if strings.HasPrefix(base, "rfc3464-") {
			rfc3464Found++
		}
		for _, r := range d.Recipients {
			if r.Recipient() == "" || r.Action == "" || r.Status.IsZero() {
				t.Errorf("%s: incomplete recipient %+v", base, r)
			}
		}
	}
	t.Logf("%d files, %d DSNs; rfc3464-*: %d of %d", len(files), dsns, rfc3464Found, rfc3464)
	require.InDelta(t, 343, dsns, 15)
}
