package mime_test

import (
	"fmt"

	"github.com/yubinmail/yubin/mime"
)

func ExampleDecodeCharset() {
	s, err := mime.DecodeCharset("ISO-2022-JP", []byte("\x1b$BF|K\\8l\x1b(B"), nil)
	fmt.Println(s, err)
	s, err = mime.DecodeCharset("x-unknown", []byte("raw"), nil)
	fmt.Println(s, err)
	// Output:
	// 日本語 <nil>
	// raw mime: unknown charset x-unknown
}

func ExampleWordDecoder_DecodeHeader() {
	var d mime.WordDecoder
	// Two words that split one ISO-2022-JP string, as Japanese mailers do.
	s, err := d.DecodeHeader("Re: =?ISO-2022-JP?B?GyRCRnw=?=\r\n =?ISO-2022-JP?B?S1w4bBsoQg==?=")
	fmt.Println(s, err)
	// Output:
	// Re: 日本語 <nil>
}

func ExampleWordEncoder_Encode() {
	var e mime.WordEncoder
	fmt.Println(e.Encode("Hello"))
	fmt.Println(e.Encode("Re: café au lait"))
	fmt.Println((&mime.WordEncoder{Charset: "iso-2022-jp"}).Encode("日本語"))
	// Output:
	// Hello
	// Re: =?utf-8?B?Y2Fmw6k=?= au lait
	// =?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=
}

func ExampleParseMediaType() {
	mt, err := mime.ParseMediaType(`TEXT/Plain; charset="ISO-8859-1"; format=flowed`)
	fmt.Println(mt.Essence(), mt.Charset(), err)
	fmt.Println(mt)
	// Output:
	// text/plain iso-8859-1 <nil>
	// text/plain; charset=ISO-8859-1; format=flowed
}

func ExampleParseDisposition() {
	d, err := mime.ParseDisposition("attachment; filename*=iso-8859-1''r%E9sum%E9.pdf")
	fmt.Println(d.Type, d.Filename(), err)

	// Broken input still gives a value, and says what was wrong.
	d, err = mime.ParseDisposition(`attachment; filename=my report.pdf`)
	fmt.Printf("%q %v\n", d.Filename(), err)
	// Output:
	// attachment résumé.pdf <nil>
	// "my report.pdf" mime: unquoted-space at offset 21
}

func ExampleDisposition_Format() {
	d := mime.Disposition{Type: "attachment", Params: mime.Params{{Name: "filename", Value: "résumé.pdf"}}}
	fmt.Println(d.Format(&mime.FormatOptions{Legacy2047: true}))
	// Output:
	// attachment; filename="=?utf-8?B?csOpc3Vtw6kucGRm?="; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
}
