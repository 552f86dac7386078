package mime

import (
	"bytes"
	"io"
)

const (
	stInit = iota
	stParts
	stDone
)

// MultipartReader reads the body parts of a multipart entity (RFC 2046
// section 5.1) as a stream: it never holds more than one header and a
// bounded buffer in memory, and runs in time linear in its input.
//
// It accepts CRLF and bare LF line breaks, transport padding after
// boundaries, a missing close delimiter, boundaries that are a prefix of a
// nested part's boundary, and parts without a header. What it repairs is
// reported by Warnings.
type MultipartReader struct {
	src      io.Reader
	opts     MultipartOptions
	boundary string
	dash     []byte // "--" boundary
	nlDash   []byte // "\n--" boundary

	buf    []byte
	r, w   int
	base   int64 // stream offset of buf[0]
	eof    bool  // src returned io.EOF
	maxBuf int

	// Content scanning state for the current section (preamble or part).
	avail      int  // confirmed content bytes at buf[r:]
	searched   int  // buf index up to which "\n--boundary" was searched
	atStart    bool // nothing of the section consumed yet
	atDelim    bool // a delimiter follows the confirmed content
	contentEOF bool // the input ends after the confirmed content
	dlen       int  // length of that delimiter line
	dclose     bool // it is the close delimiter

	// A delimiter candidate waiting for more input (see checkDelim).
	candPos, candJ, candPad int
	candClose               bool

	state    int
	parts    int
	cur      *Part
	lf       int64 // line feeds in the current body
	bodyLen  int64
	lastByte byte

	preamble, epilogue, closeDelim []byte
	preambleLen, epilogueLen       int64
	err                            error
	warn                           warnAgg
}

// NewMultipartReader returns a reader of the parts of r, a multipart body
// with the given boundary (the "boundary" parameter of its Content-Type,
// already unquoted). Errors about the boundary come from the first NextPart.
func NewMultipartReader(r io.Reader, boundary string, opts *MultipartOptions) *MultipartReader {
	m := &MultipartReader{src: r, opts: opts.withDefaults(), boundary: boundary, candPos: -1}
	m.nlDash = append([]byte("\n--"), boundary...)
	m.dash = m.nlDash[1:]
	m.maxBuf = 2*m.opts.MaxLineLength + 2*len(m.nlDash) + 16
	size := 4 << 10
	if min := 4*len(m.nlDash) + 64; size < min {
		size = min
	}
	m.buf = make([]byte, size)
	return m
}

// Warnings returns what was repaired so far; it is nil for well-formed
// input. Call it after NextPart returned io.EOF for the complete list.
func (m *MultipartReader) Warnings() Warnings { return m.warn.list() }

// Preamble returns the bytes before the first delimiter (without the line
// break that belongs to the delimiter), up to MaxPreambleBytes. It is
// complete once the first NextPart returned.
func (m *MultipartReader) Preamble() []byte { return m.preamble }

// Epilogue returns the bytes after the close delimiter line, up to
// MaxEpilogueBytes. It is complete once NextPart returned io.EOF.
func (m *MultipartReader) Epilogue() []byte { return m.epilogue }

// CloseDelimiter returns the raw close delimiter: its leading line break,
// "--boundary--", transport padding and line break. It is empty when the
// input had none (see WarnMultipartNoCloseDelimiter).
func (m *MultipartReader) CloseDelimiter() []byte { return m.closeDelim }

