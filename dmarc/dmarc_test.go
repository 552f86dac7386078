package dmarc

import (
	"bufio"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/dkim"
	"github.com/yubinmail/yubin/dnsmock"
	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/spf"
)

func TestParseRecord(t *testing.T) {
	r, err := ParseRecord("v=DMARC1; p=reject; sp=quarantine; np=reject; psd=n; t=y; pct=50; adkim=s; aspf=s; " +
		"rua=mailto:agg@example.com!10m,mailto:other@example.net; ruf=mailto:f@example.com; fo=1:d; rf=afrf; ri=3600")
	require.NoError(t, err)
	require.Equal(t, PolicyReject, r.Policy)
	require.Equal(t, PolicyQuarantine, r.SubdomainPolicy)
	require.Equal(t, PolicyReject, r.NonexistentPolicy)
	require.Equal(t, PSDNo, r.PSD)
	require.True(t, r.Testing)
	require.Equal(t, 50, r.Percent)
	require.Equal(t, Strict, r.ADKIM)
	require.Equal(t, Strict, r.ASPF)
	require.Equal(t, []URI{{"mailto:agg@example.com", 10 << 20}, {"mailto:other@example.net", 0}}, r.AggregateURIs)
	require.Equal(t, []string{"1", "d"}, r.FailureOptions)
	require.Equal(t, uint32(3600), r.ReportInterval)
	require.Empty(t, r.Warnings)

	// Round trip through String.
	r2, err := ParseRecord(r.String())
	require.NoError(t, err)
	require.Equal(t, r, r2)

	// Defaults.
	r, err = ParseRecord("v=DMARC1;p=none")
	require.NoError(t, err)
	require.Equal(t, Relaxed, r.ADKIM)
	require.Equal(t, 100, r.Percent)
	require.Equal(t, PSDUnknown, r.PSD)
	require.Equal(t, "v=DMARC1; p=none", r.String())

	// Invalid optional values fall back to defaults with a warning.
	r, err = ParseRecord("v=DMARC1; p=quarantine; adkim=x; pct=200; fo=9; unknown=1")
	require.NoError(t, err)
	require.Equal(t, Relaxed, r.ADKIM)
	require.Equal(t, 100, r.Percent)
	require.Len(t, r.Warnings, 3)

	// Missing p= with a valid rua= means p=none (RFC 7489 section 6.6.3).
	r, err = ParseRecord("v=DMARC1; rua=mailto:a@example.com")
	require.NoError(t, err)
	require.Equal(t, PolicyNone, r.Policy)
	require.True(t, r.PolicyDefaulted)
	// So does an invalid sp=, even with a valid p=.
	r, err = ParseRecord("v=DMARC1; p=reject; sp=bogus; rua=mailto:a@example.com")
	require.NoError(t, err)
	require.Equal(t, PolicyNone, r.Policy)
	require.Equal(t, Policy(""), r.SubdomainPolicy)
	require.True(t, r.PolicyDefaulted)
	_, err = ParseRecord("v=DMARC1; p=reject; sp=bogus")
	require.ErrorIs(t, err, ErrNoPolicy)

	for name, tc := range map[string]struct {
		rec  string
		want error
	}{
		"not first":      {"p=reject; v=DMARC1", ErrNotDMARC},
		"wrong version":  {"v=DMARC2; p=reject", ErrNotDMARC},
		"spf record":     {"v=spf1 -all", ErrNotDMARC},
		"prefix only":    {"v=DMARC10; p=reject", ErrNotDMARC},
		"duplicate p":    {"v=DMARC1; p=none; p=reject", ErrDuplicateTag},
		"no policy":      {"v=DMARC1; adkim=s", ErrNoPolicy},
		"bad policy":     {"v=DMARC1; p=discard", ErrNoPolicy},
		"bad rua no p":   {"v=DMARC1; rua=nonsense", ErrNoPolicy},
		"duplicate case": {"v=DMARC1; p=none; P=none", ErrDuplicateTag},
	} {
		_, err := ParseRecord(tc.rec)
		require.ErrorIs(t, err, tc.want, name)
		var re *RecordError
		require.ErrorAs(t, err, &re, name)
	}
}

func TestWalkNames(t *testing.T) {
	require.Equal(t, []string{"a.b.example.com", "b.example.com", "example.com", "com"}, walkNames("a.b.example.com"))
	long := "1.2.3.4.5.6.7.8.9.10.example.com"
	names := walkNames(long)
	require.Len(t, names, 8)
	require.Equal(t, long, names[0])
	require.Equal(t, "6.7.8.9.10.example.com", names[1]) // the last seven labels
	require.Equal(t, "com", names[7])
}

