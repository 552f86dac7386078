package mime

import (
	"encoding/base64"
	"io"
)

// Warning codes of the base64 decoder (RFC 2045 section 6.8).
const (
	// WarnBase64IllegalByte: bytes outside the base64 alphabet (other than
	// CR and LF) were skipped, as RFC 2045 section 6.8 asks.
	WarnBase64IllegalByte WarningCode = "base64-illegal-byte"
	// WarnBase64MissingPadding: the data ended inside a 4-character group
	// without "=" padding; the complete octets were decoded.
	WarnBase64MissingPadding WarningCode = "base64-missing-padding"
	// WarnBase64Truncated: the data ended with a single character of a
	// group, which holds no complete octet; it was dropped.
	WarnBase64Truncated WarningCode = "base64-truncated"
	// WarnBase64DataAfterPadding: data followed "=" padding; decoding went
	// on with a new group (concatenated base64 blocks).
	WarnBase64DataAfterPadding WarningCode = "base64-data-after-padding"
	// WarnBase64StrayPadding: "=" appeared where no padding was possible
	// (at the start of a group, or too many); it was skipped.
	WarnBase64StrayPadding WarningCode = "base64-stray-padding"
)

const (
	b64Invalid = 0xFF
	b64Pad     = 0xFE
	b64Newline = 0xFD
)

// b64Table maps a byte to its 6-bit value, or to one of the markers above.
var b64Table = func() (t [256]byte) {
	for i := range t {
		t[i] = b64Invalid
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	t['='] = b64Pad
	t['\r'] = b64Newline
	t['\n'] = b64Newline
	return t
}()

// Base64Decoder is a lenient streaming base64 decoder (RFC 2045 section
// 6.8). It skips line breaks silently, and skips any other byte outside the
// alphabet with a warning, accepts missing padding, and continues after
// padding in the middle of the data. It never fails on bad input; the
// warnings say what was repaired.
type Base64Decoder struct {
	r    io.Reader
	in   []byte // raw input buffer
	ip   int    // read position in in
	iw   int    // write position in in
	out  []byte // decoded bytes not yet returned
	op   int
	acc  uint32 // pending sextets
	n    int    // number of pending sextets (0-3)
	pads int    // padding characters seen after the current group
	off  int64  // input offset of in[0]
	err  error  // sticky error from r (io.EOF at the end)
	done bool
	w    warnAgg
}

// NewBase64Decoder returns a lenient base64 decoder reading from r.
func NewBase64Decoder(r io.Reader) *Base64Decoder {
	return &Base64Decoder{r: r, in: make([]byte, 8192), out: make([]byte, 0, 6144)}
}

// Warnings implements WarningReporter.
func (d *Base64Decoder) Warnings() Warnings { return d.w.list() }

// Read implements io.Reader.
func (d *Base64Decoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.op < len(d.out) {
			c := copy(p[n:], d.out[d.op:])
			d.op += c
			n += c
			continue
		}
		if d.done {
			if n > 0 {
				return n, nil
			}
			return 0, d.err
		}
		if d.ip == d.iw {
			if n > 0 && d.err == nil {
				return n, nil // do not block when we have data
			}
			d.fill()
			if d.ip == d.iw && d.err != nil {
				d.finish()
				continue
			}
		}
		// Decode straight into p when it has room for the whole chunk.
		if rem := len(p) - n; rem >= (d.iw-d.ip+3)/4*3+3 {
			n += d.decode(p[n:n:len(p)], d.in[d.ip:d.iw])
			d.off += int64(d.iw - d.ip)
			d.ip = d.iw
			continue
		}
		d.out = d.out[:0]
		d.op = 0
		end := d.ip + (cap(d.out)-3)/3*4
		if end > d.iw {
			end = d.iw
		}
		d.out = d.out[:d.decode(d.out[:0], d.in[d.ip:end])]
		d.off += int64(end - d.ip)
		d.ip = end
	}
	return n, nil
}

func (d *Base64Decoder) fill() {
	if d.err != nil {
		return
	}
	d.ip, d.iw = 0, 0
	for d.iw == 0 && d.err == nil {
		m, err := d.r.Read(d.in)
		d.iw = m
		if err != nil {
			d.err = err
		}
	}
}

