package spf

import (
	"net/netip"
	"strconv"
	"strings"
)

// Qualifier is the prefix of a directive (RFC 7208 section 4.6.2).
type Qualifier byte

// The four qualifiers.
const (
	QualifierPass     Qualifier = '+'
	QualifierFail     Qualifier = '-'
	QualifierSoftFail Qualifier = '~'
	QualifierNeutral  Qualifier = '?'
)

// Result returns the check_host() result a matching directive with this
// qualifier produces (RFC 7208 section 4.6.2).
func (q Qualifier) Result() Result {
	switch q {
	case QualifierFail:
		return Fail
	case QualifierSoftFail:
		return SoftFail
	case QualifierNeutral:
		return Neutral
	}
	return Pass
}

// Directive is a qualified mechanism (RFC 7208 section 5).
type Directive struct {
	// Qualifier is '+', '-', '~' or '?'. An omitted qualifier parses as '+'.
	Qualifier Qualifier
	// Mechanism is the lower-case mechanism name: all, include, a, mx,
	// ptr, ip4, ip6 or exists.
	Mechanism string
	// DomainSpec is the unexpanded domain-spec (RFC 7208 section 7.1) of
	// include, a, mx, ptr and exists; empty when omitted (a, mx, ptr).
	DomainSpec string
	// Net is the network of ip4 and ip6; a bare address has the full
	// prefix length.
	Net netip.Prefix
	// CIDR4 and CIDR6 are the dual-cidr-length of a and mx (RFC 7208
	// section 5.6); -1 when absent.
	CIDR4, CIDR6 int
	// explicitQualifier remembers a written '+', so that String gives the
	// record back as written.
	explicitQualifier bool
}

// Modifier is a name=value term (RFC 7208 section 6 and 4.6.1).
type Modifier struct {
	Name  string // as written (compared case-insensitively)
	Value string // the unexpanded macro-string
}

// Record is a parsed SPF record.
type Record struct {
	Directives []Directive
	// Modifiers holds every modifier in order, redirect and exp included.
	Modifiers []Modifier
	// Redirect and Exp are the domain-specs of the redirect= and exp=
	// modifiers; empty when absent.
	Redirect, Exp string
}

