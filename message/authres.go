package message

import (
	"errors"
	"strconv"
	"strings"
)

// AuthResults is the value of an Authentication-Results field (RFC 8601
// section 2.2).
type AuthResults struct {
	// Instance is the "i=" instance of an ARC-Authentication-Results
	// field (RFC 8617 section 4.1.1), 0 for Authentication-Results.
	Instance int
	// AuthServID names the host that did the checks (section 2.5). It is
	// empty for the Microsoft form that leaves it out.
	AuthServID string
	// Version is the authres-version, 0 when absent (meaning 1).
	Version int
	// Results holds one entry per resinfo. It is empty for "; none" and
	// for a field without results.
	Results []AuthResult
}

// AuthResult is one method's result (RFC 8601 section 2.2 resinfo).
type AuthResult struct {
	Method        string // lowercase, e.g. "spf", "dkim", "dmarc"
	MethodVersion string // the "/1" version, usually empty
	Result        string // lowercase, e.g. "pass"
	Comment       string // a comment after the result, without parentheses
	Reason        string // reason= value (section 2.2)
	ReasonComment string
	Props         []AuthProp
}

// AuthProp is a ptype.property=value pair (RFC 8601 section 2.3), such as
// smtp.mailfrom=a@example.com.
type AuthProp struct {
	// Type is "smtp", "header", "body" or "policy" (section 2.3), lowercase.
	// QUIRK: it is empty for a bare key=value pair such as Microsoft's
	// "action=none" or "compauth=pass", which is kept as it is.
	Type     string
	Property string // as written (header field names keep their case)
	Value    string // unquoted
	Comment  string // a comment after the value, without parentheses
}

// Prop returns the value of the first property "ptype.property" (for
// example "smtp.mailfrom"), compared case-insensitively.
func (r *AuthResult) Prop(name string) (string, bool) {
	for _, p := range r.Props {
		if strings.EqualFold(p.key(), name) {
			return p.Value, true
		}
	}
	return "", false
}

func (p AuthProp) key() string {
	if p.Type == "" {
		return p.Property
	}
	return p.Type + "." + p.Property
}

// ErrAuthResults is wrapped by every error that ParseAuthResults returns.
var ErrAuthResults = errors.New("message: malformed Authentication-Results")

// ParseAuthResults parses an Authentication-Results field value (RFC 8601
// section 2.2), unfolded or not. It accepts what Gmail, Microsoft (no
// authserv-id, bare key=value pairs) and OpenDKIM/OpenDMARC write:
// comments anywhere, quoted values, and properties whose values hold "@",
// "/", "=" or "+". On an error it returns the results parsed so far.
func ParseAuthResults(s string) (*AuthResults, error) {
	p := arParser{s: s}
	ar := &AuthResults{}
	p.cfws()
	ar.Instance = p.instance()
	if !p.looksLikeResinfo() {
		ar.AuthServID = p.value()
		if ar.AuthServID == "" {
			return ar, p.errf("missing authserv-id")
		}
		p.cfws()
		if v := p.digits(); v != "" {
			ar.Version, _ = strconv.Atoi(v)
			p.cfws()
		}
	} else {
		p.i = p.start
	}
	for {
		p.cfws()
		if p.eof() {
			return ar, nil
		}
		if p.peek() == ';' {
			p.i++
			p.cfws()
			if p.eof() {
				return ar, nil
			}
		} else if len(ar.Results) > 0 || ar.AuthServID != "" {
			return ar, p.errf("expected ;")
		}
		if strings.EqualFold(p.s[p.i:], "none") || strings.EqualFold(strings.TrimSpace(p.s[p.i:]), "none") {
			return ar, nil
		}
		r, err := p.resinfo()
		if r.Method != "" {
			ar.Results = append(ar.Results, r)
		}
		if err != nil {
			return ar, err
		}
	}
}

type arParser struct {
	s        string
	i, start int
}

