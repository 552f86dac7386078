package message

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/yubinmail/yubin/mime"
)

// ParseAddressList parses an address-list (RFC 5322 section 3.4) with the
// obsolete forms of section 4.4 (empty list elements, routes, CFWS around
// dots, "." in phrases), groups, comments, quoted local parts, domain
// literals, raw UTF-8 (RFC 6532 section 3.2) and RFC 2047 display names.
//
// An item that does not parse completely is dropped and reported in a
// mime.Warnings error returned with the items that did parse; parsing
// resumes after the next comma outside quotes, comments and angle
// brackets. Exceeding MaxAddresses gives a *mime.LimitError. Time is linear
// in len(s) for every input.
func ParseAddressList(s string, opts *AddressOptions) ([]Address, error) {
	p := addrParser{s: s, opts: opts, max: opts.max()}
	list, err := p.list()
	if err != nil {
		return list, err
	}
	if len(p.warns) > 0 {
		return list, p.warns
	}
	return list, nil
}

// ParseAddress parses a single mailbox (RFC 5322 section 3.4 mailbox). Any
// other content (a second address, a group, junk) is an error.
func ParseAddress(s string, opts *AddressOptions) (Address, error) {
	list, err := ParseAddressList(s, opts)
	if err != nil {
		return Address{}, err
	}
	if len(list) == 0 {
		return Address{}, ErrNoAddress
	}
	if len(list) > 1 || list[0].Group {
		return Address{}, errors.New("message: more than one mailbox")
	}
	return list[0], nil
}

type addrParser struct {
	s     string
	i     int
	opts  *AddressOptions
	max   int
	n     int
	warns mime.Warnings
	err   string // why the current item failed
}

func (p *addrParser) warn(code mime.WarningCode, off int, detail string) {
	if len(p.warns) < 50 {
		p.warns = append(p.warns, &mime.Warning{Code: code, Offset: off, Detail: detail})
	}
}

func (p *addrParser) fail(msg string) bool {
	if p.err == "" {
		p.err = msg
	}
	return false
}

func (p *addrParser) eof() bool { return p.i >= len(p.s) }

func (p *addrParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// cfws skips whitespace and comments (RFC 5322 section 3.2.2) and returns
// the text of the last top-level comment. Nesting is counted, not
// recursed, so deep nesting costs linear time.
func (p *addrParser) cfws() (comment string, ok bool) {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.i++
		case c == '(':
			start := p.i + 1
			depth := 0
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
			if p.i >= len(p.s) {
				return "", p.fail("unclosed comment")
			}
			comment = p.s[start:p.i]
			p.i++
		default:
			return comment, true
		}
	}
	return comment, true
}

func (p *addrParser) list() ([]Address, error) {
	var out []Address
	for {
		if _, ok := p.cfws(); !ok {
			p.skipItem(p.i)
		}
		if p.eof() {
			return out, nil
		}
		if p.peek() == ',' { // obs-addr-list empty element
			p.i++
			continue
		}
		start := p.i
		p.err = ""
		a, ok := p.address()
		if ok {
			p.cfws()
			if !p.eof() && p.peek() != ',' {
				ok = p.fail("unexpected " + string(p.peek()) + " after address")
			}
		}
		if !ok {
			p.skipItem(start)
			continue
		}
		p.n += max(1, len(a.Members))
		if p.n > p.max {
			return out, &mime.LimitError{Limit: "MaxAddresses", Max: int64(p.max)}
		}
		out = append(out, a)
	}
}

// skipItem drops the item that began at start: it moves past the next comma
// that is outside quotes, comments and angle brackets.
func (p *addrParser) skipItem(start int) {
	p.warn(WarnAddressSkipped, start, p.err)
	i := start
	depth, angle := 0, false
	for ; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == '\\':
			i++
		case c == '"' && depth == 0:
			i++
			for i < len(p.s) && p.s[i] != '"' {
				if p.s[i] == '\\' {
					i++
				}
				i++
			}
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == ',' && !angle:
			p.i = i + 1
			return
		}
	}
	p.i = len(p.s)
}

// word is one phrase or local-part element.
type word struct {
	text    string
	quoted  bool
	encoded bool // an atom that looks like an RFC 2047 word
	space   bool // whitespace or a comment came before it
}

