package mime

import (
	"strconv"
	"strings"
	"unicode/utf8"
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
// RFC 2231 form (charset utf-8, or the parameter's Charset when its value is
// not UTF-8, with its Lang). A value whose piece would pass 78 columns is
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
	if !utf8.ValidString(val) && validExtCharset(p.Charset) {
		cs = p.Charset // undecoded bytes of an unknown charset keep their label
	} else if !utf8.ValidString(val) {
		val = strings.ToValidUTF8(val, "\uFFFD")
	}
	lang := p.Lang
	if !isToken(lang) || strings.ContainsAny(lang, "*'%") {
		lang = ""
	}
	head := cs + "'" + lang + "'"
	var enc strings.Builder
	units := make([]int, 0, len(val)) // end offsets in enc of each character
	for i := 0; i < len(val); {
		_, size := utf8.DecodeRuneInString(val[i:])
		if cs != "utf-8" {
			size = 1
		}
		for _, c := range []byte(val[i : i+size]) {
			if isAttrChar(c) {
				enc.WriteByte(c)
			} else {
				enc.WriteByte('%')
				enc.WriteByte(ewUpperHex[c>>4])
				enc.WriteByte(ewUpperHex[c&15])
			}
		}
		units = append(units, enc.Len())
		i += size
	}
	e := enc.String()
	if len(p.Name)+2+len(head)+len(e) <= maxParamPiece {
		w.piece(p.Name, "*=", head, e)
		return
	}
	start, u := 0, 0
	for n := 0; start < len(e); n++ {
		prefix := p.Name + "*" + strconv.Itoa(n) + "*="
		if n == 0 {
			prefix += head
		}
		room := maxParamPiece - len(prefix)
		end := units[u]
		u++
		for u < len(units) && units[u]-start <= room {
			end = units[u]
			u++
		}
		w.piece(prefix, e[start:end], "", "")
		start = end
	}
}
