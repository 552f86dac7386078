package mime

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

type mtCase struct {
	name   string
	in     string
	typ    string // "type/subtype"
	params []Param
	warns  []WarningCode
}

func checkParams(t *testing.T, want []Param, got Params) {
	t.Helper()
	require.Len(t, got, len(want), "%#v", got)
	for i, w := range want {
		require.Equal(t, w.Name, got[i].Name)
		require.Equal(t, w.Value, got[i].Value, w.Name)
		if w.Lang != "" || w.Charset != "" {
			require.Equal(t, w.Lang, got[i].Lang, w.Name)
			require.Equal(t, w.Charset, got[i].Charset, w.Name)
		}
	}
}

func checkWarns(t *testing.T, want []WarningCode, err error) {
	t.Helper()
	if len(want) == 0 {
		require.NoError(t, err)
		return
	}
	var ws Warnings
	require.ErrorAs(t, err, &ws)
	for _, c := range want {
		require.True(t, ws.Has(c), "want %s in %v", c, err)
	}
}

func TestParseMediaTypeRFC2231(t *testing.T) {
	tests := []mtCase{
		{"section 3", "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
			"message/external-body", []Param{{Name: "access-type", Value: "URL"},
				{Name: "url", Value: "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}, nil},
		{"section 4", "application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
			"application/x-stuff", []Param{{Name: "title", Value: "This is ***fun***", Charset: "us-ascii", Lang: "en-us"}}, nil},
		{"section 4.1", "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
			"application/x-stuff", []Param{{Name: "title", Value: "This is even more ***fun*** isn't it!", Charset: "us-ascii", Lang: "en"}}, nil},
	}
	runMT(t, tests)
}

func runMT(t *testing.T, tests []mtCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt, err := ParseMediaType(tt.in)
			checkWarns(t, tt.warns, err)
			require.Equal(t, tt.typ, mt.Essence())
			checkParams(t, tt.params, mt.Params)
		})
	}
}

