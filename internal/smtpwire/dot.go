package smtpwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Errors reported by DotReader. They are sticky: once one is returned, the
// message must be rejected, and DotReader.Drain reads on to the real end of
// the data so that nothing inside it is taken for a command.
var (
	// ErrBareLF is an LF not preceded by CR in the DATA content.
	ErrBareLF = errors.New("smtpwire: bare LF in message data")
	// ErrBareCR is a CR not followed by LF in the DATA content.
	ErrBareCR = errors.New("smtpwire: bare CR in message data")
	// ErrTooLarge is message data beyond DotOptions.MaxBytes.
	ErrTooLarge = errors.New("smtpwire: message data exceeds the size limit")
)

// IsDataError reports whether err is one of the DotReader content errors
// (as opposed to an I/O error from the connection).
func IsDataError(err error) bool {
	return errors.Is(err, ErrBareLF) || errors.Is(err, ErrBareCR) || errors.Is(err, ErrTooLarge)
}

// DotOptions configures a DotReader. The zero value is strict CRLF with no
// size limit.
type DotOptions struct {
	// NormalizeBareLF rewrites a bare LF to CRLF instead of failing with
	// ErrBareLF. The end of data is still only a real "\r\n.\r\n".
	NormalizeBareLF bool
	// MaxBytes bounds the decoded message size; 0 means no bound. Data
	// beyond it fails with ErrTooLarge.
	MaxBytes int64
}

const (
	stBOL   = iota // at the start of a line (after a real CRLF)
	stData         // inside a line
	stCR           // saw CR inside a line
	stDot          // saw "." at the start of a line
	stDotCR        // saw ".\r" at the start of a line
)

// DotReader decodes the DATA content of RFC 5321 section 4.5.2: it removes
// the leading dot of each dot-stuffed line and stops at the "\r\n.\r\n"
// terminator, which it consumes. It reads the underlying bufio.Reader only
// as far as the terminator, so pipelined commands after it stay buffered.
//
// Only a real CRLF, a dot, and a real CRLF end the data. Every other line
// ending — the SMTP smuggling variants "\n.\n", "\r.\r", "\r.\n", "\n.\r\n",
// "\r\n.\n" and so on — is content, and by default a bare CR or bare LF
// fails the message with ErrBareCR or ErrBareLF (see DotOptions).
type DotReader struct {
	br      *bufio.Reader
	opts    DotOptions
	state   int
	total   int64
	pend    [3]byte
	npend   int
	done    bool
	dataErr error
	ioErr   error
}

// NewDotReader returns a DotReader positioned just after the 354 reply.
func NewDotReader(br *bufio.Reader, opts *DotOptions) *DotReader {
	d := &DotReader{}
	d.Reset(br, opts)
	return d
}

// Reset makes d read a new message from br, so that a server can reuse one
// DotReader per connection.
func (d *DotReader) Reset(br *bufio.Reader, opts *DotOptions) {
	*d = DotReader{br: br}
	if opts != nil {
		d.opts = *opts
	}
}

// Done reports whether the terminator has been read.
func (d *DotReader) Done() bool { return d.done }

// Size returns the number of decoded bytes returned so far.
func (d *DotReader) Size() int64 { return d.total }

// Err returns the first content error (ErrBareLF, ErrBareCR, ErrTooLarge),
// or nil.
func (d *DotReader) Err() error { return d.dataErr }

