package dmarc

import "testing"

func FuzzParseRecord(f *testing.F) {
	f.Add("v=DMARC1; p=reject; sp=none; np=quarantine; psd=y; t=y; pct=10; adkim=s; aspf=r; rua=mailto:a@b.c!10m; ruf=mailto:x@y.z; fo=1:d; rf=afrf; ri=60")
	f.Add("v=DMARC1; rua=mailto:a@b.c")
	f.Add("v=DMARC1;;;p=none;p=none")
	f.Add("v = dmarc1 ; p = NONE")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecord(s)
		if err != nil {
			return
		}
		// Round trip: the formatted record parses to the same policy.
		r2, err := ParseRecord(r.String())
		if err != nil {
			t.Fatalf("reparse of %q (%q): %v", r.String(), s, err)
		}
		if r2.String() != r.String() {
			t.Fatalf("round trip: %q -> %q", r.String(), r2.String())
		}
	})
}
