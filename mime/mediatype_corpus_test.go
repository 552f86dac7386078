package mime

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestCorpusHeaders runs every Subject, From, Content-Type and
// Content-Disposition field of the public corpora (real and malformed
// mail, 600 bounces from many MTAs, many Japanese) through our decoders.
// Nothing may panic; every media type must come back usable; every error
// must be of a documented type; a field of valid UTF-8 decodes to valid
// UTF-8.
func TestCorpusHeaders(t *testing.T) {
	root := "../../shared/corpora"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpora not present")
	}
	var files, fields, warned int
	for _, dir := range []string{"mailparser", "mime4j", "bounces", "maildkim"} {
		paths, _ := filepath.Glob(filepath.Join(root, dir, "*"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 4<<20 {
				continue
			}
			files++
			for _, f := range allHeaderFields(string(b)) {
				fields++
				name, value, _ := strings.Cut(f, ":")
				switch strings.ToLower(strings.TrimSpace(name)) {
				case "subject", "from", "to", "comments":
					got, err := DecodeHeader(value)
					checkDocumentedErr(t, err, p)
					if err != nil {
						warned++
						if os.Getenv("YUBIN_CORPUS_VERBOSE") != "" {
							t.Logf("%s: %q: %v", p, value, err)
						}
					}
					if utf8.ValidString(value) && err == nil {
						require.True(t, utf8.ValidString(got), "%s: %q", p, value)
					}
				case "content-type":
					mt, err := ParseMediaType(value)
					checkDocumentedErr(t, err, p)
					if err != nil {
						warned++
						if os.Getenv("YUBIN_CORPUS_VERBOSE") != "" {
							t.Logf("%s: %q: %v", p, value, err)
						}
					}
					require.NotEmpty(t, mt.Type, p)
					require.NotEmpty(t, mt.Subtype, p)
					if mt.Type == "multipart" {
						// A multipart type without a boundary is the one
						// thing no leniency can fix; say so.
						if _, ok := mt.Params.Get("boundary"); !ok {
							t.Logf("%s: multipart without boundary: %q", p, value)
						}
					}
					// Whatever we read, we can write and read back.
					back, err := ParseMediaType(mt.String())
					if err != nil {
						var uce *UnknownCharsetError
						require.ErrorAs(t, err, &uce, "%s: %q", p, mt.String())
					}
					require.Equal(t, mt.Essence(), back.Essence())
					require.Equal(t, len(mt.Params), len(back.Params))
				case "content-disposition":
					d, err := ParseDisposition(value)
					checkDocumentedErr(t, err, p)
					if err != nil {
						warned++
						if os.Getenv("YUBIN_CORPUS_VERBOSE") != "" {
							t.Logf("%s: %q: %v", p, value, err)
						}
					}
					require.NotEmpty(t, d.Type, p)
				}
			}
		}
	}
	t.Logf("%d files, %d fields, %d with warnings", files, fields, warned)
	require.Greater(t, files, 100)
}

func checkDocumentedErr(t *testing.T, err error, p string) {
	t.Helper()
	if err == nil {
		return
	}
	var ws Warnings
	var uce *UnknownCharsetError
	var le *LimitError
	require.True(t, errors.As(err, &ws) || errors.As(err, &uce) || errors.As(err, &le), "%s: %T %v", p, err, err)
}

// allHeaderFields returns the unfolded fields of the top-level header and
// of every header block that follows a blank line and starts with a
// field (so that nested parts are covered too).
func allHeaderFields(msg string) []string {
	var out []string
	lines := strings.Split(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	cur := -1
	for _, line := range lines {
		switch {
		case line == "":
			cur = -1
		case (line[0] == ' ' || line[0] == '\t') && cur >= 0:
			out[cur] += "\r\n" + line
		case strings.Contains(line, ":") && !strings.HasPrefix(line, "--") && !strings.Contains(line[:strings.Index(line, ":")], " "):
			out = append(out, line)
			cur = len(out) - 1
		default:
			cur = -1
		}
	}
	return out
}
