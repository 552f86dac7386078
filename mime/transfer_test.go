package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewTransferDecoder(t *testing.T) {
	tests := []struct {
		cte, in, want string
		unknown       bool
	}{
		{"", "raw\r\n", "raw\r\n", false},
		{"7bit", "raw", "raw", false},
		{"8BIT", "r\xc3\xa9", "r\xc3\xa9", false},
		{"Binary", "\x00\x01", "\x00\x01", false},
		{"base64", "Zm9v\r\n", "foo", false},
		{" BASE64 ", "Zm9v", "foo", false},
		{`"base64"`, "Zm9v", "foo", false},
		{"base64 (comment)", "Zm9v", "foo", false},
		{"Quoted-Printable", "a=3Db", "a=b", false},
		{"x-uuencode", "begin 644 x\n#0V%T\n`\nend\n", "Cat", false},
		{"X-UUE", "begin 644 x\n#0V%T\n`\nend\n", "Cat", false},
		{"x-gzip64", "H4sI", "H4sI", true},
		{"7-bit", "abc", "abc", true},
	}
	for _, tt := range tests {
		t.Run(tt.cte, func(t *testing.T) {
			r, err := NewTransferDecoder(tt.cte, strings.NewReader(tt.in))
			if tt.unknown {
				var ue *UnknownTransferEncodingError
				require.True(t, errors.As(err, &ue))
				require.Equal(t, tt.cte, ue.Encoding)
				require.Contains(t, err.Error(), tt.cte)
			} else {
				require.NoError(t, err)
			}
			got, err := io.ReadAll(r)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got))
		})
	}
}

func TestDecoderWarnings(t *testing.T) {
	r, err := NewTransferDecoder("base64", strings.NewReader("Zm9v!"))
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	require.NoError(t, err)
	ws := DecoderWarnings(r)
	require.True(t, ws.Has(WarnBase64IllegalByte))
	require.Nil(t, DecoderWarnings(strings.NewReader("")))
}

func TestNewTransferEncoder(t *testing.T) {
	for _, cte := range []string{"7bit", "8bit", "binary", "base64", "quoted-printable"} {
		var b bytes.Buffer
		w, err := NewTransferEncoder(cte, &b)
		require.NoError(t, err)
		in := "Grüße = \r\n"
		_, err = io.WriteString(w, in)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		r, err := NewTransferDecoder(cte, &b)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, in, string(got), cte)
	}
	_, err := NewTransferEncoder("x-uuencode", io.Discard)
	var ue *UnknownTransferEncodingError
	require.ErrorAs(t, err, &ue)
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     Classification
		is7, is8 bool
	}{
		{"empty", "", Classification{}, true, true},
		{"ascii lines", "ab\r\ncd\r\n", Classification{Len: 8, Lines: 2, MaxLineLen: 2}, true, true},
		{"no final break", "ab\r\ncde", Classification{Len: 7, Lines: 2, MaxLineLen: 3}, true, true},
		{"bare lf", "a\nb", Classification{Len: 3, BareLF: 1, Lines: 2, MaxLineLen: 1}, false, false},
		{"bare cr", "a\rb\r", Classification{Len: 4, BareCR: 2, Lines: 1, MaxLineLen: 4}, false, false},
		{"8bit", "é\r\n", Classification{Len: 4, NonASCII: 2, QPEscapes: 2, Lines: 1, MaxLineLen: 2}, false, true},
		{"nul", "a\x00", Classification{Len: 2, NUL: 1, QPEscapes: 1, Lines: 1, MaxLineLen: 2}, false, false},
		{"control and equals", "\x1b=\x7f", Classification{Len: 3, Control: 2, QPEscapes: 3, Lines: 1, MaxLineLen: 3}, true, true},
		{"long line", strings.Repeat("x", 999), Classification{Len: 999, Lines: 1, MaxLineLen: 999}, false, false},
		{"998 is fine", strings.Repeat("x", 998) + "\r\n", Classification{Len: 1000, Lines: 1, MaxLineLen: 998}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify([]byte(tt.in))
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.is7, got.Is7Bit())
			require.Equal(t, tt.is8, got.Is8Bit())
			// Streaming a byte at a time gives the same result.
			var c Classifier
			for i := 0; i < len(tt.in); i++ {
				c.Write([]byte{tt.in[i]})
			}
			require.Equal(t, tt.want, c.Result())
		})
	}
}

func TestChooseTransferEncoding(t *testing.T) {
	allow8 := &ChooseOptions{Allow8Bit: true}
	tests := []struct {
		name, in string
		opts     *ChooseOptions
		want     string
	}{
		{"ascii", "hello\r\n", nil, "7bit"},
		{"mostly ascii text", "Viele Grüße aus Köln, und bis bald im schönen Sommer\r\n", nil, "quoted-printable"},
		{"mostly ascii text with 8bitmime", "Grüße\r\n", allow8, "8bit"},
		{"japanese utf-8", "こんにちは世界", nil, "base64"},
		{"binary", "\x00\x01\x02\xff", nil, "base64"},
		{"binary allowed", "\x00\x01", &ChooseOptions{AllowBinary: true}, "binary"},
		{"long ascii line", strings.Repeat("x", 1200), nil, "quoted-printable"},
		{"long line with 8bitmime", strings.Repeat("x", 1200), allow8, "quoted-printable"},
		{"bare lf text", "a\nb\n", nil, "quoted-printable"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, ChooseTransferEncoding([]byte(tt.in), tt.opts), tt.name)
	}
}
