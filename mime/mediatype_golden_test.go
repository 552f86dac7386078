package mime

import (
	"errors"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The flag has its own name so that it cannot clash with a flag of the
// transfer-encoding and multipart tests in this package.
var updateGolden = flag.Bool("update-mediatype", false, "rewrite testdata/mediatype.golden from the current output")

// goldenInputs are Content-Type and Content-Disposition values as sent by
// real mailers, broken ones included. The expected reading of each is in
// testdata/mediatype.golden: the canonical form we write back, the
// decoded parameters, and the warning codes.
var goldenInputs = []string{
	// Well formed.
	"text/plain; charset=us-ascii",
	"text/plain; charset=\"UTF-8\"; format=flowed; delsp=yes",
	"multipart/alternative; boundary=\"----=_NextPart_000_0012_01D9A1B2.C3D4E5F6\"",
	"multipart/mixed;\r\n\tboundary=\"Apple-Mail=_1E0F2C3D-4B5A-6978-8091-A2B3C4D5E6F7\"",
	"multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"abc\"",
	"message/rfc822",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"Q3 report.xlsx\"",
	"attachment; filename=\"report.pdf\"; size=12345; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"",
	"inline",
	// RFC 2231.
	"attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf",
	"attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf",
	"attachment;\r\n filename*0*=ISO-2022-JP''%1B%24BF%7CK%5C8l%1B%28B;\r\n filename*1*=.txt",
	"application/octet-stream; name*1=\"b.bin\"; name*0=\"a\"",
	// Legacy encoded words (Outlook, old Thunderbird, Japanese mailers).
	"application/pdf; name=\"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=.pdf\"",
	"attachment; filename==?koi8-r?B?89DJ08/LLmRvYw==?=",
	"attachment; filename=\"=?UTF-8?Q?Gr=C3=BC=C3=9Fe.txt?=\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt",
	// Broken.
	"text/plain charset=utf-8",
	"text/html; charset=3D\"utf-8\"",
	"text/plain; charset=\"utf-8\"; charset=\"iso-8859-1\"",
	"application/pdf; name=annual report 2023.pdf",
	"text/plain; name=\"unterminated",
	"text; charset=utf-8",
	"",
	"; filename=\"x.txt\"",
	"text/plain; charset=us-ascii (Plain text)",
	"text/plain; =broken; charset=utf-8",
	"attachment; filename*0=\"a\"; filename*2=\"c\"",
	"attachment; filename*=utf-8''bad%zz.txt",
	"attachment; filename*=x-unknown''%E9t%E9",
	"attachment; filename=\"C:\\\\Users\\\\a.txt\"",
}

func describeParsed(in string) string {
	var b strings.Builder
	var err error
	var params Params
	if looksLikeDisposition(in) {
		var d Disposition
		d, err = ParseDisposition(in)
		params = d.Params
		b.WriteString("out: " + d.String() + "\n")
	} else {
		var mt MediaType
		mt, err = ParseMediaType(in)
		params = mt.Params
		b.WriteString("out: " + mt.String() + "\n")
	}
	for _, p := range params {
		b.WriteString("param: " + p.Name + " = " + strconv.Quote(p.Value))
		if p.Charset != "" || p.Lang != "" {
			b.WriteString(" (" + p.Charset + "'" + p.Lang + "')")
		}
		b.WriteString("\n")
	}
	var ws Warnings
	if errors.As(err, &ws) {
		codes := make([]string, len(ws))
		for i, w := range ws {
			codes[i] = string(w.Code)
		}
		b.WriteString("warn: " + strings.Join(codes, ", ") + "\n")
	}
	var uce *UnknownCharsetError
	if errors.As(err, &uce) {
		b.WriteString("unknown-charset: " + uce.Charset + "\n")
	}
	return b.String()
}

func looksLikeDisposition(s string) bool {
	s = strings.ToLower(strings.TrimLeft(s, " ;"))
	return strings.HasPrefix(s, "attachment") || strings.HasPrefix(s, "inline") || strings.HasPrefix(s, "filename")
}

func TestMediaTypeGolden(t *testing.T) {
	var b strings.Builder
	for _, in := range goldenInputs {
		b.WriteString("in: " + strconv.Quote(in) + "\n")
		b.WriteString(describeParsed(in))
		b.WriteString("\n")
	}
	const path = "testdata/mediatype.golden"
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./mime -run TestMediaTypeGolden -update-mediatype")
	require.Equal(t, string(want), b.String())
}
