package mime

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Warning codes for media types and parameters (RFC 2045 section 5.1,
// RFC 2231).
const (
	// WarnInvalidMediaType: the type was missing or not a token; the RFC
	// 2045 section 5.2 default (text/plain, or attachment for a
	// disposition) was used.
	WarnInvalidMediaType WarningCode = "invalid-media-type"
	// WarnMissingSubtype: "type" without "/subtype"; a default subtype
	// was filled in.
	WarnMissingSubtype WarningCode = "missing-subtype"
	// WarnMissingSemicolon: a parameter was not preceded by ";".
	WarnMissingSemicolon WarningCode = "missing-semicolon"
	// WarnUnquotedSpecial: an unquoted value held tspecials.
	WarnUnquotedSpecial WarningCode = "unquoted-special"
	// WarnUnquotedSpace: an unquoted value held blanks; they were kept.
	WarnUnquotedSpace WarningCode = "unquoted-space"
	// WarnUnterminatedQuote: a quoted string ran to the end of the input.
	WarnUnterminatedQuote WarningCode = "unterminated-quote"
	// WarnUnterminatedComment: a comment ran to the end of the input.
	WarnUnterminatedComment WarningCode = "unterminated-comment"
	// WarnTrailingGarbage: text that fits nowhere was skipped, or text
	// after a closing quote was appended to the value.
	WarnTrailingGarbage WarningCode = "trailing-garbage"
	// WarnDuplicateParam: a parameter (or RFC 2231 section) appeared more
	// than once; the first one was kept.
	WarnDuplicateParam WarningCode = "duplicate-parameter"
	// WarnParamNoValue: a parameter name without "=value" was skipped.
	WarnParamNoValue WarningCode = "parameter-without-value"
	// WarnBadParamName: a parameter name with a "*" that is not RFC 2231
	// syntax was skipped.
	WarnBadParamName WarningCode = "invalid-parameter-name"
	// WarnContinuationGap: RFC 2231 sections did not run 0, 1, 2, ...;
	// the sections present were joined in order.
	WarnContinuationGap WarningCode = "continuation-gap"
	// WarnBadExtValue: an RFC 2231 extended value lacked its charset'lang'
	// prefix or held a bad %-escape; it was decoded as well as possible.
	WarnBadExtValue WarningCode = "invalid-extended-value"
	// WarnNonUTF8Param: a raw parameter value was not valid UTF-8; its
	// bytes were kept.
	WarnNonUTF8Param WarningCode = "8bit-parameter"
)

// Default limits of ParseOptions.
const (
	DefaultMaxParams   = 256
	DefaultMaxSections = 1000
)

// ParseOptions configures ParseMediaTypeOptions and ParseDispositionOptions.
// A nil *ParseOptions means the defaults.
type ParseOptions struct {
	// Charsets resolves RFC 2231 and RFC 2047 charsets; nil means
	// LookupCharset.
	Charsets CharsetLookup
	// MaxParams bounds the parameters read; the later RFC 2231 sections
	// of a parameter do not count, but all pieces together stay under
	// MaxParams+MaxSections. Default DefaultMaxParams (256). Beyond it
	// parsing stops and the error includes a *LimitError.
	MaxParams int
	// MaxSections bounds RFC 2231 section numbers; sections above it are
	// skipped with a warning. Default DefaultMaxSections (1000).
	MaxSections int
}

func (o *ParseOptions) maxParams() int {
	if o == nil || o.MaxParams <= 0 {
		return DefaultMaxParams
	}
	return o.MaxParams
}

func (o *ParseOptions) maxSections() int {
	if o == nil || o.MaxSections <= 0 {
		return DefaultMaxSections
	}
	return o.MaxSections
}

func (o *ParseOptions) charsets() CharsetLookup {
	if o == nil {
		return nil
	}
	return o.Charsets
}

// Param is one parameter of a media type or disposition.
type Param struct {
	Name    string // lower case, without RFC 2231 "*" suffixes
	Value   string // fully decoded, UTF-8 unless the charset was unknown
	Charset string // RFC 2231 charset of the value, or empty
	Lang    string // RFC 2231 language of the value, or empty
}

// Params is an ordered parameter list. Parsing yields one entry per name.
type Params []Param

// Get returns the value of the named parameter; names are case-insensitive.
func (p Params) Get(name string) (string, bool) {
	for i := range p {
		if strings.EqualFold(p[i].Name, name) {
			return p[i].Value, true
		}
	}
	return "", false
}

// Lookup returns the named parameter with its RFC 2231 charset and language.
func (p Params) Lookup(name string) (Param, bool) {
	for i := range p {
		if strings.EqualFold(p[i].Name, name) {
			return p[i], true
		}
	}
	return Param{}, false
}

// Set replaces the value of the named parameter, or appends it.
func (p *Params) Set(name, value string) {
	for i := range *p {
		if strings.EqualFold((*p)[i].Name, name) {
			(*p)[i] = Param{Name: (*p)[i].Name, Value: value}
			return
		}
	}
	*p = append(*p, Param{Name: strings.ToLower(name), Value: value})
}

// Del removes every parameter with the given name.
func (p *Params) Del(name string) {
	out := (*p)[:0]
	for _, x := range *p {
		if !strings.EqualFold(x.Name, name) {
			out = append(out, x)
		}
	}
	*p = out
}

// rawParam is one name=value pair as read, before RFC 2231 assembly.
type rawParam struct {
	base     string // lower-case name without suffixes
	section  int    // RFC 2231 section, or -1
	extended bool   // name ended in "*"
	value    string // unquoted value
	off      int
}

// paramParser reads a header value (RFC 2045 section 5.1 with leniency).
type paramParser struct {
	s       string
	i       int
	opts    *ParseOptions
	warns   Warnings
	unknown *UnknownCharsetError
	limit   *LimitError
}

func (p *paramParser) warn(code WarningCode, off int, detail string) {
	if len(p.warns) < maxWarnings { // bound the list on hostile input
		p.warns = append(p.warns, &Warning{Code: code, Offset: off, Detail: detail})
	}
}

func (p *paramParser) err() error {
	var errs []error
	if len(p.warns) > 0 {
		errs = append(errs, p.warns)
	}
	if p.unknown != nil {
		errs = append(errs, p.unknown)
	}
	if p.limit != nil {
		errs = append(errs, p.limit)
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// skipCFWS skips blanks, folding and RFC 822 comments.
func (p *paramParser) skipCFWS() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case isLWSPByte(c):
			p.i++
		case c == '(':
			p.skipComment()
		default:
			return
		}
	}
}

