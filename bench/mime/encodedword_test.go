// Package mimebench compares Yubin's mime package with the standard library
// and emersion/go-message on identical inputs.
package mimebench

import (
	stdmime "mime"
	"testing"

	message "github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

// wordCases are Subject values as found in real mail.
var wordCases = []struct {
	name, in, want string
	peersAgree     bool // false when the peers decode it wrongly
}{
	{"ascii", "Re: Quarterly report for the infrastructure team, final version",
		"Re: Quarterly report for the infrastructure team, final version", true},
	{"utf8-q", "Re: =?UTF-8?Q?caf=C3=A9_au_lait_=E2=80=94_r=C3=A9sum=C3=A9?=",
		"Re: café au lait — résumé", true},
	{"latin1-q", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= and =?ISO-8859-1?Q?Andr=E9?= Pirard",
		"Keld Jørn Simonsen and André Pirard", true},
	{"utf8-b-multi", "=?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN44Gn44GZ44CC?=\r\n =?UTF-8?B?6ZW344GE5Lu25ZCN44KS5YiG5Ymy44GX44G+44GZ44CC?=",
		"日本語の件名です。長い件名を分割します。", true},
	{"iso2022jp-b", "=?ISO-2022-JP?B?GyRCN29MPiROJUYlOSVIJEckORsoQg==?=", "件名のテストです", true},
	// A character split between two words: the peers decode each word
	// alone and produce U+FFFD or an error.
	{"iso2022jp-split", "=?ISO-2022-JP?B?GyRCRnw=?= =?ISO-2022-JP?B?S1w4bBsoQg==?=", "日本語", false},
}

var stdDecoder = stdmime.WordDecoder{CharsetReader: charset.Reader}

func gomessageText(in string) (string, error) {
	var h message.Header
	h.Set("Subject", in)
	return h.Text("Subject")
}

// TestWordDecodingMatchesPeers checks that the benchmarked implementations
// agree on the bench inputs (and that Yubin is right where they do not).
func TestWordDecodingMatchesPeers(t *testing.T) {
	var d mime.WordDecoder
	for _, c := range wordCases {
		got, err := d.DecodeHeader(c.in)
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, got, c.name)
		std, stdErr := stdDecoder.DecodeHeader(c.in)
		gm, gmErr := gomessageText(c.in)
		if c.peersAgree {
			require.NoError(t, stdErr, c.name)
			require.NoError(t, gmErr, c.name)
			require.Equal(t, c.want, std, c.name)
			require.Equal(t, c.want, gm, c.name)
		} else {
			require.False(t, stdErr == nil && std == c.want, "stdlib now gets %s right", c.name)
			require.False(t, gmErr == nil && gm == c.want, "go-message now gets %s right", c.name)
		}
	}
}

func BenchmarkDecodeHeader(b *testing.B) {
	for _, c := range wordCases {
		b.Run(c.name+"/yubin", func(b *testing.B) {
			var d mime.WordDecoder
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = d.DecodeHeader(c.in)
			}
		})
		b.Run(c.name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = stdDecoder.DecodeHeader(c.in)
			}
		})
		b.Run(c.name+"/gomessage", func(b *testing.B) {
			var h message.Header
			h.Set("Subject", c.in)
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = h.Text("Subject")
			}
		})
	}
}

var encodeCases = []struct{ name, in string }{
	{"ascii", "Quarterly report for the infrastructure team"},
	{"latin", "Re: café au lait — résumé"},
	{"japanese", "日本語の件名です。長い件名を分割します。さらに長くします。"},
}

func TestWordEncodingRoundTrips(t *testing.T) {
	var e mime.WordEncoder
	for _, c := range encodeCases {
		enc := e.Encode(c.in)
		std, err := stdDecoder.DecodeHeader(enc)
		require.NoError(t, err)
		require.Equal(t, c.in, std, "stdlib reads our encoding of %s", c.name)
		std2 := stdmime.QEncoding.Encode("utf-8", c.in)
		got, err := mime.DecodeHeader(std2)
		require.NoError(t, err)
		require.Equal(t, c.in, got, "we read the stdlib's encoding of %s", c.name)
	}
}

func BenchmarkEncodeHeader(b *testing.B) {
	for _, c := range encodeCases {
		b.Run(c.name+"/yubin", func(b *testing.B) {
			var e mime.WordEncoder
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_ = e.Encode(c.in)
			}
		})
		b.Run(c.name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_ = stdmime.QEncoding.Encode("utf-8", c.in)
			}
		})
	}
}
