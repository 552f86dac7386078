package dnsclient

import (
	"bytes"
	"strings"
	"testing"

	"github.com/miekg/dns"
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

// FuzzPackQuery compares packQuery with the dns.Msg that newQuery builds,
// packed by miekg/dns: the same bytes for every name either accepts.
func FuzzPackQuery(f *testing.F) {
	for _, s := range []string{"example.com.", ".", `a\.b.example.`, `\255\000.x.`, "xn--bcher-kva.example.", "a..b.", "Mixed.Case."} {
		f.Add(s, uint16(dns.TypeTXT), true, false, uint16(1232), uint16(0x1234))
		f.Add(s, uint16(dns.TypeA), false, true, uint16(512), uint16(0))
	}
	f.Fuzz(func(t *testing.T, name string, qtype uint16, edns, dnssec bool, size, id uint16) {
		c := &Client{udpSize: size, dnssec: dnssec}
		q := c.newQuery(name, qtype, edns)
		q.Id = id
		want, werr := q.Pack()
		got, gerr := packQuery(make([]byte, 0, maxQuery), id, name, qtype, edns, size, dnssec)
		if (werr == nil) != (gerr == nil) {
			// miekg/dns packs some names its own PackDomainName refuses
			// only through different paths; require agreement on the
			// names a lookup can send (Lookup checks dns.IsDomainName).
			if _, ok := dns.IsDomainName(name); ok && len(name) <= 254 && dns.IsFqdn(name) {
				t.Fatalf("%q: miekg err %v, ours %v", name, werr, gerr)
			}
			return
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %x\nwant %x", name, got, want)
		}
	})
}