func (p *paramParser) skipComment() {
	start, depth := p.i, 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				p.i++
				return
			}
		}
		p.i++
	}
	p.i = len(p.s)
	p.warn(WarnUnterminatedComment, start, "")
}

// token reads RFC 2045 token characters.
func (p *paramParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// params reads "; name=value" pairs to the end of the input and appends
// them to raws. (raws is passed around, not kept in p, so that a caller's
// stack buffer does not escape with p's warnings.)
func (p *paramParser) params(raws []rawParam) []rawParam {
	sep := true // a ";" was seen since the last parameter
	params := 0 // parameters read, not counting later RFC 2231 sections
	for {
		p.skipCFWS()
		if p.i >= len(p.s) {
			return raws
		}
		if p.s[p.i] == ';' {
			p.i++
			sep = true
			continue
		}
		start := p.i
		name := p.token()
		if name == "" {
			p.warn(WarnTrailingGarbage, start, "")
			p.skipTo(';')
			continue
		}
		if !sep {
			// QUIRK: "text/plain charset=x" is read as if the ";" were there.
			p.warn(WarnMissingSemicolon, start, "")
		}
		sep = false
		p.skipCFWS()
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			p.warn(WarnParamNoValue, start, name)
			p.skipTo(';')
			continue
		}
		p.i++
		p.skipCFWS()
		value := p.value()
		// Later RFC 2231 sections of a parameter do not count as
		// parameters, so that what FormatParams writes for one long value
		// always reads back; all pieces together stay bounded.
		later := isLaterSection(name)
		if !later && params >= p.opts.maxParams() ||
			len(raws) >= p.opts.maxParams()+p.opts.maxSections() {
			p.limit = &LimitError{Limit: "MaxParams", Max: int64(p.opts.maxParams())}
			p.i = len(p.s)
			return raws
		}
		if !later {
			params++
		}
		raws = p.addRaw(raws, name, value, start)
	}
}

