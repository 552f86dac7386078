package mime

import (
	"strings"
)

// MediaType is a parsed Content-Type value (RFC 2045 section 5, RFC 2046).
type MediaType struct {
	Type    string // lower case, such as "text"
	Subtype string // lower case, such as "plain"
	Params  Params
}

// Disposition is a parsed Content-Disposition value (RFC 2183).
type Disposition struct {
	Type   string // lower case, such as "attachment" or "inline"
	Params Params
}

// ParseMediaType parses a Content-Type field value with the default
// options. See ParseMediaTypeOptions.
func ParseMediaType(s string) (MediaType, error) {
	return ParseMediaTypeOptions(s, nil)
}

// defaultSubtype fills in "type" without "/subtype" (QUIRK, with a warning).
var defaultSubtype = map[string]string{
	"text": "plain", "multipart": "mixed", "message": "rfc822", "application": "octet-stream",
}

// ParseMediaTypeOptions parses a Content-Type field value such as
// `text/plain; charset="utf-8"`. The type, subtype and parameter names are
// lower-cased; comments are skipped; parameter values are fully decoded
// (quoted strings, RFC 2231 sections, charsets and languages, RFC 2047 words
// inside values).
//
// The returned MediaType is always usable. For broken input the error is a
// Warnings list (use errors.As; at most 64 warnings), possibly joined with an
// *UnknownCharsetError and, when MaxParams was hit, a *LimitError. A value
// whose type cannot be read becomes text/plain; charset=us-ascii, the default
// of RFC 2045 section 5.2, with a WarnInvalidMediaType warning.
func ParseMediaTypeOptions(s string, opts *ParseOptions) (MediaType, error) {
	var buf [8]rawParam
	p := paramParser{s: s, opts: opts}
	var mt MediaType
	p.skipCFWS()
	start := p.i
	typ := p.token()
	p.skipCFWS()
	sub := ""
	if p.i < len(p.s) && p.s[p.i] == '/' {
		p.i++
		p.skipCFWS()
		sub = p.token()
		p.skipCFWS()
	}
	typ, sub = strings.ToLower(typ), strings.ToLower(sub)
	switch {
	case typ == "":
		p.warn(WarnInvalidMediaType, start, "")
	case sub == "" && defaultSubtype[typ] != "":
		p.warn(WarnMissingSubtype, start, typ)
		mt.Type, mt.Subtype = typ, defaultSubtype[typ]
	case sub == "":
		p.warn(WarnInvalidMediaType, start, typ)
	default:
		mt.Type, mt.Subtype = typ, sub
	}
	if typ != "" && p.i < len(p.s) && p.s[p.i] != ';' && !looksLikeParam(p.s[p.i:]) {
		// text/plain/x, text/plain garbage: skip to the parameters.
		p.warn(WarnTrailingGarbage, p.i, "")
		p.skipTo(';')
	}
	mt.Params = p.assemble(p.params(buf[:0]))
	if mt.Type == "" {
		// RFC 2045 section 5.2.
		mt.Type, mt.Subtype = "text", "plain"
		if _, ok := mt.Params.Get("charset"); !ok {
			mt.Params = append(mt.Params, Param{Name: "charset", Value: "us-ascii"})
		}
	}
	return mt, p.err()
}

// ParseDisposition parses a Content-Disposition field value with the
// default options. See ParseDispositionOptions.
func ParseDisposition(s string) (Disposition, error) {
	return ParseDispositionOptions(s, nil)
}

// ParseDispositionOptions parses a Content-Disposition field value (RFC
// 2183), with the same parameter handling and error convention as
// ParseMediaTypeOptions, for example:
//
//	attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
//
// A missing or invalid type becomes "attachment" (RFC 2183 section 2.8) with
// a WarnInvalidMediaType warning.
func ParseDispositionOptions(s string, opts *ParseOptions) (Disposition, error) {
	var buf [8]rawParam
	p := paramParser{s: s, opts: opts}
	var d Disposition
	p.skipCFWS()
	start := p.i
	if !looksLikeParam(p.s[p.i:]) {
		d.Type = strings.ToLower(p.token())
		p.skipCFWS()
	}
	if d.Type == "" {
		p.warn(WarnInvalidMediaType, start, "")
		d.Type = "attachment"
	}
	if p.i < len(p.s) && p.s[p.i] != ';' && !looksLikeParam(p.s[p.i:]) {
		p.warn(WarnTrailingGarbage, p.i, "")
		p.skipTo(';')
	}
	d.Params = p.assemble(p.params(buf[:0]))
	return d, p.err()
}

// Filename returns the "filename" parameter, falling back to "name" (which
// older mailers put in Content-Type instead).
func (d Disposition) Filename() string {
	if v, ok := d.Params.Get("filename"); ok {
		return v
	}
	v, _ := d.Params.Get("name")
	return v
}

// String formats d on one line; see FormatParams.
func (d Disposition) String() string { return d.Format(nil) }

// Format formats d with the given options.
func (d Disposition) Format(opts *FormatOptions) string {
	var b strings.Builder
	b.Grow(len(d.Type) + paramsLen(d.Params))
	b.WriteString(d.Type)
	writeParams(&b, d.Params, opts, len(d.Type))
	return b.String()
}

// paramsLen estimates the formatted length of params.
func paramsLen(params Params) int {
	n := 0
	for i := range params {
		n += len(params[i].Name) + len(params[i].Value) + 5
	}
	return n
}

// Essence returns "type/subtype".
func (m MediaType) Essence() string { return m.Type + "/" + m.Subtype }

// Charset returns the lower-cased charset parameter, or "".
func (m MediaType) Charset() string {
	v, _ := m.Params.Get("charset")
	return normCharset(v)
}

// String formats m on one line; see FormatParams.
func (m MediaType) String() string { return m.Format(nil) }

// Format formats m with the given options.
func (m MediaType) Format(opts *FormatOptions) string {
	var b strings.Builder
	b.Grow(len(m.Type) + len(m.Subtype) + 1 + paramsLen(m.Params))
	b.WriteString(m.Type)
	b.WriteByte('/')
	b.WriteString(m.Subtype)
	writeParams(&b, m.Params, opts, len(m.Type)+1+len(m.Subtype))
	return b.String()
}
