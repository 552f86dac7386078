package mime

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func decodeAllQP(t testing.TB, in string) (string, Warnings) {
	t.Helper()
	d := NewQPDecoder(strings.NewReader(in))
	out, err := io.ReadAll(d)
	require.NoError(t, err)
	return string(out), d.Warnings()
}

func codesOf(ws Warnings) []WarningCode {
	var codes []WarningCode
	for _, w := range ws {
		codes = append(codes, w.Code)
	}
	return codes
}

func TestQPDecode(t *testing.T) {
	tests := []struct {
		name, in, want string
		warn           []WarningCode
	}{
		{"empty", "", "", nil},
		{"plain", "hello world", "hello world", nil},
		{"escapes", "caf=C3=A9", "caf\u00e9", nil},
		{"lowercase hex", "caf=c3=a9", "caf\u00e9", nil},
		{"soft break crlf", "long=\r\nline", "longline", nil},
		{"soft break lf", "long=\nline", "longline", nil},
		{"soft break with blanks", "long= \t\r\nline", "longline", nil},
		{"soft break at eof", "end=", "end", nil},
		{"hard breaks kept crlf", "a\r\nb\r\n", "a\r\nb\r\n", nil},
		{"hard breaks kept lf", "a\nb\n", "a\nb\n", nil},
		{"trailing blanks removed", "a  \t\r\nb \nc  ", "a\r\nb\nc", nil},
		{"inner blanks kept", "a \t b", "a \t b", nil},
		{"blank before soft break kept", "a =\r\nb", "a b", nil},
		{"encoded trailing blank", "a=20\r\n", "a \r\n", nil},
		{"equals non-hex", "a=zz b", "a=zz b", []WarningCode{WarnQPBadEscape}},
		{"equals one hex then non-hex", "a=4g", "a=4g", []WarningCode{WarnQPBadEscape}},
		{"equals blank then text", "a= b", "a= b", []WarningCode{WarnQPBadEscape}},
		{"cut off one hex", "abc=4", "abc=4", []WarningCode{WarnQPTruncated}},
		{"8-bit passed through", "caf\xc3\xa9", "caf\xc3\xa9", []WarningCode{WarnQPUnencodedByte}},
		{"control passed through", "a\x00b", "a\x00b", []WarningCode{WarnQPUnencodedByte}},
		{"equals CR soft break", "a=\rb", "ab", nil},
		{"rfc2045 example", "Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.",
			"Now's the time for all folk to come to the aid of their country.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ws := decodeAllQP(t, tt.in)
			require.Equal(t, tt.want, got)
			require.ElementsMatch(t, tt.warn, codesOf(ws))
			// The same result when the input arrives a byte at a time.
			d := NewQPDecoder(iotest.OneByteReader(strings.NewReader(tt.in)))
			got2, err := io.ReadAll(iotest.OneByteReader(d))
			require.NoError(t, err)
			require.Equal(t, tt.want, string(got2))
		})
	}
}

func TestQPDecodeLongBlankRuns(t *testing.T) {
	// A run of blanks longer than the buffer does not stall the decoder.
	in := "a" + strings.Repeat(" ", 100000) + "b\r\n" + strings.Repeat("\t", 50000) + "\r\nc=" + strings.Repeat(" ", 20000) + "\r\nd"
	got, _ := decodeAllQP(t, in)
	require.Equal(t, "a"+strings.Repeat(" ", 100000)+"b\r\n", got[:100004])
	require.True(t, strings.HasSuffix(got, "d"))
	// The same input trickling in a byte at a time decodes in linear time
	// (the blank run is not rescanned). Which blanks of a run longer than
	// the buffer survive may differ (QUIRK), the text does not.
	slow, err := io.ReadAll(NewQPDecoder(iotest.OneByteReader(strings.NewReader(in))))
	require.NoError(t, err)
	require.Equal(t, strings.Fields(got), strings.Fields(string(slow)))
	// Blanks within the buffer size are removed at a line end also when
	// they trickle in.
	in = "x" + strings.Repeat(" ", 5000) + "\r\ny=" + strings.Repeat("\t", 5000) + "\r\nz"
	slow, err = io.ReadAll(NewQPDecoder(iotest.OneByteReader(strings.NewReader(in))))
	require.NoError(t, err)
	require.Equal(t, "x\r\nyz", string(slow))
}

