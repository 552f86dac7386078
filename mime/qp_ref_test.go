package mime

import (
	"io"
	"testing"
)

// refQPDecoder is the byte-at-a-time quoted-printable decoder that
// QPDecoder replaced, kept as the reference for differential tests. It is a lenient streaming quoted-printable decoder (RFC 2045
// section 6.7). It removes soft line breaks ("=" at the end of a line, also
// when followed by blanks, and with CRLF or bare LF), removes whitespace at
// the end of lines, accepts lowercase hex, keeps line breaks as they are in
// the input, and passes a malformed "=" through as a literal with a warning.
type refQPDecoder struct {
	r   io.Reader
	buf []byte
	rp  int
	wp  int
	off int64 // input offset of buf[0]
	err error
	w   warnAgg
	// known is how far a blank run at buf[rp] was already scanned when
	// decode last asked for more input, so slow input stays linear.
	known int
}

func newRefQPDecoder(r io.Reader) *refQPDecoder {
	return &refQPDecoder{r: r, buf: make([]byte, 8192)}
}

// Warnings implements WarningReporter.
func (d *refQPDecoder) Warnings() Warnings { return d.w.list() }

// Read implements io.Reader.
func (d *refQPDecoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		more := d.rp == d.wp
		if !more {
			var k int
			k, more = d.decode(p[n:])
			n += k
		}
		if !more {
			continue
		}
		if d.err != nil {
			if d.rp == d.wp {
				if n > 0 {
					return n, nil
				}
				return 0, d.err
			}
			continue // decode sees EOF and finishes
		}
		if n > 0 {
			return n, nil
		}
		d.fill()
	}
	return n, nil
}

func (d *refQPDecoder) fill() {
	if d.rp > 0 {
		copy(d.buf, d.buf[d.rp:d.wp])
		d.off += int64(d.rp)
		d.wp -= d.rp
		d.rp = 0
	}
	for tries := 0; d.err == nil && tries < 100; tries++ {
		m, err := d.r.Read(d.buf[d.wp:])
		d.wp += m
		if err != nil {
			d.err = err
		}
		if m > 0 {
			return
		}
	}
	if d.err == nil {
		d.err = io.ErrNoProgress
	}
}

// decode decodes buf[rp:wp] into dst. It stops when dst is full, or when it
// needs more input to decide (more == true).
func (d *refQPDecoder) decode(dst []byte) (n int, more bool) {
	src := d.buf[d.rp:d.wp]
	eof := d.err != nil
	// When a construct fills the whole buffer, undecidable input is taken
	// literally so that a huge run of blanks cannot stall the decoder.
	full := d.rp == 0 && d.wp == len(d.buf)
	i := 0
	known := d.known
	d.known = 0
	for i < len(src) && n < len(dst) {
		c := src[i]
		if c > ' ' && c < 0x7f && c != '=' {
			j := i + 1
			lim := i + len(dst) - n
			if lim > len(src) {
				lim = len(src)
			}
			for j < lim && src[j] > ' ' && src[j] < 0x7f && src[j] != '=' {
				j++
			}
			n += copy(dst[n:], src[i:j])
			i = j
			continue
		}
		switch c {
		case '=':
			if i+2 < len(src) {
				if h1, h2 := qpHex[src[i+1]], qpHex[src[i+2]]; h1|h2 != 0xFF && h1 < 16 && h2 < 16 {
					dst[n] = h1<<4 | h2
					n++
					i += 3
					continue
				}
			}
			k0 := 0
			if i == 0 {
				k0 = known
			}
			k, out, ok := d.escape(src[i:], eof, full && i == 0, int64(i), k0)
			if !ok {
				d.rp += i
				return n, true
			}
			if out >= 0 {
				dst[n] = byte(out)
				n++
			}
			i += k
		case ' ', '\t':
			j := i + 1
			if i == 0 && known > 1 {
				j = known
			}
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			switch {
			case j == len(src) && eof:
				i = j // trailing blanks at the end of the data
				continue
			case j == len(src) && !(full && i == 0):
				d.known = j - i
				d.rp += i
				return n, true
			case j+1 == len(src) && src[j] == '\r' && !eof && !(full && i == 0):
				d.known = j - i
				d.rp += i
				return n, true
			case j < len(src) && (src[j] == '\n' || (src[j] == '\r' && (j+1 == len(src) || src[j+1] == '\n'))):
				i = j // blanks before a line break are removed (section 6.7 (3))
				continue
			}
			// QUIRK: with a full buffer, blanks are kept without lookahead.
			m := copy(dst[n:], src[i:j])
			n += m
			i += m
		case '\r', '\n':
			dst[n] = c
			n++
			i++
		default: // QUIRK: unencoded control and 8-bit octets pass through
			d.w.add(WarnQPUnencodedByte, d.off+int64(d.rp+i), "passed through")
			dst[n] = c
			n++
			i++
		}
	}
	d.rp += i
	return n, false
}

