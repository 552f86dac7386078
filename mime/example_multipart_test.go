package mime_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/yubinmail/yubin/mime"
)

func ExampleNewMultipartReader() {
	body := "preamble\r\n" +
		"--frontier\r\n" +
		"Content-Type: text/plain\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Gr=C3=BC=C3=9Fe\r\n" +
		"--frontier\r\n" +
		"Content-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"AAEC\r\n" +
		"--frontier--\r\n"
	mr := mime.NewMultipartReader(strings.NewReader(body), "frontier", nil)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		ct, _ := p.HeaderValue("Content-Type")
		cte, _ := p.HeaderValue("Content-Transfer-Encoding")
		dec, err := mime.NewTransferDecoder(cte, p.Body)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		data, _ := io.ReadAll(dec)
		fmt.Printf("part %d: %s %q (header at %d, body at %d..%d, %d line)\n",
			p.Index, ct, data, p.HeaderOffset, p.BodyOffset, p.EndOffset, p.Lines)
	}
	fmt.Printf("preamble %q, %d warnings\n", mr.Preamble(), len(mr.Warnings()))
	// Output:
	// part 0: text/plain "Grüße" (header at 22, body at 95..110, 1 line)
	// part 1: application/octet-stream "\x00\x01\x02" (header at 124, body at 201..205, 1 line)
	// preamble "preamble", 0 warnings
}

func ExampleNewMultipartWriter() {
	var out bytes.Buffer
	mw := mime.NewMultipartWriter(&out, &mime.MultipartWriterOptions{Boundary: "frontier"})
	w, _ := mw.CreatePart([]byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"))
	qp := mime.NewQPEncoder(w, nil)
	io.WriteString(qp, "Grüße\r\n.\r\nFrom me")
	qp.Close()
	mw.Close()
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	fmt.Println("Content-Type: multipart/mixed; boundary=" + mw.Boundary())
	// Output:
	// --frontier
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	//
	// Gr=C3=BC=C3=9Fe
	// =2E
	// =46rom me
	// --frontier--
	// Content-Type: multipart/mixed; boundary=frontier
}

func ExampleChooseTransferEncoding() {
	for _, s := range []string{"Hello\r\n", "Viele Grüße aus Köln, und bis bald im schönen Sommer\r\n", "\x00\x01\x02"} {
		fmt.Println(mime.ChooseTransferEncoding([]byte(s), nil))
	}
	c := mime.Classify([]byte("a\nb"))
	fmt.Println(c.Is7Bit(), c.BareLF)
	// Output:
	// 7bit
	// quoted-printable
	// base64
	// false 1
}

func ExampleNewBase64Decoder() {
	d := mime.NewBase64Decoder(strings.NewReader("SGVsbG8g*d29y\r\nbGQ"))
	var out bytes.Buffer
	io.Copy(&out, d)
	fmt.Printf("%q %v\n", out.String(), d.Warnings())
	// Output:
	// "Hello world" mime: base64-illegal-byte at offset 8: skipped bytes outside the base64 alphabet; mime: base64-missing-padding at offset 18
}

func ExampleNewTransferDecoder() {
	for _, c := range []struct{ cte, body string }{
		{"Quoted-Printable", "caf=C3=A9 =\r\nau lait"},
		{"base64", "Y2Fmw6k="},
		{"x-gzip64", "H4sI"},
	} {
		r, err := mime.NewTransferDecoder(c.cte, strings.NewReader(c.body))
		data, _ := io.ReadAll(r)
		var unknown *mime.UnknownTransferEncodingError
		fmt.Printf("%q unknown=%v\n", data, errors.As(err, &unknown))
	}
	// Output:
	// "café au lait" unknown=false
	// "café" unknown=false
	// "H4sI" unknown=true
}