func resolver(txt map[string][]string) *dnsmock.Resolver {
	return &dnsmock.Resolver{TXT: txt}
}

func TestDiscover(t *testing.T) {
	ctx := context.Background()
	res := resolver(map[string][]string{
		"_dmarc.example.com":     {"v=DMARC1; p=reject; sp=quarantine"},
		"_dmarc.sub.example.com": {"some other txt"},
		"_dmarc.two.example":     {"v=DMARC1; p=reject", "v=DMARC1; p=none"},
		"_dmarc.bad.example":     {"v=DMARC1; p=reject; p=none"},
		"_dmarc.psd.example":     {"v=DMARC1; p=reject; psd=y"},
		"_dmarc.org.psd.example": {"v=DMARC1; p=none"},
		"_dmarc.mid.example.org": {"v=DMARC1; p=quarantine; psd=n"},
		"_dmarc.example.org":     {"v=DMARC1; p=reject"},
	})
	for _, mode := range []Discovery{TreeWalk, PublicSuffixList} {
		l, err := Discover(ctx, res, "a.sub.example.com", mode)
		require.NoError(t, err)
		require.Equal(t, "example.com", l.Domain)
		require.Equal(t, "example.com", l.OrgDomain)
		require.Equal(t, PolicyReject, l.Record.Policy)

		// Two records: no policy.
		l, err = Discover(ctx, res, "two.example", mode)
		require.ErrorIs(t, err, ErrMultiple)
		require.Nil(t, l.Record)
		_, err = Discover(ctx, res, "bad.example", mode)
		require.ErrorIs(t, err, ErrDuplicateTag)
	}
	// psd=y: the Organizational Domain is one label below.
	l, err := Discover(ctx, res, "x.y.org.psd.example", TreeWalk)
	require.NoError(t, err)
	require.Equal(t, "org.psd.example", l.Domain)
	require.Equal(t, "org.psd.example", l.OrgDomain)
	// psd=y on the starting domain itself is ignored.
	l, err = Discover(ctx, res, "psd.example", TreeWalk)
	require.NoError(t, err)
	require.Equal(t, "psd.example", l.OrgDomain)
	require.Equal(t, "psd.example", l.Domain)
	// psd=n stops the walk: the org domain is mid.example.org, although
	// example.org has a record too.
	l, err = Discover(ctx, res, "a.mid.example.org", TreeWalk)
	require.NoError(t, err)
	require.Equal(t, "mid.example.org", l.OrgDomain)
	require.Equal(t, PolicyQuarantine, l.Record.Policy)
	// RFC 7489 would have used the PSL: example.org.
	l, err = Discover(ctx, res, "a.mid.example.org", PublicSuffixList)
	require.NoError(t, err)
	require.Equal(t, "example.org", l.OrgDomain)

	// Bounded: a very deep name costs at most 8 queries.
	res.ResetQueries()
	l, err = Discover(ctx, res, strings.Repeat("a.", 40)+"nowhere.test", TreeWalk)
	require.NoError(t, err)
	require.Nil(t, l.Record)
	require.Equal(t, 8, res.QueryCount())

	// Temporary failure.
	res.Fail = []string{"_dmarc.fail.example"}
	_, err = Discover(ctx, res, "fail.example", TreeWalk)
	var te *TempError
	require.ErrorAs(t, err, &te)
}

func TestExternalDestination(t *testing.T) {
	ctx := context.Background()
	res := resolver(map[string][]string{
		"_dmarc.example.com":                       {"v=DMARC1; p=none"},
		"example.com._report._dmarc.reports.test":  {"v=DMARC1"},
		"example.com._report._dmarc.other.example": {"v=spf1"},
	})
	ok, err := ExternalDestinationAllowed(ctx, res, "example.com", "reports.test")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = ExternalDestinationAllowed(ctx, res, "example.com", "other.example")
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = ExternalDestinationAllowed(ctx, res, "example.com", "nobody.example")
	require.NoError(t, err)
	require.False(t, ok)

	uris, err := AuthorizedURIs(ctx, res, "example.com", []URI{
		{Address: "mailto:d@example.com"}, {Address: "mailto:d@mx.example.com"},
		{Address: "mailto:d@reports.test"}, {Address: "mailto:d@other.example"}, {Address: "https://x.test/"},
	}, TreeWalk)
	require.NoError(t, err)
	require.Equal(t, []URI{{Address: "mailto:d@example.com"}, {Address: "mailto:d@mx.example.com"}, {Address: "mailto:d@reports.test"}}, uris)
}

