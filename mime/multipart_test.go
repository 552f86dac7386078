package mime

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

type readPart struct {
	Delim, Header, Body string
	HeaderOffset        int64
	BodyOffset          int64
	EndOffset           int64
	Lines               int64
}

type readResult struct {
	parts []readPart
	err   error // the error that ended NextPart (nil for io.EOF)
	mr    *MultipartReader
}

// rebuild concatenates the raw pieces, which must give back the input.
func (r readResult) rebuild() string {
	var b strings.Builder
	b.Write(r.mr.Preamble())
	for _, p := range r.parts {
		b.WriteString(p.Delim + p.Header + p.Body)
	}
	b.Write(r.mr.CloseDelimiter())
	b.Write(r.mr.Epilogue())
	return b.String()
}

func readMultipart(t testing.TB, src io.Reader, boundary string, opts *MultipartOptions, oneByte bool) readResult {
	return readWith(t, NewMultipartReader(src, boundary, opts), oneByte)
}

func readWith(t testing.TB, mr *MultipartReader, oneByte bool) readResult {
	res := readResult{mr: mr}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = err
			break
		}
		var body []byte
		if oneByte {
			body, err = io.ReadAll(iotest.OneByteReader(p.Body))
		} else {
			body, err = io.ReadAll(p.Body)
		}
		if err != nil {
			res.err = err
			break
		}
		require.True(t, p.Complete)
		res.parts = append(res.parts, readPart{string(p.Delimiter), string(p.RawHeader), string(body),
			p.HeaderOffset, p.BodyOffset, p.EndOffset, p.Lines})
	}
	return res
}

const rfc2046Body = "This is the preamble.  It is to be ignored, though it\r\n" +
	"is a handy place for composition agents to include an\r\n" +
	"explanatory note to non-MIME conformant readers.\r\n" +
	"\r\n" +
	"--simple boundary\r\n" +
	"\r\n" +
	"This is implicitly typed plain US-ASCII text.\r\n" +
	"It does NOT end with a linebreak.\r\n" +
	"--simple boundary\r\n" +
	"Content-type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"This is explicitly typed plain US-ASCII text.\r\n" +
	"It DOES end with a linebreak.\r\n" +
	"\r\n" +
	"--simple boundary--\r\n" +
	"\r\n" +
	"This is the epilogue.  It is also to be ignored.\r\n"

func TestMultipartRFC2046Example(t *testing.T) {
	for _, oneByte := range []bool{false, true} {
		var src io.Reader = strings.NewReader(rfc2046Body)
		if oneByte {
			src = iotest.OneByteReader(src)
		}
		res := readMultipart(t, src, "simple boundary", nil, oneByte)
		require.NoError(t, res.err)
		require.Nil(t, res.mr.Warnings())
		require.Len(t, res.parts, 2)
		require.Equal(t, "This is the preamble.  It is to be ignored, though it\r\n"+
			"is a handy place for composition agents to include an\r\n"+
			"explanatory note to non-MIME conformant readers.\r\n", string(res.mr.Preamble()))
		p0, p1 := res.parts[0], res.parts[1]
		require.Equal(t, "\r\n--simple boundary\r\n", p0.Delim)
		require.Equal(t, "\r\n", p0.Header)
		require.Equal(t, "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.", p0.Body)
		require.Equal(t, int64(2), p0.Lines)
		require.Equal(t, "Content-type: text/plain; charset=us-ascii\r\n\r\n", p1.Header)
		require.Equal(t, "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n", p1.Body)
		require.Equal(t, int64(2), p1.Lines)
		require.Equal(t, "\r\n--simple boundary--\r\n", string(res.mr.CloseDelimiter()))
		require.Equal(t, "\r\nThis is the epilogue.  It is also to be ignored.\r\n", string(res.mr.Epilogue()))
		require.Equal(t, rfc2046Body, res.rebuild())
		for _, p := range res.parts {
			require.Equal(t, p.Header, rfc2046Body[p.HeaderOffset:p.BodyOffset])
			require.Equal(t, p.Body, rfc2046Body[p.BodyOffset:p.EndOffset])
		}
	}
}

