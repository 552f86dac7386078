package spf

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// macroEnv holds the values macro letters expand to (RFC 7208 section 7.3).
type macroEnv struct {
	sender       string // s
	local        string // l
	senderDomain string // o
	domain       string // d
	helo         string // h
	ip           netip.Addr
	receiver     string           // r (explanations only)
	now          func() time.Time // t (explanations only)
	// validated returns the %{p} value: a validated domain name of ip, or
	// "unknown" (section 7.3). It is called only when %{p} is used.
	validated func() string
}

// validMacroString checks macro-string (or explain-string when explain is
// set) syntax, RFC 7208 section 7.1.
func validMacroString(s string, explain bool) bool {
	_, err := expandMacro(s, nil, explain)
	return err == nil
}

// expandMacro expands s (section 7.4). With env == nil it only checks the
// syntax. explain selects explain-string syntax: spaces and the c, r and t
// letters are allowed.
func expandMacro(s string, env *macroEnv, explain bool) (string, error) {
	return expand(s, env, nil, explain)
}

// expand is expandMacro with the check in progress, if any, which computes
// %{p} (passed separately so that the evaluation state can stay on the
// stack).
func expand(s string, env *macroEnv, ev *eval, explain bool) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		if err := checkLiteral(s, explain); err != nil {
			return "", err
		}
		return s, nil
	}
	// A syntax check (env == nil) builds nothing.
	var b strings.Builder
	write := env != nil
	if write {
		b.Grow(len(s) + 64)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if !literalOK(c, explain) {
				return "", macroError(s, i, "character not allowed")
			}
			if write {
				b.WriteByte(c)
			}
			continue
		}
		if i+1 >= len(s) {
			return "", macroError(s, i, "lone %")
		}
		i++
		esc := ""
		switch s[i] {
		case '%':
			esc = "%"
		case '_':
			esc = " "
		case '-':
			esc = "%20"
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", macroError(s, i, "unterminated macro")
			}
			if err := expandOne(&b, s[i+1:i+end], env, ev, explain); err != nil {
				return "", macroError(s, i, err.Error())
			}
			i += end
		default:
			return "", macroError(s, i, "invalid escape after %")
		}
		if write {
			b.WriteString(esc)
		}
	}
	return b.String(), nil
}

func checkLiteral(s string, explain bool) error {
	for i := 0; i < len(s); i++ {
		if !literalOK(s[i], explain) {
			return macroError(s, i, "character not allowed")
		}
	}
	return nil
}

// literalOK: macro-literal = %x21-24 / %x26-7E, plus SP in explain-string.
func literalOK(c byte, explain bool) bool {
	return (c >= 0x21 && c <= 0x7e && c != '%') || (explain && c == ' ')
}

type macroSyntax string

func (m macroSyntax) Error() string { return string(m) }
func macroError(s string, i int, msg string) error {
	return &SyntaxError{Record: s, Term: s[min(i, len(s)):], Msg: "macro: " + msg}
}

// expandOne expands the inside of one %{...}: macro-letter transformers
// *delimiter.
func expandOne(b *strings.Builder, m string, env *macroEnv, ev *eval, explain bool) error {
	if m == "" {
		return macroSyntax("empty macro")
	}
	letter := m[0]
	lower := letter | 0x20
	switch lower {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !explain {
			return macroSyntax("c, r and t are allowed only in explanations")
		}
	default:
		return macroSyntax("unknown macro letter")
	}
	rest := m[1:]
	j := 0
	for j < len(rest) && isDigit(rest[j]) {
		j++
	}
	keep := 0
	if j > 0 {
		n, err := strconv.Atoi(rest[:min(j, 4)])
		if err != nil || n == 0 {
			return macroSyntax("the digit transformer must be non-zero")
		}
		keep = n
	}
	reverse := false
	if j < len(rest) && rest[j]|0x20 == 'r' {
		reverse = true
		j++
	}
	delims := rest[j:]
	for k := 0; k < len(delims); k++ {
		if !strings.ContainsRune(".-+,/_=", rune(delims[k])) {
			return macroSyntax("invalid delimiter")
		}
	}
	if env == nil {
		return nil
	}
	if m == "i" && env.ip.Is4() {
		// The common bare %{i} of an IPv4 client: no string to build.
		var buf [16]byte
		b.Write(env.ip.AppendTo(buf[:0]))
		return nil
	}
	v := env.value(lower, ev)
	if keep > 0 || reverse || delims != "" {
		v = transform(v, keep, reverse, delims)
	}
	if letter != lower {
		v = urlEscape(v) // section 7.3: upper-case letters are URL-escaped
	}
	b.WriteString(v)
	return nil
}

func (env *macroEnv) value(letter byte, ev *eval) string {
	switch letter {
	case 's':
		return env.sender
	case 'l':
		return env.local
	case 'o':
		return env.senderDomain
	case 'd':
		return env.domain
	case 'h':
		return env.helo
	case 'i':
		return dottedIP(env.ip)
	case 'v':
		if env.ip.Is4() {
			return "in-addr"
		}
		return "ip6"
	case 'p':
		switch {
		case ev != nil:
			return ev.validatedName()
		case env.validated != nil:
			return env.validated()
		}
		return "unknown"
	case 'c':
		return env.ip.String()
	case 'r':
		if env.receiver == "" {
			return "unknown"
		}
		return env.receiver
	case 't':
		if env.now == nil {
			return strconv.FormatInt(time.Now().Unix(), 10)
		}
		return strconv.FormatInt(env.now().Unix(), 10)
	}
	return ""
}

// dottedIP is the %{i} form: dotted quad for IPv4, dot-separated nibbles for
// IPv6 (section 7.3).
func dottedIP(ip netip.Addr) string {
	if ip.Is4() || !ip.IsValid() {
		return ip.String()
	}
	const hex = "0123456789abcdef"
	a := ip.As16()
	out := make([]byte, 0, 63)
	for _, x := range a {
		if len(out) > 0 {
			out = append(out, '.')
		}
		out = append(out, hex[x>>4], '.', hex[x&0xf])
	}
	return string(out)
}

// transform splits v on the delimiters, optionally reverses the parts,
// keeps the right-most keep parts and joins them with dots (section 7.3).
func transform(v string, keep int, reverse bool, delims string) string {
	if delims == "" {
		delims = "."
	}
	var buf [16]string
	parts := splitAny(buf[:0], v, delims)
	if reverse {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	if keep > 0 && keep < len(parts) {
		parts = parts[len(parts)-keep:]
	}
	return strings.Join(parts, ".")
}

// splitAny appends the parts of v, split at any byte of delims, to parts.
func splitAny(parts []string, v, delims string) []string {
	start := 0
	for i := 0; i < len(v); i++ {
		if strings.IndexByte(delims, v[i]) >= 0 {
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	return append(parts, v[start:])
}

// urlEscape escapes every character outside the RFC 3986 unreserved set as
// %XX with upper-case hex digits.
func urlEscape(v string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// truncateDomain removes labels from the left until name is at most 253
// characters (RFC 7208 section 7.3, last paragraph).
func truncateDomain(name string) string {
	name = strings.TrimSuffix(name, ".")
	for len(name) > 253 {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return ""
		}
		name = name[i+1:]
	}
	return name
}