func header(t *testing.T, s string) message.Header {
	t.Helper()
	h, err := message.ReadHeader(bufio.NewReader(strings.NewReader(s+"\r\n")), nil)
	require.NoError(t, err)
	return h
}

func spfPass(domain string) *spf.Outcome {
	return &spf.Outcome{Result: spf.Pass, Identity: spf.IdentityMailFrom, Domain: domain, Sender: "bounce@" + domain,
		IP: netip.MustParseAddr("192.0.2.1")}
}

func dkimPass(domain string) dkim.Result {
	return dkim.Result{Status: dkim.StatusPass, Domain: domain, Selector: "s", Algorithm: dkim.Ed25519SHA256}
}

func TestEvaluate(t *testing.T) {
	ctx := context.Background()
	res := resolver(map[string][]string{
		"_dmarc.example.com":    {"v=DMARC1; p=reject; sp=quarantine; np=reject"},
		"_dmarc.strict.example": {"v=DMARC1; p=reject; adkim=s; aspf=s"},
		"_dmarc.pct.example":    {"v=DMARC1; p=reject; pct=0"},
		"_dmarc.test.example":   {"v=DMARC1; p=reject; t=y"},
		"_dmarc.none.example":   {"v=DMARC1; p=none"},
		"_dmarc.two.example":    {"v=DMARC1; p=reject", "v=DMARC1; p=none"},
		"mail.example.com":      {},
		"exists.strict.example": {},
	})
	opts := &Options{Resolver: res, Sample: func() int { return 50 }}
	tests := []struct {
		name        string
		from        string
		spf         *spf.Outcome
		dkim        []dkim.Result
		status      Status
		policy, dis Policy
	}{
		{"dkim aligned", "From: a@example.com", nil, []dkim.Result{dkimPass("example.com")}, StatusPass, PolicyReject, PolicyNone},
		{"dkim relaxed subdomain", "From: a@example.com", nil, []dkim.Result{dkimPass("mail.example.com")}, StatusPass, PolicyReject, PolicyNone},
		{"spf relaxed", "From: a@mail.example.com", spfPass("example.com"), nil, StatusPass, PolicyQuarantine, PolicyNone},
		{"unaligned", "From: a@example.com", spfPass("other.test"), []dkim.Result{dkimPass("other.test")}, StatusFail, PolicyReject, PolicyReject},
		{"dkim fail ignored", "From: a@example.com", nil, []dkim.Result{{Status: dkim.StatusFail, Domain: "example.com"}}, StatusFail, PolicyReject, PolicyReject},
		{"spf softfail ignored", "From: a@example.com", &spf.Outcome{Result: spf.SoftFail, Domain: "example.com"}, nil, StatusFail, PolicyReject, PolicyReject},
		{"subdomain sp", "From: a@mail.example.com", nil, nil, StatusFail, PolicyQuarantine, PolicyQuarantine},
		{"nonexistent np", "From: a@ghost.example.com", nil, nil, StatusFail, PolicyReject, PolicyReject},
		{"strict dkim subdomain", "From: a@strict.example", nil, []dkim.Result{dkimPass("sub.strict.example")}, StatusFail, PolicyReject, PolicyReject},
		{"strict spf exact", "From: a@strict.example", spfPass("strict.example"), nil, StatusPass, PolicyReject, PolicyNone},
		{"pct 0", "From: a@pct.example", nil, nil, StatusFail, PolicyReject, PolicyQuarantine},
		{"testing t=y", "From: a@test.example", nil, nil, StatusFail, PolicyReject, PolicyQuarantine},
		{"p=none", "From: a@none.example", nil, nil, StatusFail, PolicyNone, PolicyNone},
		{"no record", "From: a@nowhere.test", nil, nil, StatusNone, "", PolicyNone},
		{"two records", "From: a@two.example", nil, nil, StatusNone, "", PolicyNone},
		{"two From fields", "From: a@none.example\r\nFrom: b@example.com", nil, nil, StatusFail, PolicyReject, PolicyReject},
		{"two addresses", "From: a@none.example, b@example.com", nil, nil, StatusFail, PolicyReject, PolicyReject},
		{"no From", "To: a@example.com", nil, nil, StatusFail, PolicyReject, PolicyReject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(ctx, &Input{Header: header(t, tt.from+"\r\n"), SPF: tt.spf, DKIM: tt.dkim}, opts)
			require.Equal(t, tt.status, r.Status, r.Reason)
			require.Equal(t, tt.policy, r.Policy, r.Reason)
			require.Equal(t, tt.dis, r.Disposition, r.Reason)
			require.NotEmpty(t, r.Reason)
		})
	}
	// StrictestPolicy: each author domain evaluated, the worst wins.
	strictest := &Options{Resolver: res, AuthorRule: StrictestPolicy}
	h := header(t, "From: a@none.example, b@example.com\r\n")
	r := Evaluate(ctx, &Input{Header: h, DKIM: []dkim.Result{dkimPass("none.example")}}, strictest)
	require.Equal(t, StatusFail, r.Status)
	require.Equal(t, PolicyReject, r.Disposition)
	require.Equal(t, "example.com", r.AuthorDomain)
	r = Evaluate(ctx, &Input{Header: h, DKIM: []dkim.Result{dkimPass("none.example"), dkimPass("example.com")}}, strictest)
	require.Equal(t, StatusPass, r.Status)

	// Alignment of several signing domains asks each name once.
	res.ResetQueries()
	r = Evaluate(ctx, &Input{Header: header(t, "From: a@a.b.example.com\r\n"),
		DKIM: []dkim.Result{dkimPass("x.b.example.com"), dkimPass("y.b.example.com"), dkimPass("b.example.com")}}, opts)
	require.Equal(t, StatusPass, r.Status)
	seen := map[string]bool{}
	for _, q := range res.Queries() {
		require.False(t, seen[q.String()], "repeated query %s", q)
		seen[q.String()] = true
	}

	// A record that is not DMARC1, alone: no policy.
	res.TXT["_dmarc.v2.example"] = []string{"v=DMARC2; p=reject"}
	r = Evaluate(ctx, &Input{Header: header(t, "From: a@v2.example\r\n")}, opts)
	require.Equal(t, StatusNone, r.Status)
	require.Equal(t, PolicyNone, r.Disposition)

	// Temporary DNS failure.
	res.Fail = []string{"_dmarc.example.com"}
	r = Evaluate(ctx, &Input{Header: header(t, "From: a@example.com\r\n")}, opts)
	require.Equal(t, StatusTempError, r.Status)
}

