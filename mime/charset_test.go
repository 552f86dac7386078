package mime

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

func TestDecodeCharset(t *testing.T) {
	tests := []struct {
		charset string
		in      string
		want    string
	}{
		{"utf-8", "h\xc3\xa9", "hé"},
		{"UTF8", "plain", "plain"},
		{"utf-8", "bad\xff", "bad\uFFFD"},
		{"us-ascii", "abc", "abc"},
		{"US-ASCII", "caf\xe9", "café"}, // QUIRK: 8-bit in us-ascii read as cp1252
		{"iso-8859-1", "Gr\xfc\xdfe", "Grüße"},
		{"ISO-8859-1", "\x80", "€"}, // QUIRK: C1 range read as cp1252
		{"latin1", "\xe9", "é"},
		{"iso-8859-2", "\xb1", "ą"},
		{"iso-8859-5", "\xbf", "П"},
		{"iso-8859-7", "\xe1", "α"},
		{"iso-8859-8-i", "\xe0", "א"},
		{"iso-8859-11", "\xa1", "ก"},
		{"iso-8859-15", "\xa4", "€"},
		{"iso-8859-16", "\xa1", "Ą"},
		{"windows-1250", "\x8a", "Š"},
		{"windows-1251", "\xcf", "П"},
		{"windows-1252", "\x80", "€"},
		{"cp1252", "\x93x\x94", "“x”"},
		{"windows-1253", "\xe1", "α"},
		{"windows-1254", "\xf0", "ğ"},
		{"windows-1255", "\xe0", "א"},
		{"windows-1256", "\xc7", "ا"},
		{"windows-1257", "\xe0", "ą"},
		{"windows-1258", "\xd0", "Đ"},
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
		{"koi8-u", "\xa4", "є"},
		{"iso-2022-jp", "\x1b$BF|K\\8l\x1b(B", "日本語"},
		{"ISO-2022-JP-2", "\x1b$BF|K\\8l\x1b(B", "日本語"},
		{"iso-2022-jp-1", "a\x1b$B$\"\x1b(Bb", "aあb"},
		{"shift_jis", "\x93\xfa\x96{\x8c\xea", "日本語"},
		{"SJIS", "\x93\xfa\x96{\x8c\xea", "日本語"},
		{"x-sjis", "\x82\xa0", "あ"},
		{"windows-31j", "\x87@\xee\xe0", "①髙"},
		{"cp932", "\x87@\xee\xe0", "①髙"},
		{"MS932", "\x87@", "①"},
		{"euc-jp", "\xc6\xfc\xcb\xdc\xb8\xec", "日本語"},
		{"gb2312", "\xd6\xd0\xce\xc4", "中文"},
		{"GBK", "\xd6\xd0\xce\xc4", "中文"},
		{"gb18030", "\xd6\xd0\xce\xc4", "中文"},
		{"big5", "\xa4\xa4\xa4\xe5", "中文"},
		{"euc-kr", "\xc7\xd1\xb1\xb9\xbe\xee", "한국어"},
		{"ks_c_5601-1987", "\xc7\xd1\xb1\xb9\xbe\xee", "한국어"},
		{"utf-16", "\xfe\xff\x00A\x30\x42", "Aあ"},
		{"utf-16", "\xff\xfeA\x00\x42\x30", "Aあ"},
		{"utf-16", "\x00A", "A"},
		{"utf-16le", "A\x00\x42\x30", "Aあ"},
		{"utf-16be", "\x00A\x30\x42", "Aあ"},
		{"utf-7", "Hi Mom -+Jjo--!", "Hi Mom -☺-!"},
		{"UNICODE-1-1-UTF-7", "+ZeVnLIqe-", "日本語"},
		{`"utf-8"`, "x", "x"},
		{" Shift_JIS ", "\x82\xa0", "あ"},
		{"IBM437", "\x82", "é"}, // IANA fallback through x/text
		// Spelling variants seen in real mail.
		{"iso8859-15", "\xa4", "€"},
		{"ISO_8859-2", "\xb1", "ą"},
		{"iso8859_1", "\xe9", "é"},
		{"cp-1251", "\xcf", "П"},
		{"win-1251", "\xcf", "П"},
		{"x-cp1250", "\x8a", "Š"},
		{"euc_jp", "\xc6\xfc", "日"},
		{"x-iso-2022-jp", "\x1b$BF|\x1b(B", "日"},
		{"x-mac-japanese", "\x82\xa0", "あ"},
		{"windows-932", "\x87@", "①"},
		{"Shift_JIS-2004", "\x82\xa0", "あ"},
		{"koi8", "\xf0", "П"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			got, err := DecodeCharset(tt.charset, []byte(tt.in), nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)

			r, err := NewCharsetReader(tt.charset, iotest.OneByteReader(strings.NewReader(tt.in)), nil)
			require.NoError(t, err)
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(b))
		})
	}
}

