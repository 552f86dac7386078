package mime

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// maxParamPiece bounds one "name=value" piece so that a folded line
// ("\t" + piece + ";") stays within 78 columns (RFC 5322 section 2.1.1).
const maxParamPiece = 76

// FormatOptions configures how parameters are written. A nil *FormatOptions
// means the zero value: one line, RFC 2231 only.
type FormatOptions struct {
	// Legacy2047 also writes, before each RFC 2231 parameter, a plain one
	// with an RFC 2047 encoded value (name="=?utf-8?B?...?="), which
	// clients that predate RFC 2231 display. RFC-aware readers, this
	// package included, prefer the RFC 2231 form.
	Legacy2047 bool
	// Fold breaks the line (CRLF and a tab) before a parameter that would
	// pass column 78, so the result can be written as a header field.
	Fold bool
	// Column is where the value starts on its line, such as
	// len("Content-Type: "); used with Fold.
	Column int
}

// FormatParams writes params as "; name=value" pairs (RFC 2045 section
// 5.1): a token as is, other printable ASCII quoted, and anything else in
// RFC 2231 form, with the parameter's Lang and in its Charset when that can
// represent the value (else utf-8; a value that is not UTF-8, as left by an
// unknown charset, keeps its bytes and label). A value whose piece would pass 78 columns is
// split into RFC 2231 continuations. Parameters whose name is not a token
// without "*" are skipped, so the output is always well formed.
func FormatParams(params Params, opts *FormatOptions) string {
	var b strings.Builder
	writeParams(&b, params, opts, 0)
	return b.String()
}

// paramWriter tracks the line being written.
type paramWriter struct {
	b    *strings.Builder
	fold bool
	col  int
}

// piece writes "; " (or a fold) and the concatenation of a, b, c and d.
func (w *paramWriter) piece(a, b, c, d string) {
	n := len(a) + len(b) + len(c) + len(d)
	if w.fold && w.col+2+n > 78 {
		w.b.WriteString(";\r\n\t")
		w.col = 1
	} else {
		w.b.WriteString("; ")
		w.col += 2
	}
	w.b.WriteString(a)
	w.b.WriteString(b)
	w.b.WriteString(c)
	w.b.WriteString(d)
	w.col += n
}

func writeParams(b *strings.Builder, params Params, opts *FormatOptions, col int) {
	w := paramWriter{b: b, col: col}
	legacy := false
	if opts != nil {
		w.fold, legacy = opts.Fold, opts.Legacy2047
		w.col += opts.Column
	}
	for _, p := range params {
		if !validParamName(p.Name) {
			continue
		}
		v := p.Value
		switch {
		case isToken(v) && len(p.Name)+1+len(v) <= maxParamPiece:
			w.piece(p.Name, "=", v, "")
		case printableASCII(v):
			w.quotedPieces(p.Name, v)
		default:
			if legacy {
				w.legacyPiece(p.Name, v)
			}
			w.extPieces(p)
		}
	}
}

