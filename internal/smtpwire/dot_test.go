package smtpwire

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readDot reads in through a DotReader and returns the data, what is left
// after the terminator, and the read error (nil at a clean end).
func readDot(t *testing.T, in string, opts *DotOptions, bufSize int) (data, rest string, err error) {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(in), 16)
	d := NewDotReader(br, opts)
	var out bytes.Buffer
	buf := make([]byte, bufSize)
	for {
		var n int
		n, err = d.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
	} else {
		require.Equal(t, err, d.Drain())
	}
	left, _ := io.ReadAll(br)
	return out.String(), string(left), err
}

func TestDotReader(t *testing.T) {
	tests := []struct {
		name, in, want, rest string
		err                  error
		opts                 *DotOptions
	}{
		{name: "empty", in: ".\r\n", want: ""},
		{name: "simple", in: "a\r\nb\r\n.\r\nQUIT\r\n", want: "a\r\nb\r\n", rest: "QUIT\r\n"},
		{name: "unstuff", in: "..a\r\n..\r\n.\r\n", want: ".a\r\n.\r\n"},
		{name: "dot mid-line", in: "a.b\r\n.\r\n", want: "a.b\r\n"},
		{name: "no final newline in body", in: "abc\r\n.\r\n", want: "abc\r\n"},
		{name: "bare LF", in: "a\nb\r\n.\r\n", err: ErrBareLF, want: "a"},
		{name: "bare CR", in: "a\rb\r\n.\r\n", err: ErrBareCR, want: "a"},
		{name: "normalize", in: "a\nb\r\n.\r\n", want: "a\r\nb\r\n", opts: &DotOptions{NormalizeBareLF: true}},
		{name: "normalize keeps CR strict", in: "a\rb\r\n.\r\n", err: ErrBareCR, want: "a", opts: &DotOptions{NormalizeBareLF: true}},
		{name: "too large", in: "abcdef\r\n.\r\nNOOP\r\n", err: ErrTooLarge, want: "abc", rest: "NOOP\r\n", opts: &DotOptions{MaxBytes: 3}},
		{name: "exact size", in: "a\r\n.\r\n", want: "a\r\n", opts: &DotOptions{MaxBytes: 3}},
		{name: "eof", in: "abc\r\n", err: io.ErrUnexpectedEOF, want: "abc\r\n"},
		{name: "eof after dot", in: "abc\r\n.\r", err: io.ErrUnexpectedEOF, want: "abc\r\n"},
	}
	for _, tc := range tests {
		for _, size := range []int{1, 2, 3, 4096} {
			t.Run(tc.name, func(t *testing.T) {
				got, rest, err := readDot(t, tc.in, tc.opts, size)
				require.ErrorIs(t, err, tc.err)
				if tc.err == nil {
					require.NoError(t, err)
				}
				require.Equal(t, tc.want, got)
				if tc.err != io.ErrUnexpectedEOF {
					require.Equal(t, tc.rest, rest)
				}
			})
		}
	}
}

// TestDotReaderSmuggling feeds every SMTP smuggling end-of-data variant from
// SECURITY.md followed by a pipelined transaction and the real terminator:
// the reader must consume everything up to the real "\r\n.\r\n" as one
// message and, in strict mode, report it as bad.
func TestDotReaderSmuggling(t *testing.T) {
	variants := []string{"\n.\n", "\r.\r", "\r.\n", "\n.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\x00.\r\n"}
	smuggled := "MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\nevil\r\n"
	for _, v := range variants {
		in := "Subject: hi\r\n\r\nbody" + v + smuggled + ".\r\nQUIT\r\n"
		for _, normalize := range []bool{false, true} {
			got, rest, err := readDot(t, in, &DotOptions{NormalizeBareLF: normalize}, 4096)
			require.Equal(t, "QUIT\r\n", rest, "variant %q: the reader must stop only at the real terminator", v)
			if v == "\r\n\x00.\r\n" {
				require.NoError(t, err) // NUL is content; still one message
				require.Contains(t, got, "MAIL FROM")
				continue
			}
			if !normalize || strings.Contains(v, "\r.") || strings.HasSuffix(v, "\r") {
				require.Error(t, err, "variant %q normalize=%v", v, normalize)
				require.True(t, IsDataError(err))
			} else {
				require.NoError(t, err, "variant %q", v)
				require.Contains(t, got, "MAIL FROM")
			}
		}
	}
}

func TestDotWriterRoundTrip(t *testing.T) {
	for _, msg := range []string{"", "a", "a\r\n", ".\r\n", "..x\r\n.", "a\nb\n.c\n", "x\r", "\r\n.\r\n"} {
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		dw := NewDotWriter(bw)
		_, err := dw.Write([]byte(msg))
		require.NoError(t, err)
		require.NoError(t, dw.Close())
		require.NoError(t, bw.Flush())
		got, rest, err := readDot(t, buf.String(), nil, 4096)
		require.NoError(t, err, "%q -> %q", msg, buf.String())
		require.Empty(t, rest)
		want := strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\r", "\n")
		want = strings.ReplaceAll(want, "\n", "\r\n")
		if want != "" && !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		require.Equal(t, want, got)
	}
}

func FuzzDotReader(f *testing.F) {
	f.Add([]byte("a\r\n..b\r\n.\r\n"), false, int64(0))
	f.Add([]byte("a\n.\nb\r\n.\r\n"), true, int64(0))
	f.Add([]byte("a\r.\rb\r\n.\r\n"), false, int64(2))
	f.Fuzz(func(t *testing.T, in []byte, normalize bool, max int64) {
		if max < 0 {
			max = -max
		}
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		d := NewDotReader(br, &DotOptions{NormalizeBareLF: normalize, MaxBytes: max})
		out, err := io.ReadAll(d)
		if max > 0 {
			require.LessOrEqual(t, int64(len(out)), max)
		}
		derr := d.Drain()
		if err == nil {
			require.True(t, d.Done())
			require.NoError(t, derr)
			// Every line of the output ends in CRLF, so it re-encodes to
			// the same bytes.
			if !normalize || !bytes.Contains(in, []byte("\n")) {
				var buf bytes.Buffer
				bw := bufio.NewWriter(&buf)
				w := NewDotWriter(bw)
				w.Write(out)
				w.Close()
				bw.Flush()
				again, err := io.ReadAll(NewDotReader(bufio.NewReader(&buf), nil))
				require.NoError(t, err)
				require.Equal(t, out, again)
			}
		}
	})
}