func TestQPDecodeMatchesStdlib(t *testing.T) {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	text := strings.Repeat("Grüße aus Köln — = sign, trailing blank \r\nand a long line "+strings.Repeat("x", 100)+"\r\n", 200)
	_, err := w.Write([]byte(text))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	got, ws := decodeAllQP(t, b.String())
	require.Nil(t, ws)
	want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b.Bytes())))
	require.NoError(t, err)
	require.Equal(t, string(want), got)
	require.NoError(t, iotest.TestReader(NewQPDecoder(bytes.NewReader(b.Bytes())), want))
}

func encodeQP(t testing.TB, in string, opts *QPOptions, chunk int) string {
	t.Helper()
	var b bytes.Buffer
	e := NewQPEncoder(&b, opts)
	for i := 0; i < len(in); i += chunk {
		_, err := e.Write([]byte(in[i:min(i+chunk, len(in))]))
		require.NoError(t, err)
	}
	require.NoError(t, e.Close())
	return b.String()
}

func TestQPEncode(t *testing.T) {
	bin := &QPOptions{Binary: true}
	lf := &QPOptions{NormalizeLF: true}
	tests := []struct {
		name, in string
		opts     *QPOptions
		want     string
	}{
		{"plain", "hello", nil, "hello"},
		{"equals", "a=b", nil, "a=3Db"},
		{"utf8", "café", nil, "caf=C3=A9"},
		{"hard break", "a\r\nb\r\n", nil, "a\r\nb\r\n"},
		{"trailing blank before break", "a \r\nb\t\r\n", nil, "a=20\r\nb=09\r\n"},
		{"trailing blank at end", "a ", nil, "a=20"},
		{"inner blanks", "a  b", nil, "a  b"},
		{"dot at line start", ".\r\n..x", nil, "=2E\r\n=2E.x"},
		{"From at line start", "From me\r\nFrom\r\nFromage\r\nFro", nil, "=46rom me\r\nFrom\r\nFromage\r\nFro"},
		{"From not at line start", "a From b", nil, "a From b"},
		{"From then blank at end", "From ", nil, "=46rom=20"},
		{"bare lf encoded in text mode", "a\nb", nil, "a=0Ab"},
		{"bare cr encoded in text mode", "a\rb\r", nil, "a=0Db=0D"},
		{"normalize lf", "a\nb \n", lf, "a\r\nb=20\r\n"},
		{"binary", "a\r\nb", bin, "a=0D=0Ab"},
		{"binary nul", "\x00\xff", bin, "=00=FF"},
		{"long line", strings.Repeat("x", 80), nil, strings.Repeat("x", 75) + "=\r\n" + "xxxxx"},
		{"escape not split", strings.Repeat("x", 74) + "é", nil, strings.Repeat("x", 74) + "=\r\n=C3=A9"},
		{"dot after soft break", strings.Repeat("x", 75) + ".", nil, strings.Repeat("x", 75) + "=\r\n=2E"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunk := range []int{1, 3, 1 << 20} {
				require.Equal(t, tt.want, encodeQP(t, tt.in, tt.opts, chunk), "chunk %d", chunk)
			}
		})
	}
}

func TestQPEncodeLineLimits(t *testing.T) {
	in := strings.Repeat("aé \t=.From x\x00\r\n", 50) + strings.Repeat("\xfe", 300) + strings.Repeat(" ", 200)
	for _, opts := range []*QPOptions{nil, {Binary: true}, {LineLength: 40}} {
		out := encodeQP(t, in, opts, 7)
		max := 76
		if opts != nil && opts.LineLength > 0 {
			max = opts.LineLength
		}
		for _, l := range strings.Split(out, "\r\n") {
			require.LessOrEqual(t, len(l), max, l)
			require.False(t, strings.HasSuffix(l, " ") || strings.HasSuffix(l, "\t"), "trailing blank in %q", l)
			require.False(t, strings.HasPrefix(l, ".") || strings.HasPrefix(l, "From "), l)
			for _, c := range []byte(l) {
				require.True(t, c >= ' ' && c < 0x7f || c == '\t', "byte %#x", c)
			}
		}
		got, ws := decodeAllQP(t, out)
		require.Nil(t, ws)
		require.Equal(t, in, got)
	}
}

