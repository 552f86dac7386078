package mime

import (
	"encoding/binary"
	"io"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// The ISO-2022-JP decoder (RFC 1468, and the JIS X 0212 and half-width
// katakana escapes of RFC 2237) of golang.org/x/text works one rune at a
// time. jisDecoder gives exactly the same output, faster: it copies ASCII
// runs at once and looks kanji up in tables built once from x/text itself,
// so that the two cannot disagree on any code point.

// jisTableSize is the number of two-byte codes of a 94×94 JIS table.
const jisTableSize = 94 * 94

// jisTable maps a two-byte JIS code (94×94 index) to the UTF-8 encoding of
// its rune, U+FFFD for codes that x/text does not map: the bytes in the low
// three bytes, first byte lowest, and the length in the top byte.
type jisTable [jisTableSize]uint32

// jisUTF8 packs the UTF-8 encoding of r (at most three bytes) as in jisTable.
func jisUTF8(r rune) uint32 {
	var b [4]byte
	n := utf8.EncodeRune(b[:], r)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(n)<<24
}

// jis0208Table and jis0212Table decode every code of JIS X 0208 and JIS X
// 0212 through x/text once; they are immutable after that.
var (
	jis0208Table = sync.OnceValue(func() *jisTable { return buildJISTable("\x1b$B") })
	jis0212Table = sync.OnceValue(func() *jisTable { return buildJISTable("\x1b$(D") })
)

// buildJISTable decodes all 94×94 codes after the escape esc with x/text's
// ISO-2022-JP decoder, which gives one rune per code.
func buildJISTable(esc string) *jisTable {
	src := make([]byte, 0, len(esc)+2*jisTableSize)
	src = append(src, esc...)
	for i := 0; i < jisTableSize; i++ {
		src = append(src, byte(0x21+i/94), byte(0x21+i%94))
	}
	out, err := japanese.ISO2022JP.NewDecoder().Bytes(src)
	if err != nil {
		panic("mime: building the JIS table: " + err.Error())
	}
	t := new(jisTable)
	for i := range t {
		r, size := utf8.DecodeRune(out)
		if size == 0 || size > 3 {
			panic("mime: building the JIS table: unexpected rune")
		}
		t[i] = jisUTF8(r)
		out = out[size:]
	}
	if len(out) != 0 {
		panic("mime: building the JIS table: trailing output")
	}
	return t
}

// States of jisDecoder, as in x/text.
const (
	jisASCII = iota
	jisKatakana
	jis0208
	jis0212
)

// jisDecoder is a transform.Transformer from ISO-2022-JP to UTF-8 with the
// output of japanese.ISO2022JP.NewDecoder() for every input and every
// chunking of it (see FuzzISO2022JPDecoder).
type jisDecoder struct {
	state int
}

// newISO2022JPDecoder returns a fresh decoder in the ASCII state.
func newISO2022JPDecoder() *jisDecoder { return &jisDecoder{} }

// Reset implements transform.Transformer.
func (d *jisDecoder) Reset() { d.state = jisASCII }

// Transform implements transform.Transformer.
func (d *jisDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c0 := src[nSrc]
		switch {
		case c0 == 0x1b:
			size, ok := d.escape(src[nSrc:], atEOF)
			if !ok {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if size > 0 {
				nSrc += size
				continue
			}
			// An unknown escape, or one cut by the end of the data:
			// U+FFFD for the ESC alone.
		case c0 >= utf8.RuneSelf:
		case d.state == jisASCII:
			// Copy the run of ASCII up to the next ESC or 8-bit byte.
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			j := nSrc + 1
			lim := min(len(src), nSrc+len(dst)-nDst)
			for j < lim && src[j] < utf8.RuneSelf && src[j] != 0x1b {
				j++
			}
			nDst += copy(dst[nDst:], src[nSrc:j])
			nSrc = j
			continue
		case d.state == jisKatakana:
			if c0 >= 0x21 && c0 < 0x60 {
				if nDst+3 > len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				nDst += utf8.EncodeRune(dst[nDst:], rune(c0)+(0xff61-0x21))
				nSrc++
				continue
			}
		default:
			n, m, st := d.kanji(dst[nDst:], src[nSrc:], atEOF)
			nDst += n
			nSrc += m
			switch st {
			case jisShortSrc:
				return nDst, nSrc, transform.ErrShortSrc
			case jisShortDst:
				return nDst, nSrc, transform.ErrShortDst
			case jisStop:
				continue
			}
			// jisLone: the last byte of the data alone gives U+FFFD.
		}
		if nDst+3 > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], "\uFFFD")
		nSrc++
	}
	return nDst, nSrc, nil
}

// escape reads an escape sequence at the start of s and switches state. It
// returns its length, 0 for an unknown or (at EOF) cut one, and false when
// it needs more input.
func (d *jisDecoder) escape(s []byte, atEOF bool) (int, bool) {
	if len(s) < 3 {
		return 0, atEOF
	}
	switch c1, c2 := s[1], s[2]; {
	case c1 == '$' && (c2 == '@' || c2 == 'B'):
		d.state = jis0208
		return 3, true
	case c1 == '$' && c2 == '(':
		if len(s) < 4 {
			return 0, atEOF
		}
		if s[3] == 'D' {
			d.state = jis0212
			return 4, true
		}
	case c1 == '(' && (c2 == 'B' || c2 == 'J'):
		d.state = jisASCII
		return 3, true
	case c1 == '(' && c2 == 'I':
		d.state = jisKatakana
		return 3, true
	}
	return 0, true
}

// Results of jisDecoder.kanji.
const (
	jisStop     = iota // at an ESC or an 8-bit byte, after a line feed, or at the end of src
	jisShortSrc        // needs the byte after the last one
	jisShortDst        // dst is full
	jisLone            // the last byte of the data is alone (U+FFFD)
)

// kanji decodes two-byte codes from src into dst in a JIS X 0208 or 0212
// state. A line feed returns to ASCII, as in x/text. It returns the bytes
// written and read and why it stopped.
func (d *jisDecoder) kanji(dst, src []byte, atEOF bool) (n, m, status int) {
	t := jis0208Table()
	if d.state == jis0212 {
		t = jis0212Table()
	}
	// Fast path: a code whose first byte is in the table's range, with
	// room for any rune.
	for m+1 < len(src) && n+4 <= len(dst) {
		c0 := src[m] - 0x21
		if c0 >= 94 {
			break
		}
		v := uint32(0xEF | 0xBF<<8 | 0xBD<<16 | 3<<24) // U+FFFD
		if i := int(c0)*94 + int(src[m+1]-0x21); i < jisTableSize {
			v = t[i]
		}
		binary.LittleEndian.PutUint32(dst[n:], v&0xFFFFFF) // dst beyond n+size is scratch
		n += int(v >> 24)
		m += 2
	}
	for m < len(src) {
		c0 := src[m]
		if c0 >= utf8.RuneSelf || c0 == 0x1b {
			return n, m, jisStop
		}
		if c0 == '\n' {
			if n >= len(dst) {
				return n, m, jisShortDst
			}
			d.state = jisASCII
			dst[n] = '\n'
			return n + 1, m + 1, jisStop
		}
		if m+1 >= len(src) {
			if atEOF {
				return n, m, jisLone
			}
			return n, m, jisShortSrc
		}
		// The same index arithmetic as x/text: bytes wrap around.
		v := uint32(0xEF | 0xBF<<8 | 0xBD<<16 | 3<<24) // U+FFFD
		if i := int(c0-0x21)*94 + int(src[m+1]-0x21); i < jisTableSize {
			v = t[i]
		}
		size := int(v >> 24)
		if n+size > len(dst) {
			return n, m, jisShortDst
		}
		if n+4 <= len(dst) {
			binary.LittleEndian.PutUint32(dst[n:], v&0xFFFFFF) // dst beyond n+size is scratch
		} else {
			for k := 0; k < size; k++ {
				dst[n+k] = byte(v >> (8 * k))
			}
		}
		n += size
		m += 2
	}
	return n, m, jisStop
}

// jisReader decodes ISO-2022-JP from r into the caller's buffer; it does
// what transform.NewReader(r, newISO2022JPDecoder()) does without the
// second buffer and copy.
type jisReader struct {
	r     io.Reader
	d     jisDecoder
	buf   []byte // input not yet decoded is buf[s:e]
	s, e  int
	err   error   // the first error of r
	small [8]byte // output for a p shorter than a rune
	o, ol int     // small[o:ol] is not yet returned
}

func newJISReader(r io.Reader) *jisReader {
	return &jisReader{r: r, buf: make([]byte, 2048)}
}

// Read implements io.Reader.
func (j *jisReader) Read(p []byte) (int, error) {
	if j.o < j.ol {
		n := copy(p, j.small[j.o:j.ol])
		j.o += n
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	for tries := 0; ; {
		if j.s < j.e || j.err != nil {
			dst := p
			if len(p) < utf8.UTFMax {
				dst = j.small[:]
			}
			nDst, nSrc, _ := j.d.Transform(dst, j.buf[j.s:j.e], j.err == io.EOF)
			j.s += nSrc
			if nDst > 0 {
				if len(p) < utf8.UTFMax {
					j.o, j.ol = copy(p, j.small[:nDst]), nDst
					return j.o, nil
				}
				return nDst, nil
			}
			// Nothing written: the input is used up, or too short to
			// decide (dst always has room for one rune).
			if j.err != nil && (j.s == j.e || j.err != io.EOF) {
				return 0, j.err
			}
		}
		if j.s > 0 {
			j.e = copy(j.buf, j.buf[j.s:j.e])
			j.s = 0
		}
		n, err := j.r.Read(j.buf[j.e:])
		j.e += n
		if err != nil {
			j.err = err
		} else if n == 0 {
			if tries++; tries >= 100 {
				return 0, io.ErrNoProgress
			}
		}
	}
}
