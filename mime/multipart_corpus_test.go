package mime

import (
	"bufio"
	"bytes"
	stdmime "mime"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// corpusBoundary returns the multipart boundary of a raw header, using the
// standard library's parsers so that this test stands alone.
func corpusBoundary(header []byte) string {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(bytes.TrimRight(header, "\r\n"), "\r\n\r\n"...))))
	h, _ := tp.ReadMIMEHeader()
	mt, params, err := stdmime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	return params["boundary"]
}

// walkMultipart reads a multipart body recursively and checks that nothing
// fails, that offsets match and that the raw pieces rebuild the input. It
// returns the number of leaf parts.
func walkMultipart(t *testing.T, name string, body []byte, boundary string, depth int) int {
	if depth > 20 {
		return 0
	}
	for _, oneByte := range []bool{false, true} {
		res := readMultipart(t, bytes.NewReader(body), boundary, nil, oneByte)
		if res.err != nil {
			t.Logf("%s: %v", name, res.err)
			return 0
		}
		ws := res.mr.Warnings()
		if len(ws) > 0 && !oneByte {
			t.Logf("%s (depth %d): %v", name, depth, ws)
		}
		if !ws.Has(WarnMultipartPreambleTruncated) && !ws.Has(WarnMultipartEpilogueTruncated) {
			require.Equal(t, string(body), res.rebuild(), name)
		}
		if oneByte {
			continue
		}
		leaves := 0
		for _, p := range res.parts {
			require.Equal(t, p.Header, string(body[p.HeaderOffset:p.BodyOffset]), name)
			require.Equal(t, p.Body, string(body[p.BodyOffset:p.EndOffset]), name)
			if b := corpusBoundary([]byte(p.Header)); b != "" {
				leaves += walkMultipart(t, name, []byte(p.Body), b, depth+1)
			} else {
				leaves++
			}
		}
		return leaves
	}
	return 0
}

// splitMessage splits a message at the first blank line.
func splitMessage(raw []byte) (header, body []byte, ok bool) {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	sep := 4
	if j := bytes.Index(raw, []byte("\n\n")); j >= 0 && (i < 0 || j < i) {
		i, sep = j, 2
	}
	if i < 0 {
		return nil, nil, false
	}
	return raw[:i], raw[i+sep:], true
}

func TestMultipartCorpora(t *testing.T) {
	dirs := []string{"../../shared/corpora/mailparser", "../../shared/corpora/mime4j"}
	seen := 0
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			header, body, ok := splitMessage(raw)
			if !ok {
				continue
			}
			seen++
			if b := corpusBoundary(header); b != "" {
				walkMultipart(t, filepath.Base(f), body, b, 0)
			}
		}
	}
	if seen == 0 {
		t.Skip("corpora not present")
	}
}

func TestMultipartCorpusNamedCases(t *testing.T) {
	dir := "../../shared/corpora/mime4j"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpora not present")
	}
	count := func(file string) (int, Warnings) {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		header, body, _ := splitMessage(raw)
		b := corpusBoundary(header)
		require.NotEmpty(t, b, file)
		res := readMultipart(t, bytes.NewReader(body), b, nil, false)
		require.NoError(t, res.err)
		return len(res.parts), res.mr.Warnings()
	}
	for _, tc := range []struct {
		file  string
		parts int
	}{
		{"boundary-name-clash.eml", 2},
		{"very-long-boundary.eml", 1},
	} {
		if _, err := os.Stat(filepath.Join(dir, tc.file)); err != nil {
			continue
		}
		n, ws := count(tc.file)
		require.Equal(t, tc.parts, n, "%s: %v", tc.file, ws)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "very-very-long-boundary.eml"))
	if err == nil {
		header, body, _ := splitMessage(raw)
		res := readMultipart(t, bytes.NewReader(body), corpusBoundary(header), nil, false)
		var le *LimitError
		require.ErrorAs(t, res.err, &le)
		require.Equal(t, "MaxBoundaryLength", le.Limit)
	}
}
