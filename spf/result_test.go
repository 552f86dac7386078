package spf

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/message"
)

// RFC 7208 section 9.1: Received-SPF.
func TestReceivedSPF(t *testing.T) {
	ip := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		o    Outcome
		want string
	}{
		{Outcome{Result: Pass, Identity: IdentityMailFrom, IP: ip, Sender: "myname@example.com", Helo: "foo.example.com", Mechanism: "ip4:192.0.2.0/24"},
			`pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com; mechanism="ip4:192.0.2.0/24"; receiver=mybox.example.org; identity=mailfrom`},
		{Outcome{Result: Fail, Identity: IdentityHELO, IP: ip, Sender: "postmaster@h.example", Helo: "h.example", Mechanism: "-all"},
			`fail (mybox.example.org: domain of h.example does not designate 192.0.2.1 as permitted sender) client-ip=192.0.2.1; helo=h.example; mechanism=-all; receiver=mybox.example.org; identity=helo`},
		{Outcome{Result: PermError, Identity: IdentityMailFrom, IP: ip, Sender: "a@b.example", Helo: "h", Err: ErrLookupLimit},
			`permerror (mybox.example.org: permanent error in the SPF record of domain of a@b.example) client-ip=192.0.2.1; envelope-from="a@b.example"; helo=h; problem="spf: too many DNS-querying terms"; receiver=mybox.example.org; identity=mailfrom`},
		{Outcome{Result: None, Identity: IdentityMailFrom, IP: ip, Sender: "a(x)@b.example", Helo: "h \"q\"\r\n"},
			`none (mybox.example.org: domain of a\(x\)@b.example does not publish an SPF record) client-ip=192.0.2.1; envelope-from="a(x)@b.example"; helo="h \"q\"  "; receiver=mybox.example.org; identity=mailfrom`},
		{Outcome{Result: SoftFail, Identity: IdentityMailFrom, IP: ip, Sender: "a@b.example"},
			`softfail (mybox.example.org: transitioning domain of a@b.example does not designate 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="a@b.example"; receiver=mybox.example.org; identity=mailfrom`},
		{Outcome{Result: Neutral, Identity: IdentityMailFrom, IP: ip, Sender: "a@b.example"},
			`neutral (mybox.example.org: 192.0.2.1 is neither permitted nor denied by domain of a@b.example) client-ip=192.0.2.1; envelope-from="a@b.example"; receiver=mybox.example.org; identity=mailfrom`},
		{Outcome{Result: TempError, Identity: IdentityMailFrom, IP: ip, Sender: "a@b.example", Err: errors.New("x")},
			`temperror (mybox.example.org: temporary error checking domain of a@b.example) client-ip=192.0.2.1; envelope-from="a@b.example"; problem=x; receiver=mybox.example.org; identity=mailfrom`},
	} {
		require.Equal(t, tc.want, tc.o.ReceivedSPF("mybox.example.org"))
	}
	o := Outcome{Result: Pass, IP: ip}
	require.Equal(t, "pass (unknown: domain of  designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1", o.ReceivedSPF(""))
}

// RFC 8601 section 2.7.2.
func TestAuthResultsClause(t *testing.T) {
	require.Equal(t, "spf=pass smtp.mailfrom=a@example.com",
		(&Outcome{Result: Pass, Identity: IdentityMailFrom, Sender: "a@example.com"}).AuthResultsClause())
	require.Equal(t, `spf=fail smtp.mailfrom="a b@example.com"`,
		(&Outcome{Result: Fail, Identity: IdentityMailFrom, Sender: "a b@example.com"}).AuthResultsClause())
	require.Equal(t, `spf=permerror reason="spf: include or redirect loop" smtp.helo=h.example`,
		(&Outcome{Result: PermError, Identity: IdentityHELO, Helo: "h.example", Err: ErrLoop}).AuthResultsClause())
}

func TestSyntaxErrorMessage(t *testing.T) {
	e := &SyntaxError{Record: "v=spf1 x", Term: "x", Msg: "unknown mechanism"}
	require.Equal(t, `spf: syntax error in "x": unknown mechanism`, e.Error())
	e = &SyntaxError{Msg: "m"}
	require.Equal(t, "spf: syntax error: m", e.Error())
}

func TestAuthResultWithMessage(t *testing.T) {
	o := &Outcome{Result: Pass, Identity: IdentityMailFrom, Sender: "a@example.com", Domain: "example.com"}
	ar := message.AuthResults{AuthServID: "mx.example.org", Results: []message.AuthResult{o.AuthResult()}}
	require.Equal(t, "mx.example.org; spf=pass smtp.mailfrom=a@example.com", ar.String())
	back, err := message.ParseAuthResults(ar.String())
	require.NoError(t, err)
	require.Len(t, back.Results, 1)
	require.Equal(t, "spf", back.Results[0].Method)
	require.Equal(t, "pass", back.Results[0].Result)
	v, ok := back.Results[0].Prop("smtp.mailfrom")
	require.True(t, ok)
	require.Equal(t, "a@example.com", v)

	o = &Outcome{Result: TempError, Identity: IdentityHELO, Helo: "h.example", Err: ErrDNS}
	r := o.AuthResult()
	require.Equal(t, "temperror", r.Result)
	require.Equal(t, ErrDNS.Error(), r.Reason)
	v, ok = r.Prop("smtp.helo")
	require.True(t, ok)
	require.Equal(t, "h.example", v)
}