// IsSPFRecord reports whether the TXT record txt is an SPF version 1 record:
// "v=spf1", case-insensitively, followed by a space or the end (RFC 7208
// section 4.5).
func IsSPFRecord(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// ParseRecord parses an SPF record (RFC 7208 section 4.6). Any syntax error
// anywhere in the record is reported, as a *SyntaxError, so that no part of
// a broken record is ever evaluated (section 4.6).
func ParseRecord(txt string) (*Record, error) {
	if !IsSPFRecord(txt) {
		return nil, &SyntaxError{Record: txt, Msg: "record does not start with v=spf1"}
	}
	r, spareMods := newRecord(strings.Count(txt, " "))
	hasRedirect, hasExp := false, false
	for rest := txt[6:]; rest != ""; {
		var term string
		term, rest = nextTerm(rest)
		if term == "" {
			continue // terms = *( 1*SP ( directive / modifier ) ), trailing SP
		}
		if name, value, ok := splitModifier(term); ok {
			if !validMacroString(value, false) {
				return nil, &SyntaxError{Record: txt, Term: term, Msg: "invalid macro-string in modifier"}
			}
			switch strings.ToLower(name) {
			case "redirect", "exp":
				// Section 6: these two MUST NOT appear more than once, and
				// their value is a domain-spec.
				dup := hasRedirect
				if strings.EqualFold(name, "exp") {
					dup = hasExp
				}
				if dup {
					return nil, &SyntaxError{Record: txt, Term: term, Msg: "duplicate " + strings.ToLower(name) + " modifier"}
				}
				if !validDomainSpec(value) {
					return nil, &SyntaxError{Record: txt, Term: term, Msg: "invalid domain-spec"}
				}
				if strings.EqualFold(name, "exp") {
					hasExp, r.Exp = true, value
				} else {
					hasRedirect, r.Redirect = true, value
				}
			}
			if r.Modifiers == nil {
				r.Modifiers = spareMods // nil stays nil for a record without modifiers
			}
			r.Modifiers = append(r.Modifiers, Modifier{Name: name, Value: value})
			continue
		}
		d, msg := parseDirective(term)
		if msg != "" {
			return nil, &SyntaxError{Record: txt, Term: term, Msg: msg}
		}
		r.Directives = append(r.Directives, d)
	}
	return r, nil
}

// nextTerm splits s at its first space: the same pieces as strings.Split,
// one at a time, without the iterator's closure.
func nextTerm(s string) (term, rest string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// record2 and record4 are a Record with room for the directives and one
// modifier of a usual record, so that parsing one costs a single
// allocation of about the right size.
type record2 struct {
	r Record
	d [2]Directive
	m [1]Modifier
}

type record4 struct {
	r Record
	d [4]Directive
	m [1]Modifier
}

// newRecord returns an empty Record with room for n directives, and room
// for its first modifier when it has some.
func newRecord(n int) (*Record, []Modifier) {
	switch {
	case n <= 2:
		a := new(record2)
		a.r.Directives = a.d[:0:n]
		return &a.r, a.m[:0:1]
	case n <= 4:
		a := new(record4)
		a.r.Directives = a.d[:0:n]
		return &a.r, a.m[:0:1]
	}
	return &Record{Directives: make([]Directive, 0, n)}, nil
}

// splitModifier recognises name "=" macro-string, where name = ALPHA *(
// ALPHA / DIGIT / "-" / "_" / "." ) (RFC 7208 section 4.6.1).
func splitModifier(term string) (name, value string, ok bool) {
	i := strings.IndexByte(term, '=')
	if i <= 0 || !isAlpha(term[0]) {
		return "", "", false
	}
	for j := 1; j < i; j++ {
		c := term[j]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return "", "", false
		}
	}
	return term[:i], term[i+1:], true
}

func parseDirective(term string) (Directive, string) {
	d := Directive{Qualifier: QualifierPass, CIDR4: -1, CIDR6: -1}
	switch term[0] {
	case '+', '-', '~', '?':
		d.Qualifier = Qualifier(term[0])
		d.explicitQualifier = term[0] == '+'
		term = term[1:]
	}
	end := len(term) // the mechanism name ends at ':' or '/'
	for i := 0; i < len(term); i++ {
		if term[i] == ':' || term[i] == '/' {
			end = i
			break
		}
	}
	d.Mechanism = strings.ToLower(term[:end])
	rest := term[end:]
	switch d.Mechanism {
	case "all":
		if rest != "" {
			return d, "all takes no argument"
		}
	case "include", "exists":
		if !strings.HasPrefix(rest, ":") || !validDomainSpec(rest[1:]) {
			return d, d.Mechanism + " needs a valid domain-spec"
		}
		d.DomainSpec = rest[1:]
	case "a", "mx", "ptr":
		spec, cidr := rest, ""
		if strings.HasPrefix(spec, ":") {
			spec = spec[1:]
			if i := cidrStart(spec); i >= 0 {
				spec, cidr = spec[:i], spec[i:]
			}
			if !validDomainSpec(spec) {
				return d, "invalid domain-spec"
			}
			d.DomainSpec = spec
		} else {
			spec, cidr = "", rest
		}
		if cidr != "" {
			if d.Mechanism == "ptr" {
				return d, "ptr takes no CIDR length"
			}
			var ok bool
			if d.CIDR4, d.CIDR6, ok = parseDualCIDR(cidr); !ok {
				return d, "invalid dual-cidr-length"
			}
		}
	case "ip4", "ip6":
		if !strings.HasPrefix(rest, ":") {
			return d, d.Mechanism + " needs an address"
		}
		p, ok := parseNet(rest[1:], d.Mechanism == "ip6")
		if !ok {
			return d, "invalid " + d.Mechanism + " network"
		}
		d.Net = p
	default:
		return d, "unknown mechanism"
	}
	return d, ""
}

// cidrStart returns the index where a valid dual-cidr-length ends the
// string, or -1. A '/' inside a macro-expand or one not followed by a valid
// CIDR length is part of the domain-spec (a macro-literal may be '/').
func cidrStart(s string) int {
	inMacro := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+1 < len(s) && s[i+1] == '{':
			inMacro = true
		case s[i] == '}':
			inMacro = false
		case s[i] == '/' && !inMacro:
			if _, _, ok := parseDualCIDR(s[i:]); ok {
				return i
			}
		}
	}
	return -1
}

