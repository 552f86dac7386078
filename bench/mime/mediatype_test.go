package mimebench

import (
	stdmime "mime"
	"testing"

	message "github.com/emersion/go-message"
	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

// mtCases are Content-Type and Content-Disposition values from real mail.
var mtCases = []struct {
	name, field, in string
	wantType        string
	want            map[string]string
	peersAgree      bool // false when the peers lose or garble a value
}{
	{"simple", "Content-Type", "text/plain; charset=utf-8", "text/plain",
		map[string]string{"charset": "utf-8"}, true},
	{"boundary", "Content-Type", `multipart/alternative; boundary="----=_Part_123456_7890.1700000000000"`,
		"multipart/alternative", map[string]string{"boundary": "----=_Part_123456_7890.1700000000000"}, true},
	{"three-params", "Content-Type", `text/plain; charset="ISO-8859-1"; format=flowed; delsp=yes`, "text/plain",
		map[string]string{"charset": "ISO-8859-1", "format": "flowed", "delsp": "yes"}, true},
	{"rfc2231-utf8", "Content-Disposition",
		"attachment;\r\n filename*0*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE;\r\n filename*1*=%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.pdf",
		"attachment", map[string]string{"filename": "日本語のファイル.pdf"}, true},
	// The stdlib and go-message drop RFC 2231 values in charsets other
	// than utf-8 and us-ascii.
	{"rfc2231-latin1", "Content-Disposition", "attachment; filename*=iso-8859-1''r%E9sum%E9.pdf",
		"attachment", map[string]string{"filename": "résumé.pdf"}, false},
	// Legacy MUAs put RFC 2047 words inside quoted parameters; only
	// go-message and Yubin decode them.
	{"rfc2047-quoted", "Content-Disposition", `attachment; filename="=?UTF-8?B?5pel5pys6Kqe?=.pdf"`,
		"attachment", map[string]string{"filename": "日本語.pdf"}, false},
}

func TestMediaTypeMatchesPeers(t *testing.T) {
	for _, c := range mtCases {
		var typ string
		var params mime.Params
		var err error
		if c.field == "Content-Type" {
			var mt mime.MediaType
			mt, err = mime.ParseMediaType(c.in)
			typ, params = mt.Essence(), mt.Params
		} else {
			var d mime.Disposition
			d, err = mime.ParseDisposition(c.in)
			typ, params = d.Type, d.Params
		}
		require.NoError(t, err, c.name)
		require.Equal(t, c.wantType, typ, c.name)
		require.Len(t, params, len(c.want), c.name)
		for k, v := range c.want {
			got, ok := params.Get(k)
			require.True(t, ok, c.name)
			require.Equal(t, v, got, c.name)
		}

		std, stdParams, stdErr := stdmime.ParseMediaType(c.in)
		var h message.Header
		h.Set(c.field, c.in)
		var gm string
		var gmParams map[string]string
		if c.field == "Content-Type" {
			gm, gmParams, _ = h.ContentType()
		} else {
			gm, gmParams, _ = h.ContentDisposition()
		}
		if c.peersAgree {
			require.NoError(t, stdErr, c.name)
			require.Equal(t, c.wantType, std, c.name)
			require.Equal(t, c.want, stdParams, c.name)
			require.Equal(t, c.wantType, gm, c.name)
			require.Equal(t, c.want, gmParams, c.name)
		} else {
			require.NotEqual(t, c.want, stdParams, "stdlib now gets %s right", c.name)
		}
	}
}

func BenchmarkParseMediaType(b *testing.B) {
	for _, c := range mtCases {
		b.Run(c.name+"/yubin", func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			if c.field == "Content-Type" {
				for b.Loop() {
					_, _ = mime.ParseMediaType(c.in)
				}
				return
			}
			for b.Loop() {
				_, _ = mime.ParseDisposition(c.in)
			}
		})
		b.Run(c.name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = stdmime.ParseMediaType(c.in)
			}
		})
		b.Run(c.name+"/gomessage", func(b *testing.B) {
			var h message.Header
			h.Set(c.field, c.in)
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			if c.field == "Content-Type" {
				for b.Loop() {
					_, _, _ = h.ContentType()
				}
				return
			}
			for b.Loop() {
				_, _, _ = h.ContentDisposition()
			}
		})
	}
}

func BenchmarkFormatMediaType(b *testing.B) {
	mt := mime.MediaType{Type: "multipart", Subtype: "mixed", Params: mime.Params{
		{Name: "boundary", Value: "----=_Part_123456_7890.1700000000000"}, {Name: "charset", Value: "utf-8"}}}
	std := map[string]string{"boundary": "----=_Part_123456_7890.1700000000000", "charset": "utf-8"}
	b.Run("ascii/yubin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = mt.String()
		}
	})
	b.Run("ascii/stdlib", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = stdmime.FormatMediaType("multipart/mixed", std)
		}
	})
}
