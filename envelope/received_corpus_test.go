package envelope

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/yubinmail/yubin/message"
)

// TestCorpusReceived parses every Received field at the top of the bounce
// corpus messages: nearly all must yield a date and a "by" or "from" host.
func TestCorpusReceived(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(bounceCorpus, "*.eml"))
	if len(files) == 0 {
		t.Skip("bounce corpus not present")
	}
	total, dated, hosted := 0, 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		h, _ := message.ReadHeader(bufio.NewReader(bytes.NewReader(b)), nil)
		for _, v := range h.Values("Received") {
			r, err := ParseReceived(v)
			if r.From == "" && r.By == "" && strings.HasPrefix(strings.TrimSpace(v), "(") {
				continue // comment-only trace, such as qmail's "(qmail 1 invoked by uid 89)"
			}
			total++
			if err == nil && !r.Date.IsZero() {
				dated++
			} else if testing.Verbose() {
				t.Logf("%s: %v: %q", filepath.Base(f), err, v)
			}
			if r.By != "" || r.From != "" {
				hosted++
			}
		}
	}
	t.Logf("%d Received fields, %d with a date, %d with a host", total, dated, hosted)
	require.Greater(t, total, 500)
	require.GreaterOrEqual(t, float64(dated)/float64(total), 0.97)
	require.GreaterOrEqual(t, float64(hosted)/float64(total), 0.97)
}