func TestParseMediaTypeRealWorld(t *testing.T) {
	p := func(kv ...string) []Param {
		var out []Param
		for i := 0; i < len(kv); i += 2 {
			out = append(out, Param{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []mtCase{
		{"simple", "text/plain; charset=utf-8", "text/plain", p("charset", "utf-8"), nil},
		{"case", "TEXT/Plain; CharSet=US-ASCII", "text/plain", p("charset", "US-ASCII"), nil},
		{"quoted with escapes", `text/plain; name="a \"b\" \\c"`, "text/plain", p("name", `a "b" \c`), nil},
		{"comments", "text/plain (note) ; charset=us-ascii (Plain text)", "text/plain", p("charset", "us-ascii"), nil},
		{"spaces around =", "text/plain; charset = \"utf-8\"", "text/plain", p("charset", "utf-8"), nil},
		{"trailing ;", "text/html;", "text/html", nil, nil},
		{"empty params", "text/html;; ;charset=x", "text/html", p("charset", "x"), nil},
		{"folded quoted", "text/plain; name=\"long\r\n name\"", "text/plain", p("name", "long name"), nil},
		{"boundary quoted", `multipart/mixed; boundary="----=_Part_0_1.2"`, "multipart/mixed", p("boundary", "----=_Part_0_1.2"), nil},
		{"utf-8 raw value", `application/pdf; name="日本語.pdf"`, "application/pdf", p("name", "日本語.pdf"), nil},
		{"missing semicolon", "text/plain charset=utf-8 format=flowed", "text/plain",
			p("charset", "utf-8", "format", "flowed"), []WarningCode{WarnMissingSemicolon}},
		{"unquoted spaces", "application/pdf; name=my report.pdf; x=1", "application/pdf",
			p("name", "my report.pdf", "x", "1"), []WarningCode{WarnUnquotedSpace}},
		{"unquoted special", "multipart/mixed; boundary=----=_Part_0", "multipart/mixed",
			p("boundary", "----=_Part_0"), []WarningCode{WarnUnquotedSpecial}},
		{"duplicate first wins", `text/plain; charset="utf-8"; charset="iso-8859-1"`, "text/plain",
			p("charset", "utf-8"), []WarningCode{WarnDuplicateParam}},
		{"missing subtype text", "text; charset=utf-8", "text/plain", p("charset", "utf-8"), []WarningCode{WarnMissingSubtype}},
		{"missing subtype other", "image", "text/plain", p("charset", "us-ascii"), []WarningCode{WarnInvalidMediaType}},
		{"empty", "", "text/plain", p("charset", "us-ascii"), []WarningCode{WarnInvalidMediaType}},
		{"garbage type", "@@@", "text/plain", p("charset", "us-ascii"), []WarningCode{WarnInvalidMediaType}},
		{"trailing garbage after type", "text/plain/x; charset=a", "text/plain", p("charset", "a"), []WarningCode{WarnTrailingGarbage}},
		{"unterminated quote", `text/plain; name="abc`, "text/plain", p("name", "abc"), []WarningCode{WarnUnterminatedQuote}},
		{"unterminated comment", `text/plain; a=b (x`, "text/plain", p("a", "b"), []WarningCode{WarnUnterminatedComment}},
		{"text after quote", `application/pdf; name="report".pdf`, "application/pdf", p("name", "report.pdf"), []WarningCode{WarnTrailingGarbage}},
		{"param without value", "text/plain; flowed; charset=a", "text/plain", p("charset", "a"), []WarningCode{WarnParamNoValue}},
		{"bad param name", "text/plain; a*b=1; c=2", "text/plain", p("c", "2"), []WarningCode{WarnBadParamName}},
		{"rfc 2047 in quotes", `application/pdf; name="=?UTF-8?B?5pel5pys6Kqe?=.pdf"`, "application/pdf", p("name", "日本語.pdf"), nil},
		{"rfc 2047 unquoted", `application/pdf; name==?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=`, "application/pdf",
			p("name", "日本語"), []WarningCode{WarnUnquotedSpecial}},
		{"rfc 2047 two words", `text/plain; name="=?utf-8?q?a?= =?utf-8?q?b?="`, "text/plain", p("name", "ab"), nil},
	}
	runMT(t, tests)
}

func TestParseDisposition(t *testing.T) {
	tests := []struct {
		name, in, typ, filename string
		lang                    string
		warns                   []WarningCode
	}{
		{"plain", `attachment; filename="report.pdf"`, "attachment", "report.pdf", "", nil},
		{"inline", "INLINE", "inline", "", "", nil},
		{"iso-8859-1 rfc 2231", "attachment; filename*=iso-8859-1''r%E9sum%E9.pdf", "attachment", "résumé.pdf", "", nil},
		{"utf-8 with lang", "attachment; filename*=UTF-8'ja'%E6%97%A5%E6%9C%AC%E8%AA%9E.txt", "attachment", "日本語.txt", "ja", nil},
		{"iso-2022-jp rfc 2231", "attachment; filename*=ISO-2022-JP''%1B%24BF%7CK%5C8l%1B%28B.txt", "attachment", "日本語.txt", "", nil},
		{"shift_jis rfc 2231", "attachment; filename*=Shift_JIS''%93%FA%96%7B%8C%EA.txt", "attachment", "日本語.txt", "", nil},
		{"euc-jp rfc 2231", "attachment; filename*=euc-jp''%C6%FC%CB%DC%B8%EC.txt", "attachment", "日本語.txt", "", nil},
		{"cp932 rfc 2231", "attachment; filename*=cp932''%87%40.txt", "attachment", "①.txt", "", nil},
		{"split utf-8 char across sections", "attachment; filename*0*=UTF-8''%E6%97; filename*1*=%A5.txt", "attachment", "日.txt", "", nil},
		{"iso-2022-jp split across sections", "attachment;\r\n filename*0*=ISO-2022-JP''%1B%24BF%7CK;\r\n filename*1*=%5C8l%1B%28B.txt", "attachment", "日本語.txt", "", nil},
		{"sections out of order", `attachment; filename*1="b.txt"; filename*0="a"`, "attachment", "ab.txt", "", nil},
		{"mixed sections", "attachment; filename*0*=utf-8''%C3%A9; filename*1=\"t\u00e9.txt\"", "attachment", "été.txt", "", nil},
		{"gap", `attachment; filename*0="a"; filename*2="c"`, "attachment", "ac", "", []WarningCode{WarnContinuationGap}},
		{"no section 0", `attachment; filename*1="b"`, "attachment", "b", "", []WarningCode{WarnContinuationGap}},
		{"duplicate section", `attachment; filename*0="a"; filename*0="x"; filename*1="b"`, "attachment", "ab", "", []WarningCode{WarnDuplicateParam}},
		{"extended beats plain", "attachment; filename=\"legacy.pdf\"; filename*=UTF-8''r%C3%A9al.pdf", "attachment", "réal.pdf", "", nil},
		{"plain after extended", "attachment; filename*=UTF-8''r%C3%A9al.pdf; filename=\"legacy.pdf\"", "attachment", "réal.pdf", "", nil},
		{"missing charset quotes", "attachment; filename*=r%C3%A9al.pdf", "attachment", "réal.pdf", "", []WarningCode{WarnBadExtValue}},
		{"bad percent", "attachment; filename*=utf-8''100%.txt", "attachment", "100%.txt", "", []WarningCode{WarnBadExtValue}},
		{"empty charset latin", "attachment; filename*=''caf%E9", "attachment", "café", "", nil},
		{"missing type", "; filename=a.txt", "attachment", "a.txt", "", []WarningCode{WarnInvalidMediaType}},
		{"only params", "filename=a.txt", "attachment", "a.txt", "", []WarningCode{WarnInvalidMediaType}},
		{"name fallback", `attachment; name="n.txt"`, "attachment", "n.txt", "", nil},
		{"unquoted 8bit", "attachment; filename=caf\xe9.txt", "attachment", "caf\xe9.txt", "", []WarningCode{WarnNonUTF8Param}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDisposition(tt.in)
			checkWarns(t, tt.warns, err)
			require.Equal(t, tt.typ, d.Type)
			require.Equal(t, tt.filename, d.Filename())
			if tt.lang != "" {
				p, ok := d.Params.Lookup("filename")
				require.True(t, ok)
				require.Equal(t, tt.lang, p.Lang)
			}
		})
	}
}

func TestParseUnknownCharsetParam(t *testing.T) {
	d, err := ParseDisposition("attachment; filename*=x-klingon''qa%FFpla")
	require.Equal(t, "qa\xffpla", d.Filename(), "bytes pass through")
	var uce *UnknownCharsetError
	require.ErrorAs(t, err, &uce)
	require.Equal(t, "x-klingon", uce.Charset)
	// Formatting keeps the label and the bytes.
	require.Equal(t, "attachment; filename*=x-klingon''qa%FFpla", d.String())
}

func TestParseLimits(t *testing.T) {
	in := "text/plain" + strings.Repeat("; a=b", 300)
	mt, err := ParseMediaType(in)
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MaxParams", le.Limit)
	require.Equal(t, "text/plain", mt.Essence())
	require.Len(t, mt.Params, 1)

	mt, err = ParseMediaTypeOptions("text/plain; a*5000=x; b*3=y", &ParseOptions{MaxSections: 10})
	checkWarns(t, []WarningCode{WarnContinuationGap}, err)
	v, _ := mt.Params.Get("b")
	require.Equal(t, "y", v)
	_, ok := mt.Params.Get("a")
	require.False(t, ok)
}

// SECURITY.md hostile headers: huge, deeply nested or repetitive values
// parse in linear time with bounded output.
func TestParseHostile(t *testing.T) {
	for _, in := range []string{
		"text/plain; a=" + strings.Repeat("(", 100000),
		"text/plain; " + strings.Repeat("x ", 100000),
		"text/plain; a=\"" + strings.Repeat("\\", 100001),
		"text/plain" + strings.Repeat("; f*0=x", 250),
		"text/plain" + strings.Repeat(";", 1000000),
		"attachment; filename*=utf-8''" + strings.Repeat("%", 100000),
		strings.Repeat("=?utf-8?q?", 30000),
	} {
		mt, err := ParseMediaType(in)
		require.NotEmpty(t, mt.Type)
		var ws Warnings
		if errors.As(err, &ws) {
			require.LessOrEqual(t, len(ws), maxWarnings, "warnings are bounded")
		}
		require.LessOrEqual(t, len(mt.Params), DefaultMaxParams)
		d, _ := ParseDisposition(in)
		require.NotEmpty(t, d.Type)
	}
}

// SECURITY.md "one 10 MB folded field" as a Content-Disposition: RFC 2231
// sections joined in one pass, output bounded by the input.
func TestParseHugeFoldedField(t *testing.T) {
	var b strings.Builder
	b.WriteString("attachment")
	for i := 0; i < 200; i++ { // within MaxParams
		b.WriteString(";\r\n filename*" + strconv.Itoa(i) + "*=")
		if i == 0 {
			b.WriteString("utf-8''")
		}
		b.WriteString(strings.Repeat("%E6%97%A5", 50000/9))
	}
	d, err := ParseDisposition(b.String())
	require.NoError(t, err)
	require.Equal(t, 200*(50000/9)*3, len(d.Filename()))
}

func TestFormatParams(t *testing.T) {
	tests := []struct {
		name string
		in   any
		opts *FormatOptions
		want string
	}{
		{"token", MediaType{Type: "text", Subtype: "plain", Params: Params{{Name: "charset", Value: "utf-8"}}}, nil,
			"text/plain; charset=utf-8"},
		{"quoted", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: `my "best" file.txt`}}}, nil,
			`attachment; filename="my \"best\" file.txt"`},
		{"empty value", MediaType{Type: "text", Subtype: "plain", Params: Params{{Name: "x", Value: ""}}}, nil,
			`text/plain; x=""`},
		{"rfc 2231", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: "résumé.pdf"}}}, nil,
			"attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"},
		{"rfc 2231 lang", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: "日本", Lang: "ja"}}}, nil,
			"attachment; filename*=utf-8'ja'%E6%97%A5%E6%9C%AC"},
		{"legacy 2047", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: "résumé.pdf"}}},
			&FormatOptions{Legacy2047: true},
			"attachment; filename=\"=?utf-8?B?csOpc3Vtw6kucGRm?=\"; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"},
		{"rfc 2231 in a requested charset", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: "日本語.txt", Charset: "ISO-2022-JP"}}}, nil,
			"attachment; filename*=ISO-2022-JP''%1B$BF|K%5C8l%1B%28B.txt"},
		{"requested charset that cannot", Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: "日本", Charset: "iso-8859-1"}}}, nil,
			"attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC"},
		{"control chars", MediaType{Type: "text", Subtype: "plain", Params: Params{{Name: "x", Value: "a\r\nb"}}}, nil,
			"text/plain; x*=utf-8''a%0D%0Ab"},
		{"bad name skipped", MediaType{Type: "text", Subtype: "plain", Params: Params{{Name: "a b", Value: "1"}, {Name: "x*", Value: "1"}, {Name: "ok", Value: "1"}}}, nil,
			"text/plain; ok=1"},
		{"folded", MediaType{Type: "multipart", Subtype: "mixed", Params: Params{{Name: "boundary", Value: strings.Repeat("b", 60)}, {Name: "charset", Value: "utf-8"}}},
			&FormatOptions{Fold: true, Column: len("Content-Type: ")},
			"multipart/mixed;\r\n\tboundary=" + strings.Repeat("b", 60) + ";\r\n\tcharset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			switch v := tt.in.(type) {
			case MediaType:
				got = v.Format(tt.opts)
			case Disposition:
				got = v.Format(tt.opts)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestFormatLongRoundTrip(t *testing.T) {
	values := []string{
		strings.Repeat("日本語のファイル名", 10) + ".pdf",
		strings.Repeat("A long ASCII file name with spaces and \"quotes\" ", 4) + ".txt",
		strings.Repeat("é", 120),
		strings.Repeat("x", 200),
		"short",
		strings.Repeat("シフトJISのファイル名", 6) + ".xls",
	}
	for _, legacy := range []bool{false, true} {
		for k, v := range values {
			cs := []string{"iso-2022-jp", "", "iso-8859-1", "", "", "shift_jis"}[k]
			d := Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: v, Charset: cs}, {Name: "size", Value: "12345"}}}
			opts := &FormatOptions{Fold: true, Column: len("Content-Disposition: "), Legacy2047: legacy}
			out := d.Format(opts)
			lines := strings.Split(out, "\r\n")
			for i, line := range lines {
				n := len(line)
				if i == 0 {
					n += opts.Column
				}
				require.LessOrEqual(t, n, 78, "%q", line)
			}
			back, err := ParseDisposition(out)
			require.NoError(t, err, out)
			require.Equal(t, v, back.Filename(), out)
			size, _ := back.Params.Get("size")
			require.Equal(t, "12345", size)
			if legacy && !printableASCII(v) {
				// The legacy duplicate alone decodes to the value too.
				i := strings.Index(out, "filename*")
				old, err := ParseDisposition(out[:i])
				require.NoError(t, err)
				require.Equal(t, v, old.Filename())
			}
		}
	}
}

