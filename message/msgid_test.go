package message

import (
	"bufio"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMsgID(t *testing.T) {
	id := GenerateMessageID("example.com")
	require.True(t, strings.HasPrefix(id, "<") && strings.HasSuffix(id, "@example.com>"), id)
	require.NotEqual(t, id, GenerateMessageID("example.com"))
	require.True(t, strings.HasSuffix(GenerateMessageID(""), "@localhost>"))
	got, err := ParseMsgID(id)
	require.NoError(t, err)
	require.Equal(t, id[1:len(id)-1], got)

	tests := []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{" <a@b> (comment <x@y>) <c@d>\r\n\t<e@f>", []string{"a@b", "c@d", "e@f"}},
		{"Your message of \"Mon\" <a@b>", []string{"a@b"}},
		{"<a @ b>", []string{"a@b"}},
		{"a@b c@d", []string{"a@b", "c@d"}},
		{"<>", nil},
		{"<unclosed@x", nil},
		{"", nil},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, ParseMsgIDList(tt.in), tt.in)
	}
	_, err = ParseMsgID("junk")
	require.ErrorIs(t, err, ErrBadMsgID)
	require.Equal(t, "<a@b> <c@d>", FormatMsgIDList([]string{"a@b", "<c@d>"}))
}

func TestParentChain(t *testing.T) {
	h, _ := ReadHeader(bufio.NewReader(strings.NewReader(
		"Message-ID: <m@x>\r\nIn-Reply-To: <p@x>\r\nReferences: <r1@x>\r\n <r2@x> <r1@x> <m@x>\r\n\r\n")), nil)
	require.Equal(t, []string{"r1@x", "r2@x"}, ParentChain(h))
	require.Equal(t, "r2@x", Parent(h))
	h.Del("References")
	require.Equal(t, []string{"p@x"}, ParentChain(h))
	h.Del("In-Reply-To")
	require.Equal(t, "", Parent(h))
}

func TestBaseSubject(t *testing.T) {
	tests := map[string]string{
		"Hello":                       "Hello",
		"Re: Hello":                   "Hello",
		"RE: re: Fwd: Hello":          "Hello",
		"Fw: Hello":                   "Hello",
		"AW: WG: Hello":               "Hello",
		"RE[2]: Hello":                "Hello",
		"Re(3): Hello":                "Hello",
		"Re : Hello":                  "Hello",
		"[list] Re: Hello":            "Hello",
		"[Fwd: Hello]":                "Hello",
		"Hello (fwd)":                 "Hello",
		"  Re:   many   spaces ":      "many spaces",
		"=?utf-8?q?Re=3A_caf=C3=A9?=": "café",
		"返信: 会議":                      "会議",
		"Regarding it":                "Regarding it",
		"Re[x]: not a counter":        "Re[x]: not a counter",
		"[PATCH] fix":                 "fix",
		"Re:":                         "",
	}
	for in, want := range tests {
		require.Equal(t, want, BaseSubject(in), in)
	}
}

func TestMessageIDDomain(t *testing.T) {
	for _, c := range []struct {
		domain string
		utf8   bool
		want   string
	}{
		{"example.com", false, "example.com"},
		{"bücher.example", false, "xn--bcher-kva.example"},
		{"bücher.example", true, "bücher.example"},
		{"[192.0.2.1]", false, ""},
		{"[IPv6:2001:db8::1]", true, ""},
		{"b>>", false, ""},
		{"a b", true, ""},
		{"", false, ""},
		{"example..com", false, ""},
	} {
		require.Equal(t, c.want, MessageIDDomain(c.domain, c.utf8), "%q utf8=%v", c.domain, c.utf8)
	}
}
