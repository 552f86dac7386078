package mime

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

func TestDecodeHeaderRFC2047Examples(t *testing.T) {
	// RFC 2047 section 8, and RFC 2231 section 5.
	tests := []struct{ in, want string }{
		{"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
		{"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "Keld Jørn Simonsen <keld@dkuug.dk>"},
		{"=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "André Pirard <PIRARD@vm1.ulg.ac.be>"},
		{"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
			"If you can read this you understand the example."},
		{"Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
			"Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n (םולש ןב ילטפנ)"},
		{"(=?ISO-8859-1?Q?a?=)", "(a)"},
		{"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
		{"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
		{"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
		{"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
		{"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
		{"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"},
		{"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},
	}
	var d WordDecoder
	for _, tt := range tests {
		got, err := d.DecodeHeader(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

func TestDecodeHeaderRealWorld(t *testing.T) {
	tests := []struct {
		name, in, want string
		warn           WarningCode // expected warning, or ""
	}{
		{"plain", "Hello, world", "Hello, world", ""},
		{"empty", "", "", ""},
		{"utf8 b", "=?UTF-8?B?5pel5pys6Kqe?=", "日本語", ""},
		{"lowercase q", "=?utf-8?q?caf=c3=a9?=", "café", ""},
		{"iso-2022-jp", "=?ISO-2022-JP?B?GyRCN29MPiROJUYlOSVIJEckORsoQg==?=", "件名のテストです", ""},
		{"iso-2022-jp escape split across words",
			"=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1w4bBsoQg==?=", "日本語", ""},
		{"utf-8 char split across words", "=?UTF-8?Q?=E6=97?= =?UTF-8?Q?=A5?=", "日", ""},
		{"utf-8 split, b then q", "=?utf-8?B?5pc=?=\r\n\t=?UTF-8?q?=A5?=", "日", ""},
		{"shift_jis", "=?Shift_JIS?B?k/qWe4zq?=", "日本語", ""},
		{"euc-jp", "=?EUC-JP?B?xvzL3Ljs?=", "日本語", ""},
		{"cp932", "=?windows-31j?B?h0Du4A==?=", "①髙", ""},
		{"different charsets not joined", "=?iso-8859-1?q?=E9?= =?koi8-r?q?=F0?=", "éП", ""},
		{"words and text", "Re: =?utf-8?q?caf=C3=A9?= au lait", "Re: café au lait", ""},
		{"blank kept before text", "=?utf-8?q?a?=  b", "a  b", ""},
		{"missing padding", "=?utf-8?b?5pel5pys6Kqe5pel?=", "日本語日", ""},
		{"no padding", "=?utf-8?b?YQ?=", "a", ""},
		{"empty text", "=?utf-8?q??=x", "x", WarnWordNotDelimited},
		{"utf-7", "=?utf-7?q?+ZeVnLIqe-?=", "日本語", ""},
		{"not delimited", "foo=?utf-8?q?bar?=", "foobar", WarnWordNotDelimited},
		{"bad encoding letter", "=?utf-8?x?abc?= ok", "=?utf-8?x?abc?= ok", WarnMalformedWord},
		{"bad base64", "=?utf-8?b?!!!!?= ok", "=?utf-8?b?!!!!?= ok", WarnMalformedWord},
		{"bad base64 keeps blank", "=?utf-8?q?a?= =?utf-8?b?!?=", "a =?utf-8?b?!?=", WarnMalformedWord},
		{"empty charset", "=??q?a?=", "=??q?a?=", WarnMalformedWord},
		{"unterminated", "=?utf-8?q?abc", "=?utf-8?q?abc", ""},
		{"lone marker", "a =? b ?= c", "a =? b ?= c", ""},
		{"blanks in q text", "=?iso-8859-1?q?Hello World?=", "Hello World", WarnWordWhitespace},
		{"bad q escape", "=?utf-8?q?100=?=", "100=", WarnBadQEscape},
		{"bad q hex", "=?utf-8?q?a=ZZ?=", "a=ZZ", WarnBadQEscape},
		{"invalid utf-8 bytes", "=?utf-8?q?a=FFb?=", "a\uFFFDb", ""},
		{"control char ends scan", "=?utf-8?q?a\x01b?=", "=?utf-8?q?a\x01b?=", WarnMalformedWord},
		{"stray ?= after word", "=?utf-8?q?a?= ?= x", "a ?= x", ""},
	}
	var d WordDecoder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.DecodeHeader(tt.in)
			require.Equal(t, tt.want, got)
			if tt.warn == "" {
				require.NoError(t, err)
				return
			}
			var ws Warnings
			require.ErrorAs(t, err, &ws)
			require.True(t, ws.Has(tt.warn), "%v", err)
		})
	}
}

func TestDecodeHeaderUnknownCharset(t *testing.T) {
	var d WordDecoder
	got, err := d.DecodeHeader("=?x-klingon?q?qapla=21?= and =?x-klingon?b?/w==?=")
	// Valid UTF-8 bytes pass through; invalid ones keep the word.
	require.Equal(t, "qapla! and =?x-klingon?b?/w==?=", got)
	var uce *UnknownCharsetError
	require.ErrorAs(t, err, &uce)
	require.Equal(t, "x-klingon", uce.Charset)
	var ws Warnings
	require.ErrorAs(t, err, &ws)
	require.True(t, ws.Has(WarnUnknownCharset))
}

func TestDecodeHeaderCustomCharsets(t *testing.T) {
	d := WordDecoder{Charsets: ChainCharsets(func(name string) (encoding.Encoding, bool) {
		if strings.EqualFold(name, "x-cyr") {
			return charmap.KOI8R, true
		}
		return nil, false
	}, nil)}
	got, err := d.DecodeHeader("=?X-CYR?Q?=F0?= =?utf-8?q?=C3=A9?=")
	require.NoError(t, err)
	require.Equal(t, "Пé", got)
}

func TestDecodeWord(t *testing.T) {
	var d WordDecoder
	got, err := d.DecodeWord("=?ISO-8859-1?Q?Andr=E9?=")
	require.NoError(t, err)
	require.Equal(t, "André", got)
	for _, in := range []string{"André", "=?utf-8?q?a?= b", "=?utf-8?q?a", "=?utf-8?z?a?="} {
		got, err = d.DecodeWord(in)
		require.Equal(t, in, got)
		var ws Warnings
		require.ErrorAs(t, err, &ws)
		require.True(t, ws.Has(WarnMalformedWord))
	}
}

// SECURITY.md "a malformed encoded-word": many unterminated word starts,
// and long runs, decode in linear time and never panic.
func TestDecodeHeaderHostile(t *testing.T) {
	var d WordDecoder
	for _, in := range []string{
		strings.Repeat("=?utf-8?q?", 50000),
		strings.Repeat("=?", 100000) + "?=",
		strings.Repeat("=?utf-8?q?a?=", 20000),
		strings.Repeat("=?utf-8?b?", 20000) + "?=",
		"=?" + strings.Repeat("x", 100000) + "?q?a?=",
		"=?utf-8?q?" + strings.Repeat("=E6", 100000) + "?=",
	} {
		got, err := d.DecodeHeader(in)
		require.True(t, utf8.ValidString(got) || !utf8.ValidString(in))
		var ws Warnings
		if errors.As(err, &ws) {
			require.LessOrEqual(t, len(ws), maxWarnings, "warnings are bounded")
		}
	}
}

// SECURITY.md "one 10 MB folded field": decoding it is one linear pass
// whose output is no larger than the input.
func TestDecodeHeaderHugeFoldedField(t *testing.T) {
	word := "=?UTF-8?B?5pel5pys6Kqe?=\r\n "
	in := strings.TrimSuffix(strings.Repeat(word, 10<<20/len(word)), "\r\n ")
	got, err := DecodeHeader(in)
	require.NoError(t, err)
	require.True(t, got == strings.Repeat("日本語", 10<<20/len(word)))
	require.Less(t, len(got), len(in))
}

func TestWordEncoder(t *testing.T) {
	tests := []struct {
		name string
		enc  WordEncoder
		in   string
		want string
	}{
		{"ascii unchanged", WordEncoder{}, "Hello, world!", "Hello, world!"},
		{"only the word that needs it", WordEncoder{}, "Re: café au lait", "Re: =?utf-8?B?Y2Fmw6k=?= au lait"},
		{"plain word between", WordEncoder{}, "Grüße aus Köln", "=?utf-8?B?R3LDvMOfZQ==?= aus =?utf-8?B?S8O2bG4=?="},
		{"run of words", WordEncoder{}, "naïve café", "=?utf-8?B?bmHDr3ZlIGNhZsOp?="},
		{"q when shorter", WordEncoder{}, "Universitätsbibliothek", "=?utf-8?Q?Universit=C3=A4tsbibliothek?="},
		{"b for cjk", WordEncoder{}, "日本語", "=?utf-8?B?5pel5pys6Kqe?="},
		{"forced q", WordEncoder{Mode: 'Q'}, "日本", "=?utf-8?Q?=E6=97=A5=E6=9C=AC?="},
		{"forced b", WordEncoder{Mode: 'B'}, "café", "=?utf-8?B?Y2Fmw6k=?="},
		{"iso-2022-jp", WordEncoder{Charset: "ISO-2022-JP"}, "日本語", "=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?="},
		{"iso-8859-1", WordEncoder{Charset: "iso-8859-1"}, "café", "=?iso-8859-1?Q?caf=E9?="},
		{"unrepresentable falls back to utf-8", WordEncoder{Charset: "iso-8859-1"}, "日", "=?utf-8?B?5pel?="},
		{"unknown charset falls back", WordEncoder{Charset: "x-nope"}, "é", "=?utf-8?B?w6k=?="},
		{"looks like a word", WordEncoder{}, "a =?x?q?y?= b", "a =?utf-8?B?PT94P3E/eT89?= b"},
		{"control chars", WordEncoder{}, "a\r\nb", "=?utf-8?Q?a=0D=0Ab?="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.enc.Encode(tt.in)
			require.Equal(t, tt.want, got)
			back, err := DecodeHeader(got)
			require.NoError(t, err)
			require.Equal(t, tt.in, back)
		})
	}
}

func TestWordEncoderLong(t *testing.T) {
	samples := []string{
		strings.Repeat("日本語のメールの件名です。", 8),
		strings.Repeat("Grüße ", 40),
		strings.Repeat("😀", 50),
		"Subject with one very long word: " + strings.Repeat("é", 200),
	}
	for _, charset := range []string{"", "iso-2022-jp", "shift_jis", "euc-jp", "iso-8859-1", "utf-16", "utf-7", "gb18030"} {
		for _, mode := range []byte{0, 'Q', 'B'} {
			for _, s := range samples {
				e := WordEncoder{Charset: charset, Mode: mode}
				got := e.Encode(s)
				for _, w := range strings.Split(got, " ") {
					require.LessOrEqual(t, len(w), maxEncodedWord, "%q", w)
					if strings.HasPrefix(w, "=?") {
						// Every word decodes alone: no character is split.
						dec, err := DecodeHeader(w)
						require.NoError(t, err)
						require.True(t, utf8.ValidString(dec))
						require.NotContains(t, dec, "\uFFFD")
					}
				}
				back, err := DecodeHeader(got)
				require.NoError(t, err)
				require.Equal(t, s, back, "charset %q mode %q", charset, mode)
			}
		}
	}
}

func TestEncodePhrase(t *testing.T) {
	var e WordEncoder
	require.Equal(t, "John Doe", e.EncodePhrase("John Doe"))
	require.Equal(t, `"Doe, John \"JD\""`, e.EncodePhrase(`Doe, John "JD"`))
	got := e.EncodePhrase("André Pirard (ULg)")
	require.Equal(t, "=?utf-8?B?QW5kcsOp?= Pirard =?utf-8?B?KFVMZyk=?=", got)
	back, err := DecodeHeader(got)
	require.NoError(t, err)
	require.Equal(t, "André Pirard (ULg)", back)
	// Phrase words use only the RFC 2047 section 5 (3) alphabet.
	got = e.EncodePhrase("日本 <x@y>, ok")
	for _, c := range got {
		require.True(t, c < 0x7f && (isAtext(byte(c)) || c == ' '), "%q in %q", c, got)
	}
}

func FuzzDecodeHeader(f *testing.F) {
	for _, s := range []string{
		"=?ISO-8859-1?Q?Andr=E9?= Pirard",
		"=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1w4bBsoQg==?=",
		"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)",
		"=?utf-8?b?!!?=", "=?x?q?=?=", "=?US-ASCII*EN?Q?Keith_Moore?=", "=?utf-7?b?K1pl?=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var d WordDecoder
		got, err := d.DecodeHeader(s)
		if err != nil {
			var ws Warnings
			var uce *UnknownCharsetError
			require.True(t, errors.As(err, &ws) || errors.As(err, &uce), "%T %v", err, err)
		}
		if !strings.Contains(s, "=?") {
			require.Equal(t, s, got)
		}
		if utf8.ValidString(s) && !errors.As(err, new(*UnknownCharsetError)) {
			require.True(t, utf8.ValidString(got))
		}
	})
}

func FuzzEncodeDecode(f *testing.F) {
	for _, s := range []string{"Hello", "café au lait", "日本語の件名", "=?utf-8?q?x?=", "a\r\n b", "😀 x 😀", ""} {
		f.Add(s, "", byte(0))
	}
	f.Add("日本語", "iso-2022-jp", byte('B'))
	f.Add("Grüße", "iso-8859-1", byte('Q'))
	f.Fuzz(func(t *testing.T, s, charset string, mode byte) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		e := WordEncoder{Charset: charset, Mode: mode}
		enc := e.Encode(s)
		got, err := DecodeHeader(enc)
		require.NoError(t, err, "%q", enc)
		require.Equal(t, s, got, "encoded %q", enc)
		for _, w := range strings.Fields(enc) {
			if strings.HasPrefix(w, "=?") {
				require.LessOrEqual(t, len(w), maxEncodedWord)
			}
		}
		// A phrase is atoms and encoded words (or one quoted string).
		ph := e.EncodePhrase(s)
		if strings.HasPrefix(ph, `"`) {
			require.False(t, needsEncoding(s, false))
			return
		}
		for _, w := range strings.Fields(ph) {
			for i := 0; i < len(w); i++ {
				require.True(t, isAtext(w[i]), "%q in phrase %q", w[i], ph)
			}
		}
		got, err = DecodeHeader(ph)
		require.NoError(t, err, "%q", ph)
		require.Equal(t, s, got, "phrase %q", ph)
	})
}

func TestWordEncoderCustomCharsets(t *testing.T) {
	e := WordEncoder{Charset: "x-cyr", Charsets: func(name string) (encoding.Encoding, bool) {
		if strings.EqualFold(name, "x-cyr") {
			return charmap.KOI8R, true
		}
		return nil, false
	}}
	got := e.Encode("Привет")
	require.Equal(t, "=?x-cyr?B?8NLJ18XU?=", got)
	back, err := (&WordDecoder{Charsets: e.Charsets}).DecodeHeader(got)
	require.NoError(t, err)
	require.Equal(t, "Привет", back)

	// A phrase in ISO-2022-JP, as Japanese mailers write display names.
	jp := WordEncoder{Charset: "ISO-2022-JP"}
	got = jp.EncodePhrase("山田 太郎")
	require.Equal(t, "=?iso-2022-jp?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?=", got)
	back, err = DecodeHeader(got)
	require.NoError(t, err)
	require.Equal(t, "山田 太郎", back)
}
