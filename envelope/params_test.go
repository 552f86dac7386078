package envelope

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMailParams(t *testing.T) {
	tests := []struct {
		in   string
		want MailParams
		out  string
	}{
		{"", MailParams{}, ""},
		{"SIZE=1000", MailParams{Size: 1000, HasSize: true}, "SIZE=1000"},
		{"size=0", MailParams{Size: 0, HasSize: true}, "SIZE=0"},
		{"SIZE=99999999999999999999", MailParams{}, ""}, // checked below as an error
		{"BODY=8bitmime", MailParams{Body: Body8BitMIME}, "BODY=8BITMIME"},
		{"BODY=7BIT", MailParams{Body: Body7Bit}, "BODY=7BIT"},
		{"BODY=BINARYMIME", MailParams{Body: BodyBinaryMIME}, "BODY=BINARYMIME"},
		{"SMTPUTF8", MailParams{SMTPUTF8: true}, "SMTPUTF8"},
		{"smtputf8", MailParams{SMTPUTF8: true}, "SMTPUTF8"},
		{"RET=hdrs", MailParams{Ret: RetHdrs}, "RET=HDRS"},
		{"RET=FULL", MailParams{Ret: RetFull}, "RET=FULL"},
		{"ENVID=QQ314159", MailParams{EnvID: "QQ314159"}, "ENVID=QQ314159"},
		{"ENVID=a+2Bb+3D+20c", MailParams{EnvID: "a+b= c"}, "ENVID=a+2Bb+3D+20c"},
		{"AUTH=<>", MailParams{Auth: "<>", HasAuth: true}, "AUTH=<>"},
		{"AUTH=e+3Dmc2@example.com", MailParams{Auth: "e=mc2@example.com", HasAuth: true}, "AUTH=e+3Dmc2@example.com"},
		{"REQUIRETLS", MailParams{RequireTLS: true}, "REQUIRETLS"},
		{"MT-PRIORITY=-9", MailParams{MTPriority: -9, HasMTPriority: true}, "MT-PRIORITY=-9"},
		{"MT-PRIORITY=+3", MailParams{MTPriority: 3, HasMTPriority: true}, "MT-PRIORITY=3"},
		{"MT-PRIORITY=0", MailParams{MTPriority: 0, HasMTPriority: true}, "MT-PRIORITY=0"},
		{"BY=120;R", MailParams{By: &DeliverBy{Seconds: 120, Mode: 'R'}}, "BY=120;R"},
		{"BY=-60;nt", MailParams{By: &DeliverBy{Seconds: -60, Mode: 'N', Trace: true}}, "BY=-60;NT"},
		{"BY=999999999;RT", MailParams{By: &DeliverBy{Seconds: 999999999, Mode: 'R', Trace: true}}, "BY=999999999;RT"},
		{"XFOO XBAR=baz", MailParams{Other: []Param{{Keyword: "XFOO"}, {Keyword: "XBAR", Value: "baz", HasValue: true}}}, "XFOO XBAR=baz"},
		{"X-Ü=ü", MailParams{}, ""}, // keyword must be ASCII: error
		{"XUTF=ü", MailParams{Other: []Param{{Keyword: "XUTF", Value: "ü", HasValue: true}}}, "XUTF=ü"},
		{"SIZE=10  BODY=8BITMIME SMTPUTF8 XA=1 RET=FULL ENVID=x",
			MailParams{Size: 10, HasSize: true, Body: Body8BitMIME, SMTPUTF8: true, Ret: RetFull, EnvID: "x",
				Other: []Param{{Keyword: "XA", Value: "1", HasValue: true}}},
			"SIZE=10 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=x XA=1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMailParams(tt.in)
			if tt.in == "SIZE=99999999999999999999" {
				var e *Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, 552, e.Reply)
				require.Equal(t, CodeTooBig, e.Code)
				return
			}
			if tt.in == "X-Ü=ü" {
				require.ErrorIs(t, err, ErrSyntax)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, m)
			require.Equal(t, tt.out, m.String())
			m2, err := ParseMailParams(m.String())
			require.NoError(t, err)
			require.Equal(t, m, m2)
		})
	}
}

