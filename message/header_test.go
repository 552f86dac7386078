package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/yubinmail/yubin/mime"
)

func readHeader(t testing.TB, s string) (Header, string, error) {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(s))
	h, err := ReadHeader(br, nil)
	rest, _ := io.ReadAll(br)
	return h, string(rest), err
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		fields [][2]string // name, unfolded value
		warn   []mime.WarningCode
		body   string
	}{
		{"crlf", "From: a@x\r\nSubject: hi\r\n there\r\n\r\nbody", [][2]string{{"From", "a@x"}, {"Subject", "hi there"}}, nil, "body"},
		{"bare lf", "From: a@x\nTo: b@y\n\nbody\n", [][2]string{{"From", "a@x"}, {"To", "b@y"}}, []mime.WarningCode{WarnBareLF}, "body\n"},
		{"cr cr lf", "From: a@x\r\r\n\r\nb", [][2]string{{"From", "a@x"}}, []mime.WarningCode{WarnExtraCR}, "b"},
		{"mbox from", "From joe@x Tue Nov 24 10:00:00 2026\nFrom: joe@x\n\n", [][2]string{{"From", "joe@x"}}, []mime.WarningCode{WarnMboxFrom, WarnBareLF}, ""},
		{"no header", "just body\r\nA: 1\r\n", nil, []mime.WarningCode{WarnNoHeader}, "just body\r\nA: 1\r\n"},
		{"whitespace separator", "A: 1\r\n \r\nbody text\r\n", [][2]string{{"A", "1"}}, []mime.WarningCode{WarnBlankSeparator}, "body text\r\n"},
		{"whitespace line at eof", " \n", nil, []mime.WarningCode{WarnBlankSeparator}, ""}, // found by FuzzReadHeader (" \n:0")
		{"whitespace line before colon line", " \n:0", nil, []mime.WarningCode{WarnBlankSeparator}, ":0"},
		{"whitespace continuation", "A: 1\r\n \r\nB: 2\r\n\r\n", [][2]string{{"A", "1"}, {"B", "2"}}, nil, ""},
		{"no colon keeps going", "A: 1\r\nthis is junk\r\nB: 2\r\n\r\n", [][2]string{{"A", "1"}, {"", "this is junk"}, {"B", "2"}}, []mime.WarningCode{WarnNoColon}, ""},
		{"space before colon", "Subject : x\r\n\r\n", [][2]string{{"Subject", "x"}}, []mime.WarningCode{WarnBadFieldName}, ""},
		{"orphan continuation", " lead\r\nA: 1\r\n\r\n", [][2]string{{"", "lead"}, {"A", "1"}}, []mime.WarningCode{WarnOrphanContinuation}, ""},
		{"8bit utf8", "Subject: 日本語\r\n\r\n", [][2]string{{"Subject", "日本語"}}, nil, ""},
		{"8bit latin1", "Subject: caf\xe9\r\n\r\n", [][2]string{{"Subject", "caf\xe9"}}, []mime.WarningCode{WarnHeader8Bit}, ""},
		{"eof no blank", "A: 1\r\nB: 2", [][2]string{{"A", "1"}, {"B", "2"}}, []mime.WarningCode{WarnNoBody}, ""},
		{"empty", "\r\nbody", nil, nil, "body"},
		{"whitespace-only continuation", "A: 1\r\n \r\n 2\r\n\r\n", [][2]string{{"A", "1  2"}}, nil, ""},
		{"long line", "A: " + strings.Repeat("x", 1000) + "\r\n\r\n", [][2]string{{"A", strings.Repeat("x", 1000)}}, []mime.WarningCode{WarnLongLine}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rest, err := readHeader(t, tt.in)
			var got [][2]string
			for _, f := range h.Fields() {
				got = append(got, [2]string{f.Name(), f.Value()})
			}
			require.Equal(t, tt.fields, got)
			require.Equal(t, tt.body, rest)
			if tt.warn == nil {
				require.NoError(t, err)
			} else {
				var ws mime.Warnings
				require.ErrorAs(t, err, &ws)
				for _, c := range tt.warn {
					require.True(t, ws.Has(c), "want %s in %v", c, ws)
				}
			}
			// Writing back reproduces the input (minus an mbox line).
			want := strings.TrimPrefix(tt.in, string(h.MboxFrom()))
			want = want[:len(want)-len(tt.body)]
			if tt.warn != nil && tt.warn[0] == WarnNoBody && !h.noHeader {
				want += "\r\n"
			}
			require.Equal(t, want, string(h.Bytes()))
		})
	}
}

