package mimebench

import (
	"bytes"
	"io"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"

	gmtextproto "github.com/emersion/go-message/textproto"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

const mpBoundary = "=_f3a9c2d1e8b7a6c5d4e3f2a1b0c9d8e7"

// multipartInputs are multipart bodies written by our writer: a typical
// text+html alternative, a message with a 512 KiB base64 attachment, and a
// body of 500 small parts.
var multipartInputs = func() []struct {
	name   string
	data   []byte
	bodies []string
} {
	build := func(bodies []string, headers []string) []byte {
		var b bytes.Buffer
		mw := mime.NewMultipartWriter(&b, &mime.MultipartWriterOptions{Boundary: mpBoundary, Preamble: []byte("This is a multi-part message in MIME format.")})
		for i, body := range bodies {
			w, _ := mw.CreatePart([]byte(headers[i]))
			io.WriteString(w, body)
		}
		mw.Close()
		return b.Bytes()
	}
	text := strings.Repeat("Hello, this is the plain text version of the newsletter.\r\n", 40)
	html := strings.Repeat("<p>Hello, this is the <b>HTML</b> version of the newsletter.</p>\r\n", 40)
	alt := []string{text, html}
	altH := []string{"Content-Type: text/plain; charset=utf-8\r\n", "Content-Type: text/html; charset=utf-8\r\n"}

	var att bytes.Buffer
	enc := mime.NewBase64Encoder(&att)
	raw := make([]byte, 512<<10)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	enc.Write(raw)
	enc.Close()
	attach := []string{text, att.String()}
	attachH := []string{"Content-Type: text/plain\r\n", "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n"}

	var many, manyH []string
	for i := 0; i < 500; i++ {
		many = append(many, "part "+strconv.Itoa(i)+"\r\n")
		manyH = append(manyH, "Content-Type: text/plain\r\nX-Part: "+strconv.Itoa(i)+"\r\n")
	}
	return []struct {
		name   string
		data   []byte
		bodies []string
	}{
		{"alternative", build(alt, altH), alt},
		{"attachment", build(attach, attachH), attach},
		{"manyparts", build(many, manyH), many},
	}
}()

// consume reads a part body: into buf for visit, or to io.Discard when
// visit is nil (the benchmarks), so that only the readers are measured.
func consume(buf *bytes.Buffer, r io.Reader, visit func([]byte)) error {
	if visit == nil {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	visit(buf.Bytes())
	return nil
}

func readYubin(data []byte, visit func(body []byte)) error {
	mr := mime.NewMultipartReader(bytes.NewReader(data), mpBoundary, nil)
	var buf bytes.Buffer
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := consume(&buf, p.Body, visit); err != nil {
			return err
		}
	}
}

func readStdlib(data []byte, visit func(body []byte)) error {
	mr := multipart.NewReader(bytes.NewReader(data), mpBoundary)
	var buf bytes.Buffer
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := consume(&buf, p, visit); err != nil {
			return err
		}
	}
}

func readGomessage(data []byte, visit func(body []byte)) error {
	mr := gmtextproto.NewMultipartReader(bytes.NewReader(data), mpBoundary)
	var buf bytes.Buffer
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := consume(&buf, p, visit); err != nil {
			return err
		}
	}
}

var multipartImpls = []struct {
	name string
	read func([]byte, func([]byte)) error
}{
	{"yubin", readYubin},
	{"stdlib", readStdlib},
	{"gomessage", readGomessage},
}

func TestMultipartMatchesPeers(t *testing.T) {
	for _, c := range multipartInputs {
		for _, impl := range multipartImpls {
			var got []string
			err := impl.read(c.data, func(b []byte) { got = append(got, string(b)) })
			require.NoError(t, err, impl.name)
			require.Equal(t, c.bodies, got, "%s/%s", c.name, impl.name)
		}
	}
}

func BenchmarkMultipartRead(b *testing.B) {
	for _, c := range multipartInputs {
		for _, impl := range multipartImpls {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(c.data)))
				b.ReportAllocs()
				for b.Loop() {
					if err := impl.read(c.data, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