func TestQPStdlibDecodesOurs(t *testing.T) {
	in := strings.Repeat("Grüße, = and tabs\t\r\n", 20)
	out := encodeQP(t, in, nil, 5)
	got, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(out)))
	require.NoError(t, err)
	require.Equal(t, in, string(got))
}

func FuzzQPRoundTrip(f *testing.F) {
	f.Add([]byte("hello world"), false)
	f.Add([]byte("From me\r\n.\r\ntrailing \r\n"), false)
	f.Add([]byte("\x00\r\n\r\xff ="), true)
	f.Add([]byte(strings.Repeat("x", 80)+" \t"), false)
	f.Fuzz(func(t *testing.T, in []byte, binary bool) {
		var b bytes.Buffer
		e := NewQPEncoder(&b, &QPOptions{Binary: binary})
		half := len(in) / 2
		e.Write(in[:half])
		e.Write(in[half:])
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split(b.Bytes(), []byte("\r\n")) {
			if len(l) > 76 {
				t.Fatalf("line of %d", len(l))
			}
		}
		d := NewQPDecoder(&b)
		got, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, in) {
			t.Fatalf("round trip: %q -> %q", in, got)
		}
		if d.Warnings() != nil {
			t.Fatalf("warnings on our own output: %v", d.Warnings())
		}
	})
}

func FuzzQPDecode(f *testing.F) {
	f.Add([]byte("caf=C3=A9 =\r\nx"))
	f.Add([]byte("a=zz= \n=4"))
	f.Add([]byte("  \r\n\t\n="))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := io.ReadAll(NewQPDecoder(bytes.NewReader(in)))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > len(in) {
			t.Fatalf("output longer than input")
		}
		// Reading one byte at a time gives the same result.
		got2, err := io.ReadAll(iotest.OneByteReader(NewQPDecoder(iotest.OneByteReader(bytes.NewReader(in)))))
		if err != nil || !bytes.Equal(got, got2) {
			t.Fatalf("chunking changed the result: %q vs %q", got, got2)
		}
		// A 16-byte buffer gives the same result while no blank run
		// fills it (QUIRK otherwise): buffer edges are everywhere.
		if maxBlankRun(in) < 8 {
			small := NewQPDecoder(bytes.NewReader(in))
			small.buf, small.maxBuf = make([]byte, 16), 0
			got3, err := readBig(small)
			if err != nil || !bytes.Equal(got, got3) {
				t.Fatalf("small buffer changed the result: %q vs %q", got, got3)
			}
		}
		// Decoding is stable under re-encoding.
		var b bytes.Buffer
		e := NewQPEncoder(&b, &QPOptions{Binary: true})
		e.Write(got)
		e.Close()
		again, _ := io.ReadAll(NewQPDecoder(&b))
		if !bytes.Equal(again, got) {
			t.Fatalf("re-encode: %q != %q", again, got)
		}
	})
}

// A regression: an escape cut by the end of a full 8 KiB buffer was taken
// as truncated. Escapes now straddle the buffer edge at every offset.
func TestQPDecodeEscapesAcrossBuffer(t *testing.T) {
	for k := 0; k < 8; k++ {
		in := strings.Repeat("x", k) + strings.Repeat("f=C3=BCr =\r\n", 5000)
		want, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(in)))
		require.NoError(t, err)
		for _, read := range []func(io.Reader) ([]byte, error){
			io.ReadAll,
			func(r io.Reader) ([]byte, error) { var b bytes.Buffer; _, err := io.Copy(&b, r); return b.Bytes(), err },
			func(r io.Reader) ([]byte, error) { return io.ReadAll(iotest.HalfReader(r)) },
			readBig,
		} {
			d := NewQPDecoder(strings.NewReader(in))
			got, err := read(d)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "prefix %d", k)
			require.Nil(t, d.Warnings())
		}
	}
}

