package dnsclient

import (
	"strings"
	"testing"
)

// FuzzUnescapeTXT: any presentation string decodes without panicking and
// never grows; plain text is unchanged.
func FuzzUnescapeTXT(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c`, `\150\000z`, `\`, `\99`, `\999`, `\x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		unescapeTXT(&b, s)
		if b.Len() > len(s) {
			t.Fatalf("%q grew to %q", s, b.String())
		}
		if !strings.Contains(s, `\`) && b.String() != s {
			t.Fatalf("%q changed to %q", s, b.String())
		}
	})
}