func TestParseMailParamsErrors(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{"SIZE", ErrBadValue},
		{"SIZE=", ErrSyntax},
		{"SIZE=-1", ErrBadValue},
		{"SIZE=1x", ErrBadValue},
		{"SIZE=123456789012345678901", ErrBadValue},
		{"SIZE=1 size=2", ErrDuplicate},
		{"XA XA", ErrDuplicate},
		{"XA=1 xa", ErrDuplicate},
		{"BODY=9BIT", ErrBadValue},
		{"BODY", ErrBadValue},
		{"SMTPUTF8=yes", ErrBadValue},
		{"REQUIRETLS=1", ErrBadValue},
		{"RET=ALL", ErrBadValue},
		{"ENVID=a=b", ErrSyntax},
		{"ENVID=+ZZ", ErrBadValue},
		{"ENVID=" + string(make([]byte, 0)) + "a+2", ErrBadValue},
		{"ENVID=" + repeat("a", 101), ErrTooLong},
		{"AUTH=+4", ErrBadValue},
		{"MT-PRIORITY=10", ErrBadValue},
		{"MT-PRIORITY=", ErrSyntax},
		{"MT-PRIORITY=a", ErrBadValue},
		{"BY=60", ErrBadValue},
		{"BY=60;X", ErrBadValue},
		{"BY=0;R", ErrBadValue},
		{"BY=-5;R", ErrBadValue},
		{"BY=1234567890;N", ErrBadValue},
		{"BY=;N", ErrBadValue},
		{"-X", ErrSyntax},
		{"X_Y", ErrSyntax},
		{"=1", ErrSyntax},
		{"X=\x01", ErrSyntax},
		{"X=\xff", ErrSyntax},
	}
	for _, tt := range tests {
		_, err := ParseMailParams(tt.in)
		require.ErrorIs(t, err, tt.err, tt.in)
		var e *Error
		require.True(t, errors.As(err, &e))
		require.NotZero(t, e.Reply)
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}

func TestParseRcptParams(t *testing.T) {
	tests := []struct {
		in   string
		want RcptParams
		out  string
	}{
		{"", RcptParams{}, ""},
		{"NOTIFY=NEVER", RcptParams{Notify: NotifyNever}, "NOTIFY=NEVER"},
		{"notify=delay,failure,success", RcptParams{Notify: NotifySuccess | NotifyFailure | NotifyDelay}, "NOTIFY=SUCCESS,FAILURE,DELAY"},
		{"ORCPT=rfc822;Bob@Example.COM", RcptParams{ORcpt: ORcpt{"rfc822", "Bob@Example.COM"}}, "ORCPT=rfc822;Bob@Example.COM"},
		{"ORCPT=rfc822;a+2Bb@x", RcptParams{ORcpt: ORcpt{"rfc822", "a+b@x"}}, "ORCPT=rfc822;a+2Bb@x"},
		{`ORCPT=utf-8;\x{1F600}@x.test`, RcptParams{ORcpt: ORcpt{"utf-8", "😀@x.test"}}, `ORCPT=utf-8;\x{1F600}@x.test`},
		{`ORCPT=utf-8;用户@例子.测试`, RcptParams{ORcpt: ORcpt{"utf-8", "用户@例子.测试"}}, `ORCPT=utf-8;\x{7528}\x{6237}@\x{4F8B}\x{5B50}.\x{6D4B}\x{8BD5}`},
		{`ORCPT=utf-8;a\x{2B}b@x`, RcptParams{ORcpt: ORcpt{"utf-8", "a+b@x"}}, `ORCPT=utf-8;a\x{2B}b@x`},
		{"NOTIFY=FAILURE ORCPT=rfc822;a@b RRVS=2014-04-03T23:01:00Z",
			RcptParams{Notify: NotifyFailure, ORcpt: ORcpt{"rfc822", "a@b"}, Other: []Param{{"RRVS", "2014-04-03T23:01:00Z", true}}},
			"NOTIFY=FAILURE ORCPT=rfc822;a@b RRVS=2014-04-03T23:01:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRcptParams(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, r)
			require.Equal(t, tt.out, r.String())
			r2, err := ParseRcptParams(r.String())
			require.NoError(t, err)
			require.Equal(t, r, r2)
		})
	}
	for _, in := range []string{"NOTIFY", "NOTIFY=", "NOTIFY=NEVER,FAILURE", "NOTIFY=SOMETIMES", "NOTIFY=FAILURE,FAILURE",
		"NOTIFY=FAILURE notify=DELAY", "ORCPT", "ORCPT=a@b", "ORCPT=;a@b", "ORCPT=rfc822;", "ORCPT=rfc822;+G0",
		`ORCPT=utf-8;\x{D800}`, `ORCPT=utf-8;\y`, `ORCPT=utf-8;\x{110000}`, "ORCPT=r(c;a", "ORCPT=rfc822;" + repeat("a", 500)} {
		_, err := ParseRcptParams(in)
		require.Error(t, err, in)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, CodeInvalidArgs, e.Code)
	}
}