func TestHeaderOps(t *testing.T) {
	h, _, err := readHeader(t, "Received: a\r\nSubject: one\r\nX-A: 1\r\nsubject: two\r\n\r\n")
	require.NoError(t, err)
	require.Equal(t, "one", h.Get("SUBJECT"))
	require.Equal(t, []string{"one", "two"}, h.Values("Subject"))
	require.Equal(t, 2, h.Count("subject"))
	h.Set("Subject", "three")
	require.Equal(t, "Received: a\r\nSubject: three\r\nX-A: 1\r\n\r\n", string(h.Bytes()))
	h.Add("X-B", "2")
	h.Prepend("Return-Path", "<r@x>")
	h.Del("x-a")
	require.Equal(t, "Return-Path: <r@x>\r\nReceived: a\r\nSubject: three\r\nX-B: 2\r\n\r\n", string(h.Bytes()))
	require.False(t, h.Has("X-A"))
	h.Add("X-Inject", "a\r\nBcc: evil@x")
	require.Equal(t, "a  Bcc: evil@x", h.Get("X-Inject"))
	h.Add("X-Name\r\nBcc: evil@x\r\nX", "v")
	require.False(t, h.Has("Bcc"))
	require.Equal(t, "v", h.Get("X-Name--Bcc--evil@x--X"))
	h.Del("X-Name--Bcc--evil@x--X")
	require.Equal(t, 5, h.Len())
	require.NoError(t, h.AddRaw([]byte("X-Raw: keep  \r\n  me\r\n")))
	require.Equal(t, "keep    me", h.Get("x-raw"))
	require.Error(t, h.AddRaw([]byte("nocolon\r\n")))
	c := h.Clone()
	c.Del("X-Raw")
	require.True(t, h.Has("X-Raw"))
}

func TestHeaderTextLatin1(t *testing.T) {
	h, _, _ := readHeader(t, "Subject: caf\xe9 =?utf-8?q?cr=C3=A8me?=\r\nFrom: Ren\xe9e <r@x>\r\n\r\n")
	require.Equal(t, "café crème", h.Text("Subject"))
	a, err := Author(h)
	require.NoError(t, err)
	require.Equal(t, "Renée", a.Name)
}

func TestHeaderText(t *testing.T) {
	var h Header
	h.Add("Subject", "日本語のメール件名です。これはかなり長い件名なので折り返す必要があります。")
	raw := string(h.Bytes())
	require.True(t, isPrintableASCII(strings.ReplaceAll(raw, "\r\n", "")), raw)
	for _, ln := range strings.Split(strings.TrimSuffix(raw, "\r\n\r\n"), "\r\n") {
		require.LessOrEqual(t, len(ln), 78, ln)
	}
	require.Equal(t, "日本語のメール件名です。これはかなり長い件名なので折り返す必要があります。", h.Text("Subject"))

	var u Header
	u.UTF8 = true
	u.Add("Subject", "café")
	require.Equal(t, "Subject: café\r\n\r\n", string(u.Bytes()))
}

func TestHeaderLimits(t *testing.T) {
	many := strings.Repeat("X: y\r\n", 100001) + "\r\n"
	_, err := ReadHeader(bufio.NewReader(strings.NewReader(many)), nil)
	var le *mime.LimitError
	require.ErrorAs(t, err, &le)

	_, err = ReadHeader(bufio.NewReader(strings.NewReader(many)), &HeaderOptions{MaxFields: 10})
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MaxFields", le.Limit)

	// One 10 MB folded field stops at MaxHeaderBytes.
	big := "X: " + strings.Repeat("a\r\n ", 10<<20/4) + "\r\n\r\n"
	h, err := ReadHeader(bufio.NewReader(strings.NewReader(big)), nil)
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MaxHeaderBytes", le.Limit)
	require.LessOrEqual(t, len(h.Bytes()), 2<<20)

	// A 10 MB line without a newline.
	_, err = ReadHeader(bufio.NewReader(strings.NewReader(strings.Repeat("a", 10<<20))), nil)
	require.ErrorAs(t, err, &le)
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestHeaderIOError(t *testing.T) {
	_, err := ReadHeader(bufio.NewReader(io.MultiReader(strings.NewReader("A: b\r\n"), errReader{})), nil)
	require.EqualError(t, err, "boom")
}

func TestFormatField(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"Subject", "hello", "Subject: hello\r\n"},
		{"Subject", "", "Subject:\r\n"},
		{"To", "Alice Example <alice@example.com>, Bob Example <bob@example.com>, Carol <carol@example.com>",
			"To: Alice Example <alice@example.com>, Bob Example <bob@example.com>,\r\n Carol <carol@example.com>\r\n"},
		{"Subject", strings.Repeat("word ", 20), "Subject: word word word word word word word word word word word word word word\r\n word word word word word word\r\n"},
		{"To", "José <jose@example.com>", "To: =?utf-8?B?Sm9zw6k=?= <jose@example.com>\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			require.Equal(t, tt.want, string(FormatField(tt.name, tt.value, nil)))
		})
	}
	// An ASCII token longer than 998 in an unstructured field is encoded.
	long := FormatField("Subject", strings.Repeat("x", 2000), nil)
	for _, ln := range bytes.Split(long, []byte("\r\n")) {
		require.LessOrEqual(t, len(ln), 998)
	}
	h, _, err := readHeader(t, string(long)+"\r\n")
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("x", 2000), h.Text("Subject"))
}

