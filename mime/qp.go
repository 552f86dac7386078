package mime

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// Warning codes of the quoted-printable decoder (RFC 2045 section 6.7).
const (
	// WarnQPBadEscape: "=" not followed by two hex digits or a line break;
	// the "=" was kept as a literal character (RFC 2045 section 6.7, note 1).
	WarnQPBadEscape WarningCode = "qp-bad-escape"
	// WarnQPTruncated: the data ended inside an "=XX" escape; the partial
	// escape was kept as literal text.
	WarnQPTruncated WarningCode = "qp-truncated"
	// WarnQPUnencodedByte: a control character or an octet above 126 was
	// not encoded; it was passed through.
	WarnQPUnencodedByte WarningCode = "qp-unencoded-byte"
)

// qpHex maps a hex digit (either case) to its value, others to 0xFF.
var qpHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := byte(0); i < 10; i++ {
		t['0'+i] = i
	}
	for i := byte(0); i < 6; i++ {
		t['A'+i] = 10 + i
		t['a'+i] = 10 + i // lowercase: RFC 2045 section 6.7 (1) suggests accepting it
	}
	return t
}()

// QPDecoder is a lenient streaming quoted-printable decoder (RFC 2045
// section 6.7). It removes soft line breaks ("=" at the end of a line, also
// when followed by blanks, and with CRLF or bare LF), removes whitespace at
// the end of lines, accepts lowercase hex, keeps line breaks as they are in
// the input, and passes a malformed "=" through as a literal with a warning.
type QPDecoder struct {
	r   io.Reader
	buf []byte
	rp  int
	wp  int
	off int64 // input offset of buf[0]
	// maxBuf is the size to which buf may grow while one undecided
	// construct fills it; 0 means len(buf).
	maxBuf int
	err    error
	w      warnAgg
	// known is how far a blank run at buf[rp] was already scanned when
	// decode last asked for more input, so slow input stays linear.
	known int
}

// qpBufSize is the size of the decoder's input buffer. The buffer starts at
// half of it, which is enough for most bodies, and grows when an undecided
// run of blanks fills it, so that results are those of a full-sized one.
const qpBufSize = 8192

// NewQPDecoder returns a lenient quoted-printable decoder reading from r.
func NewQPDecoder(r io.Reader) *QPDecoder {
	return &QPDecoder{r: r, buf: make([]byte, qpBufSize/2), maxBuf: qpBufSize}
}

// Warnings implements WarningReporter.
func (d *QPDecoder) Warnings() Warnings { return d.w.list() }

// Read implements io.Reader.
func (d *QPDecoder) Read(p []byte) (int, error) {
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

func (d *QPDecoder) fill() {
	if d.rp > 0 {
		copy(d.buf, d.buf[d.rp:d.wp])
		d.off += int64(d.rp)
		d.wp -= d.rp
		d.rp = 0
	} else if d.wp == len(d.buf) && len(d.buf) < d.maxBuf {
		nb := make([]byte, min(2*len(d.buf), d.maxBuf))
		copy(nb, d.buf[:d.wp])
		d.buf = nb
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
func (d *QPDecoder) decode(dst []byte) (n int, more bool) {
	src := d.buf[d.rp:d.wp]
	eof := d.err != nil
	// When a construct fills the whole buffer, undecidable input is taken
	// literally so that a huge run of blanks cannot stall the decoder.
	full := d.rp == 0 && d.wp == len(d.buf) && len(d.buf) >= d.maxBuf
	i := 0
	known := d.known
	d.known = 0
	for i < len(src) && n < len(dst) {
		c := src[i]
		if c > ' ' && c < 0x7f && c != '=' || c == ' ' && (i > 0 || known == 0) {
			// A run of literal text, spaces included, is copied at once.
			// Spaces at its end may be transport padding: the blank case
			// below decides about them with its lookahead.
			j := qpLiteralRun(src[:min(len(src), i+len(dst)-n)], i)
			k := j
			for k > i && src[k-1] == ' ' {
				k--
			}
			if k > i {
				n += copy(dst[n:], src[i:k])
				i = k
				continue
			}
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
			if c == '\r' && i < len(src) && src[i] == '\n' && n < len(dst) {
				dst[n] = '\n' // CRLF at once
				n++
				i++
			}
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
func (d *QPDecoder) escape(s []byte, eof, full bool, at int64, known int) (int, int, bool) {
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

// qpLiteralRun returns the end of the run of literal octets (printable
// ASCII other than "=", and space) in s that starts at i. It tests eight
// octets at a time: with the top bit of each octet cleared, adding to it
// never carries into the next octet, and the top bit of each sum answers
// one question about that octet; the lowest such answer that ends the run
// gives its end.
func qpLiteralRun(s []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		y := x &^ highs
		printable := y + (0x80-' ')*ones // top bit: octet&0x7f >= ' '
		del := y + ones                  // top bit: octet&0x7f == 0x7f
		eq := (y ^ '='*ones) + 0x7f*ones // top bit: octet&0x7f != '='
		if bad := (x | del | ^printable | ^eq) & highs; bad != 0 {
			return i + bits.TrailingZeros64(bad)>>3 // the first octet that is not literal
		}
	}
	for i < len(s) && s[i] >= ' ' && s[i] < 0x7f && s[i] != '=' {
		i++
	}
	return i
}
