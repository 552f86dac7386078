package envelope

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Default limits of RFC 5321 section 4.5.3.1.
const (
	DefaultMaxLocalPart = 64  // section 4.5.3.1.1
	DefaultMaxDomain    = 255 // section 4.5.3.1.2
	DefaultMaxPath      = 256 // section 4.5.3.1.3, including the angle brackets
)

// PathOptions controls ParseReversePath and ParseForwardPath. A nil
// *PathOptions is the same as a zero value.
type PathOptions struct {
	// SMTPUTF8 allows UTF-8 in the local part and U-labels in the domain
	// (RFC 6531 section 3.3). Set it only when the client gave the SMTPUTF8
	// parameter on MAIL FROM; otherwise non-ASCII input fails with
	// ErrNonASCII and the code 5.6.7.
	SMTPUTF8 bool

	// AllowBareAddress accepts a path without angle brackets, such as
	// "MAIL FROM:user@example.com".
	// QUIRK: RFC 5321 section 4.1.2 requires the brackets; old clients omit them.
	AllowBareAddress bool

	// MaxLocalPart is the longest local part in octets. Default 64.
	MaxLocalPart int
	// MaxDomain is the longest domain in octets. Default 255.
	MaxDomain int
	// MaxPath is the longest path in octets, brackets included. Default 256.
	MaxPath int
}

func (o *PathOptions) limits() (local, domain, path int) {
	local, domain, path = DefaultMaxLocalPart, DefaultMaxDomain, DefaultMaxPath
	if o == nil {
		return
	}
	if o.MaxLocalPart > 0 {
		local = o.MaxLocalPart
	}
	if o.MaxDomain > 0 {
		domain = o.MaxDomain
	}
	if o.MaxPath > 0 {
		path = o.MaxPath
	}
	return
}

// Path is an RFC 5321 reverse-path or forward-path (section 4.1.2).
//
// The zero Path is the null reverse-path "<>". The forward-path
// "<Postmaster>" has Local "Postmaster" (as written) and an empty Domain.
type Path struct {
	// Local is the local part with quoting removed: the quoted-string
	// "a b"@x.test has Local `a b`. String quotes it again when needed.
	Local string
	// Domain is the domain as given (A-labels or, with SMTPUTF8, U-labels),
	// or an address literal with its brackets: "[192.0.2.1]",
	// "[IPv6:2001:db8::1]".
	Domain string
	// SourceRoute holds the domains of an obsolete source route
	// "@a,@b:user@c" (RFC 5321 section 4.1.2 and appendix C). It is parsed
	// and ignored for delivery (section 3.3); relay policy may look at it.
	SourceRoute []string
}

// IsNull reports whether p is the null reverse-path "<>".
func (p Path) IsNull() bool { return p.Local == "" && p.Domain == "" }

// IsPostmaster reports whether p is the special forward-path "<Postmaster>"
// without a domain (RFC 5321 section 4.1.1.3), compared case-insensitively.
// A domain postmaster such as <postmaster@example.test> is an ordinary
// mailbox; use IsPostmasterOf to check it against a local domain.
func (p Path) IsPostmaster() bool {
	return p.Domain == "" && strings.EqualFold(p.Local, "postmaster")
}

// IsPostmasterOf reports whether p is "<Postmaster>" or postmaster at the
// given domain (both compared case-insensitively). RFC 5321 section 4.5.1
// requires every SMTP server to accept both.
func (p Path) IsPostmasterOf(domain string) bool {
	if p.IsPostmaster() {
		return true
	}
	return strings.EqualFold(p.Local, "postmaster") && strings.EqualFold(p.Domain, domain)
}

// IsAddressLiteral reports whether the domain is an address literal "[...]".
func (p Path) IsAddressLiteral() bool { return strings.HasPrefix(p.Domain, "[") }

// IP returns the address of an IPv4 or IPv6 address literal.
func (p Path) IP() (netip.Addr, bool) {
	if !p.IsAddressLiteral() || !strings.HasSuffix(p.Domain, "]") {
		return netip.Addr{}, false
	}
	in := p.Domain[1 : len(p.Domain)-1]
	if len(in) > 5 && strings.EqualFold(in[:5], "IPv6:") {
		a, err := netip.ParseAddr(in[5:])
		return a, err == nil && a.Is6() && a.Zone() == ""
	}
	a, err := netip.ParseAddr(in)
	return a, err == nil && a.Is4()
}

// Mailbox returns "local@domain" without brackets, quoting the local part
// when needed; "" for the null path and the bare local part for <Postmaster>.
func (p Path) Mailbox() string {
	if p.IsNull() {
		return ""
	}
	local := quoteLocal(p.Local)
	if p.Domain == "" {
		return local
	}
	return local + "@" + sanitize(p.Domain)
}