// Fuzz crasher: a name holding "%" (a valid RFC 2045 token) was dropped by
// the formatter, so the round trip lost the parameter.
func TestFormatPercentName(t *testing.T) {
	// Also: an unknown charset label with "%" keeps its bytes on output.
	mt, err := ParseMediaType("0 title*0*=A%000''00\x99")
	var uce *UnknownCharsetError
	require.ErrorAs(t, err, &uce)
	require.Equal(t, "text/plain; title*=A%000''00%99; charset=us-ascii", mt.String())

	mt, err = ParseMediaType("0/000;00000%0=00000")
	require.NoError(t, err)
	require.Equal(t, "0/000; 00000%0=00000", mt.String())
}

func FuzzParseMediaType(f *testing.F) {
	for _, s := range []string{
		"text/plain; charset=utf-8",
		"message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub\"",
		"application/x-stuff; title*0*=us-ascii'en'This%20is; title*1*=%2A%2A; title*2=\"isn't it!\"",
		"attachment; filename*=iso-8859-1''r%E9sum%E9.pdf",
		`application/pdf; name="=?UTF-8?B?5pel5pys6Kqe?=.pdf"`,
		"text/plain charset=utf-8 format=flowed", "text", "", `a/b; c="d`, "a/b; x*=''%FF",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mt, err := ParseMediaType(s)
		if err != nil {
			var ws Warnings
			var uce *UnknownCharsetError
			var le *LimitError
			require.True(t, errors.As(err, &ws) || errors.As(err, &uce) || errors.As(err, &le), "%T", err)
		}
		require.NotEmpty(t, mt.Type)
		require.NotEmpty(t, mt.Subtype)
		out := mt.Format(&FormatOptions{Fold: true, Column: 14})
		mt2, err := ParseMediaType(out)
		var uce *UnknownCharsetError
		if err != nil && !errors.As(err, &uce) {
			t.Fatalf("reparse of %q: %v", out, err)
		}
		require.Equal(t, mt.Type, mt2.Type)
		require.Equal(t, mt.Subtype, mt2.Subtype)
		require.Equal(t, len(mt.Params), len(mt2.Params), "%q", out)
		for i := range mt.Params {
			require.Equal(t, mt.Params[i].Name, mt2.Params[i].Name)
			want := mt.Params[i].Value
			if !utf8.ValidString(want) && !strings.Contains(out, mt.Params[i].Name+"*") {
				continue
			}
			if !utf8.ValidString(want) && !validExtCharset(mt.Params[i].Charset) {
				want = strings.ToValidUTF8(want, "\uFFFD")
			}
			require.Equal(t, want, mt2.Params[i].Value, "%q", out)
		}
	})
}

