package spf

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// SECURITY.md: DNS queries per check stay bounded. The worst a policy can
// ask for is 10 mechanisms that each fan out to 10 names (mx), plus the
// record itself, the exp= lookup and the %{p} validation.
func TestQueriesBounded(t *testing.T) {
	z := zone{txt: map[string][]string{}, mx: map[string][]*net.MX{}, a: map[string][]string{},
		ptr: map[string][]string{}}
	var terms []string
	for i := range 12 {
		d := fmt.Sprintf("m%d.example", i)
		terms = append(terms, "mx:"+d)
		for j := range 10 {
			h := fmt.Sprintf("h%d.%s", j, d)
			z.mx[d] = append(z.mx[d], &net.MX{Host: h, Pref: uint16(j)})
			z.a[h] = []string{"198.51.100.1"}
		}
	}
	for j := range 12 {
		z.ptr["192.0.2.1"] = append(z.ptr["192.0.2.1"], fmt.Sprintf("p%d.example.com", j))
	}
	bound := 1 + 10*(1+10) + 1 + (1 + 10)

	// Ten fan-out mechanisms, then -all with an exp that uses %{p}.
	z.txt["example.com"] = []string{"v=spf1 " + strings.Join(terms[:10], " ") + " -all exp=e.example.com"}
	z.txt["e.example.com"] = []string{"%{p}"}
	r := z.resolver()
	o := NewChecker(&Options{Resolver: r}).CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h", "a@example.com")
	require.Equal(t, Fail, o.Result)
	require.Equal(t, "unknown", o.Explanation)
	require.LessOrEqual(t, o.Queries, bound)
	require.Equal(t, 1+10*11+1+1+10, o.Queries)

	// The eleventh stops the check before any query of its own.
	z.txt["example.com"] = []string{"v=spf1 " + strings.Join(terms, " ") + " -all"}
	r = z.resolver()
	o = NewChecker(&Options{Resolver: r}).CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h", "a@example.com")
	require.Equal(t, PermError, o.Result)
	require.ErrorIs(t, o.Err, ErrLookupLimit)
	require.Equal(t, 1+10*11, o.Queries)
}

// A deep include tree where every branch repeats the same names: each
// name is asked once, and the term limit ends it.
func TestIncludeTreeMemoised(t *testing.T) {
	z := zone{txt: map[string][]string{
		"example.com": {"v=spf1 include:a.example include:a.example include:b.example include:b.example -all"},
		"a.example":   {"v=spf1 a:x.example mx:x.example include:b.example ?all"},
		"b.example":   {"v=spf1 a:x.example mx:x.example ?all"},
	}, a: map[string][]string{"x.example": {"198.51.100.1"}},
		mx: map[string][]*net.MX{"x.example": {{Host: "x.example", Pref: 1}}}}
	r := z.resolver()
	o := NewChecker(&Options{Resolver: r}).CheckMailFrom(context.Background(), netip.MustParseAddr("192.0.2.1"), "h", "a@example.com")
	require.Equal(t, PermError, o.Result, "%v", r.Queries())
	require.ErrorIs(t, o.Err, ErrLookupLimit)
	require.Equal(t, 5, o.Queries, "TXT example.com, a.example, b.example; A and MX of x.example")
}
