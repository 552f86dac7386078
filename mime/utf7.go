package mime

import (
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// UTF7 is the UTF-7 encoding of RFC 2152, which golang.org/x/text lacks.
//
// The decoder accepts every form RFC 2152 allows: directly encoded and
// optionally direct characters, "+-" for "+", base64 runs ended by "-"
// (absorbed) or by any other non-base64 character (kept), and surrogate pairs
// split across runs. Malformed input (a lone surrogate, a bad 8-bit byte)
// decodes to U+FFFD instead of failing. The encoder writes only the
// characters of RFC 2152 Set D plus space, tab, CR and LF directly, so its
// output is safe in mail headers and bodies, and always ends a base64 run
// with "-" (RFC 2152 rule 2).
var UTF7 encoding.Encoding = utf7Encoding{}

type utf7Encoding struct{}

func (utf7Encoding) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: &utf7Decoder{}}
}

func (utf7Encoding) NewEncoder() *encoding.Encoder {
	return &encoding.Encoder{Transformer: &utf7Encoder{}}
}

func (utf7Encoding) String() string { return "UTF-7" }

const utf7B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// utf7B64Value maps a byte to its base64 value, or 0xFF.
var utf7B64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(utf7B64); i++ {
		t[utf7B64[i]] = byte(i)
	}
	return t
}()

// utf7Decoder is a streaming RFC 2152 decoder. Every input byte is consumed
// on its own, so the only state is the base64 shift state.
type utf7Decoder struct {
	inB64   bool   // inside a "+..." run
	started bool   // no base64 character seen yet in this run
	bits    uint32 // pending bits, the low nbits of them valid
	nbits   uint
	high    rune // pending high surrogate, or 0
}

func (d *utf7Decoder) Reset() { *d = utf7Decoder{} }

// maxUTF7Out bounds what one input byte can produce: U+FFFD for bad bits,
// U+FFFD for a dangling surrogate, a literal "+", and a rune (3+3+1+4).
const maxUTF7Out = 12

func (d *utf7Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if len(dst)-nDst < maxUTF7Out {
			return nDst, nSrc, transform.ErrShortDst
		}
		c := src[nSrc]
		nSrc++
		if !d.inB64 {
			if c == '+' {
				d.inB64, d.started, d.bits, d.nbits = true, true, 0, 0
				continue
			}
			nDst += d.direct(dst[nDst:], c)
			continue
		}
		if v := utf7B64Value[c]; v != 0xFF {
			d.started = false
			d.bits = d.bits<<6 | uint32(v)
			d.nbits += 6
			if d.nbits >= 16 {
				d.nbits -= 16
				unit := rune(d.bits >> d.nbits & 0xFFFF)
				d.bits &= 1<<d.nbits - 1
				nDst += d.unit(dst[nDst:], unit)
			}
			continue
		}
		// End of the base64 run (RFC 2152 rule 2).
		wasEmpty := d.started
		nDst += d.endRun(dst[nDst:])
		if wasEmpty {
			// "+-" encodes "+"; a "+" before any other character is
			// ill-formed and kept as a literal "+".
			nDst += copy(dst[nDst:], "+")
		}
		if c == '-' {
			continue
		}
		nDst += d.direct(dst[nDst:], c)
	}
	if atEOF && (d.inB64 || d.high != 0) {
		if len(dst)-nDst < maxUTF7Out {
			return nDst, nSrc, transform.ErrShortDst
		}
		if d.inB64 && d.started {
			nDst += copy(dst[nDst:], "+") // a lone "+" at the end
		}
		nDst += d.endRun(dst[nDst:])
	}
	return nDst, nSrc, nil
}

// direct writes a character outside base64: ASCII as is, 8-bit as U+FFFD.
func (d *utf7Decoder) direct(dst []byte, c byte) int {
	n := d.flushHigh(dst)
	if c >= utf8.RuneSelf {
		return n + utf8.EncodeRune(dst[n:], utf8.RuneError)
	}
	dst[n] = c
	return n + 1
}