// readBig reads with a 1 MiB buffer, so that a decoder fills its own
// buffer completely before decoding it.
func readBig(r io.Reader) ([]byte, error) {
	buf := make([]byte, 1<<20)
	var out []byte
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func maxBlankRun(b []byte) int {
	best, cur := 0, 0
	for _, c := range b {
		if c == ' ' || c == '\t' {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// A fuzz finding: a trailing blank that is the last byte of a full buffer
// was kept, because the buffer was full of other text, not of blanks.
func TestQPDecodeBlankAtFullBuffer(t *testing.T) {
	d := NewQPDecoder(strings.NewReader("000000000000000 "))
	d.buf, d.maxBuf = make([]byte, 16), 0
	got, err := readBig(d)
	require.NoError(t, err)
	require.Equal(t, "000000000000000", string(got))
}

// FuzzQPDecodeDifferential compares QPDecoder with the byte-at-a-time
// reference decoder (qp_ref_test.go): the same output and the same
// warnings, for every input, chunking of the input, read size and buffer
// size.
func FuzzQPDecodeDifferential(f *testing.F) {
	for _, s := range []string{
		"caf=C3=A9 =\r\nx", "a=zz= \n=4", "  \r\n\t\n=", "fox client  mail=20\r\nweekly th=c3=a9  \r\n",
		"a \r b  \t\r\n  =\r\n\x01\x80=\r", "0123456789abcdefgh    =  \n", strings.Repeat("x ", 40) + "=\r\n",
		"line with trailing  \nand\x7fdel = end=", "=4", "= \r", "abc   ",
	} {
		f.Add([]byte(s), []byte{0, 7, 3}, uint8(0))
		f.Add([]byte(s), []byte{}, uint8(16))
	}
	f.Fuzz(func(t *testing.T, in, sizes []byte, bufSize uint8) {
		var src1, src2 io.Reader = bytes.NewReader(in), bytes.NewReader(in)
		if len(sizes) > 0 {
			src1 = &chunkReader{r: src1, sizes: sizes}
			src2 = &chunkReader{r: src2, sizes: sizes}
		}
		got, ref := NewQPDecoder(src1), newRefQPDecoder(src2)
		if bufSize >= 8 {
			// The buffer grows from half its size, or has a fixed size.
			got.buf, got.maxBuf, ref.buf = make([]byte, bufSize/2), int(bufSize), make([]byte, bufSize)
			if bufSize%2 == 1 {
				got.buf, got.maxBuf = make([]byte, bufSize), 0
			}
		}
		out1, w1, err1 := readQPWith(got, sizes)
		out2, w2, err2 := readQPWith(ref, sizes)
		require.Equal(t, err2, err1)
		require.Equal(t, string(out2), string(out1))
		require.Equal(t, w2, w1)
	})
}

// The buffer grows from 4 KiB to 8 KiB while a run of blanks fills it;
// results and warnings are those of the fixed 8 KiB buffer of the
// reference decoder, for runs around both sizes.
func TestQPDecodeBufferGrowth(t *testing.T) {
	for _, n := range []int{4090, 4095, 4096, 4097, 8190, 8191, 8192, 8193, 9000} {
		for _, tail := range []string{"x\r\n", "\r\n", "=\r\ny", "", "\r", "=4"} {
			for _, blank := range []string{" ", "\t", "= "} {
				in := "ab=3D" + strings.Repeat(blank, n/len(blank)) + tail + "end \r\n"
				for _, chunk := range [][]byte{nil, {200, 13, 255}} {
					var src1, src2 io.Reader = strings.NewReader(in), strings.NewReader(in)
					if chunk != nil {
						src1, src2 = &chunkReader{r: src1, sizes: chunk}, &chunkReader{r: src2, sizes: chunk}
					}
					out1, w1, err1 := readQPWith(NewQPDecoder(src1), chunk)
					out2, w2, err2 := readQPWith(newRefQPDecoder(src2), chunk)
					require.NoError(t, err1)
					require.NoError(t, err2)
					require.Equal(t, string(out2), string(out1), "n %d tail %q blank %q", n, tail, blank)
					require.Equal(t, w2, w1)
				}
			}
		}
	}
}