// decode decodes src and appends to dst (which has enough capacity); it
// returns the new length of dst.
func (d *Base64Decoder) decode(dst []byte, src []byte) int {
	t := &b64Table
	dst = dst[:cap(dst)]
	o := 0
	acc, n := d.acc, d.n
	i := 0
	for i < len(src) {
		// Fast path: four alphabet characters at a group boundary.
		if n == 0 && i+4 <= len(src) && d.pads == 0 {
			a, b, c, e := t[src[i]], t[src[i+1]], t[src[i+2]], t[src[i+3]]
			if a|b|c|e < 64 {
				v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(e)
				dst[o], dst[o+1], dst[o+2] = byte(v>>16), byte(v>>8), byte(v)
				o += 3
				i += 4
				continue
			}
		}
		ch := src[i]
		v := t[ch]
		i++
		switch {
		case v < 64:
			if d.pads > 0 { // QUIRK: go on after padding (concatenated blocks)
				d.w.add(WarnBase64DataAfterPadding, d.off+int64(i-1), "")
				d.pads = 0
			}
			acc = acc<<6 | uint32(v)
			n++
			if n == 4 {
				dst[o], dst[o+1], dst[o+2] = byte(acc>>16), byte(acc>>8), byte(acc)
				o += 3
				acc, n = 0, 0
			}
		case v == b64Newline:
		case v == b64Pad:
			o += d.pad(dst[o:], &acc, &n, d.off+int64(i-1))
		default: // QUIRK: skipped, not rejected (RFC 2045 section 6.8 allows it)
			d.w.add(WarnBase64IllegalByte, d.off+int64(i-1), "skipped bytes outside the base64 alphabet")
		}
	}
	d.acc, d.n = acc, n
	return o
}

// pad handles one "=" at input offset off; it flushes a partial group.
func (d *Base64Decoder) pad(dst []byte, acc *uint32, n *int, off int64) int {
	switch *n {
	case 2: // xx== : one octet
		dst[0] = byte(*acc >> 4)
		*acc, *n = 0, 0
		d.pads = 1
		return 1
	case 3: // xxx= : two octets
		dst[0], dst[1] = byte(*acc>>10), byte(*acc>>2)
		*acc, *n = 0, 0
		d.pads = 2 // no more padding expected
		return 2
	case 1:
		d.w.add(WarnBase64Truncated, off, "a group of one character holds no octet")
		*acc, *n = 0, 0
		d.pads = 2
		return 0
	}
	// n == 0: the second "=" of "xx==" is expected; others are stray.
	if d.pads == 1 {
		d.pads = 2
		return 0
	}
	d.w.add(WarnBase64StrayPadding, off, "")
	return 0
}

// finish flushes a group left open at the end of the input.
func (d *Base64Decoder) finish() {
	d.done = true
	d.out = d.out[:0]
	d.op = 0
	switch d.n {
	case 1:
		d.w.add(WarnBase64Truncated, d.off, "a group of one character holds no octet")
	case 2:
		d.w.add(WarnBase64MissingPadding, d.off, "")
		d.out = append(d.out, byte(d.acc>>4))
	case 3:
		d.w.add(WarnBase64MissingPadding, d.off, "")
		d.out = append(d.out, byte(d.acc>>10), byte(d.acc>>2))
	}
	if d.pads == 1 {
		d.w.add(WarnBase64MissingPadding, d.off, "")
	}
	d.n = 0
}

// base64Encoder writes base64 in lines of 76 characters ending in CRLF
// (RFC 2045 section 6.8).
type base64Encoder struct {
	w    io.Writer
	buf  [57]byte // input for one line
	nbuf int
	out  []byte
	err  error
	shut bool
}

// NewBase64Encoder returns a writer that encodes to w as base64 in lines of
// 76 characters, each ending in CRLF (RFC 2045 section 6.8). Close writes
// the final, padded line; it does not close w. Empty input writes nothing.
func NewBase64Encoder(w io.Writer) io.WriteCloser {
	return &base64Encoder{w: w, out: make([]byte, 0, 78*64)}
}

func (e *base64Encoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	total := len(p)
	if e.nbuf > 0 {
		c := copy(e.buf[e.nbuf:], p)
		e.nbuf += c
		p = p[c:]
		if e.nbuf < len(e.buf) {
			return total, nil
		}
		e.line(e.buf[:])
		e.nbuf = 0
	}
	for len(p) >= 57 {
		e.line(p[:57])
		p = p[57:]
		if len(e.out) > cap(e.out)-78 {
			if e.flush() != nil {
				return 0, e.err
			}
		}
	}
	e.nbuf = copy(e.buf[:], p)
	if len(e.out) > 0 && e.flush() != nil {
		return 0, e.err
	}
	return total, nil
}

func (e *base64Encoder) line(src []byte) {
	n := len(e.out)
	m := base64.StdEncoding.EncodedLen(len(src))
	e.out = e.out[:n+m]
	base64.StdEncoding.Encode(e.out[n:], src)
	e.out = append(e.out, '\r', '\n')
}

func (e *base64Encoder) flush() error {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
	return e.err
}

// Close writes the last line. Further writes fail.
func (e *base64Encoder) Close() error {
	if e.shut {
		return nil
	}
	e.shut = true
	if e.err != nil {
		return e.err
	}
	if e.nbuf > 0 {
		e.line(e.buf[:e.nbuf])
		e.nbuf = 0
	}
	e.flush()
	if e.err == nil {
		e.err = errClosed
	}
	return nil
}

type closedError struct{}

func (closedError) Error() string { return "mime: write to closed encoder" }

var errClosed error = closedError{}
