package mime

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"strconv"
)

// Warning codes of the x-uuencode decoder.
const (
	// WarnUUNoBegin: no "begin MODE NAME" line was found; nothing was
	// decoded.
	WarnUUNoBegin WarningCode = "uu-no-begin"
	// WarnUUNoEnd: the data ended before the "end" line; what was decoded
	// is returned.
	WarnUUNoEnd WarningCode = "uu-no-end"
	// WarnUUBadLine: a data line was too long, too short for its length
	// character, or held characters outside the uuencode range; it was
	// decoded as far as possible.
	WarnUUBadLine WarningCode = "uu-bad-line"
)

// UUDecoder decodes x-uuencode data (the POSIX uuencode historical format,
// used with Content-Transfer-Encoding: x-uuencode), and the POSIX
// "begin-base64" variant that ends with "====". Text before the "begin"
// line is skipped, decoding stops at the "end" line, and anything after it
// is ignored. Lines cut short (trailing blanks stripped in transit) are
// padded with zero bits. Lines are bounded to 4 KiB.
type UUDecoder struct {
	br    *bufio.Reader
	state int // 0 before begin, 1 in data, 2 done
	b64   bool
	mode  uint32
	name  string
	out   []byte
	op    int
	off   int64
	err   error
	w     warnAgg
}

// NewUUDecoder returns an x-uuencode decoder reading from r.
func NewUUDecoder(r io.Reader) *UUDecoder {
	return &UUDecoder{br: bufio.NewReaderSize(r, 4096), out: make([]byte, 0, 64)}
}

// Warnings implements WarningReporter.
func (d *UUDecoder) Warnings() Warnings { return d.w.list() }

// Filename returns the file name from the "begin" line, once it was read.
func (d *UUDecoder) Filename() string { return d.name }

// Mode returns the octal file mode from the "begin" line, once it was read.
func (d *UUDecoder) Mode() uint32 { return d.mode }

// Read implements io.Reader.
func (d *UUDecoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.op < len(d.out) {
			c := copy(p[n:], d.out[d.op:])
			d.op += c
			n += c
			continue
		}
		if d.state == 2 {
			if n > 0 {
				return n, nil
			}
			return 0, d.err
		}
		d.out, d.op = d.out[:0], 0
		d.step()
	}
	return n, nil
}

// readLine returns the next line without its line break; long lines are
// cut at the buffer size and the rest skipped.
func (d *UUDecoder) readLine() ([]byte, int64, bool) {
	start := d.off
	line, err := d.br.ReadSlice('\n')
	d.off += int64(len(line))
	if err == bufio.ErrBufferFull {
		line = append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			var more []byte
			more, err = d.br.ReadSlice('\n')
			d.off += int64(len(more))
		}
		d.w.add(WarnUUBadLine, start, "line longer than 4096 bytes")
	}
	if err != nil && len(line) == 0 {
		d.err = err
		return nil, start, false
	}
	if err != nil {
		d.err = err
	}
	line = bytes.TrimRight(line, "\r\n")
	return line, start, true
}

// step consumes one input line.
func (d *UUDecoder) step() {
	line, start, ok := d.readLine()
	if !ok {
		d.finish()
		return
	}
	switch d.state {
	case 0:
		if bytes.HasPrefix(line, []byte("begin ")) {
			d.parseBegin(line[6:])
			d.state = 1
		} else if bytes.HasPrefix(line, []byte("begin-base64 ")) {
			d.parseBegin(line[13:])
			d.state = 1
			d.b64 = true
		}
	case 1:
		t := bytes.TrimRight(line, " \t")
		if d.b64 {
			if bytes.Equal(t, []byte("====")) {
				d.state = 2
				d.err = io.EOF
				return
			}
			d.decodeB64Line(t, start)
			break
		}
		if bytes.Equal(t, []byte("end")) {
			d.state = 2
			d.err = io.EOF
			return
		}
		if len(line) == 0 {
			return
		}
		d.decodeLine(line, start)
	}
	if d.err != nil && d.state != 2 {
		d.finish()
	}
}

func (d *UUDecoder) finish() {
	if d.err == nil {
		d.err = io.EOF
	}
	if d.err == io.EOF {
		switch d.state {
		case 0:
			d.w.add(WarnUUNoBegin, -1, "")
		case 1:
			d.w.add(WarnUUNoEnd, d.off, "")
		}
	}
	d.state = 2
}

func (d *UUDecoder) parseBegin(rest []byte) {
	rest = bytes.TrimLeft(rest, " ")
	i := bytes.IndexByte(rest, ' ')
	if i < 0 {
		i = len(rest)
	}
	if m, err := strconv.ParseUint(string(rest[:i]), 8, 32); err == nil {
		d.mode = uint32(m)
	}
	d.name = string(bytes.TrimSpace(rest[i:]))
}

// decodeLine decodes one data line: a length character, then groups of four
// characters giving three octets each.
func (d *UUDecoder) decodeLine(line []byte, start int64) {
	count := int((line[0] - ' ') & 63)
	if count == 0 {
		return // the zero-length line before "end"
	}
	data := line[1:]
	need := (count + 2) / 3 * 4
	bad := false
	if len(data) < need {
		bad = len(data) < (count*4+2)/3 // fewer than the significant characters
	}
	var quad [4]byte
	for g := 0; g*3 < count; g++ {
		for k := 0; k < 4; k++ {
			c := byte(' ')
			if g*4+k < len(data) {
				c = data[g*4+k]
			}
			if c < ' ' || c > '`' {
				bad = true
			}
			quad[k] = (c - ' ') & 63
		}
		b := [3]byte{quad[0]<<2 | quad[1]>>4, quad[1]<<4 | quad[2]>>2, quad[2]<<6 | quad[3]}
		m := count - g*3
		if m > 3 {
			m = 3
		}
		d.out = append(d.out, b[:m]...)
	}
	if bad {
		d.w.add(WarnUUBadLine, start, "")
	}
}

// decodeB64Line decodes one line of the begin-base64 variant.
func (d *UUDecoder) decodeB64Line(line []byte, start int64) {
	n := len(d.out)
	d.out = append(d.out, make([]byte, base64.StdEncoding.DecodedLen(len(line)))...)
	m, err := base64.StdEncoding.Decode(d.out[n:], line)
	d.out = d.out[:n+m]
	if err != nil {
		d.w.add(WarnUUBadLine, start, "bad base64 line")
	}
}