func TestXtext(t *testing.T) {
	tests := []struct{ dec, enc string }{
		{"", ""},
		{"abc", "abc"},
		{"a+b=c", "a+2Bb+3Dc"},
		{"a b\r\n", "a+20b+0D+0A"},
		{"ü", "+C3+BC"},
		{"~!", "~!"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.enc, EncodeXtext(tt.dec))
		d, err := DecodeXtext(tt.enc)
		require.NoError(t, err)
		require.Equal(t, tt.dec, d)
	}
	d, err := DecodeXtext("a+2bb") // QUIRK: lower-case hex
	require.NoError(t, err)
	require.Equal(t, "a+b", d)
	for _, bad := range []string{"+", "+2", "+G1", "a=b", "a b", "\x7f", "ü"} {
		_, err := DecodeXtext(bad)
		require.ErrorIs(t, err, ErrSyntax, bad)
	}
}

func TestUTF8AddrXtext(t *testing.T) {
	require.Equal(t, `a\x{20}b\x{2B}\x{3D}\x{5C}\x{E9}`, EncodeUTF8AddrXtext("a b+=\\é"))
	require.Equal(t, `a\x{20}béc`, EncodeUTF8AddrUnitext("a béc"))
	s, err := DecodeUTF8AddrXtext(`a\x{e9}`, false)
	require.NoError(t, err)
	require.Equal(t, "aé", s)
	_, err = DecodeUTF8AddrXtext("aé", false)
	require.Error(t, err)
	s, err = DecodeUTF8AddrXtext("aé", true)
	require.NoError(t, err)
	require.Equal(t, "aé", s)
	for _, bad := range []string{`\x{}`, `\x{1234567}`, `\x{zz}`, `\x{12`, `a+b`, "a\x01", "\xff"} {
		_, err := DecodeUTF8AddrXtext(bad, true)
		require.Error(t, err, bad)
	}
}