func (p *arParser) eof() bool  { return p.i >= len(p.s) }
func (p *arParser) peek() byte { return p.s[p.i] }

func (p *arParser) errf(msg string) error {
	return errors.Join(ErrAuthResults, errors.New(msg+" at offset "+strconv.Itoa(p.i)))
}

// cfws skips whitespace and comments, returning the comments' text.
func (p *arParser) cfws() string {
	var comments []string
	for !p.eof() {
		switch c := p.peek(); {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.i++
		case c == '(':
			start, depth := p.i+1, 0
		scan:
			for ; p.i < len(p.s); p.i++ {
				switch p.s[p.i] {
				case '\\':
					p.i++
				case '(':
					depth++
				case ')':
					depth--
					if depth == 0 {
						break scan
					}
				}
			}
			if p.i >= len(p.s) { // unclosed comment: drop it
				p.i = len(p.s)
				break
			}
			comments = append(comments, p.s[start:p.i])
			p.i++
		default:
			return strings.Join(comments, " ")
		}
	}
	return strings.Join(comments, " ")
}

// instance reads the "i=N;" prefix of ARC-Authentication-Results (RFC 8617
// section 4.1.1) and returns N, or 0 without one.
func (p *arParser) instance() int {
	rest := p.s[p.i:]
	if len(rest) < 4 || rest[0] != 'i' && rest[0] != 'I' || rest[1] != '=' {
		return 0
	}
	j := 2
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	k := j
	for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t' || rest[k] == '\r' || rest[k] == '\n') {
		k++
	}
	if j == 2 || j > 11 || k >= len(rest) || rest[k] != ';' {
		return 0
	}
	n, _ := strconv.Atoi(rest[2:j])
	if n <= 0 {
		return 0
	}
	p.i += k + 1
	p.cfws()
	return n
}

// looksLikeResinfo reports whether the text at p.i is "method=" rather than
// an authserv-id.
func (p *arParser) looksLikeResinfo() bool {
	p.start = p.i
	j := p.i
	for j < len(p.s) && isKeywordChar(p.s[j]) {
		j++
	}
	return j > p.i && j < len(p.s) && (p.s[j] == '=' || p.s[j] == '/')
}

func isKeywordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

func (p *arParser) digits() string {
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i || j < len(p.s) && !strings.ContainsRune(" \t\r\n;(", rune(p.s[j])) {
		return ""
	}
	d := p.s[p.i:j]
	p.i = j
	return d
}

