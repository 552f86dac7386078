package envelope

import (
	"strings"

	"golang.org/x/net/idna"
)

// idnaLookup is the IDNA2008 lookup profile (RFC 5891 section 5), used to
// validate U-labels and to convert between U-labels and A-labels.
var idnaLookup = idna.Lookup

// SplitPathAndParams splits the argument of MAIL FROM: or RCPT TO: into the
// path (from "<" to the matching ">", honouring quoted strings and address
// literals) and the ESMTP parameters after it (RFC 5321 section 4.1.1.2:
// "MAIL FROM:" Reverse-path [SP Mail-parameters]).
//
// QUIRK: spaces between the colon and "<" and trailing spaces are skipped,
// as many clients send "MAIL FROM: <a@b>". A path without brackets runs to
// the first space; ParseReversePath accepts it only with AllowBareAddress.
func SplitPathAndParams(arg string) (path, params string, err error) {
	s := strings.TrimLeft(arg, " ")
	s = strings.TrimRight(s, " ")
	if s == "" {
		return "", "", newError("command argument", arg, "missing path", 501, CodeInvalidArgs, ErrSyntax)
	}
	if s[0] != '<' {
		if sp := strings.IndexByte(s, ' '); sp >= 0 {
			return s[:sp], strings.TrimLeft(s[sp:], " "), nil
		}
		return s, "", nil
	}
	end := closingBracket(s)
	if end < 0 {
		return "", "", newError("command argument", arg, "missing '>'", 501, CodeInvalidArgs, ErrSyntax)
	}
	path, rest := s[:end+1], s[end+1:]
	if rest != "" && rest[0] != ' ' {
		return "", "", newError("command argument", arg, "parameters must follow the path after a space", 501, CodeInvalidArgs, ErrSyntax)
	}
	return path, strings.TrimLeft(rest, " "), nil
}

// closingBracket returns the index of the '>' that closes the path that
// starts at s[0] == '<', or -1.
func closingBracket(s string) int {
	inQuote, inLiteral := false, false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"' && !inLiteral:
			inQuote = !inQuote
		case c == '[' && !inQuote:
			inLiteral = true
		case c == ']' && !inQuote:
			inLiteral = false
		case c == '>' && !inQuote && !inLiteral:
			return i
		}
	}
	return -1
}

// ToASCII returns p with its domain converted to A-labels (RFC 5890
// section 2.3.2.1), so that it can be sent without SMTPUTF8. It fails with
// ErrNonASCII when the local part is not ASCII: only the recipient's own
// system may downgrade a local part (RFC 6530 section 4.3).
func (p Path) ToASCII() (Path, error) {
	if !isASCII(p.Local) {
		return p, newError("path", p.Mailbox(), "local part is not ASCII", 553, CodeNonASCIIAddress, ErrNonASCII)
	}
	if isASCII(p.Domain) || p.IsAddressLiteral() {
		return p, nil
	}
	a, err := idnaLookup.ToASCII(p.Domain)
	if err != nil {
		return p, newError("path", p.Mailbox(), "invalid internationalized domain", 553, CodeBadDestSyntax, ErrSyntax)
	}
	p.Domain = a
	return p, nil
}

// ToUnicode returns p with A-labels in its domain converted to U-labels,
// for display or for comparison with a configured UTF-8 domain. Labels that
// do not convert are kept as they are.
func (p Path) ToUnicode() Path {
	if p.IsAddressLiteral() || !strings.Contains(strings.ToLower(p.Domain), "xn--") {
		return p
	}
	if u, err := idnaLookup.ToUnicode(p.Domain); err == nil {
		p.Domain = u
	}
	return p
}

// DomainASCII returns the domain in lower-case A-label form, for comparing
// domains whatever form they were written in. An address literal is
// returned lower-cased; an invalid IDN is returned lower-cased as given.
func (p Path) DomainASCII() string {
	if p.IsAddressLiteral() || isASCII(p.Domain) {
		return strings.ToLower(p.Domain)
	}
	if a, err := idnaLookup.ToASCII(p.Domain); err == nil {
		return strings.ToLower(a)
	}
	return strings.ToLower(p.Domain)
}

// RelayTrick is a set of address forms that ask a server to relay to
// somewhere other than the domain after the last "@". A server that is not
// an open relay refuses them from unauthenticated clients, or treats the
// whole local part as opaque.
type RelayTrick uint8

// Relay tricks found by Path.RelayTricks.
const (
	// TrickPercent is the "percent hack" user%other@relay (RFC 1123
	// section 5.2.16; RFC 5321 section 2.3.11 calls local parts opaque).
	TrickPercent RelayTrick = 1 << iota
	// TrickBang is a UUCP bang path other!user@relay.
	TrickBang
	// TrickQuotedAt is an "@" inside a quoted local part: "user@other"@relay.
	TrickQuotedAt
	// TrickSourceRoute is a source route <@relay:user@other> (RFC 5321
	// section 3.3 and appendix C).
	TrickSourceRoute
)

// String lists the tricks, separated by "+", for logs.
func (t RelayTrick) String() string {
	var parts []string
	for _, x := range []struct {
		t RelayTrick
		s string
	}{{TrickPercent, "percent"}, {TrickBang, "bang"}, {TrickQuotedAt, "quoted-at"}, {TrickSourceRoute, "source-route"}} {
		if t&x.t != 0 {
			parts = append(parts, x.s)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// RelayTricks reports which relay tricks p uses; 0 means none.
func (p Path) RelayTricks() RelayTrick {
	var t RelayTrick
	if strings.IndexByte(p.Local, '%') >= 0 {
		t |= TrickPercent
	}
	if strings.IndexByte(p.Local, '!') >= 0 {
		t |= TrickBang
	}
	if strings.IndexByte(p.Local, '@') >= 0 {
		t |= TrickQuotedAt
	}
	if len(p.SourceRoute) > 0 {
		t |= TrickSourceRoute
	}
	return t
}
