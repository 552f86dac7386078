package dnsmock

import (
	"net"
	"strings"
	"testing"
)

// FuzzNameEscape: the presentation form the Server reads and writes gives
// back the raw name.
func FuzzNameEscape(f *testing.F) {
	for _, s := range []string{"example.com", `a b@c;d(e)f"g\h'i`, "\x00\x96\xff", `\065`, `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := unescapeName(escapeName(s)); got != s {
			t.Fatalf("%q -> %q -> %q", s, escapeName(s), got)
		}
		_ = unescapeName(s) // never panics on any input
	})
}

// FuzzParseReverse: reverse names round-trip through ReverseName.
func FuzzParseReverse(f *testing.F) {
	f.Add("4.3.2.1.in-addr.arpa")
	f.Add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
	f.Add("x.in-addr.arpa")
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseReverse(s)
		if !ok {
			return
		}
		if back, ok2 := parseReverse(ReverseName(a)); !ok2 || back != a {
			t.Fatalf("%q -> %v -> %q", s, a, ReverseName(a))
		}
	})
}

// FuzzAtOrBelow compares atOrBelow with the obvious definition.
func FuzzAtOrBelow(f *testing.F) {
	for _, p := range [][2]string{{"a.example", "example"}, {"example", "example"}, {"xexample", "example"},
		{"example", "a.example"}, {".example", "example"}, {"", ""}, {"a.", ""}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, k, n string) {
		want := k == n || strings.HasSuffix(k, "."+n)
		if got := atOrBelow(k, n); got != want {
			t.Fatalf("atOrBelow(%q, %q) = %v, want %v", k, n, got, want)
		}
	})
}

// FuzzNameIndex compares the index with the scan of every key: the keys
// are the fields of keys split at '|', spread over the maps; names are
// asked as given, with their case changed and with a final dot.
func FuzzNameIndex(f *testing.F) {
	for _, p := range [][2]string{{"a.example|B.Example.|192.0.2.1", "example"}, {"x..y|a.", ""},
		{"mail.example.com", "EXAMPLE.com."}, {"1.2.0.192.in-addr.arpa|c.d", "0.192.in-addr.arpa"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, keys, name string) {
		r := &Resolver{TXT: map[string][]string{}, MX: map[string][]*net.MX{}, A: map[string][]string{},
			AAAA: map[string][]string{}, CNAME: map[string]string{}, PTR: map[string][]string{}}
		for i, k := range strings.Split(keys, "|") {
			switch i % 6 {
			case 0:
				r.TXT[k] = nil
			case 1:
				r.MX[k] = nil
			case 2:
				r.A[k] = nil
			case 3:
				r.AAAA[k] = nil
			case 4:
				r.CNAME[k] = ""
			case 5:
				r.PTR[k] = nil
			}
		}
		idx := r.buildIndex()
		for _, q := range []string{name, strings.ToUpper(name), name + "."} {
			n := normalize(q)
			_, got := idx.lookup(n)
			if want := r.exists(n); got != want {
				t.Fatalf("keys %q: exists(%q) = %v, scan %v", keys, n, got, want)
			}
		}
	})
}