// Read returns decoded message bytes, then io.EOF after the terminator.
func (d *DotReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && d.npend > 0 {
		p[n] = d.pend[0]
		copy(d.pend[:], d.pend[1:d.npend])
		d.npend--
		n++
	}
	for n < len(p) {
		if d.dataErr != nil {
			return n, d.dataErr
		}
		if d.ioErr != nil {
			return n, d.ioErr
		}
		if d.done {
			if n == 0 && d.npend == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		if n > 0 && d.br.Buffered() == 0 {
			return n, nil // don't block while holding data
		}
		n += d.step(p[n:], false)
	}
	return n, nil
}

// Drain reads and discards the rest of the data up to and including the
// terminator. It returns the first content error seen (also before Drain),
// or the I/O error that stopped it, or nil.
func (d *DotReader) Drain() error {
	d.npend = 0
	for !d.done && d.ioErr == nil {
		d.step(nil, true)
	}
	if d.dataErr != nil {
		return d.dataErr
	}
	return d.ioErr
}

func (d *DotReader) fail(err error) {
	if d.dataErr == nil {
		d.dataErr = err
	}
}

// step decodes from the buffered input into p (or discards when discard is
// set) and returns the number of bytes written to p.
//
// It is longer than our usual bound on purpose: the whole end-of-data state
// machine is in one switch, so that every transition that matters for SMTP
// smuggling can be read (and fuzzed) in one place.
func (d *DotReader) step(p []byte, discard bool) int {
	if d.br.Buffered() == 0 {
		if _, err := d.br.Peek(1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			d.ioErr = err
			return 0
		}
	}
	buf, _ := d.br.Peek(d.br.Buffered())
	i, n := 0, 0
	emit := func(s string) {
		if discard || d.dataErr != nil {
			return
		}
		for k := 0; k < len(s); k++ {
			if d.opts.MaxBytes > 0 && d.total >= d.opts.MaxBytes {
				d.fail(ErrTooLarge)
				return
			}
			d.total++
			if n < len(p) {
				p[n] = s[k]
				n++
			} else {
				d.pend[d.npend] = s[k]
				d.npend++
			}
		}
	}
	for i < len(buf) && !d.done && (discard || (n < len(p) && d.npend == 0 && d.dataErr == nil)) {
		c := buf[i]
		switch d.state {
		case stData:
			seg := buf[i:]
			if j := bytes.IndexByte(seg, '\n'); j >= 0 {
				seg = seg[:j]
			}
			if j := bytes.IndexByte(seg, '\r'); j >= 0 {
				seg = seg[:j]
			}
			if len(seg) > 0 {
				if !discard {
					k := min(len(seg), len(p)-n)
					if d.opts.MaxBytes > 0 && int64(k) > d.opts.MaxBytes-d.total {
						k = int(d.opts.MaxBytes - d.total)
						if k == 0 {
							d.fail(ErrTooLarge)
							continue
						}
					}
					copy(p[n:], seg[:k])
					n += k
					d.total += int64(k)
					i += k
				} else {
					i += len(seg)
				}
				continue
			}
			i++
			if c == '\r' {
				d.state = stCR
			} else if d.opts.NormalizeBareLF {
				emit("\r\n") // QUIRK: a bare LF never starts a line for ".\r\n"
			} else {
				d.fail(ErrBareLF)
			}
		case stCR:
			if c == '\n' {
				i++
				emit("\r\n")
				d.state = stBOL
				continue
			}
			d.fail(ErrBareCR)
			d.state = stData
		case stBOL:
			if c == '.' {
				i++
				d.state = stDot
				continue
			}
			d.state = stData
		case stDot:
			switch c {
			case '\r':
				i++
				d.state = stDotCR
			case '\n':
				i++
				if d.opts.NormalizeBareLF {
					emit(".\r\n")
				} else {
					d.fail(ErrBareLF)
				}
				d.state = stData
			default:
				d.state = stData // the dot was stuffing; drop it
			}
		case stDotCR:
			if c == '\n' {
				i++
				d.done = true
				continue
			}
			d.fail(ErrBareCR)
			d.state = stData
		}
	}
	d.br.Discard(i)
	return n
}

// DotWriter encodes message data for DATA (RFC 5321 section 4.5.2): it
// stuffs a dot in front of every line that starts with one, turns bare LF
// (and bare CR) into CRLF, and Close writes the terminator.
type DotWriter struct {
	w     *bufio.Writer
	state int
}

// NewDotWriter returns a DotWriter that writes to w. Close does not flush w.
func NewDotWriter(w *bufio.Writer) *DotWriter { return &DotWriter{w: w} }

// Write encodes p.
func (d *DotWriter) Write(p []byte) (int, error) {
	for i, c := range p {
		switch {
		case d.state == stBOL && c == '.':
			d.w.WriteByte('.')
		case d.state == stCR && c == '\n':
			d.w.WriteByte('\n')
			d.state = stBOL
			continue
		case d.state == stCR:
			d.w.WriteByte('\n')
			d.state = stBOL
			if c == '.' {
				d.w.WriteByte('.')
			}
		}
		switch c {
		case '\r':
			d.state = stCR
			d.w.WriteByte('\r')
		case '\n':
			d.w.WriteString("\r\n")
			d.state = stBOL
		default:
			d.state = stData
			if err := d.w.WriteByte(c); err != nil {
				return i, err
			}
		}
	}
	return len(p), nil
}

// Close ends the data with CRLF (when the last line lacks one), ".", CRLF.
func (d *DotWriter) Close() error {
	switch d.state {
	case stCR:
		d.w.WriteString("\n.\r\n")
	case stBOL:
		d.w.WriteString(".\r\n")
	default:
		d.w.WriteString("\r\n.\r\n")
	}
	d.state = stBOL
	return nil
}