// endRun leaves base64 mode; leftover bits that are not zero padding, or a
// dangling high surrogate, are malformed and give U+FFFD.
func (d *utf7Decoder) endRun(dst []byte) int {
	n := 0
	if d.nbits >= 6 || d.bits != 0 {
		n += utf8.EncodeRune(dst, utf8.RuneError)
	}
	d.inB64, d.started, d.bits, d.nbits = false, false, 0, 0
	return n + d.flushHigh(dst[n:])
}

func (d *utf7Decoder) flushHigh(dst []byte) int {
	if d.high == 0 {
		return 0
	}
	d.high = 0
	return utf8.EncodeRune(dst, utf8.RuneError)
}

// unit handles one UTF-16 code unit.
func (d *utf7Decoder) unit(dst []byte, u rune) int {
	switch {
	case utf16.IsSurrogate(u) && u < 0xDC00:
		n := d.flushHigh(dst)
		d.high = u
		return n
	case utf16.IsSurrogate(u):
		if d.high == 0 {
			return utf8.EncodeRune(dst, utf8.RuneError)
		}
		r := utf16.DecodeRune(d.high, u)
		d.high = 0
		return utf8.EncodeRune(dst, r)
	default:
		n := d.flushHigh(dst)
		return n + utf8.EncodeRune(dst[n:], u)
	}
}

// utf7Direct reports the characters written as themselves: RFC 2152 Set D,
// space, tab, CR and LF.
var utf7Direct = func() (t [128]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'(),-./:? \t\r\n" {
		t[c] = true
	}
	return t
}()

// utf7Encoder is a streaming RFC 2152 encoder.
type utf7Encoder struct {
	inB64 bool
	bits  uint32
	nbits uint
}

func (e *utf7Encoder) Reset() { *e = utf7Encoder{} }

// maxUTF7EncOut bounds the output for one rune: closing a run ("x-"), or
// "+" and a surrogate pair (6 base64 chars), plus slack.
const maxUTF7EncOut = 10

func (e *utf7Encoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if len(dst)-nDst < maxUTF7EncOut {
			return nDst, nSrc, transform.ErrShortDst
		}
		r, size := rune(src[nSrc]), 1
		if r >= utf8.RuneSelf {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r, size = utf8.DecodeRune(src[nSrc:])
		}
		nSrc += size
		if r < utf8.RuneSelf && utf7Direct[r] {
			nDst += e.close(dst[nDst:])
			dst[nDst] = byte(r)
			nDst++
			continue
		}
		if r == '+' && !e.inB64 {
			nDst += copy(dst[nDst:], "+-")
			continue
		}
		if !e.inB64 {
			dst[nDst] = '+'
			nDst++
			e.inB64 = true
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			nDst += e.put(dst[nDst:], uint32(r1))
			nDst += e.put(dst[nDst:], uint32(r2))
		} else {
			nDst += e.put(dst[nDst:], uint32(r))
		}
	}
	if atEOF {
		if len(dst)-nDst < maxUTF7EncOut {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += e.close(dst[nDst:])
	}
	return nDst, nSrc, nil
}

// put appends one 16-bit unit to the base64 run.
func (e *utf7Encoder) put(dst []byte, u uint32) int {
	e.bits = e.bits<<16 | u
	e.nbits += 16
	n := 0
	for e.nbits >= 6 {
		e.nbits -= 6
		dst[n] = utf7B64[e.bits>>e.nbits&0x3F]
		n++
	}
	e.bits &= 1<<e.nbits - 1
	return n
}

// close ends a base64 run: pad the last bits with zeros, then write "-".
func (e *utf7Encoder) close(dst []byte) int {
	if !e.inB64 {
		return 0
	}
	n := 0
	if e.nbits > 0 {
		dst[n] = utf7B64[e.bits<<(6-e.nbits)&0x3F]
		n++
	}
	dst[n] = '-'
	e.inB64, e.bits, e.nbits = false, 0, 0
	return n + 1
}