func TestMultipartCases(t *testing.T) {
	tests := []struct {
		name     string
		boundary string
		in       string
		bodies   []string
		headers  []string
		warn     []WarningCode
	}{
		{"bare lf", "b", "--b\nA: 1\n\nx\n--b\n\ny\n--b--\n",
			[]string{"x", "y"}, []string{"A: 1\n\n", "\n"}, nil},
		{"transport padding", "b", "--b \t\r\n\r\nx\r\n--b\t\r\n\r\ny\r\n--b-- \r\nepi",
			[]string{"x", "y"}, nil, nil},
		{"no preamble no epilogue", "b", "--b\r\n\r\nx\r\n--b--",
			[]string{"x"}, nil, nil},
		{"empty parts", "b", "--b\r\n--b\r\n\r\n--b\r\n\r\n\r\n--b--",
			[]string{"", "", ""}, []string{"", "", "\r\n"}, nil},
		{"missing close delimiter", "b", "--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n",
			[]string{"x", "y\r\n"}, nil, []WarningCode{WarnMultipartNoCloseDelimiter}},
		{"prefix of a nested boundary", "abc", "--abc\r\nContent-Type: multipart/mixed; boundary=abcdef\r\n\r\n--abcdef\r\n\r\ninner\r\n--abcdef--\r\n--abc--\r\n",
			[]string{"--abcdef\r\n\r\ninner\r\n--abcdef--"}, nil, nil},
		{"close-like line of a longer boundary", "abc", "--abc\r\n\r\n--abc--x\r\n--abc--",
			[]string{"--abc--x"}, nil, nil},
		{"boundary-like text is body", "b", "--b\r\n\r\n--bx\r\n-- b\r\n--b-x\r\n --b\r\n--b--",
			[]string{"--bx\r\n-- b\r\n--b-x\r\n --b"}, nil, nil},
		{"no header", "b", "--b\r\nhello world\r\n--b--",
			[]string{"hello world"}, []string{""}, []WarningCode{WarnMultipartNoHeader}},
		{"header without blank line", "b", "--b\r\nContent-Type: text/plain\r\nhello\r\n--b--",
			[]string{"hello"}, []string{"Content-Type: text/plain\r\n"}, []WarningCode{WarnMultipartHeaderUnterminated}},
		{"header up to the delimiter", "b", "--b\r\nContent-Type: text/plain\r\n--b--",
			[]string{""}, []string{"Content-Type: text/plain"}, []WarningCode{WarnMultipartHeaderUnterminated}},
		{"folded header", "b", "--b\r\nA: 1\r\n 2\r\nB : 3\r\n\r\nx\r\n--b--",
			[]string{"x"}, []string{"A: 1\r\n 2\r\nB : 3\r\n\r\n"}, nil},
		{"no delimiter at all", "b", "just text\r\n--c\r\n",
			nil, nil, []WarningCode{WarnMultipartNoDelimiter}},
		{"empty input", "b", "", nil, nil, []WarningCode{WarnMultipartNoDelimiter}},
		{"long boundary tolerated", strings.Repeat("x", 100), "--" + strings.Repeat("x", 100) + "\r\n\r\nx\r\n--" + strings.Repeat("x", 100) + "--",
			[]string{"x"}, nil, []WarningCode{WarnMultipartLongBoundary}},
		{"odd boundary chars", "a@b", "--a@b\r\n\r\nx\r\n--a@b--",
			[]string{"x"}, nil, []WarningCode{WarnMultipartBoundaryChars}},
		{"CR before delimiter with bare LF", "b", "--b\n\nx\r\r\n--b--",
			[]string{"x\r"}, nil, nil},
		{"data after close delimiter kept as epilogue", "b", "--b\r\n\r\nx\r\n--b--\r\n--b\r\n\r\ny\r\n",
			[]string{"x"}, nil, nil},
		{"close delimiter without line break at EOF", "b", "--b\r\n\r\nx\r\n--b--", []string{"x"}, nil, nil},
		{"delimiter at EOF", "b", "--b\r\n\r\nx\r\n--b", []string{"x", ""}, []string{"\r\n", ""}, []WarningCode{WarnMultipartNoCloseDelimiter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				var src io.Reader = strings.NewReader(tt.in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				res := readMultipart(t, src, tt.boundary, nil, oneByte)
				require.NoError(t, res.err)
				var bodies, headers []string
				for _, p := range res.parts {
					bodies = append(bodies, p.Body)
					headers = append(headers, p.Header)
					require.Equal(t, p.Header, tt.in[p.HeaderOffset:p.BodyOffset])
					require.Equal(t, p.Body, tt.in[p.BodyOffset:p.EndOffset])
				}
				require.Equal(t, tt.bodies, bodies)
				if tt.headers != nil {
					require.Equal(t, tt.headers, headers)
				}
				require.ElementsMatch(t, tt.warn, codesOf(res.mr.Warnings()))
				require.Equal(t, tt.in, res.rebuild(), "byte-exact round trip")
			}
		})
	}
}