// validParamName accepts RFC 2045 tokens without "*", which RFC 2231
// reserves for its suffixes.
func validParamName(n string) bool {
	return isToken(n) && strings.IndexByte(n, '*') < 0
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func quoteValue(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	return quotePhrase(s)
}

// quotedPieces writes name="v", or RFC 2231 section 3 continuations
// name*0="..."; name*1="..." when that is too long.
func (w *paramWriter) quotedPieces(name, v string) {
	if !strings.ContainsAny(v, `"\`) && len(name)+3+len(v) <= maxParamPiece {
		w.piece(name, `="`, v, `"`)
		return
	}
	if q := quoteValue(v); len(name)+1+len(q) <= maxParamPiece || v == "" {
		w.piece(name, "=", q, "")
		return
	}
	for n := 0; v != ""; n++ {
		prefix := name + "*" + strconv.Itoa(n) + "="
		room := maxParamPiece - len(prefix) - 2
		k, size := 0, 0
		for k < len(v) {
			c := 1
			if v[k] == '"' || v[k] == '\\' {
				c = 2
			}
			if size+c > room && k > 0 {
				break
			}
			size += c
			k++
		}
		w.piece(prefix, quoteValue(v[:k]), "", "")
		v = v[k:]
	}
}

// legacyPiece writes name="=?utf-8?B?...?=", breaking between the encoded
// words when folding.
func (w *paramWriter) legacyPiece(name, v string) {
	// Short words, so that the first fits beside name=" on a folded line.
	limit := min(maxEncodedWord, maxParamPiece-len(name)-3)
	if limit < 24 {
		return // a name this long leaves no room; RFC 2231 alone it is
	}
	enc := WordEncoder{Mode: 'B'}
	words := strings.Split(enc.encode(strings.ToValidUTF8(v, "\uFFFD"), false, limit), " ")
	first := name + `="`
	for i, word := range words {
		word = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(word)
		if i == len(words)-1 {
			word += `"`
		}
		if i == 0 {
			w.piece(first, word, "", "")
			continue
		}
		// Folding whitespace inside a quoted string unfolds to the blank
		// that RFC 2047 section 6.2 drops between encoded words.
		if w.fold && w.col+1+len(word) > 78 {
			w.b.WriteString("\r\n\t")
			w.col = 1
		} else {
			w.b.WriteByte(' ')
			w.col++
		}
		w.b.WriteString(word)
		w.col += len(word)
	}
}

// validExtCharset reports whether cs can be written as the charset of an
// RFC 2231 extended value.
func validExtCharset(cs string) bool {
	return isToken(cs) && strings.IndexByte(cs, '\'') < 0
}

// isAttrChar reports RFC 2231 section 7 attribute-char.
func isAttrChar(c byte) bool {
	return isTokenChar(c) && c != '*' && c != '\'' && c != '%'
}

// extPieces writes RFC 2231 name*=charset'lang'%XX, split into name*0*=,
// name*1*=, ... sections when long, never inside a character.
func (w *paramWriter) extPieces(p Param) {
	cs, val := "utf-8", p.Value
	var charset encoding.Encoding // nil: val's bytes are written as they are
	switch {
	case !utf8.ValidString(val) && validExtCharset(p.Charset):
		cs = p.Charset // undecoded bytes of an unknown charset keep their label
	case !utf8.ValidString(val):
		val = strings.ToValidUTF8(val, "\uFFFD")
	case validExtCharset(p.Charset) && !isUTF8Label(p.Charset):
		// Honour a requested charset (say iso-2022-jp for old Japanese
		// clients) when it can represent the value.
		if e, ok := LookupCharset(p.Charset); ok {
			if _, ok := encodeCharset(e, []byte(val)); ok {
				cs, charset = p.Charset, e
			}
		}
	}
	lang := p.Lang
	if !isToken(lang) || strings.ContainsAny(lang, "*'%") {
		lang = ""
	}
	head := cs + "'" + lang + "'"
	whole := pctEncode(charset, val)
	if len(p.Name)+2+len(head)+len(whole) <= maxParamPiece {
		w.piece(p.Name, "*=", head, whole)
		return
	}
	// RFC 2231 section 4.1 lets sections split bytes anywhere, but some
	// readers (Python's email package) decode each section alone, so each
	// section holds whole characters, and in a stateful charset such as
	// iso-2022-jp each is encoded on its own (ending in ASCII mode).
	for n := 0; val != ""; n++ {
		prefix := p.Name + "*" + strconv.Itoa(n) + "*="
		if n == 0 {
			prefix += head
		}
		k, chunk := fitSection(charset, val, maxParamPiece-len(prefix), cs == "utf-8")
		w.piece(prefix, chunk, "", "")
		val = val[k:]
	}
}

// fitSection returns how many bytes of val (whole characters, at least one)
// fit in room once encoded, and their encoding.
func fitSection(charset encoding.Encoding, val string, room int, runes bool) (int, string) {
	n, best := 0, ""
	for n < len(val) {
		size := 1
		if runes || charset != nil {
			_, size = utf8.DecodeRuneInString(val[n:])
		}
		enc := pctEncode(charset, val[:n+size])
		if len(enc) > room && n > 0 {
			break
		}
		n, best = n+size, enc
	}
	return n, best
}

// pctEncode converts s to charset (nil: as is) and writes RFC 2231
// section 7 ext-octets for bytes that are not attribute-chars.
func pctEncode(charset encoding.Encoding, s string) string {
	b := []byte(s)
	if charset != nil {
		b, _ = encodeCharset(charset, b)
	}
	var out strings.Builder
	out.Grow(len(b) * 3)
	for _, c := range b {
		if isAttrChar(c) {
			out.WriteByte(c)
			continue
		}
		out.WriteByte('%')
		out.WriteByte(ewUpperHex[c>>4])
		out.WriteByte(ewUpperHex[c&15])
	}
	return out.String()
}