// isLaterSection reports whether name is an RFC 2231 section other than the
// first: "name*1", "name*2*", and so on.
func isLaterSection(name string) bool {
	k := strings.IndexByte(name, '*')
	if k < 0 {
		return false
	}
	n := strings.TrimSuffix(name[k+1:], "*")
	if n == "" || n == "0" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// skipTo advances to the next unquoted c (or the end).
func (p *paramParser) skipTo(c byte) {
	for p.i < len(p.s) && p.s[p.i] != c {
		if p.s[p.i] == '"' {
			p.quoted()
			continue
		}
		p.i++
	}
}

// addRaw splits the RFC 2231 suffixes off name and records the pair.
func (p *paramParser) addRaw(raws []rawParam, name, value string, off int) []rawParam {
	r := rawParam{section: -1, value: value, off: off}
	base := name
	if k := strings.IndexByte(name, '*'); k >= 0 {
		base = name[:k]
		rest := name[k+1:]
		if rest == "" {
			r.extended = true // name*
		} else {
			if strings.HasSuffix(rest, "*") {
				r.extended = true // name*N*
				rest = rest[:len(rest)-1]
			}
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || rest[0] == '+' || rest[0] == '-' || base == "" {
				p.warn(WarnBadParamName, off, name)
				return raws
			}
			if n > p.opts.maxSections() {
				p.warn(WarnContinuationGap, off, name)
				return raws
			}
			r.section = n
		}
		if base == "" {
			p.warn(WarnBadParamName, off, name)
			return raws
		}
	}
	r.base = strings.ToLower(base)
	return append(raws, r)
}

// value reads a quoted or (leniently) unquoted value.
func (p *paramParser) value() string {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		v := p.quoted()
		return p.afterQuote(v)
	}
	start := p.i
	v := p.unquotedRun()
	spaced := false
	for {
		// Look past blanks: a ";", a comment, the end or "name=" ends
		// the value; anything else was meant to be part of it.
		j := p.i
		for j < len(p.s) && isLWSPByte(p.s[j]) {
			j++
		}
		if j == p.i || j >= len(p.s) || p.s[j] == ';' || p.s[j] == '(' || p.s[j] == '"' ||
			looksLikeParam(p.s[j:]) {
			break
		}
		// QUIRK: "name=my file.pdf" keeps the blank inside the value.
		p.i = j
		p.unquotedRun()
		v = p.s[start:p.i]
		spaced = true
	}
	if spaced {
		p.warn(WarnUnquotedSpace, start, "")
	}
	if v == "" {
		p.warn(WarnParamNoValue, start, "empty value")
	}
	// QUIRK: tspecials in an unquoted value ("boundary=----=_x") are kept.
	for k := 0; k < len(v); k++ {
		if c := v[k]; c != ' ' && c != '\t' && !isTokenChar(c) {
			p.warn(WarnUnquotedSpecial, start+k, "")
			break
		}
	}
	return v
}

