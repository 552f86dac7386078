package mime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func decodeAllB64(t testing.TB, in string) (string, Warnings) {
	t.Helper()
	d := NewBase64Decoder(strings.NewReader(in))
	out, err := io.ReadAll(d)
	require.NoError(t, err)
	return string(out), d.Warnings()
}

func TestBase64Decode(t *testing.T) {
	tests := []struct {
		name, in, want string
		warn           []WarningCode
	}{
		{"empty", "", "", nil},
		{"rfc4648 vectors", "Zm9vYmFy", "foobar", nil},
		{"one pad", "Zm9vYmE=", "fooba", nil},
		{"two pads", "Zm9vYg==", "foob", nil},
		{"crlf lines", "Zm9v\r\nYmFy\r\n", "foobar", nil},
		{"bare lf lines", "Zm9v\nYmFy\n", "foobar", nil},
		{"missing padding 2", "Zm9vYg", "foob", []WarningCode{WarnBase64MissingPadding}},
		{"missing padding 3", "Zm9vYmE", "fooba", []WarningCode{WarnBase64MissingPadding}},
		{"half padding", "Zm9vYg=", "foob", []WarningCode{WarnBase64MissingPadding}},
		{"truncated single char", "Zm9vY", "foo", []WarningCode{WarnBase64Truncated}},
		{"spaces skipped", "Zm9v YmFy\t", "foobar", []WarningCode{WarnBase64IllegalByte}},
		{"garbage skipped", "Zm9v!!*YmFy", "foobar", []WarningCode{WarnBase64IllegalByte}},
		{"url-safe chars are illegal", "Zm9v-_YmFy", "foobar", []WarningCode{WarnBase64IllegalByte}},
		{"8-bit garbage", "Zm\xff\x80\x009vYmFy", "foobar", []WarningCode{WarnBase64IllegalByte}},
		{"pure padding", "====", "", []WarningCode{WarnBase64StrayPadding}},
		{"pure garbage", "!!!!\x00\x01", "", []WarningCode{WarnBase64IllegalByte}},
		{"concatenated blocks", "Zm8=YmFy", "fobar", []WarningCode{WarnBase64DataAfterPadding}},
		{"extra padding", "Zm9vYg===", "foob", []WarningCode{WarnBase64StrayPadding}},
		{"padding inside a group", "Z=m9v", "\x9b\xdb", []WarningCode{WarnBase64Truncated, WarnBase64DataAfterPadding, WarnBase64MissingPadding}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ws := decodeAllB64(t, tt.in)
			require.Equal(t, tt.want, got)
			var codes []WarningCode
			for _, w := range ws {
				codes = append(codes, w.Code)
			}
			require.ElementsMatch(t, tt.warn, codes)
		})
	}
}

func TestBase64WarningOffsetAndCount(t *testing.T) {
	_, ws := decodeAllB64(t, "Zm9v!YmFy!!")
	require.Len(t, ws, 1)
	require.Equal(t, 4, ws[0].Offset)
	require.Contains(t, ws[0].Detail, "3 times")
	var w *Warning
	require.True(t, errors.As(error(ws), &w))
}

func TestBase64DecodeReaderShapes(t *testing.T) {
	data := make([]byte, 100000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var wrapped strings.Builder
	for i := 0; i < len(enc); i += 76 {
		wrapped.WriteString(enc[i:min(i+76, len(enc))])
		wrapped.WriteString("\r\n")
	}
	readers := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			d := NewBase64Decoder(wrap(strings.NewReader(wrapped.String())))
			got, err := io.ReadAll(iotest.OneByteReader(d))
			require.NoError(t, err)
			require.Equal(t, data, got)
			require.Nil(t, d.Warnings())
		})
	}
	got, err := readBig(NewBase64Decoder(strings.NewReader(wrapped.String())))
	require.NoError(t, err)
	require.Equal(t, data, got)
	// iotest.TestReader checks the io.Reader contract.
	require.NoError(t, iotest.TestReader(NewBase64Decoder(strings.NewReader(wrapped.String())), data))
}

func TestBase64DecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("Zm9vYmFy"), iotest.ErrReader(boom))
	got, err := io.ReadAll(NewBase64Decoder(r))
	require.ErrorIs(t, err, boom)
	require.Equal(t, "foobar", string(got))
}

func TestBase64Encode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"f", "Zg==\r\n"},
		{"foobar", "Zm9vYmFy\r\n"},
		{strings.Repeat("a", 57), strings.Repeat("YWFh", 19) + "\r\n"},
		{strings.Repeat("a", 58), strings.Repeat("YWFh", 19) + "\r\nYQ==\r\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		e := NewBase64Encoder(&b)
		_, err := e.Write([]byte(tt.in))
		require.NoError(t, err)
		require.NoError(t, e.Close())
		require.NoError(t, e.Close(), "second Close")
		require.Equal(t, tt.want, b.String())
		_, err = e.Write([]byte("x"))
		require.Error(t, err, "write after close")
	}
}

func TestBase64EncodeLines(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789\x00\xff"), 3000)
	var b bytes.Buffer
	e := NewBase64Encoder(&b)
	for i := 0; i < len(data); i += 13 { // odd-sized writes
		_, err := e.Write(data[i:min(i+13, len(data))])
		require.NoError(t, err)
	}
	require.NoError(t, e.Close())
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	for i, l := range lines {
		if i < len(lines)-1 {
			require.Len(t, l, 76)
		} else {
			require.LessOrEqual(t, len(l), 76)
		}
	}
	got, ws := decodeAllB64(t, b.String())
	require.Nil(t, ws)
	require.Equal(t, string(data), got)
}

func FuzzBase64Decode(f *testing.F) {
	f.Add([]byte("Zm9vYmFy"))
	f.Add([]byte("Zm9v\r\nYmE=\r\n"))
	f.Add([]byte("===="))
	f.Add([]byte("Zm8=YmFy!"))
	f.Add([]byte("Z"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewBase64Decoder(bytes.NewReader(in))
		got, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > len(in) {
			t.Fatalf("output %d longer than input %d", len(got), len(in))
		}
		// Well-formed input decodes as the stdlib does, without warnings.
		if want, err := base64.StdEncoding.DecodeString(string(in)); err == nil {
			if !bytes.Equal(want, got) {
				t.Fatalf("stdlib %q, we %q", want, got)
			}
			if d.Warnings() != nil {
				t.Fatalf("warnings on valid input: %v", d.Warnings())
			}
		}
		// Small buffers and odd reads put buffer edges everywhere.
		small := NewBase64Decoder(iotest.HalfReader(bytes.NewReader(in)))
		small.in = make([]byte, 5)
		got2, err := io.ReadAll(iotest.OneByteReader(small))
		if err != nil || !bytes.Equal(got, got2) {
			t.Fatalf("chunking changed the result: %q vs %q", got, got2)
		}
		if len(small.Warnings()) != len(d.Warnings()) {
			t.Fatalf("chunking changed the warnings: %v vs %v", d.Warnings(), small.Warnings())
		}
		// Encoding what we decoded and decoding again is the identity.
		var b bytes.Buffer
		e := NewBase64Encoder(&b)
		e.Write(got)
		e.Close()
		again, err := io.ReadAll(NewBase64Decoder(&b))
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("round trip: %q != %q (%v)", again, got, err)
		}
	})
}