func FuzzReadHeader(f *testing.F) {
	f.Add([]byte("From: a@x\r\nSubject: hi\r\n there\r\n\r\nbody"))
	f.Add([]byte("From x\nA: b\n junk\nno colon\n\n"))
	f.Add([]byte(" x\r\r\n:\r\nA : b\r\n"))
	f.Add([]byte("A: b\r\n c\r\n\td\r\nE: f\r\n \r\n g\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReader(bytes.NewReader(in))
		h, err := ReadHeader(br, &HeaderOptions{MaxHeaderBytes: 1 << 16})
		// Fields sliced from the input instead of copied are the same,
		// with a small and a large buffer.
		for _, size := range []int{16, 4096} {
			src := append([]byte(nil), in...)
			hs, errs := readHeaderFrom(bufio.NewReaderSize(bytes.NewReader(src), size), src, &HeaderOptions{MaxHeaderBytes: 1 << 16})
			hc, errc := ReadHeader(bufio.NewReaderSize(bytes.NewReader(in), size), &HeaderOptions{MaxHeaderBytes: 1 << 16})
			if fmt.Sprint(errs) != fmt.Sprint(errc) || !bytes.Equal(hs.Bytes(), hc.Bytes()) || hs.Len() != hc.Len() {
				t.Fatalf("sliced %q %v, copied %q %v", hs.Bytes(), errs, hc.Bytes(), errc)
			}
			for i, f := range hs.fields {
				if g := hc.fields[i]; f.Name() != g.Name() || string(f.Raw()) != string(g.Raw()) || f.col != g.col {
					t.Fatalf("field %d: %q %q, copied %q %q", i, f.Name(), f.Raw(), g.Name(), g.Raw())
				}
			}
		}
		var le *mime.LimitError
		if errors.As(err, &le) {
			return
		}
		rest, _ := io.ReadAll(br)
		out := h.Bytes()
		want := in[len(h.MboxFrom()):]
		want = want[:len(want)-len(rest)]
		if h.sep == nil && !h.noHeader { // EOF without the empty line: WriteTo adds CRLF
			want = append(append([]byte(nil), want...), "\r\n"...)
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("round trip:\n%q\n%q", out, want)
		}
		h2, _ := ReadHeader(bufio.NewReader(bytes.NewReader(out)), nil)
		if h2.Len() != h.Len() && h.MboxFrom() == nil {
			t.Fatalf("field count %d != %d", h2.Len(), h.Len())
		}
	})
}

// Found by FuzzReadHeader: "From " alone is not an mbox separator nor a
// field: the section has no header, before and after writing.
func TestReadHeaderFromSpaceRegression(t *testing.T) {
	for _, in := range []string{"From ", "From \r\n"} {
		h, rest, err := readHeader(t, in)
		require.Equal(t, 0, h.Len())
		require.Nil(t, h.MboxFrom())
		require.Equal(t, in, rest)
		var ws mime.Warnings
		require.ErrorAs(t, err, &ws)
		require.True(t, ws.Has(WarnNoHeader))
		require.Empty(t, h.Bytes())
	}
}

// Fields share blocks of memory: reading many folded fields across block
// edges, with a tiny and a large read buffer, keeps every field's bytes,
// and changing one field leaves its neighbours alone.
func TestReadHeaderSharedBlocks(t *testing.T) {
	var in bytes.Buffer
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&in, "X-Field-%d: %s\r\n", i, strings.Repeat("v", i%97))
		if i%3 == 0 {
			fmt.Fprintf(&in, "\t%s\r\n", strings.Repeat("c", i%200))
		}
	}
	in.WriteString("\r\nbody")
	for _, size := range []int{16, 64 << 10} {
		br := bufio.NewReaderSize(bytes.NewReader(in.Bytes()), size)
		h, err := ReadHeader(br, nil)
		require.NoError(t, err)
		require.Equal(t, 3000, h.Len())
		want := in.Bytes()[:in.Len()-len("body")]
		require.Equal(t, string(want), string(h.Bytes()))
		h.Set("X-Field-7", "changed")
		h.Add("X-New", "added")
		require.Equal(t, "changed", h.Get("X-Field-7"))
		require.Equal(t, strings.Repeat("v", 8), h.Get("X-Field-8"))
		require.Equal(t, strings.Repeat("v", 6)+"\t"+strings.Repeat("c", 6), h.Get("X-Field-6"))
	}
}
