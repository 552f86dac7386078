package message

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var encodedWordRE = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

func TestFoldAddressList(t *testing.T) {
	var list []Address
	for i := 0; i < 12; i++ {
		list = append(list, Address{Name: "Recipient Number " + itoa(i), Local: "user" + itoa(i), Domain: "example.com"})
	}
	list = append(list, Address{Name: "山田太郎さん（営業部）", Local: "yamada", Domain: "example.jp"})
	raw := string(FormatField("To", FormatAddressList(list, nil), nil))
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	require.Greater(t, len(lines), 3)
	for i, ln := range lines {
		require.LessOrEqual(t, len(ln), 78, ln)
		if i < len(lines)-1 {
			require.True(t, strings.HasSuffix(ln, ","), "break after a comma: %q", ln)
		}
		// Encoded words are whole on their line.
		for _, w := range strings.Fields(ln) {
			if strings.HasPrefix(w, "=?") {
				require.True(t, encodedWordRE.MatchString(w), w)
			}
		}
	}
	h, _, err := readHeader(t, raw+"\r\n")
	require.NoError(t, err)
	again, err := ParseAddressList(h.Get("To"), nil)
	require.NoError(t, err)
	require.Equal(t, list, again)
}

func TestFoldReferences(t *testing.T) {
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, "message-"+itoa(i)+"@host.example.com")
	}
	raw := string(FormatField("References", FormatMsgIDList(ids), nil))
	for _, ln := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		require.LessOrEqual(t, len(ln), 78)
	}
	h, _, err := readHeader(t, raw+"\r\n")
	require.NoError(t, err)
	require.Equal(t, ids, ParseMsgIDList(h.Get("References")))
}

func TestFoldUTF8(t *testing.T) {
	raw := string(FormatField("Subject", strings.Repeat("日本語の件名 ", 20), &FormatOptions{UTF8: true}))
	require.Contains(t, raw, "日本語")
	require.NotContains(t, raw, "=?")
	for _, ln := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		require.LessOrEqual(t, len(ln), 998)
	}
}