func TestMultipartLines(t *testing.T) {
	in := "--b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\none\r\n\r\n--b\r\n\r\na\nb\r\nc\r\n--b--"
	res := readMultipart(t, strings.NewReader(in), "b", nil, false)
	require.NoError(t, res.err)
	var lines []int64
	for _, p := range res.parts {
		lines = append(lines, p.Lines)
	}
	require.Equal(t, []int64{0, 1, 1, 3}, lines)
}

func TestMultipartBoundaryErrors(t *testing.T) {
	var be *BoundaryError
	_, err := NewMultipartReader(strings.NewReader("--\r\n\r\nx\r\n----"), "", nil).NextPart()
	require.ErrorAs(t, err, &be)
	_, err = NewMultipartReader(strings.NewReader(""), "a\r\nb", nil).NextPart()
	require.ErrorAs(t, err, &be)

	// A 5,000-character boundary is over the default limit...
	long := strings.Repeat("z", 5000)
	in := "--" + long + "\r\n\r\nx\r\n--" + long + "--\r\n"
	mr := NewMultipartReader(strings.NewReader(in), long, nil)
	_, err = mr.NextPart()
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MaxBoundaryLength", le.Limit)
	_, err2 := mr.NextPart()
	require.Equal(t, err, err2, "errors are sticky")
	// ...and readable when the limit is raised.
	res := readMultipart(t, iotest.OneByteReader(strings.NewReader(in)), long, &MultipartOptions{MaxBoundaryLength: 6000}, false)
	require.NoError(t, res.err)
	require.Len(t, res.parts, 1)
	require.Equal(t, "x", res.parts[0].Body)
	require.Equal(t, in, res.rebuild())
}

func TestMultipartPartBomb(t *testing.T) {
	// A million empty parts stop at MaxParts, quickly and in linear time.
	in := strings.Repeat("--b\r\n", 1000000)
	mr := NewMultipartReader(strings.NewReader(in), "b", nil)
	n := 0
	var err error
	for {
		if _, err = mr.NextPart(); err != nil {
			break
		}
		n++
	}
	var le *LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "MaxParts", le.Limit)
	require.Equal(t, 10000, n)

	// With the cap raised, all million are read.
	mr = NewMultipartReader(strings.NewReader(in), "b", &MultipartOptions{MaxParts: 2000000})
	n = 0
	for {
		if _, err = mr.NextPart(); err != nil {
			break
		}
		n++
	}
	require.Equal(t, io.EOF, err)
	require.Equal(t, 1000000, n)
	require.True(t, mr.Warnings().Has(WarnMultipartNoCloseDelimiter))
}