// Fuzz crasher: an empty value beside a name too long for one line was
// dropped by the formatter.
func TestFormatEmptyValueLongName(t *testing.T) {
	name := strings.Repeat("0", 74)
	d, err := ParseDisposition(name + "=")
	checkWarns(t, []WarningCode{WarnInvalidMediaType, WarnParamNoValue}, err)
	require.Equal(t, "attachment; "+name+`=""`, d.String())
}

func FuzzParseDisposition(f *testing.F) {
	for _, s := range []string{
		`attachment; filename="report.pdf"`,
		"attachment; filename*=iso-8859-1''r%E9sum%E9.pdf",
		"attachment; filename*0*=ISO-2022-JP''%1B%24BF%7CK; filename*1*=%5C8l%1B%28B.txt",
		`attachment; filename*1="b"; filename*0="a"`,
		"; filename=a.txt", "inline", `attachment; filename="=?UTF-8?B?5pel5pys6Kqe?=.pdf"`,
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, legacy bool) {
		d, err := ParseDisposition(s)
		if err != nil {
			var ws Warnings
			var uce *UnknownCharsetError
			var le *LimitError
			require.True(t, errors.As(err, &ws) || errors.As(err, &uce) || errors.As(err, &le), "%T", err)
		}
		require.NotEmpty(t, d.Type)
		out := d.Format(&FormatOptions{Fold: true, Column: 21, Legacy2047: legacy})
		d2, err := ParseDisposition(out)
		var uce *UnknownCharsetError
		if err != nil && !errors.As(err, &uce) {
			t.Fatalf("reparse of %q: %v", out, err)
		}
		require.Equal(t, d.Type, d2.Type)
		require.Equal(t, len(d.Params), len(d2.Params), "%q", out)
		for i, p := range d.Params {
			require.Equal(t, p.Name, d2.Params[i].Name)
			if utf8.ValidString(p.Value) {
				require.Equal(t, p.Value, d2.Params[i].Value, "%q", out)
			}
		}
	})
}