// unquotedRun reads to the next blank, ";" or quote.
func (p *paramParser) unquotedRun() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ';' || c == '"' || isLWSPByte(c) {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// looksLikeParam reports whether s starts with "token =".
func looksLikeParam(s string) bool {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i < len(s) && s[i] == '='
}

// quoted reads an RFC 822 quoted-string at p.i, undoing escapes and
// folding. It allocates only when the string holds escapes or folding.
func (p *paramParser) quoted() string {
	start := p.i
	p.i++
	j := p.i
	for j < len(p.s) && p.s[j] != '"' && p.s[j] != '\\' && p.s[j] != '\r' && p.s[j] != '\n' {
		j++
	}
	if j < len(p.s) && p.s[j] == '"' {
		p.i = j + 1
		return p.s[start+1 : j]
	}
	var b strings.Builder
	b.WriteString(p.s[start+1 : j])
	for j < len(p.s) {
		c := p.s[j]
		switch {
		case c == '"':
			p.i = j + 1
			return b.String()
		case c == '\\' && j+1 < len(p.s):
			b.WriteByte(p.s[j+1])
			j += 2
			continue
		case c == '\r' || c == '\n':
			// Unfold: RFC 5322 section 3.2.2, CRLF before WSP is removed.
		default:
			b.WriteByte(c)
		}
		j++
	}
	p.i = len(p.s)
	p.warn(WarnUnterminatedQuote, start, "")
	return b.String()
}

// afterQuote handles text after a closing quote up to the next ";": blanks
// and comments are fine, "name=" means a missing ";", anything else is
// appended to the value (as in filename="report".pdf).
func (p *paramParser) afterQuote(v string) string {
	j := p.i
	for j < len(p.s) && isLWSPByte(p.s[j]) {
		j++
	}
	if j >= len(p.s) || p.s[j] == ';' || p.s[j] == '(' || looksLikeParam(p.s[j:]) {
		return v
	}
	// QUIRK: text after the closing quote is appended, not dropped.
	start := p.i
	p.skipTo(';')
	p.warn(WarnTrailingGarbage, start, "")
	return v + strings.TrimRight(strings.ReplaceAll(p.s[start:p.i], `"`, ""), " \t\r\n")
}

// assemble turns the raw pairs into Params: duplicates dropped (first
// wins), RFC 2231 sections joined, extended values and RFC 2047 words
// decoded.
func (p *paramParser) assemble(raws []rawParam) Params {
	if len(raws) == 0 {
		return nil
	}
	out := make(Params, 0, len(raws))
	for i := range raws {
		r := &raws[i]
		if r.base == "" {
			continue // consumed by an earlier name
		}
		if !sameBaseLater(raws, i) {
			out = append(out, p.simple(r))
			continue
		}
		out = append(out, p.combine(raws, i))
	}
	return out
}

// sameBaseLater reports whether another raw pair after i has r's name.
func sameBaseLater(raws []rawParam, i int) bool {
	for j := i + 1; j < len(raws); j++ {
		if raws[j].base == raws[i].base {
			return true
		}
	}
	return false
}

// simple decodes a parameter that appears once.
func (p *paramParser) simple(r *rawParam) Param {
	if r.section >= 0 {
		return p.joinSections(r.base, []rawParam{*r})
	}
	if r.extended {
		return p.extValue(r.base, r.value, r.off)
	}
	return p.plainValue(r.base, r.value, r.off)
}

// combine merges every pair named like raws[i] and marks them used.
func (p *paramParser) combine(raws []rawParam, i int) Param {
	base := raws[i].base
	var plain, ext *rawParam
	var sections []rawParam
	for j := i; j < len(raws); j++ {
		r := &raws[j]
		if r.base != base {
			continue
		}
		switch {
		case r.section >= 0:
			sections = append(sections, *r)
		case r.extended && ext == nil:
			ext = r
		case !r.extended && plain == nil:
			plain = r
		default:
			// QUIRK: a repeated parameter is not an error; the first wins.
			p.warn(WarnDuplicateParam, r.off, base)
		}
		if j > i {
			r.base = ""
		}
	}
	// RFC 2231 forms beat the plain one, which old clients read.
	switch {
	case len(sections) > 0:
		if ext != nil {
			p.warn(WarnDuplicateParam, ext.off, base)
		}
		return p.joinSections(base, sections)
	case ext != nil:
		return p.extValue(base, ext.value, ext.off)
	}
	return p.plainValue(base, plain.value, plain.off)
}

// plainValue decodes RFC 2047 words (QUIRK: legacy clients put them in
// parameter values, which RFC 2047 section 5 forbids).
func (p *paramParser) plainValue(name, v string, off int) Param {
	if strings.Contains(v, "=?") {
		dec, _, uce := decodeWords(v, p.opts.charsets())
		if uce != nil && p.unknown == nil {
			p.unknown = uce
		}
		v = dec
	}
	if !utf8.ValidString(v) {
		p.warn(WarnNonUTF8Param, off, name)
	}
	return Param{Name: name, Value: v}
}

// extValue decodes an RFC 2231 section 4 value: charset'lang'%XX...
func (p *paramParser) extValue(name, v string, off int) Param {
	cs, lang, rest, ok := splitExt(v)
	if !ok {
		// QUIRK: without charset'lang' the value is still %-decoded.
		p.warn(WarnBadExtValue, off, name)
	}
	b := p.pctDecode(nil, rest, off)
	return p.decodeExt(name, cs, lang, b, off)
}

// splitExt splits charset'lang'text; without the quotes the whole is text.
func splitExt(v string) (cs, lang, rest string, ok bool) {
	i := strings.IndexByte(v, '\'')
	if i < 0 {
		return "", "", v, false
	}
	j := strings.IndexByte(v[i+1:], '\'')
	if j < 0 {
		return "", "", v, false
	}
	return v[:i], v[i+1 : i+1+j], v[i+j+2:], true
}

func (p *paramParser) pctDecode(dst []byte, s string, off int) []byte {
	bad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 < len(s) && ewIsHex(s[i+1]) && ewIsHex(s[i+2]) {
				dst = append(dst, ewUnhex(s[i+1])<<4|ewUnhex(s[i+2]))
				i += 2
				continue
			}
			bad = true
		}
		dst = append(dst, c)
	}
	if bad {
		p.warn(WarnBadExtValue, off, "bad %-escape")
	}
	return dst
}