// String returns the wire form with angle brackets: "<>", "<Postmaster>",
// "<user@example.test>", `<"a b"@example.test>`. A source route is not
// written (RFC 5321 section 3.3: clients SHOULD NOT send them). Control
// characters, which no parsed Path contains, are written as "?" so that a
// hand-made Path can never inject a command; use Validate to reject them.
func (p Path) String() string {
	return "<" + p.Mailbox() + ">"
}

// Validate checks that p is a valid reverse-path (forward is false) or
// forward-path by formatting and parsing it again with opts.
func (p Path) Validate(forward bool, opts *PathOptions) error {
	s := p.String()
	var q Path
	var err error
	if forward {
		q, err = ParseForwardPath(s, opts)
	} else {
		q, err = ParseReversePath(s, opts)
	}
	if err != nil {
		return err
	}
	if q.Local != p.Local || q.Domain != p.Domain {
		return newError(pathOp(forward), s, "contains characters that cannot be sent", 501, pathCode(forward), ErrSyntax)
	}
	return nil
}

// IsASCII reports whether the whole address is ASCII.
func (p Path) IsASCII() bool { return isASCII(p.Local) && isASCII(p.Domain) }

// NeedsSMTPUTF8 reports whether the address can only be sent with the
// SMTPUTF8 extension: its local part is not ASCII (RFC 6531 section 3.2). A
// non-ASCII domain alone can be sent as A-labels, see ToASCII.
func (p Path) NeedsSMTPUTF8() bool { return !isASCII(p.Local) }

func pathOp(forward bool) string {
	if forward {
		return "forward-path"
	}
	return "reverse-path"
}

func pathCode(forward bool) StatusCode {
	if forward {
		return CodeBadDestSyntax
	}
	return CodeBadSenderSyntax
}

// ParseReversePath parses the argument of MAIL FROM: (RFC 5321 section
// 4.1.2 Reverse-path): the text starting at "<", without ESMTP parameters
// (see SplitPathAndParams). "<>" gives the null path. Errors are *Error with
// code 5.1.7 (syntax), or 5.6.7 for UTF-8 without opts.SMTPUTF8.
func ParseReversePath(s string, opts *PathOptions) (Path, error) {
	return parsePath(s, opts, false)
}

// ParseForwardPath parses the argument of RCPT TO: (RFC 5321 section 4.1.2
// Forward-path), including "<Postmaster>" in any case. Errors are *Error with
// code 5.1.3 (syntax), or 5.6.7 for UTF-8 without opts.SMTPUTF8.
func ParseForwardPath(s string, opts *PathOptions) (Path, error) {
	return parsePath(s, opts, true)
}

func parsePath(s string, opts *PathOptions, forward bool) (Path, error) {
	op, code := pathOp(forward), pathCode(forward)
	maxLocal, maxDomain, maxPath := opts.limits()
	if len(s) > maxPath {
		return Path{}, newError(op, s, "path longer than the limit", 501, code, ErrTooLong)
	}
	utf8ok := opts != nil && opts.SMTPUTF8
	if !isASCII(s) {
		if !utf8ok {
			return Path{}, newError(op, s, "UTF-8 address without SMTPUTF8", 553, CodeNonASCIIAddress, ErrNonASCII)
		}
		if !utf8.ValidString(s) {
			return Path{}, newError(op, s, "invalid UTF-8", 501, code, ErrSyntax)
		}
	}
	synErr := func(reason string) (Path, error) {
		return Path{}, newError(op, s, reason, 501, code, ErrSyntax)
	}
	var inner string
	switch {
	case strings.HasPrefix(s, "<"):
		if !strings.HasSuffix(s, ">") || len(s) < 2 {
			return synErr("missing closing '>'")
		}
		inner = s[1 : len(s)-1]
	case opts != nil && opts.AllowBareAddress && s != "":
		inner = s // QUIRK: bare address without brackets
	default:
		return synErr("path must start with '<'")
	}
	if inner == "" {
		if forward {
			return synErr("empty forward-path")
		}
		return Path{}, nil
	}
	if forward && strings.EqualFold(inner, "postmaster") {
		return Path{Local: inner}, nil
	}
	var p Path
	if inner[0] == '@' {
		route, rest, err := parseSourceRoute(inner, utf8ok)
		if err != "" {
			return synErr(err)
		}
		p.SourceRoute, inner = route, rest
	}
	local, rest, reason := parseLocalPart(inner, utf8ok)
	if reason != "" {
		return synErr(reason)
	}
	if len(rest) == 0 || rest[0] != '@' {
		return synErr("missing '@' and domain")
	}
	if n := len(inner) - len(rest); n > maxLocal {
		return Path{}, newError(op, s, "local part longer than the limit", 501, code, ErrTooLong)
	}
	domain := rest[1:]
	if len(domain) > maxDomain {
		return Path{}, newError(op, s, "domain longer than the limit", 501, code, ErrTooLong)
	}
	if reason := checkDomainOrLiteral(domain, utf8ok); reason != "" {
		return synErr(reason)
	}
	p.Local, p.Domain = local, domain
	return p, nil
}