// escape reads an "=" sequence at the start of s. It returns how many bytes
// it used, the decoded octet (-1 for none) and false when it needs more.
func (d *refQPDecoder) escape(s []byte, eof, full bool, at int64, known int) (int, int, bool) {
	off := d.off + int64(d.rp) + at
	final := eof || full
	if len(s) < 3 && !eof {
		// Need "=XX", "=\r\n" or "= \n" to decide.
		if len(s) < 2 || s[1] != '\n' {
			return 0, 0, false
		}
	}
	if len(s) == 1 {
		return 1, -1, true // QUIRK: "=" ending the data is a soft break, as encoders write it
	}
	c1 := s[1]
	if h1 := qpHex[c1]; h1 != 0xFF {
		if len(s) == 2 {
			d.w.add(WarnQPTruncated, off, "escape cut off at the end of the data")
			return 1, '=', true
		}
		if h2 := qpHex[s[2]]; h2 != 0xFF {
			return 3, int(h1<<4 | h2), true
		}
		d.w.add(WarnQPBadEscape, off, "")
		return 1, '=', true
	}
	// Soft line break: "=" [blanks] (CRLF | LF | EOF).
	j := 1
	if known > 1 {
		j = known
	}
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	switch {
	case j == len(s):
		if eof {
			return j, -1, true // soft break at the end of the data
		}
		if !full {
			d.known = j
			return 0, 0, false
		}
		// A buffer full of blanks: not taken as a soft break.
	case s[j] == '\n':
		return j + 1, -1, true
	case s[j] == '\r':
		if j+1 < len(s) && s[j+1] == '\n' {
			return j + 2, -1, true
		}
		if j+1 == len(s) && !final {
			return 0, 0, false
		}
		return j + 1, -1, true // QUIRK: "=" CR is taken as a soft break
	}
	d.w.add(WarnQPBadEscape, off, "")
	return 1, '=', true
}

// chunkReader returns at most n bytes per Read, n cycling through sizes.
type chunkReader struct {
	r     io.Reader
	sizes []byte
	k     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	n := int(c.sizes[c.k%len(c.sizes)])%23 + 1
	c.k++
	return c.r.Read(p[:min(n, len(p))])
}

// qpDecoderUnderTest is what the differential test needs of both decoders.
type qpDecoderUnderTest interface {
	io.Reader
	Warnings() Warnings
}

// readQPWith reads all of d with reads of varying sizes.
func readQPWith(d qpDecoderUnderTest, sizes []byte) ([]byte, Warnings, error) {
	var out []byte
	buf := make([]byte, 64)
	for k := 0; ; k++ {
		n := len(buf)
		if len(sizes) > 0 {
			n = int(sizes[k%len(sizes)])%len(buf) + 1
		}
		m, err := d.Read(buf[:n])
		out = append(out, buf[:m]...)
		if err == io.EOF {
			return out, d.Warnings(), nil
		}
		if err != nil {
			return out, d.Warnings(), err
		}
	}
}

// TestQPLiteralRun compares the eight-at-a-time scan with a plain loop for
// every octet at every position of a word.
func TestQPLiteralRun(t *testing.T) {
	plain := func(s []byte, i int) int {
		for i < len(s) && s[i] >= ' ' && s[i] < 0x7f && s[i] != '=' {
			i++
		}
		return i
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			s := []byte("abcdefgh ijklmnopqrstuvwxyz")
			s[pos] = byte(c)
			for start := 0; start < 3; start++ {
				if got, want := qpLiteralRun(s, start), plain(s, start); got != want {
					t.Fatalf("octet %#x at %d from %d: %d, want %d", c, pos, start, got, want)
				}
			}
		}
	}
}