func TestParamsEdit(t *testing.T) {
	var p Params
	p.Set("Charset", "utf-8")
	p.Set("format", "flowed")
	p.Set("CHARSET", "iso-8859-1") // replaces, keeps the original name
	require.Equal(t, Params{{Name: "charset", Value: "iso-8859-1"}, {Name: "format", Value: "flowed"}}, p)
	v, ok := p.Get("Format")
	require.True(t, ok)
	require.Equal(t, "flowed", v)
	_, ok = p.Lookup("missing")
	require.False(t, ok)
	p = append(p, Param{Name: "format", Value: "x"})
	p.Del("FORMAT")
	require.Equal(t, Params{{Name: "charset", Value: "iso-8859-1"}}, p)
	require.Equal(t, "; charset=iso-8859-1", FormatParams(p, nil))
	// Folding counts the column the parameters start at.
	long := Params{{Name: "a", Value: strings.Repeat("x", 60)}, {Name: "b", Value: "y"}}
	require.Equal(t, ";\r\n\ta="+strings.Repeat("x", 60)+"; b=y", FormatParams(long, &FormatOptions{Fold: true, Column: 30}))
	require.Equal(t, "; a="+strings.Repeat("x", 60)+"; b=y", FormatParams(long, &FormatOptions{Fold: true}))
	require.Equal(t, "UTF-7", UTF7.(interface{ String() string }).String())
}

func TestManySectionsOfOneParamReadBack(t *testing.T) {
	// A long value formats into hundreds of RFC 2231 sections; they are one
	// parameter and must read back under the default limits.
	long := strings.Repeat("日本語のファイル名", 240)
	d := Disposition{Type: "attachment", Params: Params{{Name: "filename", Value: long, Charset: "utf-8"}}}
	formatted := d.String()
	require.Greater(t, strings.Count(formatted, "filename*"), DefaultMaxParams)
	got, err := ParseDisposition(formatted)
	require.NoError(t, err)
	v, ok := got.Params.Get("filename")
	require.True(t, ok)
	require.Equal(t, long, v)

	// Repeated later sections are still bounded in all.
	bomb := "attachment; a*0=x" + strings.Repeat("; a*1=y", 100000)
	_, err = ParseDisposition(bomb)
	var le *LimitError
	require.ErrorAs(t, err, &le)
}
