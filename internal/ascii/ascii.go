// Package ascii holds small ASCII helpers shared by the DNS-facing packages.
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