// parseDualCIDR parses [ ip4-cidr-length ] [ "/" ip6-cidr-length ].
func parseDualCIDR(s string) (c4, c6 int, ok bool) {
	c4, c6 = -1, -1
	if !strings.HasPrefix(s, "//") {
		rest := s[1:]
		n := strings.IndexByte(rest, '/')
		if n < 0 {
			n = len(rest)
		}
		if c4, ok = parseCIDR(rest[:n], 32); !ok {
			return 0, 0, false
		}
		s = rest[n:]
		if s == "" {
			return c4, c6, true
		}
	}
	if !strings.HasPrefix(s, "//") {
		return 0, 0, false
	}
	c6, ok = parseCIDR(s[2:], 128)
	return c4, c6, ok
}

// parseCIDR parses a prefix length without leading zeros, at most max.
func parseCIDR(s string, max int) (int, bool) {
	if s == "" || len(s) > 3 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	return n, n <= max
}

// parseNet parses ip4-network [ ip4-cidr-length ] or the ip6 form.
func parseNet(s string, six bool) (netip.Prefix, bool) {
	addrText, bitsText, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil || addr.Zone() != "" || addr.Is6() != six {
		return netip.Prefix{}, false
	}
	bits := addr.BitLen()
	if hasBits {
		var ok bool
		if bits, ok = parseCIDR(bitsText, addr.BitLen()); !ok {
			return netip.Prefix{}, false
		}
	}
	return netip.PrefixFrom(addr, bits), true
}

// String formats the directive as it appears in a record.
func (d Directive) String() string {
	return string(d.appendTo(make([]byte, 0, len(d.Mechanism)+len(d.DomainSpec)+16)))
}

// appendTo appends the String form of d to b.
func (d *Directive) appendTo(b []byte) []byte {
	if d.Qualifier != QualifierPass || d.explicitQualifier {
		b = append(b, byte(d.Qualifier))
	}
	b = append(b, d.Mechanism...)
	switch d.Mechanism {
	case "ip4", "ip6":
		b = append(b, ':')
		b = d.Net.Addr().AppendTo(b)
		if d.Net.Bits() != d.Net.Addr().BitLen() {
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(d.Net.Bits()), 10)
		}
		return b
	}
	if d.DomainSpec != "" {
		b = append(b, ':')
		b = append(b, d.DomainSpec...)
	}
	if d.CIDR4 >= 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(d.CIDR4), 10)
	}
	if d.CIDR6 >= 0 {
		b = append(b, "//"...)
		b = strconv.AppendInt(b, int64(d.CIDR6), 10)
	}
	return b
}

// mechText returns d.String(), reusing the bytes of the record text txt
// when they contain that string (the usual case, where the directive was
// written in its canonical form), so that the result costs no allocation.
func mechText(d *Directive, txt string) string {
	var buf [128]byte
	b := d.appendTo(buf[:0])
	if i := strings.Index(txt, string(b)); i >= 0 {
		return txt[i : i+len(b)]
	}
	return string(b)
}

// String formats the record: "v=spf1", the directives, then the modifiers.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString("v=spf1")
	for _, d := range r.Directives {
		b.WriteByte(' ')
		b.WriteString(d.String())
	}
	for _, m := range r.Modifiers {
		b.WriteByte(' ')
		b.WriteString(m.Name)
		b.WriteByte('=')
		b.WriteString(m.Value)
	}
	return b.String()
}

// validDomainSpec checks domain-spec = macro-string domain-end, domain-end =
// ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 section 7.1).
func validDomainSpec(s string) bool {
	if s == "" || !validMacroString(s, false) {
		return false
	}
	if strings.HasSuffix(s, "}") {
		// Ends with a macro-expand when the last '%' opens it.
		if i := strings.LastIndex(s, "%{"); i >= 0 && !strings.Contains(s[i:len(s)-1], "}") {
			return true
		}
	}
	t := strings.TrimSuffix(s, ".")
	i := strings.LastIndexByte(t, '.')
	if i < 0 {
		return false
	}
	return validTopLabel(t[i+1:])
}

// validTopLabel: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum
// "-" *( alphanum / "-" ) alphanum ).
func validTopLabel(l string) bool {
	if l == "" {
		return false
	}
	alpha := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case isAlpha(c):
			alpha = true
		case isDigit(c):
		case c == '-':
			if i == 0 || i == len(l)-1 {
				return false
			}
			alpha = true // the second form: digits joined by hyphens
		default:
			return false
		}
	}
	return alpha
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