// parseSourceRoute parses A-d-l ":" (RFC 5321 section 4.1.2).
func parseSourceRoute(s string, utf8ok bool) (route []string, rest string, reason string) {
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return nil, "", "source route without ':'"
	}
	for _, hop := range strings.Split(s[:colon], ",") {
		if len(hop) < 2 || hop[0] != '@' {
			return nil, "", "bad source route"
		}
		if r := checkDomain(hop[1:], utf8ok); r != "" {
			return nil, "", "bad source route: " + r
		}
		route = append(route, hop[1:])
	}
	return route, s[colon+1:], ""
}

// parseLocalPart parses Dot-string / Quoted-string (RFC 5321 section
// 4.1.2, extended by RFC 6531 section 3.3) and returns the unquoted value.
func parseLocalPart(s string, utf8ok bool) (local, rest, reason string) {
	if s == "" {
		return "", "", "empty local part"
	}
	if s[0] == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '"':
				return b.String(), s[i+1:], ""
			case c == '\\':
				if i+1 >= len(s) || s[i+1] < 32 || s[i+1] > 126 {
					return "", "", "bad quoted-pair in local part"
				}
				i++
				b.WriteByte(s[i])
			case c >= 32 && c <= 126:
				b.WriteByte(c)
			case c >= 0x80 && utf8ok:
				b.WriteByte(c)
			default:
				return "", "", "invalid character in quoted local part"
			}
		}
		return "", "", "unterminated quoted local part"
	}
	end := strings.IndexByte(s, '@')
	if end < 0 {
		end = len(s)
	}
	if !isDotString(s[:end], utf8ok) {
		return "", "", "invalid local part"
	}
	return s[:end], s[end:], ""
}

// isAtext reports RFC 5322 atext (RFC 5321 section 4.1.2 Atom), which RFC
// 6531 section 3.3 extends with UTF8-non-ascii.
func isAtext(c byte, utf8ok bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c >= 0x80:
		return utf8ok
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isDotString(s string, utf8ok bool) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if s[i-1] == '.' {
				return false
			}
			continue
		}
		if !isAtext(c, utf8ok) {
			return false
		}
	}
	return true
}

func checkDomainOrLiteral(d string, utf8ok bool) string {
	if strings.HasPrefix(d, "[") {
		return checkAddressLiteral(d)
	}
	return checkDomain(d, utf8ok)
}

// checkDomain checks Domain = sub-domain *("." sub-domain) of RFC 5321
// section 4.1.2, with U-labels when utf8ok (RFC 6531 section 3.3).
func checkDomain(d string, utf8ok bool) string {
	if d == "" {
		return "empty domain"
	}
	if !isASCII(d) {
		if !utf8ok {
			return "non-ASCII domain"
		}
		a, err := idnaLookup.ToASCII(d)
		if err != nil {
			return "invalid internationalized domain"
		}
		d = a
	}
	for d != "" {
		label := d
		if i := strings.IndexByte(d, '.'); i >= 0 {
			label, d = d[:i], d[i+1:]
			if d == "" {
				return "invalid domain label" // trailing dot
			}
		} else {
			d = ""
		}
		if !isLDHLabel(label) {
			return "invalid domain label"
		}
	}
	return ""
}

func isLDHLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkAddressLiteral checks address-literal (RFC 5321 section 4.1.3):
// IPv4, "IPv6:" and General-address-literal (Standardized-tag ":" dcontent).
func checkAddressLiteral(d string) string {
	if len(d) < 3 || d[len(d)-1] != ']' {
		return "unterminated address literal"
	}
	in := d[1 : len(d)-1]
	colon := strings.IndexByte(in, ':')
	if colon < 0 {
		a, err := netip.ParseAddr(in)
		if err != nil || !a.Is4() {
			return "invalid IPv4 address literal"
		}
		return ""
	}
	tag, val := in[:colon], in[colon+1:]
	if strings.EqualFold(tag, "IPv6") {
		a, err := netip.ParseAddr(val)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "invalid IPv6 address literal"
		}
		return ""
	}
	// General-address-literal: Standardized-tag is an Ldh-str. An IPv6
	// address without its "IPv6:" tag would match that grammar by accident.
	if _, err := netip.ParseAddr(in); err == nil {
		return "IPv6 address literal without the IPv6: tag"
	}
	if !isLDHLabel(tag) || val == "" {
		return "invalid general address literal"
	}
	for i := 0; i < len(val); i++ {
		if c := val[i]; c < 33 || c > 126 || c == '[' || c == '\\' || c == ']' {
			return "invalid character in address literal"
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// quoteLocal returns the local part as a Dot-string when it is one, else as
// a Quoted-string (RFC 5321 section 4.1.2 recommends the shortest form).
func quoteLocal(l string) string {
	if isDotString(l, true) {
		return l
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c == 127:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sanitize replaces control characters so that a hand-made value can never
// break a command line.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] == 127 {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] < 32 || b[j] == 127 {
					b[j] = '?'
				}
			}
			return string(b)
		}
	}
	return s
}
