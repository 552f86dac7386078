package mime

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/transform"
)

func utf7Decode(t testing.TB, s string) string {
	t.Helper()
	b, err := UTF7.NewDecoder().Bytes([]byte(s))
	require.NoError(t, err)
	return string(b)
}

func utf7Encode(t testing.TB, s string) string {
	t.Helper()
	b, err := UTF7.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return string(b)
}

func TestUTF7Decode(t *testing.T) {
	tests := []struct{ in, want string }{
		// RFC 2152 section "Examples".
		{"A+ImIDkQ.", "A≢Α."},
		{"Hi Mom -+Jjo--!", "Hi Mom -☺-!"},
		{"+ZeVnLIqe-", "日本語"},
		{"Item 3 is +AKM-1.", "Item 3 is £1."},
		// "+-" is "+"; the "-" after a run is absorbed.
		{"1 +- 1 = 2", "1 + 1 = 2"},
		{"+AKM--", "£-"},
		// A run ended by a non-base64 character keeps it.
		{"+AKM 1", "£ 1"},
		// Surrogate pair, and one split across the bits of a run.
		{"+2DTdHg-", "𝄞"},
		{"a+2DTdHgBh-", "a𝄞a"},
		// Optional direct characters (Set O) decode as themselves.
		{`!"#$%&*;<=>@[]^_{|}`, `!"#$%&*;<=>@[]^_{|}`},
		{"", ""},
		// Malformed: lone "+" at the end, lone surrogates, leftover bits,
		// 8-bit bytes.
		{"a+", "a+"},
		{"+ a", "+ a"},
		{"+2DQ-", "\uFFFD"},
		{"+3R4-", "\uFFFD"},
		{"+2DQAQQ-", "\uFFFDA"},
		{"+AKMB-", "£\uFFFD"},
		{"\xe9t\xe9", "\uFFFDt\uFFFD"},
		// Fuzz crasher: bad bits, a dangling surrogate and an 8-bit byte
		// at once overflowed the per-byte output bound.
		{"+201\xfa00", "\uFFFD\uFFFD\uFFFD00"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, utf7Decode(t, tt.in), "decode %q", tt.in)
		r := transform.NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), UTF7.NewDecoder())
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, tt.want, string(b), "streamed decode %q", tt.in)
	}
}

func TestUTF7Encode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hi Mom -☺-!", "Hi Mom -+Jjo--+ACE-"},
		{"日本語", "+ZeVnLIqe-"},
		{"A≢Α.", "A+ImIDkQ-."},
		{"£1", "+AKM-1"},
		{"1 + 1", "1 +- 1"},
		{"𝄞", "+2DTdHg-"},
		{"plain text, (ok)?", "plain text, (ok)?"},
		{"a\r\nb\tc", "a\r\nb\tc"},
		{"~\\", "+AH4AXA-"},
		{"bad\xff", "bad+//0-"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, utf7Encode(t, tt.in), "encode %q", tt.in)
		// Streamed through a tiny buffer.
		var buf bytes.Buffer
		w := transform.NewWriter(&buf, UTF7.NewEncoder())
		for i := 0; i < len(tt.in); i++ {
			_, err := w.Write([]byte{tt.in[i]})
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		require.Equal(t, tt.want, buf.String(), "streamed encode %q", tt.in)
	}
}

// TestUTF7Python checks our codec against Python's utf-7 codec.
func TestUTF7Python(t *testing.T) {
	py := python(t)
	samples := []string{"Hi Mom -☺-!", "日本語のメール", "a+b=c", "𝄞 music", "Grüße, £5 ~ ok",
		"mixed ASCII and Ελληνικά\r\nline two"}
	for _, s := range samples {
		// Python encodes, we decode.
		out, err := exec.Command(py, "-c",
			"import sys; sys.stdout.buffer.write(sys.argv[1].encode('utf-7'))", s).Output()
		require.NoError(t, err)
		require.Equal(t, s, utf7Decode(t, string(out)), "python %q", out)
		// We encode, Python decodes.
		enc := utf7Encode(t, s)
		out, err = exec.Command(py, "-c",
			"import sys; sys.stdout.buffer.write(sys.argv[1].encode('ascii').decode('utf-7').encode('utf-8'))",
			enc).Output()
		require.NoError(t, err)
		require.Equal(t, s, string(out), "ours %q", enc)
	}
}

func FuzzUTF7(f *testing.F) {
	for _, s := range []string{"Hi Mom -+Jjo--!", "+ZeVnLIqe-", "+-", "+2DTdHg-", "a+", "+AKM 1", "日本語 + x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Decoding arbitrary bytes gives valid UTF-8 ...
		dec, err := UTF7.NewDecoder().Bytes(in)
		require.NoError(t, err)
		require.True(t, utf8.Valid(dec))
		// ... which encodes to 7-bit text that decodes back to it.
		enc, err := UTF7.NewEncoder().Bytes(dec)
		require.NoError(t, err)
		require.True(t, allASCII(enc))
		back, err := UTF7.NewDecoder().Bytes(enc)
		require.NoError(t, err)
		require.Equal(t, string(dec), string(back))
	})
}