func TestMultipartLimits(t *testing.T) {
	var le *LimitError
	// Header bombs.
	in := "--b\r\n" + strings.Repeat("X-A: 1\r\n", 100000) + "\r\nbody\r\n--b--"
	res := readMultipart(t, strings.NewReader(in), "b", nil, false)
	require.ErrorAs(t, res.err, &le)
	require.Equal(t, "MaxHeaderBytes", le.Limit)

	in = "--b\r\nSubject: " + strings.Repeat("x", 10<<20) + "\r\n\r\nbody\r\n--b--"
	res = readMultipart(t, strings.NewReader(in), "b", nil, false)
	require.ErrorAs(t, res.err, &le)
	require.Equal(t, "MaxLineLength", le.Limit)

	in = "--b\r\nSubject: " + strings.Repeat("x", 70000) + "\r\n\r\nbody\r\n--b--"
	res = readMultipart(t, strings.NewReader(in), "b", &MultipartOptions{MaxLineLength: 100000}, false)
	require.ErrorAs(t, res.err, &le)
	require.Equal(t, "MaxHeaderBytes", le.Limit)

	// A huge body line is streamed, not limited.
	in = "--b\r\n\r\n" + strings.Repeat("y", 10<<20) + "\r\n--b--"
	res = readMultipart(t, strings.NewReader(in), "b", nil, false)
	require.NoError(t, res.err)
	require.Len(t, res.parts[0].Body, 10<<20)

	// A headerless part starting with a huge line is a body, not an error.
	in = "--b\r\n" + strings.Repeat("y y", 30000) + "\r\n--b--"
	res = readMultipart(t, strings.NewReader(in), "b", nil, false)
	require.NoError(t, res.err)
	require.Len(t, res.parts[0].Body, 90000)

	// Endless transport padding is not a delimiter, also when it trickles
	// in a byte at a time (linear: the padding is not rescanned).
	in = "--b\r\n\r\nx\r\n--b" + strings.Repeat(" ", 40000) + "\r\nmore\r\n--b--"
	for _, src := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		res = readMultipart(t, src, "b", nil, false)
		require.NoError(t, res.err)
		require.Len(t, res.parts, 1)
		require.Equal(t, in, res.rebuild())
	}
	// Long but allowed padding and a long header line, trickling in.
	in = "--b" + strings.Repeat("\t", 30000) + "\r\nX-Long: " + strings.Repeat("v", 30000) + "\r\n\r\nx\r\n--b--"
	res = readMultipart(t, iotest.OneByteReader(strings.NewReader(in)), "b", nil, false)
	require.NoError(t, res.err)
	require.Len(t, res.parts, 1)
	require.Equal(t, "x", res.parts[0].Body)
	require.Equal(t, in, res.rebuild())

	// Preamble and epilogue are kept up to their limits.
	in = strings.Repeat("p", 100) + "\r\n--b\r\n\r\nx\r\n--b--\r\n" + strings.Repeat("e", 100)
	res = readMultipart(t, strings.NewReader(in), "b", &MultipartOptions{MaxPreambleBytes: 10, MaxEpilogueBytes: 20}, false)
	require.NoError(t, res.err)
	require.Equal(t, strings.Repeat("p", 10), string(res.mr.Preamble()))
	require.Len(t, res.mr.Epilogue(), 20)
	require.ElementsMatch(t, []WarningCode{WarnMultipartPreambleTruncated, WarnMultipartEpilogueTruncated}, codesOf(res.mr.Warnings()))
}

func TestMultipartReadError(t *testing.T) {
	boom := errors.New("boom")
	src := io.MultiReader(strings.NewReader("--b\r\n\r\npartial body"), iotest.ErrReader(boom))
	mr := NewMultipartReader(src, "b", nil)
	p, err := mr.NextPart()
	require.NoError(t, err)
	_, err = io.ReadAll(p.Body)
	require.ErrorIs(t, err, boom)
	_, err = mr.NextPart()
	require.ErrorIs(t, err, boom)
}

func TestMultipartSkipsUnreadBody(t *testing.T) {
	in := "--b\r\nA: 1\r\n\r\n" + strings.Repeat("skip me\r\n", 10000) + "--b\r\nB: 2\r\n\r\nlast\r\n--b--\r\n"
	mr := NewMultipartReader(strings.NewReader(in), "b", nil)
	p0, err := mr.NextPart()
	require.NoError(t, err)
	v, ok := p0.HeaderValue("a")
	require.True(t, ok)
	require.Equal(t, "1", v)
	p1, err := mr.NextPart()
	require.NoError(t, err)
	require.True(t, p0.Complete)
	require.Equal(t, int64(10000), p0.Lines)
	n, err := p0.Body.Read(make([]byte, 10))
	require.Equal(t, 0, n)
	require.Equal(t, io.EOF, err, "an old part reads EOF")
	body, err := io.ReadAll(p1.Body)
	require.NoError(t, err)
	require.Equal(t, "last", string(body))
	_, err = mr.NextPart()
	require.Equal(t, io.EOF, err)
	_, err = mr.NextPart()
	require.Equal(t, io.EOF, err)
}

func TestPartHeaderValue(t *testing.T) {
	p := &Part{RawHeader: []byte("Content-Type: multipart/mixed;\r\n boundary=x\r\nX-Empty:\r\nContent-Type: second\r\n\r\n")}
	v, ok := p.HeaderValue("content-type")
	require.True(t, ok)
	require.Equal(t, "multipart/mixed; boundary=x", v)
	v, ok = p.HeaderValue("X-EMPTY")
	require.True(t, ok)
	require.Equal(t, "", v)
	_, ok = p.HeaderValue("missing")
	require.False(t, ok)
}

