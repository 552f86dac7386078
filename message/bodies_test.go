package message

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

func mediaType(t, sub string) mime.MediaType { return mime.MediaType{Type: t, Subtype: sub} }

func TestFindBodies(t *testing.T) {
	f, err := os.Open("testdata/02-alternative-related.eml")
	require.NoError(t, err)
	defer f.Close()
	root, err := ReadStructure(f, nil)
	require.NoError(t, err)
	text, html, att := TextBody(root), HTMLBody(root), Attachments(root)
	require.Len(t, text, 1)
	require.Equal(t, "1.1", text[0].Section)
	require.Len(t, html, 1)
	require.Equal(t, "1.2.1", html[0].Section)
	require.Len(t, att, 2)
	require.Equal(t, "logo.png", att[0].Filename())
	require.False(t, att[0].IsAttachment())
	require.Equal(t, "請求書.pdf", att[1].Filename())
	require.True(t, att[1].IsAttachment())
	require.Equal(t, int64(2048), att[1].DecodedSize)
	require.Equal(t, Bodies{}, FindBodies(nil))

	// RFC 8621 section 4.1.4: an HTML-only alternative also serves as text.
	alt := &Entity{Children: []*Entity{
		{MediaType: mediaType("text", "html")},
	}, MediaType: mediaType("multipart", "alternative")}
	b := FindBodies(alt)
	require.Equal(t, b.HTML, b.Text)
	require.Len(t, b.Text, 1)
}
