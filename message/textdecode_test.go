package message

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestTextReader(t *testing.T) {
	tests := []struct {
		in, latin, utf string
	}{
		{"plain", "plain", "plain"},
		{"caf\xc3\xa9", "café", "café"},
		{"caf\xe9 \x80", "café €", "caf\uFFFD \uFFFD"},
		{"日本語" + strings.Repeat("x", 100) + "\xff", "日本語" + strings.Repeat("x", 100) + "ÿ", "日本語" + strings.Repeat("x", 100) + "\uFFFD"},
		{"\xe6\x97", "æ\u2014", "\uFFFD\uFFFD"},
		{"", "", ""},
	}
	for _, tt := range tests {
		for _, latin := range []bool{true, false} {
			want := tt.utf
			if latin {
				want = tt.latin
			}
			for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader} {
				out, err := io.ReadAll(&textReader{r: wrap(strings.NewReader(tt.in)), latin: latin})
				require.NoError(t, err)
				require.Equal(t, want, string(out), "%q latin=%v", tt.in, latin)
			}
			got, _ := DecodeText(map[bool]string{true: "us-ascii", false: "utf-8"}[latin], []byte(tt.in), nil)
			if latin {
				require.Equal(t, want, got)
			}
		}
	}
}