func FuzzMultipartReader(f *testing.F) {
	f.Add([]byte(rfc2046Body), "simple boundary")
	f.Add([]byte("--b\nA: 1\n\nx\n--b--\n"), "b")
	f.Add([]byte("--abc\r\n\r\n--abcdef\r\n--abc--"), "abc")
	f.Add([]byte("--b\r\n--b\r\n--b  \r\nno header\r\n--b-"), "b")
	f.Add([]byte("pre\r\n--b\r\nA: x\r\n y\r\nbody\r\n--b--\r\n--b\r\n"), "b")
	f.Fuzz(func(t *testing.T, in []byte, boundary string) {
		if boundary == "" || strings.ContainsAny(boundary, "\r\n") || len(boundary) > 1000 {
			boundary = "b" // unusable boundaries are tested elsewhere; explore parsing
		}
		opts := &MultipartOptions{MaxParts: 1000, MaxLineLength: 512, MaxHeaderBytes: 1024}
		a := readMultipart(t, bytes.NewReader(in), boundary, opts, false)
		b := readMultipart(t, iotest.OneByteReader(bytes.NewReader(in)), boundary, opts, true)
		// A tiny initial buffer puts buffer edges everywhere.
		small := NewMultipartReader(bytes.NewReader(in), boundary, opts)
		small.buf = make([]byte, len(small.nlDash)+2)
		c := readWith(t, small, false)
		if (a.err == nil) != (c.err == nil) || len(a.parts) != len(c.parts) {
			t.Fatalf("small buffer changed the result: %v/%d vs %v/%d", a.err, len(a.parts), c.err, len(c.parts))
		}
		if (a.err == nil) != (b.err == nil) || len(a.parts) != len(b.parts) {
			t.Fatalf("chunking changed the result: %v/%d vs %v/%d", a.err, len(a.parts), b.err, len(b.parts))
		}
		for i := range a.parts {
			if a.parts[i] != b.parts[i] || a.parts[i] != c.parts[i] {
				t.Fatalf("part %d differs: %+v vs %+v", i, a.parts[i], b.parts[i])
			}
		}
		if a.err != nil {
			return
		}
		ws := a.mr.Warnings()
		if !ws.Has(WarnMultipartPreambleTruncated) && !ws.Has(WarnMultipartEpilogueTruncated) {
			if got := a.rebuild(); got != string(in) {
				t.Fatalf("round trip:\n%q\n%q", in, got)
			}
		}
		for _, p := range a.parts {
			if p.Header != string(in[p.HeaderOffset:p.BodyOffset]) || p.Body != string(in[p.BodyOffset:p.EndOffset]) {
				t.Fatalf("offsets do not match part %+v", p)
			}
		}
	})
}

// Part bodies around the buffer size, read in odd chunks, match the
// standard library and round-trip.
func TestMultipartBufferEdges(t *testing.T) {
	var b bytes.Buffer
	mw := NewMultipartWriter(&b, &MultipartWriterOptions{Boundary: "edge"})
	var bodies []string
	for n := 4060; n < 4140; n += 3 {
		body := strings.Repeat("a\r\n-", n/4) + strings.Repeat("z", n%4)
		bodies = append(bodies, body)
		w, err := mw.CreatePart([]byte("X-N: " + strings.Repeat("n", n%50) + "\r\n"))
		require.NoError(t, err)
		_, err = io.WriteString(w, body)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	in := b.String()
	std := multipart.NewReader(strings.NewReader(in), "edge")
	for i := 0; ; i++ {
		p, err := std.NextRawPart()
		if err == io.EOF {
			require.Equal(t, len(bodies), i)
			break
		}
		require.NoError(t, err)
		got, _ := io.ReadAll(p)
		require.Equal(t, bodies[i], string(got))
	}
	for _, wrap := range []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r },
		iotest.HalfReader,
		iotest.DataErrReader,
		func(r io.Reader) io.Reader { return io.LimitReader(r, int64(len(in))) },
	} {
		res := readMultipart(t, wrap(strings.NewReader(in)), "edge", nil, false)
		require.NoError(t, res.err)
		require.Nil(t, res.mr.Warnings())
		require.Len(t, res.parts, len(bodies))
		for i, p := range res.parts {
			require.Equal(t, bodies[i], p.Body)
		}
		require.Equal(t, in, res.rebuild())
	}
	mr := NewMultipartReader(strings.NewReader(in), "edge", nil)
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got, err := readBig(p.Body)
		require.NoError(t, err)
		require.Equal(t, bodies[i], string(got))
	}
}
