package envelope

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWantsDSN(t *testing.T) {
	tests := []struct {
		notify                     Notify
		failed, delayed, delivered bool
	}{
		{0, true, true, false},
		{NotifyNever, false, false, false},
		{NotifyFailure, true, false, false},
		{NotifyDelay, false, true, false},
		{NotifySuccess, false, false, true},
		{NotifySuccess | NotifyFailure | NotifyDelay, true, true, true},
	}
	for _, tt := range tests {
		r := Recipient{Params: RcptParams{Notify: tt.notify}}
		require.Equal(t, tt.failed, r.WantsDSN(ActionFailed), tt.notify.String())
		require.Equal(t, tt.delayed, r.WantsDSN(ActionDelayed), tt.notify.String())
		require.Equal(t, tt.delivered, r.WantsDSN(ActionDelivered), tt.notify.String())
		require.Equal(t, tt.delivered, r.WantsDSN(ActionRelayed), tt.notify.String())
		require.False(t, r.WantsDSN("bogus"))
	}
}

func TestEnvelopeDSNOptions(t *testing.T) {
	env := &Envelope{
		From:       Path{Local: "alice", Domain: "sender.test"},
		MailParams: MailParams{EnvID: "E1", Ret: RetFull},
		Rcpts: []Recipient{
			{Path: Path{Local: "bob", Domain: "rcpt.test"}, Params: RcptParams{ORcpt: ORcpt{"rfc822", "Bob@rcpt.test"}}},
			{Path: Path{Local: "carol", Domain: "rcpt.test"}, Params: RcptParams{Notify: NotifyNever}},
			{Path: Path{Local: "dave", Domain: "rcpt.test"}, Params: RcptParams{Notify: NotifySuccess}},
		},
		Session: SessionInfo{Helo: "client.sender.test"},
	}
	results := []DSNRecipient{
		{FinalRecipient: TypedValue{"rfc822", "bob@rcpt.test"}, Action: ActionFailed, Status: StatusCode{5, 1, 1}},
		{FinalRecipient: TypedValue{"rfc822", "carol@rcpt.test"}, Action: ActionFailed, Status: StatusCode{5, 1, 1}},
		{FinalRecipient: TypedValue{"rfc822", "dave@rcpt.test"}, Action: ActionDelivered, Status: StatusCode{2, 0, 0}},
	}
	o := env.DSNOptions("mx.sender.test", results, origMsg)
	require.NotNil(t, o)
	require.Equal(t, env.From, o.To)
	require.Equal(t, "E1", o.EnvID)
	require.Equal(t, RetFull, o.Ret)
	require.Equal(t, "client.sender.test", o.ReceivedFromMTA)
	require.Len(t, o.Recipients, 2)
	require.Equal(t, "rfc822; Bob@rcpt.test", o.Recipients[0].OriginalRecipient.String())
	require.Equal(t, "dave@rcpt.test", o.Recipients[1].Recipient())
	_, err := BuildDSN(o)
	require.NoError(t, err)

	// Nothing is due for a null reverse-path, or when nobody wants a DSN.
	env.From = Path{}
	require.Nil(t, env.DSNOptions("mx.sender.test", results, nil))
	env.From = Path{Local: "alice", Domain: "sender.test"}
	require.Nil(t, env.DSNOptions("mx.sender.test", results[1:2], nil))
	require.Equal(t, []Path{env.Rcpts[0].Path, env.Rcpts[1].Path, env.Rcpts[2].Path}, env.Recipients())
}

func TestPathEqualAndMailbox(t *testing.T) {
	a := Path{Local: "user", Domain: "Bücher.test"}
	require.True(t, a.Equal(Path{Local: "user", Domain: "xn--bcher-kva.TEST"}))
	require.False(t, a.Equal(Path{Local: "User", Domain: "bücher.test"}))
	require.True(t, Path{Local: "Postmaster"}.Equal(Path{Local: "postmaster"}))
	require.False(t, Path{Local: "postmaster"}.Equal(Path{Local: "postmaster", Domain: "x.test"}))

	p, err := ParseMailbox("a@x.test", nil)
	require.NoError(t, err)
	require.Equal(t, "<a@x.test>", p.String())
	_, err = ParseMailbox("postmaster", nil)
	require.ErrorIs(t, err, ErrSyntax)
	_, err = ParseMailbox("<a@x.test>", nil)
	require.ErrorIs(t, err, ErrSyntax)
	_, err = ParseMailbox("", nil)
	require.ErrorIs(t, err, ErrSyntax)
}
