package mimebench

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

// qpInputs are quoted-printable bodies as mailers write them (by the
// standard library's writer, which is what Go mailers use).
var qpInputs = func() []struct {
	name string
	data []byte
} {
	enc := func(s string) []byte {
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	english := strings.Repeat("The quick brown fox jumps over the lazy dog; an email line of ordinary length, = signs and all.\r\n", 400)
	german := strings.Repeat("Sehr geehrte Damen und Herren, vielen Dank für Ihre Nachricht. Mit freundlichen Grüßen aus Köln.\r\n", 400)
	html := strings.Repeat(`<p style="margin:0;font-family:Arial">Hello <b>world</b> &mdash; <a href="https://example.com/?a=1&b=2">link</a></p>`+"\r\n", 300)
	return []struct {
		name string
		data []byte
	}{{"english", enc(english)}, {"german", enc(german)}, {"html", enc(html)}}
}()

// b64Input is a 256 KiB attachment wrapped at 76 columns with CRLF, as
// every mailer writes it.
var b64Input = func() []byte {
	raw := make([]byte, 256<<10)
	for i := range raw {
		raw[i] = byte(i*131 + i>>7)
	}
	var b bytes.Buffer
	w := mime.NewBase64Encoder(&b)
	w.Write(raw)
	w.Close()
	return b.Bytes()
}()

func TestTransferDecodingMatchesStdlib(t *testing.T) {
	for _, c := range qpInputs {
		want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(c.data)))
		require.NoError(t, err, c.name)
		d := mime.NewQPDecoder(bytes.NewReader(c.data))
		got, err := io.ReadAll(d)
		require.NoError(t, err, c.name)
		require.Equal(t, want, got, c.name)
		require.Nil(t, d.Warnings(), c.name)
	}
	want, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b64Input)))
	require.NoError(t, err)
	d := mime.NewBase64Decoder(bytes.NewReader(b64Input))
	got, err := io.ReadAll(d)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Nil(t, d.Warnings())
}

func BenchmarkQPDecode(b *testing.B) {
	for _, c := range qpInputs {
		impls := []struct {
			name string
			open func(io.Reader) io.Reader
		}{
			{"yubin", func(r io.Reader) io.Reader { return mime.NewQPDecoder(r) }},
			{"stdlib", func(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }},
		}
		for _, impl := range impls {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(c.data)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := io.Copy(io.Discard, impl.open(bytes.NewReader(c.data))); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkBase64Decode(b *testing.B) {
	impls := []struct {
		name string
		open func(io.Reader) io.Reader
	}{
		{"yubin", func(r io.Reader) io.Reader { return mime.NewBase64Decoder(r) }},
		{"stdlib", func(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }},
	}
	for _, impl := range impls {
		b.Run("attachment/"+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(b64Input)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.Copy(io.Discard, impl.open(bytes.NewReader(b64Input))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// textInput is what mailers encode: mostly ASCII text with some 8-bit.
var textInput = []byte(strings.Repeat("Sehr geehrte Damen und Herren, vielen Dank für Ihre Nachricht. Mit freundlichen Grüßen aus Köln.\r\n", 400))

func TestTransferEncodingMatchesStdlib(t *testing.T) {
	var ours bytes.Buffer
	e := mime.NewQPEncoder(&ours, nil)
	e.Write(textInput)
	e.Close()
	got, err := io.ReadAll(quotedprintable.NewReader(&ours))
	require.NoError(t, err)
	require.Equal(t, textInput, got)
	ours.Reset()
	b := mime.NewBase64Encoder(&ours)
	b.Write(b64Raw)
	b.Close()
	got, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, &ours))
	require.NoError(t, err)
	require.Equal(t, b64Raw, got)
}

var b64Raw = func() []byte {
	d, _ := io.ReadAll(mime.NewBase64Decoder(bytes.NewReader(b64Input)))
	return d
}()

func BenchmarkQPEncode(b *testing.B) {
	impls := []struct {
		name string
		open func(io.Writer) io.WriteCloser
	}{
		{"yubin", func(w io.Writer) io.WriteCloser { return mime.NewQPEncoder(w, nil) }},
		{"stdlib", func(w io.Writer) io.WriteCloser { return quotedprintable.NewWriter(w) }},
	}
	for _, impl := range impls {
		b.Run("german/"+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(textInput)))
			b.ReportAllocs()
			for b.Loop() {
				w := impl.open(io.Discard)
				w.Write(textInput)
				w.Close()
			}
		})
	}
}

func BenchmarkBase64Encode(b *testing.B) {
	impls := []struct {
		name string
		open func(io.Writer) io.WriteCloser
	}{
		{"yubin", func(w io.Writer) io.WriteCloser { return mime.NewBase64Encoder(w) }},
		// The stdlib has no line wrapping; this measures encoding alone.
		{"stdlib", func(w io.Writer) io.WriteCloser { return base64.NewEncoder(base64.StdEncoding, w) }},
	}
	for _, impl := range impls {
		b.Run("attachment/"+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(b64Raw)))
			b.ReportAllocs()
			for b.Loop() {
				w := impl.open(io.Discard)
				w.Write(b64Raw)
				w.Close()
			}
		})
	}
}