// value reads a quoted-string or a run of characters up to whitespace,
// ';' or '(' (RFC 8601 value and pvalue, leniently).
func (p *arParser) value() string {
	if p.eof() {
		return ""
	}
	if p.peek() == '"' {
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; c {
			case '\\':
				if p.i+1 < len(p.s) {
					p.i++
					b.WriteByte(p.s[p.i])
				}
			case '"':
				p.i++
				return b.String()
			default:
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	j := p.i
	for j < len(p.s) && !strings.ContainsRune(" \t\r\n;(", rune(p.s[j])) {
		j++
	}
	v := p.s[p.i:j]
	p.i = j
	return v
}

func (p *arParser) keyword() string {
	j := p.i
	for j < len(p.s) && isKeywordChar(p.s[j]) {
		j++
	}
	k := p.s[p.i:j]
	p.i = j
	return k
}

func (p *arParser) expect(c byte) bool {
	p.cfws()
	if p.eof() || p.peek() != c {
		return false
	}
	p.i++
	p.cfws()
	return true
}

// resinfo parses methodspec [reasonspec] *propspec (RFC 8601 section 2.2).
func (p *arParser) resinfo() (AuthResult, error) {
	var r AuthResult
	r.Method = strings.ToLower(p.keyword())
	if r.Method == "" {
		return r, p.errf("expected method")
	}
	p.cfws()
	if !p.eof() && p.peek() == '/' {
		p.i++
		p.cfws()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		r.MethodVersion, p.i = p.s[p.i:j], j
	}
	if !p.expect('=') {
		return r, p.errf("expected = after method")
	}
	r.Result = strings.ToLower(p.keyword())
	if r.Result == "" {
		return r, p.errf("expected result")
	}
	r.Comment = p.cfws()
	for !p.eof() && p.peek() != ';' {
		key := p.keyword()
		if key == "" || !p.expect('=') {
			return r, p.errf("expected ptype.property=value")
		}
		val := p.value()
		comment := p.cfws()
		if strings.EqualFold(key, "reason") && r.Reason == "" && len(r.Props) == 0 {
			r.Reason, r.ReasonComment = val, comment
			continue
		}
		prop := AuthProp{Property: key, Value: val, Comment: comment}
		if dot := strings.IndexByte(key, '.'); dot > 0 {
			prop.Type, prop.Property = strings.ToLower(key[:dot]), key[dot+1:]
		}
		r.Props = append(r.Props, prop)
	}
	return r, nil
}

// String formats the value on one line: "authserv-id; method=result
// (comment) reason=... ptype.property=value; ...", or "authserv-id; none"
// without results. Header.Add folds it at the spaces.
func (ar *AuthResults) String() string {
	var b strings.Builder
	if ar.Instance > 0 {
		b.WriteString("i=")
		b.WriteString(strconv.Itoa(ar.Instance))
		b.WriteString("; ")
	}
	if ar.AuthServID != "" {
		b.WriteString(arValue(ar.AuthServID))
	}
	if ar.Version > 0 {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(ar.Version))
	}
	if len(ar.Results) == 0 {
		if ar.AuthServID == "" {
			return "none"
		}
		b.WriteString("; none")
		return b.String()
	}
	for i, r := range ar.Results {
		if i > 0 || ar.AuthServID != "" {
			b.WriteString("; ")
		}
		r.format(&b)
	}
	return b.String()
}

func (r *AuthResult) format(b *strings.Builder) {
	b.WriteString(r.Method)
	if r.MethodVersion != "" {
		b.WriteByte('/')
		b.WriteString(r.MethodVersion)
	}
	b.WriteByte('=')
	b.WriteString(r.Result)
	writeComment(b, r.Comment)
	if r.Reason != "" {
		b.WriteString(" reason=")
		b.WriteString(quoteARValue(r.Reason, true))
		writeComment(b, r.ReasonComment)
	}
	for _, p := range r.Props {
		b.WriteByte(' ')
		b.WriteString(p.key())
		b.WriteByte('=')
		b.WriteString(quoteARValue(p.Value, false))
		writeComment(b, p.Comment)
	}
}

func writeComment(b *strings.Builder, c string) {
	if c == "" {
		return
	}
	b.WriteString(" (")
	// Unbalanced parentheses or a trailing backslash would end the comment
	// early; escape them (RFC 5322 section 3.2.2 quoted-pair).
	depth := 0
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '\\' && i+1 < len(c):
			b.WriteByte(ch)
			i++
			ch = c[i]
		case ch == '\\' || ch == '\r' || ch == '\n':
			b.WriteByte('\\')
		case ch == '(':
			depth++
		case ch == ')' && depth == 0:
			b.WriteByte('\\')
		case ch == ')':
			depth--
		}
		b.WriteByte(ch)
	}
	for ; depth > 0; depth-- {
		b.WriteByte(')')
	}
	b.WriteByte(')')
}

// arValue formats the authserv-id, quoted when it could be read as a
// method ("a/1" or "a=b").
func arValue(s string) string {
	if strings.ContainsAny(s, "/=") {
		return quoteString(s)
	}
	return quoteARValue(s, true)
}

// quoteARValue quotes a value unless it is safe unquoted; reason values
// are always quoted, as RFC 8601 section 2.2 examples do, when they hold
// spaces.
func quoteARValue(s string, token bool) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n;()\"\\") && (!token || !strings.ContainsAny(s, "=")) {
		return s
	}
	return quoteString(s)
}