func TestAuthResults(t *testing.T) {
	res := resolver(map[string][]string{"_dmarc.example.com": {"v=DMARC1; p=reject"}})
	dk := []dkim.Result{
		{Status: dkim.StatusPass, Domain: "example.com", Selector: "s1", Algorithm: dkim.RSASHA256, HeaderB: "abcdefgh"},
		{Status: dkim.StatusFail, Reason: "body hash did not verify", Domain: "other.test", Selector: "s2", Algorithm: dkim.Ed25519SHA256, HeaderB: "12345678"},
	}
	sp := spfPass("example.com")
	dm := Evaluate(context.Background(), &Input{Header: header(t, "From: a@example.com\r\n"), SPF: sp, DKIM: dk}, &Options{Resolver: res})
	ar := AuthResults("mx.example.net", sp, dk, dm)
	got := ar.String()
	require.Equal(t, "mx.example.net; spf=pass smtp.mailfrom=bounce@example.com; "+
		"dkim=pass header.d=example.com header.s=s1 header.a=rsa-sha256 header.b=abcdefgh; "+
		`dkim=fail reason="body hash did not verify" header.d=other.test header.s=s2 header.a=ed25519-sha256 header.b=12345678; `+
		"dmarc=pass (p=REJECT dis=NONE) header.from=example.com", got)
	// It parses back.
	back, err := message.ParseAuthResults(got)
	require.NoError(t, err)
	require.Len(t, back.Results, 4)
	require.Equal(t, "mx.example.net; none", AuthResults("mx.example.net", nil, nil, nil).String())
}

// RFC 8616: an author domain in U-labels is looked up and aligned in
// A-labels.
func TestInternationalizedDomain(t *testing.T) {
	res := resolver(map[string][]string{"_dmarc.xn--bcher-kva.example": {"v=DMARC1; p=reject"}})
	r := Evaluate(context.Background(), &Input{Header: header(t, "From: a@bücher.example\r\n"),
		DKIM: []dkim.Result{dkimPass("xn--bcher-kva.example")}}, &Options{Resolver: res})
	require.Equal(t, StatusPass, r.Status, r.Reason)
	require.Equal(t, "xn--bcher-kva.example", r.AuthorDomain)
}
