package mime

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// uuencodeForTest encodes data in the historical format, as uuencode(1)
// does with backquotes for zero.
func uuencodeForTest(name string, data []byte) string {
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + ' '
	}
	var b strings.Builder
	b.WriteString("begin 644 " + name + "\n")
	for len(data) > 0 {
		n := min(45, len(data))
		chunk := data[:n]
		data = data[n:]
		b.WriteByte(enc(byte(n)))
		for i := 0; i < n; i += 3 {
			var g [3]byte
			copy(g[:], chunk[i:min(i+3, n)])
			b.WriteByte(enc(g[0] >> 2))
			b.WriteByte(enc((g[0]<<4 | g[1]>>4) & 63))
			b.WriteByte(enc((g[1]<<2 | g[2]>>6) & 63))
			b.WriteByte(enc(g[2] & 63))
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.String()
}

func TestUUDecode(t *testing.T) {
	tests := []struct {
		name, in, want string
		warn           []WarningCode
	}{
		{"cat", "begin 644 cat.txt\n#0V%T\n`\nend\n", "Cat", nil},
		{"crlf and preamble", "some text\r\nbegin 600 a b.txt\r\n#0V%T\r\n`\r\nend\r\ntrailer", "Cat", nil},
		{"space for zero", "begin 644 x\n#0V%T\n \nend\n", "Cat", nil},
		{"no begin", "#0V%T\n`\nend\n", "", []WarningCode{WarnUUNoBegin}},
		{"no end", "begin 644 x\n#0V%T\n", "Cat", []WarningCode{WarnUUNoEnd}},
		{"stripped trailing blanks", "begin 644 x\n\"80``\n`\nend\n", "a\x00", nil},
		{"short line", "begin 644 x\n#0V\n`\nend\n", "C`\x00", []WarningCode{WarnUUBadLine}},
		{"bad characters", "begin 644 x\n#0V\x7fT\n`\nend\n", "Cg\xf4", []WarningCode{WarnUUBadLine}},
		{"empty", "", "", []WarningCode{WarnUUNoBegin}},
		{"begin-base64", "begin-base64 644 cat.txt\nQ2F0\nIQ==\n====\nignored", "Cat!", nil},
		{"begin-base64 bad line", "begin-base64 644 x\nQ2F0\n*!\n====\n", "Cat", []WarningCode{WarnUUBadLine}},
		{"begin-base64 no end", "begin-base64 644 x\nQ2F0\n", "Cat", []WarningCode{WarnUUNoEnd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewUUDecoder(iotest.OneByteReader(strings.NewReader(tt.in)))
			got, err := io.ReadAll(d)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
			require.ElementsMatch(t, tt.warn, codesOf(d.Warnings()))
		})
	}
}

func TestUUDecodeHeaderAndLongData(t *testing.T) {
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(i*31 + i>>8)
	}
	d := NewUUDecoder(strings.NewReader(uuencodeForTest("photo 1.jpg", data)))
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Equal(t, data, got)
	require.Nil(t, d.Warnings())
	require.Equal(t, "photo 1.jpg", d.Filename())
	require.Equal(t, uint32(0o644), d.Mode())
}

func TestUUDecodeLongLine(t *testing.T) {
	in := "begin 644 x\n" + strings.Repeat("M", 100000) + "\n#0V%T\n`\nend\n"
	d := NewUUDecoder(strings.NewReader(in))
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(got), "Cat"))
	require.Contains(t, codesOf(d.Warnings()), WarnUUBadLine)
}

// A fuzz finding: a two-byte line claiming 16 octets is padded with zero
// bits, not rejected, and stays bounded.
func TestUUDecodeShortLinePadded(t *testing.T) {
	d := NewUUDecoder(strings.NewReader("begin \n00"))
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Len(t, got, 16)
	require.ElementsMatch(t, []WarningCode{WarnUUBadLine, WarnUUNoEnd}, codesOf(d.Warnings()))
}

func FuzzUUDecode(f *testing.F) {
	f.Add([]byte("begin 644 cat.txt\n#0V%T\n`\nend\n"))
	f.Add([]byte("begin 644 x\n\"80``\n"))
	f.Add([]byte("begin\nM\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewUUDecoder(bytes.NewReader(in))
		got, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		// A line yields at most 63 octets, even when cut short (the
		// missing characters are stripped blanks, zero bits).
		if len(got) > 32*len(in) {
			t.Fatalf("output %d longer than input %d", len(got), len(in))
		}
		// What we decode, encoded again, decodes to itself.
		again, err := io.ReadAll(NewUUDecoder(strings.NewReader(uuencodeForTest("f", got))))
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("round trip %q != %q", again, got)
		}
	})
}