func TestUnknownCharset(t *testing.T) {
	got, err := DecodeCharset("x-klingon", []byte("qa\xffpla"), nil)
	require.Equal(t, "qa\xffpla", got, "bytes pass through")
	var uce *UnknownCharsetError
	require.ErrorAs(t, err, &uce)
	require.Equal(t, "x-klingon", uce.Charset)
	require.Contains(t, err.Error(), "x-klingon")

	src := strings.NewReader("raw\xfe")
	r, err := NewCharsetReader("X-Klingon", src, nil)
	require.ErrorAs(t, err, &uce)
	b, rerr := io.ReadAll(r)
	require.NoError(t, rerr)
	require.Equal(t, "raw\xfe", string(b))

	for _, name := range []string{"", "   ", strings.Repeat("a", 100), "utf-8\x00"} {
		_, ok := LookupCharset(name)
		require.False(t, ok, "%q", name)
	}
}

func TestCharsetAliases(t *testing.T) {
	// Every label of the issue resolves, case-insensitively.
	for _, name := range []string{
		"utf-8", "us-ascii", "iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2", "shift_jis",
		"sjis", "x-sjis", "windows-31j", "cp932", "ms932", "euc-jp", "gb2312", "gbk", "gb18030",
		"big5", "euc-kr", "ks_c_5601-1987", "utf-16", "utf-16le", "utf-16be", "koi8-r",
		"koi8-u", "utf-7",
		"iso-8859-1", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6",
		"iso-8859-7", "iso-8859-8", "iso-8859-9", "iso-8859-10", "iso-8859-11",
		"iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
		"windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254",
		"windows-1255", "windows-1256", "windows-1257", "windows-1258",
	} {
		for _, n := range []string{name, strings.ToUpper(name)} {
			e, ok := LookupCharset(n)
			require.True(t, ok, n)
			require.NotNil(t, e, n)
		}
	}
}

func TestChainCharsets(t *testing.T) {
	custom := func(name string) (encoding.Encoding, bool) {
		switch normCharset(name) {
		case "x-house":
			return charmap.ISO8859_5, true
		case "iso-8859-1": // override: strict latin-1 without the cp1252 quirk
			return charmap.ISO8859_1, true
		}
		return nil, false
	}
	lookup := ChainCharsets(custom, nil)
	got, err := DecodeCharset("X-House", []byte{0xbf}, lookup)
	require.NoError(t, err)
	require.Equal(t, "П", got)
	got, err = DecodeCharset("iso-8859-1", []byte{0x80}, lookup)
	require.NoError(t, err)
	require.Equal(t, "\u0080", got)
	got, err = DecodeCharset("koi8-r", []byte{0xf0}, lookup) // falls back to the registry
	require.NoError(t, err)
	require.Equal(t, "П", got)

	// A lookup that answers (nil, true) is treated as not knowing.
	_, err = DecodeCharset("x", []byte("a"), func(string) (encoding.Encoding, bool) { return nil, true })
	var uce0 *UnknownCharsetError
	require.ErrorAs(t, err, &uce0)

	// A lookup without the default knows nothing else.
	only := ChainCharsets(custom)
	_, err = DecodeCharset("koi8-r", []byte{0xf0}, only)
	var uce *UnknownCharsetError
	require.True(t, errors.As(err, &uce))
}

func TestEncodeCharset(t *testing.T) {
	e, _ := LookupCharset("iso-2022-jp")
	b, ok := encodeCharset(e, []byte("日本語"))
	require.True(t, ok)
	require.Equal(t, "\x1b$BF|K\\8l\x1b(B", string(b))

	e, _ = LookupCharset("us-ascii")
	_, ok = encodeCharset(e, []byte("é"))
	require.False(t, ok)
	b, ok = encodeCharset(e, []byte("abc"))
	require.True(t, ok)
	require.Equal(t, "abc", string(b))

	e, _ = LookupCharset("iso-8859-1")
	b, ok = encodeCharset(e, []byte("é"))
	require.True(t, ok)
	require.Equal(t, "\xe9", string(b))
	_, ok = encodeCharset(e, []byte("€"))
	require.False(t, ok, "iso-8859-1 encodes strictly")
}

// SECURITY.md "a charset decoder error": broken bytes in every multibyte
// charset give U+FFFD, never a panic or an error.
func TestCharsetBrokenInput(t *testing.T) {
	junk := []byte("\x1b$B\xff\x80\x1b(\x00\x8e\xa1\xa4\x0d\x1b\x1b$")
	for _, name := range []string{"iso-2022-jp", "shift_jis", "euc-jp", "gb18030", "big5",
		"euc-kr", "utf-16", "utf-7", "utf-8", "hz-gb-2312"} {
		got, err := DecodeCharset(name, junk, nil)
		require.NoError(t, err, name)
		require.NotEmpty(t, got, name)
	}
}
