package spf

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=spf1 -all",
		"v=spf1 +a/24//64 mx:%{d}.example.com ip6:2001:DB8::/32 ~all redirect=_spf.example.com",
		"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net exists:%{ir}.%{l1r+-}._spf.%{d} ?ptr exp=e.%{d2}",
		"v=spf1 a:foo:bar/baz.example.com moo.cow-far_out=man:dog/cat",
		"v=spf1 a:%{l/}.example.com/24",
		"V=SPF1 A MX PTR:EXAMPLE.COM -ALL",
		"v=spf1 ip4:1.2.3.4:8080",
		"v=spf1 a//0 a/0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			return
		}
		for i := range r.Directives {
			d := &r.Directives[i]
			if got, want := mechText(d, s), d.String(); got != want {
				t.Fatalf("mechText(%q) = %q, want %q", s, got, want)
			}
		}
		out := r.String()
		r2, err := ParseRecord(out)
		if err != nil {
			t.Fatalf("formatted record does not parse: %q -> %q: %v", s, out, err)
		}
		if out2 := r2.String(); out2 != out {
			t.Fatalf("format not stable: %q -> %q -> %q", s, out, out2)
		}
		if len(r2.Directives) != len(r.Directives) || len(r2.Modifiers) != len(r.Modifiers) {
			t.Fatalf("terms changed: %q -> %q", s, out)
		}
	})
}

func FuzzExpandMacro(f *testing.F) {
	for _, s := range []string{
		"%{ir}.%{v}._spf.%{d2}", "%{lr-}.lp._spf.%{d2}", "%{S}%{L}%{O}%{D}%{I}%{P}%{H}%{V}",
		"%%%_%-", "%{d100r.-+,/_=}", "%{c} %{r} %{t}", "%{", "%{d0}", "a b",
	} {
		f.Add(s, "strong-bad", "192.0.2.3", true)
		f.Add(s, "a.b-c+d", "2001:db8::1", false)
	}
	f.Fuzz(func(t *testing.T, spec, local, ip string, explain bool) {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			addr = netip.MustParseAddr("192.0.2.3")
		}
		env := &macroEnv{sender: local + "@example.com", local: local, senderDomain: "example.com",
			domain: "example.com", helo: "h.example", ip: addr.Unmap(), receiver: "r.example",
			now: func() time.Time { return time.Unix(0, 0) }, validated: func() string { return "p.example" }}
		out, err := expandMacro(spec, env, explain)
		check := validMacroString(spec, explain)
		if (err == nil) != check {
			t.Fatalf("expand and validate disagree on %q: %v", spec, err)
		}
		if err != nil {
			return
		}
		if !strings.Contains(spec, "%") && out != spec {
			t.Fatalf("literal changed: %q -> %q", spec, out)
		}
		// The result as a domain name is always truncated to 253.
		if d := truncateDomain(out); len(d) > 253 {
			t.Fatalf("truncation failed: %d", len(d))
		}
		// An expansion with only escaped literals expands again to itself
		// once the % signs are escaped.
		again, err := expandMacro(strings.ReplaceAll(out, "%", "%%"), env, true)
		if explain && err == nil && again != out {
			t.Fatalf("re-expansion of %q gave %q", out, again)
		}
	})
}

// FuzzJoinSender compares joinSender, which reuses the sender string when
// it can, with the plain concatenation.
func FuzzJoinSender(f *testing.F) {
	f.Add("a@b.example", "a", "b.example")
	f.Add("@b.example", "postmaster", "b.example")
	f.Add("a@b@c", "a@b", "c")
	f.Add("b.example", "postmaster", "b.example")
	f.Add("xa@b", "a", "b")
	f.Fuzz(func(t *testing.T, s, local, domain string) {
		if got, want := joinSender(s, local, domain), local+"@"+domain; got != want {
			t.Fatalf("joinSender(%q, %q, %q) = %q, want %q", s, local, domain, got, want)
		}
	})
}

// FuzzNextTerm compares the term splitting of ParseRecord with
// strings.Split (empty pieces are skipped by both).
func FuzzNextTerm(f *testing.F) {
	for _, s := range []string{"", " ", "a", "a b", " a  b ", "a b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got []string
		for rest := s; rest != ""; {
			var term string
			term, rest = nextTerm(rest)
			if term != "" {
				got = append(got, term)
			}
		}
		var want []string
		for _, p := range strings.Split(s, " ") {
			if p != "" {
				want = append(want, p)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("%q: got %q, want %q", s, got, want)
		}
	})
}