// NextPart returns the next part, reading and dropping what is left of the
// previous one. It returns io.EOF after the last part, a *LimitError when a
// limit is exceeded, a *BoundaryError for an unusable boundary, or the error
// of the underlying reader. Errors are sticky.
func (m *MultipartReader) NextPart() (*Part, error) {
	if m.err != nil {
		return nil, m.err
	}
	switch m.state {
	case stDone:
		return nil, io.EOF
	case stInit:
		if err := m.checkBoundary(); err != nil {
			m.err = err
			return nil, err
		}
		m.state = stParts
		m.resetSection()
		if err := m.drain(true); err != nil {
			return nil, err
		}
	default:
		if err := m.drain(false); err != nil {
			return nil, err
		}
	}
	if m.contentEOF {
		m.state = stDone
		if m.parts == 0 {
			m.warn.add(WarnMultipartNoDelimiter, -1, "")
		} else {
			m.warn.add(WarnMultipartNoCloseDelimiter, m.base+int64(m.r), "")
		}
		return nil, io.EOF
	}
	// The delimiter and the part header share one block, sized to the
	// header when it is buffered.
	hint := 0
	if !m.dclose {
		hint = m.headerHint(m.r + m.dlen)
	}
	block := make([]byte, m.dlen, m.dlen+hint)
	copy(block, m.buf[m.r:m.r+m.dlen])
	delim, rawHeader := block[:m.dlen:m.dlen], block[m.dlen:]
	m.r += m.dlen
	if m.dclose {
		m.closeDelim = delim
		m.state = stDone
		if err := m.readEpilogue(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	if m.parts >= m.opts.MaxParts {
		m.err = &LimitError{Limit: "MaxParts", Max: int64(m.opts.MaxParts)}
		return nil, m.err
	}
	p := &Part{Index: m.parts, Delimiter: delim, HeaderOffset: m.base + int64(m.r)}
	m.parts++
	m.resetSection()
	if err := m.readHeader(p, rawHeader); err != nil {
		return nil, err
	}
	p.BodyOffset = m.base + int64(m.r)
	p.body = partBody{m, p}
	p.Body = &p.body
	m.cur = p
	m.lf, m.bodyLen = 0, 0
	return p, nil
}

func (m *MultipartReader) resetSection() {
	m.avail, m.atDelim, m.contentEOF, m.dlen, m.dclose = 0, false, false, 0, false
	m.atStart = true
	m.searched = m.r
}

// drain consumes the rest of the current section: the preamble (kept up to
// its limit) or the body of the current part.
func (m *MultipartReader) drain(preamble bool) error {
	for {
		if m.avail == 0 && !m.atDelim && !m.contentEOF {
			if err := m.scan(); err != nil {
				return err
			}
		}
		if m.avail == 0 {
			break
		}
		chunk := m.buf[m.r : m.r+m.avail]
		if preamble {
			m.preambleLen += int64(len(chunk))
			room := m.opts.MaxPreambleBytes - len(m.preamble)
			if len(chunk) > room {
				m.preamble = append(m.preamble, chunk[:room]...)
				if !m.warn.has(WarnMultipartPreambleTruncated) {
					m.warn.add(WarnMultipartPreambleTruncated, int64(m.opts.MaxPreambleBytes), "")
				}
			} else {
				m.preamble = append(m.preamble, chunk...)
			}
		} else {
			m.count(chunk)
		}
		m.consume(m.avail)
	}
	if !preamble {
		m.finishPart()
	}
	return nil
}

func (m *MultipartReader) consume(n int) {
	m.r += n
	m.avail -= n
	if n > 0 {
		m.atStart = false
	}
}

func (m *MultipartReader) count(b []byte) {
	if len(b) == 0 {
		return
	}
	m.lf += countLF(b)
	m.bodyLen += int64(len(b))
	m.lastByte = b[len(b)-1]
}

// finishPart records the end offset and line count of the current part.
func (m *MultipartReader) finishPart() {
	p := m.cur
	if p == nil || p.Complete {
		return
	}
	p.Complete = true
	p.EndOffset = p.BodyOffset + m.bodyLen
	p.Lines = m.lf
	if m.bodyLen > 0 && m.lastByte != '\n' {
		p.Lines++
	}
}

// readContent copies confirmed content of the current part into p.
func (m *MultipartReader) readContent(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.avail == 0 {
		if m.atDelim || m.contentEOF {
			return 0, io.EOF
		}
		if err := m.scan(); err != nil {
			return 0, err
		}
		if m.avail == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, m.buf[m.r:m.r+m.avail])
	m.count(p[:n])
	m.consume(n)
	return n, nil
}

// fill compacts the buffer and reads more input; it grows the buffer when it
// is full, up to maxBuf. It reports false when no more can be read.
func (m *MultipartReader) fill() error {
	if m.eof {
		return nil
	}
	if m.r > 0 {
		copy(m.buf, m.buf[m.r:m.w])
		m.base += int64(m.r)
		m.w -= m.r
		m.searched -= m.r
		if m.searched < 0 {
			m.searched = 0
		}
		if m.candPos >= 0 {
			m.candPos -= m.r
			m.candJ -= m.r
			m.candPad -= m.r
			if m.candPos < 0 {
				m.candPos = -1
			}
		}
		m.r = 0
	}
	if m.w == len(m.buf) {
		if len(m.buf) >= m.maxBuf {
			m.err = &LimitError{Limit: "MaxLineLength", Max: int64(m.opts.MaxLineLength)}
			return m.err
		}
		nb := make([]byte, min(2*len(m.buf), m.maxBuf))
		copy(nb, m.buf[:m.w])
		m.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := m.src.Read(m.buf[m.w:])
		m.w += n
		if err == io.EOF {
			m.eof = true
			return nil
		}
		if err != nil {
			m.err = err
			return err
		}
		if n > 0 {
			return nil
		}
	}
	m.err = io.ErrNoProgress
	return m.err
}

// Results of checkDelim.
const (
	delimNo = iota
	delimYes
	delimMore
)

// checkDelim looks for a delimiter line whose "--" starts at buf[pos]
// (RFC 2046 section 5.1.1): "--" boundary ["--"] *LWSP (CRLF | LF | EOF).
func (m *MultipartReader) checkDelim(pos int) (res, end int, closing bool) {
	var j, pad int
	if pos == m.candPos {
		// Resume a candidate whose padding ran to the end of the buffer,
		// so that long padding read in small pieces stays linear.
		j, pad, closing = m.candJ, m.candPad, m.candClose
	} else {
		j = pos + len(m.dash)
		if j > m.w {
			if m.eof || !bytes.HasPrefix(m.dash, m.buf[pos:m.w]) {
				return delimNo, 0, false
			}
			return delimMore, 0, false
		}
		if !bytes.Equal(m.buf[pos:j], m.dash) {
			return delimNo, 0, false
		}
		switch {
		case j+2 <= m.w:
			if m.buf[j] == '-' && m.buf[j+1] == '-' {
				closing = true
				j += 2
			}
		case !m.eof:
			return delimMore, 0, false
		}
		pad = j
	}
	m.candPos = -1
	for j < m.w && (m.buf[j] == ' ' || m.buf[j] == '\t') {
		j++
	}
	if j-pad > m.opts.MaxLineLength {
		return delimNo, 0, false // QUIRK: endless padding is not a delimiter
	}
	switch {
	case j == m.w:
		if m.eof {
			return delimYes, j, closing
		}
		m.candPos, m.candJ, m.candPad, m.candClose = pos, j, pad, closing
		return delimMore, 0, false
	case m.buf[j] == '\n':
		return delimYes, j + 1, closing
	case m.buf[j] == '\r':
		if j+1 == m.w && !m.eof {
			return delimMore, 0, false
		}
		if j+1 == m.w || m.buf[j+1] == '\n' {
			return delimYes, min(j+2, m.w), closing
		}
	}
	return delimNo, 0, false
}

// scan extends the confirmed content of the current section, reading more
// input as needed, until it has new content or knows where the section ends.
func (m *MultipartReader) scan() error {
	for {
		if m.err != nil {
			return m.err
		}
		from := m.r + m.avail
		if m.atStart && m.avail == 0 {
			switch res, end, closing := m.checkDelim(m.r); res {
			case delimYes:
				m.setDelim(m.r, end, closing)
				return nil
			case delimMore:
				if err := m.fill(); err != nil {
					return err
				}
				continue
			}
		}
		found, progress := m.search(from)
		if found || progress {
			return nil
		}
		if m.eof {
			m.avail = m.w - m.r
			m.searched = m.w
			m.contentEOF = true
			return nil
		}
		if err := m.fill(); err != nil {
			return err
		}
	}
}

// search looks for the next delimiter from buf[from:]. It reports whether
// the section end was found, or whether avail grew.
func (m *MultipartReader) search(from int) (found, progress bool) {
	// Look for "--boundary" preceded by LF: "-" is rare in bodies (absent
	// from base64), so this skips far more than searching for LF.
	if m.searched < from+1 {
		m.searched = from + 1
	}
	for m.searched < m.w {
		i := bytes.Index(m.buf[m.searched:m.w], m.dash)
		if i < 0 {
			break
		}
		i += m.searched
		if m.buf[i-1] != '\n' {
			m.searched = i + 1
			continue
		}
		lb := i - 1
		if lb > from && m.buf[lb-1] == '\r' {
			lb--
		}
		res, end, closing := m.checkDelim(i)
		switch res {
		case delimYes:
			m.avail = lb - m.r
			m.setDelim(lb, end, closing)
			return true, true
		case delimMore:
			if lb > from {
				m.avail = lb - m.r
				m.searched = i
				return false, true
			}
			return false, false
		}
		m.searched = i + 1
	}
	if m.eof {
		return false, false
	}
	// Hold back what could be the start of a delimiter.
	keep := m.w - len(m.nlDash)
	if m.searched < keep+1 {
		m.searched = keep + 1
	}
	if keep > from {
		m.avail = keep - m.r
		return false, true
	}
	return false, false
}

func (m *MultipartReader) setDelim(lb, end int, closing bool) {
	m.atDelim = true
	m.dlen = end - lb
	m.dclose = closing
}

// readEpilogue reads the rest of the input after the close delimiter.
func (m *MultipartReader) readEpilogue() error {
	for {
		chunk := m.buf[m.r:m.w]
		m.epilogueLen += int64(len(chunk))
		room := m.opts.MaxEpilogueBytes - len(m.epilogue)
		if len(chunk) > room {
			m.epilogue = append(m.epilogue, chunk[:room]...)
			if !m.warn.has(WarnMultipartEpilogueTruncated) {
				m.warn.add(WarnMultipartEpilogueTruncated, int64(m.opts.MaxEpilogueBytes), "")
			}
		} else {
			m.epilogue = append(m.epilogue, chunk...)
		}
		m.r = m.w
		if m.eof {
			return nil
		}
		m.searched = m.r
		if err := m.fill(); err != nil {
			return err
		}
	}
}

// headerHint returns the room for a part header whose first line starts
// at buf[i]: up to the first empty line when one is buffered within 1 KiB,
// or none.
func (m *MultipartReader) headerHint(i int) int {
	b := m.buf[i:min(m.w, i+1024)]
	for j := 0; ; {
		k := bytes.IndexByte(b[j:], '\n')
		if k < 0 {
			return 0
		}
		j += k + 1
		switch {
		case j < len(b) && b[j] == '\n':
			return j + 1
		case j+1 < len(b) && b[j] == '\r' && b[j+1] == '\n':
			return j + 2
		}
	}
}

// readHeader reads the header of part p from the start of its content,
// appending its lines to raw (empty, perhaps with room).
func (m *MultipartReader) readHeader(p *Part, raw []byte) error {
	first := true
	for {
		line, complete, err := m.peekLine()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if len(raw) > 0 {
				m.warn.add(WarnMultipartHeaderUnterminated, m.base+int64(m.r), "")
			}
			break
		}
		kind := headerLineKind(line)
		if kind == lineBlank && (complete || len(line) > 0 && line[len(line)-1] == '\n') {
			raw = append(raw, line...)
			m.consume(len(line))
			break
		}
		if kind == lineUnknown && complete {
			kind = lineOther // a last line with field-name characters only
		}
		if kind == lineUnknown || (kind == lineField || kind == lineCont && !first) && !complete {
			m.err = &LimitError{Limit: "MaxLineLength", Max: int64(m.opts.MaxLineLength)}
			return m.err
		}
		if kind == lineField || kind == lineCont && !first {
			if len(raw)+len(line) > m.opts.MaxHeaderBytes {
				m.err = &LimitError{Limit: "MaxHeaderBytes", Max: int64(m.opts.MaxHeaderBytes)}
				return m.err
			}
			raw = append(raw, line...)
			m.consume(len(line))
			first = false
			continue
		}
		// QUIRK: a non-header line ends the header; the body starts there.
		if first {
			m.warn.add(WarnMultipartNoHeader, m.base+int64(m.r), "")
		} else {
			m.warn.add(WarnMultipartHeaderUnterminated, m.base+int64(m.r), "")
		}
		break
	}
	if len(raw) == 0 {
		raw = nil
	}
	p.RawHeader = raw
	return nil
}

// peekLine returns the next line of content with its line break. complete
// is false when the line is longer than MaxLineLength; line is empty at the
// end of the section.
func (m *MultipartReader) peekLine() (line []byte, complete bool, err error) {
	seen := 0 // bytes already searched for LF, so long lines stay linear
	for {
		seg := m.buf[m.r : m.r+m.avail]
		// The length test comes first and does not depend on where the
		// line break is, so the result is the same however the input
		// arrives (in one read or a byte at a time).
		if i := bytes.IndexByte(seg[seen:], '\n'); i >= 0 {
			if seen+i >= m.opts.MaxLineLength {
				return seg[:m.opts.MaxLineLength], false, nil
			}
			return seg[:seen+i+1], true, nil
		}
		seen = len(seg)
		if len(seg) >= m.opts.MaxLineLength {
			return seg[:m.opts.MaxLineLength], false, nil
		}
		if m.atDelim || m.contentEOF {
			return seg, true, nil
		}
		if err := m.scan(); err != nil {
			return nil, false, err
		}
	}
}
