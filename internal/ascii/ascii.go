// Package ascii holds small ASCII helpers shared by the DNS-facing packages
// and by the parsers of header field names.
package ascii

// Lower lower-cases ASCII letters only. DNS names compare case-insensitively
// for ASCII (RFC 4343), and other octets, valid UTF-8 or not, stay as they
// are (strings.ToLower would replace invalid UTF-8). It does not allocate
// when s has no upper-case letter.
func Lower(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if b[i] >= 'A' && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// EqualFold reports whether a and b are equal when ASCII letters are
// compared without case. Header field names and protocol tokens are ASCII
// (RFC 5322 section 2.2), so unlike strings.EqualFold it does not fold
// other characters: the Kelvin sign U+212A does not match "k".
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}
