package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/stretchr/testify/require"
)

func TestISO2022JPTables(t *testing.T) {
	// Every code of both tables decodes as x/text decodes it.
	for _, esc := range []string{"\x1b$B", "\x1b$@", "\x1b$(D"} {
		var src []byte
		src = append(src, esc...)
		for c0 := 0x21; c0 < 0x7f; c0++ {
			for c1 := 0x21; c1 < 0x7f; c1++ {
				src = append(src, byte(c0), byte(c1))
			}
		}
		want, err := japanese.ISO2022JP.NewDecoder().Bytes(src)
		require.NoError(t, err)
		got, _, err := transform.Bytes(newISO2022JPDecoder(), src)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), esc)
	}
}

func TestISO2022JPDecode(t *testing.T) {
	for _, in := range []string{
		"", "plain", "\x1b$B;3ED\x1b(B san", "\x1b$B;3\nED", "\x1b$B;", "\x1b$", "\x1b", "\x1b$(", "\x1b$(D\"/",
		"\x1b(I1234\x1b(Jab\x5c", "\x1b$B\x80\xff!!\x1b(B", "\x1b$B \r\n", "\x1b$B!\x1b(B", "\x1bxyz",
	} {
		want, err := japanese.ISO2022JP.NewDecoder().String(in)
		require.NoError(t, err)
		got, err := DecodeCharset("iso-2022-jp", []byte(in), nil)
		require.NoError(t, err)
		require.Equal(t, want, got, "%q", in)
		r, err := NewCharsetReader("ISO-2022-JP", bytes.NewReader([]byte(in)), nil)
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, want, string(b), "%q", in)
	}
}

// FuzzISO2022JPDecoder compares the ISO-2022-JP decoder and its reader
// with x/text's decoder on arbitrary input, split into arbitrary chunks and
// read through small output buffers.
func FuzzISO2022JPDecoder(f *testing.F) {
	f.Add([]byte("\x1b$B;3EDMM!\"\x1b(B abc\r\n\x1b$B$N\n$N"), []byte{3, 1, 7}, uint8(5))
	f.Add([]byte("\x1b$(D\"/\x1b(I12\x1b$@!!\x1b("), []byte{1}, uint8(1))
	f.Add([]byte("\x1b$B\x80 \x1b\x1b$"), []byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, in, sizes []byte, out uint8) {
		want, err := japanese.ISO2022JP.NewDecoder().Bytes(in)
		require.NoError(t, err)
		got, _, err := transform.Bytes(newISO2022JPDecoder(), in)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		var src io.Reader = bytes.NewReader(in)
		if len(sizes) > 0 {
			src = &chunkReader{r: src, sizes: sizes}
		}
		r := newJISReader(src)
		var b []byte
		buf := make([]byte, int(out)%17+1)
		for {
			n, err := r.Read(buf)
			b = append(b, buf[:n]...)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
		}
		require.Equal(t, string(want), string(b))
		small := transformSmall(t, newISO2022JPDecoder(), in, int(out)%9+4, len(sizes)%5+1)
		require.Equal(t, string(want), string(small))
	})
}

// transformSmall drives tr by hand with a dst of dstSize bytes and src
// windows of growing size, to reach every ErrShortDst and ErrShortSrc
// return.
func transformSmall(t *testing.T, tr transform.Transformer, in []byte, dstSize, window int) []byte {
	var out []byte
	dst := make([]byte, dstSize)
	pos, w := 0, window
	for pos < len(in) || len(in) == 0 {
		end := min(len(in), pos+w)
		nDst, nSrc, err := tr.Transform(dst, in[pos:end], end == len(in))
		out = append(out, dst[:nDst]...)
		pos += nSrc
		switch err {
		case nil:
			if end == len(in) {
				require.Equal(t, len(in), pos)
				return out
			}
			w = window
		case transform.ErrShortSrc:
			require.Less(t, end, len(in), "short src at EOF")
			if nSrc == 0 {
				w++
			}
		case transform.ErrShortDst:
			require.True(t, nDst > 0 || nSrc > 0, "no progress with %d bytes of dst", dstSize)
		default:
			t.Fatal(err)
		}
	}
	return out
}

func TestISO2022JPSmallBuffers(t *testing.T) {
	in := []byte("ab\x1b$B;3EDMM!\"\x1b(B x\r\n\x1b$(D\"/\x1b(I12\x1b$@!!\n!\x1b(B\x80\x1b")
	want, err := japanese.ISO2022JP.NewDecoder().Bytes(in)
	require.NoError(t, err)
	for dstSize := 4; dstSize < 12; dstSize++ {
		for window := 1; window < 6; window++ {
			got := transformSmall(t, newISO2022JPDecoder(), in, dstSize, window)
			require.Equal(t, string(want), string(got), "dst %d, window %d", dstSize, window)
		}
	}
}

func TestJISReaderContract(t *testing.T) {
	in := "ab\x1b$B;3EDMM!\"\x1b(B x\r\n\x1b(I12\x1b(B"
	want, err := japanese.ISO2022JP.NewDecoder().String(in)
	require.NoError(t, err)
	require.NoError(t, iotest.TestReader(newJISReader(strings.NewReader(in)), []byte(want)))
	// An error of the source comes after the decoded bytes.
	boom := errors.New("boom")
	r := newJISReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)))
	got, err := io.ReadAll(r)
	require.ErrorIs(t, err, boom)
	require.Equal(t, want, string(got))
	// A source that never makes progress.
	_, err = newJISReader(zeroReader{}).Read(make([]byte, 8))
	require.ErrorIs(t, err, io.ErrNoProgress)
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }
