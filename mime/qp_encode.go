package mime

import "io"

// QPOptions configures NewQPEncoder. A nil *QPOptions means text mode with
// the defaults below.
type QPOptions struct {
	// Binary encodes CR and LF as =0D and =0A, so that any octets survive
	// (RFC 2045 section 6.7 (4)). Default false: text mode, where CRLF is a
	// hard line break and is written as CRLF.
	Binary bool
	// NormalizeLF, in text mode, also takes a bare LF as a line break and
	// writes it as CRLF (input with Unix line ends). Default false: a bare
	// LF or bare CR is encoded, so decoding gives back exactly the input.
	NormalizeLF bool
	// LineLength is the maximum length of an encoded line, soft break
	// included, without the CRLF. Default and maximum 76 (section 6.7 (5));
	// values below 4 are taken as 76.
	LineLength int
}

const qpHexDigits = "0123456789ABCDEF"

var fromPrefix = [5]byte{'F', 'r', 'o', 'm', ' '}

// qpEncoder implements quoted-printable encoding (RFC 2045 section 6.7).
type qpEncoder struct {
	w      io.Writer
	binary bool
	normLF bool
	max    int    // maximum content per line before the soft-break "="
	line   int    // length of the current output line
	out    []byte // pending output
	ws     byte   // a blank held until we know whether it ends a line
	cr     bool   // a CR held until we know whether LF follows (text mode)
	from   int    // bytes of "From" held at the start of a line
	err    error
	closed bool
}

// NewQPEncoder returns a writer that encodes to w as quoted-printable (RFC
// 2045 section 6.7). Encoded lines are at most 76 characters long, blanks at
// the end of a line are encoded, and "." or "From " at the start of a line
// is encoded (=2E, =46) so that SMTP dot-stuffing and mbox "From " quoting
// cannot alter the data. Close flushes the last line; it does not close w.
func NewQPEncoder(w io.Writer, opts *QPOptions) io.WriteCloser {
	e := &qpEncoder{w: w, max: 75, out: make([]byte, 0, 4096)}
	if opts != nil {
		e.binary = opts.Binary
		e.normLF = opts.NormalizeLF
		if opts.LineLength >= 4 && opts.LineLength < 76 {
			e.max = opts.LineLength - 1
		}
	}
	return e
}

// Write implements io.Writer.
func (e *qpEncoder) Write(p []byte) (int, error) {
	if e.closed {
		return 0, errClosed
	}
	if e.err != nil {
		return 0, e.err
	}
	for i := 0; i < len(p); {
		if e.ws == 0 && !e.cr && e.from == 0 && e.line > 0 {
			i = e.fast(p, i)
			if i == len(p) {
				break
			}
		}
		e.put(p[i])
		i++
		if len(e.out) >= 4000 && e.flush() != nil {
			return i, e.err
		}
	}
	return len(p), e.flush()
}

// fast encodes from p[i:] in the middle of a line while no state is held:
// runs of safe characters, blanks followed by a safe character, and 8-bit
// octets and "=" as escapes, as long as they fit on the line. It returns
// where it stopped.
func (e *qpEncoder) fast(p []byte, i int) int {
	for i < len(p) {
		room := e.max - e.line
		j := i
		for j < len(p) && j-i < room {
			c := p[j]
			if qpSafe(c) {
				j++
				continue
			}
			if (c == ' ' || c == '\t') && j+1 < len(p) && j+2-i <= room && qpSafe(p[j+1]) {
				j += 2
				continue
			}
			break
		}
		if j > i {
			e.out = append(e.out, p[i:j]...)
			e.line += j - i
			i = j
			continue
		}
		if c := p[i]; (c >= 0x80 || c == '=') && room >= 3 {
			e.out = append(e.out, '=', qpHexDigits[c>>4], qpHexDigits[c&15])
			e.line += 3
			i++
			if len(e.out) >= 4000 {
				return i // let Write flush
			}
			continue
		}
		return i
	}
	return i
}

// qpSafe reports whether c is written literally anywhere in a line (RFC
// 2045 section 6.7 (2)).
func qpSafe(c byte) bool { return c > ' ' && c < 0x7f && c != '=' }

// put encodes one byte, resolving held state first.
func (e *qpEncoder) put(c byte) {
	if e.cr {
		e.cr = false
		if c == '\n' {
			e.releaseFrom()
			e.flushWS(true)
			e.hardBreak()
			return
		}
		e.releaseFrom()
		e.flushWS(false)
		e.encoded('\r')
	}
	if e.from > 0 {
		if e.from < 4 && c == fromPrefix[e.from] {
			e.from++
			return
		}
		if e.from == 4 && c == ' ' {
			e.from = 0
			e.encoded('F')
			e.literal('r')
			e.literal('o')
			e.literal('m')
			e.ws = ' '
			return
		}
		e.releaseFrom()
	}
	switch {
	case c == ' ' || c == '\t':
		e.flushWS(false)
		e.ws = c
	case c == '\r' && !e.binary:
		e.cr = true
	case c == '\n' && !e.binary && e.normLF:
		e.flushWS(true)
		e.hardBreak()
	case c > ' ' && c < 0x7f && c != '=':
		e.flushWS(false)
		e.room(1)
		if e.line == 0 {
			if c == '.' {
				e.encoded(c)
				return
			}
			if c == 'F' {
				e.from = 1
				return
			}
		}
		e.literal(c)
	default:
		e.flushWS(false)
		e.encoded(c)
	}
}

// releaseFrom writes a held, incomplete "From" prefix literally.
func (e *qpEncoder) releaseFrom() {
	for k := 0; k < e.from; k++ {
		e.literal(fromPrefix[k])
	}
	e.from = 0
}

// flushWS writes a held blank; encoded when it ends a line (section 6.7 (3)).
func (e *qpEncoder) flushWS(eol bool) {
	if e.ws == 0 {
		return
	}
	c := e.ws
	e.ws = 0
	if eol {
		e.encoded(c)
		return
	}
	e.room(1)
	e.literal(c)
}

// room starts a new line with a soft break unless n more characters fit.
func (e *qpEncoder) room(n int) {
	if e.line+n > e.max {
		e.out = append(e.out, '=', '\r', '\n')
		e.line = 0
	}
}

func (e *qpEncoder) literal(c byte) {
	e.room(1)
	e.out = append(e.out, c)
	e.line++
}

func (e *qpEncoder) encoded(c byte) {
	e.room(3)
	e.out = append(e.out, '=', qpHexDigits[c>>4], qpHexDigits[c&15])
	e.line += 3
}

func (e *qpEncoder) hardBreak() {
	e.out = append(e.out, '\r', '\n')
	e.line = 0
}

func (e *qpEncoder) flush() error {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
	return e.err
}

// Close writes what is held: a final CR is encoded, a final blank is
// encoded. No line break is added, so decoding returns exactly the input.
func (e *qpEncoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.err != nil {
		return e.err
	}
	if e.cr {
		e.cr = false
		e.releaseFrom()
		e.flushWS(false)
		e.encoded('\r')
	}
	e.releaseFrom()
	e.flushWS(true)
	return e.flush()
}