// words reads atoms, quoted strings and dots until a special character.
func (p *addrParser) words() ([]word, string, bool) {
	var ws []word
	var comment string
	for {
		before := p.i
		c, ok := p.cfws()
		if !ok {
			return nil, "", false
		}
		if c != "" {
			comment = c
		}
		space := p.i > before
		if p.eof() {
			return ws, comment, true
		}
		ch := p.peek()
		switch {
		case ch == '"':
			q, ok := p.quoted()
			if !ok {
				return nil, "", false
			}
			ws = append(ws, word{text: q, quoted: true, space: space})
		case ch == '.':
			p.i++
			ws = append(ws, word{text: ".", space: space})
		case isAtext(ch):
			st := p.i
			for p.i < len(p.s) && isAtext(p.s[p.i]) {
				p.i++
			}
			t := p.s[st:p.i]
			ws = append(ws, word{text: t, space: space, encoded: strings.HasPrefix(t, "=?") && strings.HasSuffix(t, "?=")})
		default:
			return ws, comment, true
		}
	}
}

// quoted reads a quoted-string (RFC 5322 section 3.2.4) and returns its
// content without quotes and escapes; folding inside is removed.
func (p *addrParser) quoted() (string, bool) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), true
		case '\\':
			p.i++
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
			}
		case '\r', '\n':
		default:
			b.WriteByte(c)
		}
		p.i++
	}
	return "", p.fail("unclosed quoted string")
}

// address parses one mailbox or group.
func (p *addrParser) address() (Address, bool) {
	start := p.i
	ws, _, ok := p.words()
	if !ok {
		return Address{}, false
	}
	switch p.peek() {
	case '<':
		name := p.phrase(ws)
		a, ok := p.angleAddr()
		a.Name = name
		return a, ok
	case ':':
		if len(ws) == 0 {
			return Address{}, p.fail("group without a name")
		}
		p.i++
		return p.group(p.phrase(ws))
	case '@':
		p.i = start
		return p.addrSpecWithComment()
	}
	if p.eof() || p.peek() == ',' {
		return Address{}, p.fail("no @domain")
	}
	return Address{}, p.fail("unexpected " + string(p.peek()))
}

// addrSpecWithComment parses a bare addr-spec; a comment after it becomes
// the display name when there is none, as RFC 822 mail wrote names.
func (p *addrParser) addrSpecWithComment() (Address, bool) {
	a, ok := p.addrSpec()
	if !ok {
		return a, false
	}
	save := p.i
	c, ok := p.cfws()
	if !ok {
		p.i = save
		return a, false
	}
	if c != "" {
		a.Name = p.decodeName(strings.TrimSpace(c))
	}
	return a, true
}

func (p *addrParser) group(name string) (Address, bool) {
	g := Address{Name: name, Group: true}
	for {
		if _, ok := p.cfws(); !ok {
			return g, false
		}
		if p.eof() {
			p.warn(WarnGroupUnclosed, p.i, "")
			return g, true
		}
		switch p.peek() {
		case ';':
			p.i++
			return g, true
		case ',':
			p.i++
			continue
		}
		a, ok := p.address()
		if !ok {
			return g, false
		}
		if a.Group {
			return g, p.fail("nested group")
		}
		g.Members = append(g.Members, a)
		if len(g.Members) > p.max {
			return g, p.fail("too many group members")
		}
	}
}

// angleAddr parses "<" [obs-route] addr-spec ">".
func (p *addrParser) angleAddr() (Address, bool) {
	p.i++ // '<'
	var a Address
	p.cfws()
	if p.peek() == '@' || p.peek() == ',' {
		route, ok := p.route()
		if !ok {
			return a, false
		}
		a.Route = route
	}
	spec, ok := p.addrSpec()
	if !ok {
		return a, false
	}
	spec.Route = a.Route
	p.cfws()
	if p.peek() != '>' {
		return spec, p.fail("missing >")
	}
	p.i++
	return spec, true
}

// route parses obs-route: obs-domain-list ":" (RFC 5322 section 4.4).
func (p *addrParser) route() ([]string, bool) {
	var route []string
	for {
		p.cfws()
		switch p.peek() {
		case ',':
			p.i++
			continue
		case ':':
			p.i++
			p.warn(WarnObsolete, p.i, "route")
			return route, true
		case '@':
			p.i++
			d, ok := p.domain()
			if !ok {
				return nil, false
			}
			route = append(route, d)
		default:
			return nil, p.fail("bad route")
		}
	}
}