// decodeExt converts the bytes of an extended value from its charset.
func (p *paramParser) decodeExt(name, cs, lang string, b []byte, off int) Param {
	prm := Param{Name: name, Charset: cs, Lang: lang}
	if cs == "" {
		// No charset: UTF-8 if it is, else the us-ascii (cp1252) quirk.
		if utf8.Valid(b) {
			prm.Value = string(b)
		} else {
			prm.Value, _ = DecodeCharset("us-ascii", b, nil)
		}
		return prm
	}
	v, err := DecodeCharset(cs, b, p.opts.charsets())
	if uce, ok := err.(*UnknownCharsetError); ok {
		if p.unknown == nil {
			p.unknown = uce
		}
		p.warn(WarnUnknownCharset, off, cs)
	} else if err != nil {
		p.warn(WarnCharsetDecode, off, err.Error())
	}
	prm.Value = v
	return prm
}

// joinSections implements RFC 2231 section 3 (with section 4.1): the
// sections are sorted, joined as bytes (percent-decoded where marked "*"),
// then converted from the charset named in section 0.
func (p *paramParser) joinSections(name string, secs []rawParam) Param {
	slices.SortStableFunc(secs, func(a, b rawParam) int { return cmp.Compare(a.section, b.section) })
	n := 0
	for k := range secs {
		n += len(secs[k].value)
	}
	buf := make([]byte, 0, n)
	cs, lang := "", ""
	next := 0
	for k := range secs {
		s := &secs[k]
		if k > 0 && s.section == secs[k-1].section {
			p.warn(WarnDuplicateParam, s.off, name)
			continue
		}
		if s.section != next {
			// QUIRK: missing sections are skipped, not fatal.
			p.warn(WarnContinuationGap, s.off, name)
		}
		next = s.section + 1
		if !s.extended {
			buf = append(buf, s.value...)
			continue
		}
		text := s.value
		if k == 0 && s.section == 0 {
			var ok bool
			cs, lang, text, ok = splitExt(text)
			if !ok {
				p.warn(WarnBadExtValue, s.off, name)
			}
		}
		buf = p.pctDecode(buf, text, s.off)
	}
	return p.decodeExt(name, cs, lang, buf, secs[0].off)
}