func TestStatusCode(t *testing.T) {
	c, err := ParseStatusCode("5.1.1")
	require.NoError(t, err)
	require.Equal(t, CodeBadMailbox, c)
	require.True(t, c.IsPermanent())
	require.False(t, c.IsTemporary())
	require.Equal(t, "Bad destination mailbox address", c.Text())
	c, err = ParseStatusCode("4.7.30")
	require.NoError(t, err)
	require.True(t, c.IsTemporary())
	require.Equal(t, "REQUIRETLS support required", c.Text())
	require.Equal(t, "Other or undefined mailbox status", StatusCode{5, 2, 99}.Text())
	require.Equal(t, "", StatusCode{5, 99, 1}.Text())
	require.True(t, CodeOK.IsSuccess())
	require.Equal(t, "Permanent Failure", CodeBadMailbox.ClassText())
	require.Equal(t, "Persistent Transient Failure", CodeMailboxFull.ClassText())
	require.Equal(t, "Success", CodeOK.ClassText())
	require.Equal(t, "", StatusCode{3, 0, 0}.ClassText())
	require.Equal(t, "Mailbox Status", CodeMailboxFull.SubjectText())
	require.Equal(t, "Security or Policy Status", CodeRelayDenied.SubjectText())
	require.Equal(t, "", StatusCode{5, 8, 0}.SubjectText())
	require.Equal(t, "4.2.2", CodeMailboxFull.String())
	require.Equal(t, StatusCode{4, 4, 7}, StatusCode{5, 4, 7}.WithClass(4))
	for _, bad := range []string{"", "5", "5.1", "3.1.1", "5.1.1.1", "55.1.1", "5.1000.1", "5.a.1", "5..1"} {
		_, err := ParseStatusCode(bad)
		require.ErrorIs(t, err, ErrSyntax, bad)
	}
	reg := StatusRegistry()
	require.Greater(t, len(reg), 80)
	seen := map[[2]int]bool{}
	for _, e := range reg {
		k := [2]int{e.Subject, e.Detail}
		require.False(t, seen[k], "duplicate %v", k)
		seen[k] = true
		require.NotEmpty(t, e.Text)
	}
	require.Equal(t, StatusCode{5, 1, 1}, findStatusCode("smtp; 550 5.1.1 <a@b>... User unknown"))
	require.Equal(t, StatusCode{4, 2, 2}, findStatusCode("452 4.2.2 Mailbox full"))
	require.Equal(t, StatusCode{}, findStatusCode("version 1.5.1.2 and 10.0.0.1"))
	require.Equal(t, StatusCode{}, findStatusCode("550 no code here"))
}

func FuzzParseMailParams(f *testing.F) {
	for _, s := range []string{"SIZE=1 BODY=8BITMIME", "SMTPUTF8 RET=HDRS ENVID=a+2B", "AUTH=<> REQUIRETLS",
		"MT-PRIORITY=-3 BY=60;RT", "XFOO=bar XBAZ", "SIZE=1 SIZE=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMailParams(s)
		if err != nil {
			return
		}
		m2, err := ParseMailParams(m.String())
		require.NoError(t, err, "%q -> %q", s, m.String())
		require.Equal(t, m, m2)
	})
}

func FuzzParseRcptParams(f *testing.F) {
	for _, s := range []string{"NOTIFY=NEVER", "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+2Bb@x", `ORCPT=utf-8;\x{E9}@x`,
		"ORCPT=utf-8;é@x XA=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRcptParams(s)
		if err != nil {
			return
		}
		r2, err := ParseRcptParams(r.String())
		require.NoError(t, err, "%q -> %q", s, r.String())
		require.Equal(t, r, r2)
	})
}

func FuzzXtext(f *testing.F) {
	for _, s := range []string{"", "abc", "a+b=c", "\x00\xff", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := DecodeXtext(EncodeXtext(s))
		require.NoError(t, err)
		require.Equal(t, s, d)
		if dec, err := DecodeXtext(s); err == nil {
			d2, err := DecodeXtext(EncodeXtext(dec))
			require.NoError(t, err)
			require.Equal(t, dec, d2)
		}
		if dec, err := DecodeUTF8AddrXtext(s, true); err == nil {
			for _, enc := range []string{EncodeUTF8AddrXtext(dec), EncodeUTF8AddrUnitext(dec)} {
				d2, err := DecodeUTF8AddrXtext(enc, true)
				require.NoError(t, err)
				require.Equal(t, dec, d2)
			}
		}
	})
}