// addrSpec parses local-part "@" domain.
func (p *addrParser) addrSpec() (Address, bool) {
	local, ok := p.localPart()
	if !ok {
		return Address{}, false
	}
	p.cfws()
	if p.peek() != '@' {
		return Address{}, p.fail("no @domain")
	}
	p.i++
	d, ok := p.domain()
	if !ok {
		return Address{}, false
	}
	return Address{Local: local, Domain: d}, true
}

func (p *addrParser) localPart() (string, bool) {
	ws, _, ok := p.words()
	if !ok {
		return "", false
	}
	if len(ws) == 0 {
		return "", p.fail("empty local part")
	}
	var b strings.Builder
	wantWord := true
	for _, w := range ws {
		if w.space && !wantWord {
			// QUIRK: RFC 5322 section 4.4 obs-local-part lets CFWS sit
			// between words and dots only; spaces between two words are an
			// error.
			if w.text != "." {
				return "", p.fail("space in local part")
			}
		}
		if w.text == "." && !w.quoted {
			if wantWord {
				// QUIRK: leading, trailing and doubled dots (common in
				// Japanese mobile carrier addresses) are accepted; Addr
				// quotes such a local part.
				p.warn(WarnObsolete, p.i, "dot in local part")
			}
			wantWord = true
			b.WriteByte('.')
			continue
		}
		if !wantWord {
			return "", p.fail("missing dot in local part")
		}
		b.WriteString(w.text)
		wantWord = false
	}
	return b.String(), true
}

// domain parses dot-atom, a domain literal, or obs-domain.
func (p *addrParser) domain() (string, bool) {
	p.cfws()
	if p.peek() == '[' {
		st := p.i
		for p.i < len(p.s) && p.s[p.i] != ']' {
			if c := p.s[p.i]; c == '[' && p.i > st || c == '\\' {
				return "", p.fail("bad domain literal")
			}
			p.i++
		}
		if p.eof() {
			return "", p.fail("unclosed domain literal")
		}
		p.i++
		return p.s[st:p.i], true
	}
	var b strings.Builder
	wantAtom := true
	for {
		before := p.i
		p.cfws()
		if p.eof() {
			p.i = before
			break
		}
		c := p.peek()
		if c == '.' {
			if wantAtom {
				return "", p.fail("empty domain label")
			}
			p.i++
			b.WriteByte('.')
			wantAtom = true
			continue
		}
		if !isAtext(c) || !wantAtom {
			p.i = before
			break
		}
		st := p.i
		for p.i < len(p.s) && isAtext(p.s[p.i]) {
			p.i++
		}
		b.WriteString(p.s[st:p.i])
		wantAtom = false
	}
	if b.Len() == 0 || wantAtom {
		return "", p.fail("bad domain")
	}
	return b.String(), true
}

// phrase turns words into a display name: encoded words decoded, adjacent
// encoded words joined without the space between them (RFC 2047 section
// 6.2), other words joined by one space.
func (p *addrParser) phrase(ws []word) string {
	var b strings.Builder
	prevEnc := false
	for i, w := range ws {
		text := w.text
		enc := false
		if w.encoded || w.quoted && strings.Contains(text, "=?") || !utf8.ValidString(text) {
			// QUIRK: encoded words inside quoted strings are not allowed by
			// RFC 2047 section 5 but are common; they are decoded.
			d, err := decodeText(text, p.charsets())
			if err != nil {
				p.warn(WarnEncodedWord, -1, err.Error())
			}
			if d != text {
				text, enc = d, w.encoded
			}
		}
		if i > 0 && (w.space || w.quoted) && !(enc && prevEnc) && text != "." {
			b.WriteByte(' ')
		}
		b.WriteString(text)
		prevEnc = enc
	}
	return b.String()
}

func (p *addrParser) decodeName(s string) string {
	d, _ := decodeText(s, p.charsets())
	return d
}

func (p *addrParser) charsets() mime.CharsetLookup {
	if p.opts == nil {
		return nil
	}
	return p.opts.Charsets
}
