package mime

import (
	"bytes"
	"io"
	"strconv"
)

// Warning codes of the multipart reader (RFC 2046 section 5.1).
const (
	// WarnMultipartNoDelimiter: the body holds no delimiter line at all;
	// everything was kept as the preamble and there are no parts.
	WarnMultipartNoDelimiter WarningCode = "multipart-no-delimiter"
	// WarnMultipartNoCloseDelimiter: the input ended without the close
	// delimiter "--boundary--"; the last part runs to the end of the input.
	WarnMultipartNoCloseDelimiter WarningCode = "multipart-missing-close-delimiter"
	// WarnMultipartHeaderUnterminated: a part header ended without the
	// blank line, at a non-header line (taken as the start of the body) or
	// at the end of the part.
	WarnMultipartHeaderUnterminated WarningCode = "multipart-header-unterminated"
	// WarnMultipartNoHeader: a part starts with a line that is neither a
	// header field nor blank; the part has no header and that line starts
	// the body.
	WarnMultipartNoHeader WarningCode = "multipart-header-missing"
	// WarnMultipartPreambleTruncated: the preamble was longer than
	// MaxPreambleBytes; only the first bytes are kept.
	WarnMultipartPreambleTruncated WarningCode = "multipart-preamble-truncated"
	// WarnMultipartEpilogueTruncated: the epilogue was longer than
	// MaxEpilogueBytes; only the first bytes are kept.
	WarnMultipartEpilogueTruncated WarningCode = "multipart-epilogue-truncated"
	// WarnMultipartLongBoundary: the boundary is longer than the 70
	// characters of RFC 2046 section 5.1.1; it is used as is.
	WarnMultipartLongBoundary WarningCode = "multipart-long-boundary"
	// WarnMultipartBoundaryChars: the boundary has characters outside the
	// "bchars" of RFC 2046 section 5.1.1, or ends in a space; it is used as is.
	WarnMultipartBoundaryChars WarningCode = "multipart-boundary-chars"
)

// BoundaryError reports a boundary that cannot be used at all: empty, or
// containing CR or LF.
type BoundaryError struct {
	Boundary string
	Reason   string
}

// Error implements error.
func (e *BoundaryError) Error() string {
	return "mime: invalid multipart boundary " + strconv.Quote(e.Boundary) + ": " + e.Reason
}

// MultipartOptions sets the limits of a MultipartReader. A nil
// *MultipartOptions, or a zero field, means the default.
type MultipartOptions struct {
	// MaxParts is the number of parts NextPart returns before it fails
	// with a *LimitError. Default 10000.
	MaxParts int
	// MaxHeaderBytes bounds the header of each part, blank line included.
	// Default 65536.
	MaxHeaderBytes int
	// MaxLineLength bounds a header line of a part and the transport
	// padding of a delimiter line. Body lines are not limited: bodies are
	// streamed. Default 32768.
	MaxLineLength int
	// MaxBoundaryLength is the longest boundary accepted. RFC 2046 allows
	// 70; longer ones, seen in the wild, are used with a warning. Default
	// 1000.
	MaxBoundaryLength int
	// MaxPreambleBytes and MaxEpilogueBytes bound how much of the preamble
	// and epilogue is kept for Preamble and Epilogue; the rest is read and
	// dropped with a warning. Default 65536 each.
	MaxPreambleBytes int
	MaxEpilogueBytes int
}

func (o *MultipartOptions) withDefaults() MultipartOptions {
	var r MultipartOptions
	if o != nil {
		r = *o
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&r.MaxParts, 10000)
	def(&r.MaxHeaderBytes, 64<<10)
	def(&r.MaxLineLength, 32<<10)
	def(&r.MaxBoundaryLength, 1000)
	def(&r.MaxPreambleBytes, 64<<10)
	def(&r.MaxEpilogueBytes, 64<<10)
	return r
}

// Part is one body part of a multipart entity. Offsets count bytes from the
// start of the reader given to NewMultipartReader.
//
// The raw bytes round-trip: the concatenation of Preamble(), then for each
// part Delimiter, RawHeader and the body bytes, then CloseDelimiter() and
// Epilogue() is exactly the input (unless a limit truncated the preamble or
// epilogue, which is reported as a warning).
type Part struct {
	// Index is the 0-based position of the part.
	Index int
	// Delimiter is the raw delimiter that opened the part: the line break
	// before it (RFC 2046 section 5.1.1 counts it as part of the
	// delimiter, and it is absent when the delimiter starts the input),
	// "--", the boundary, transport padding, and the line break after it.
	Delimiter []byte
	// RawHeader is the part header exactly as read: the field lines with
	// their line breaks, and the blank line that ends the header. It is
	// empty for a part without header fields.
	RawHeader []byte
	// Body reads the body of the part, not transfer-decoded. It returns
	// io.EOF at the next delimiter; after NextPart it returns io.EOF.
	Body io.Reader
	// HeaderOffset is the offset of the first header byte; BodyOffset the
	// offset of the first body byte (HeaderOffset + len(RawHeader)).
	HeaderOffset, BodyOffset int64
	// EndOffset is the offset just past the body, and Lines the number of
	// lines in the body (line feeds, plus one for a last line without a line
	// break). Both are set once the body has been read to io.EOF, which
	// NextPart also does.
	EndOffset int64
	Lines     int64
	// Complete reports whether EndOffset and Lines are set.
	Complete bool

	body partBody
}

// HeaderValue returns the unfolded value of the first header field called
// name (case-insensitive), without surrounding blanks, and whether it was
// present. Use a full header parser for anything more.
func (p *Part) HeaderValue(name string) (string, bool) {
	var val []byte
	found := false
	for rest := p.RawHeader; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		cont := line[0] == ' ' || line[0] == '\t'
		if found {
			if !cont {
				break
			}
			val = append(val, bytes.TrimRight(line, "\r\n")...)
			continue
		}
		if cont {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 || !equalFoldASCII(bytes.TrimRight(line[:colon], " \t"), name) {
			continue
		}
		found = true
		val = append(val, bytes.TrimRight(line[colon+1:], "\r\n")...)
	}
	return string(bytes.Trim(val, " \t")), found
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// partBody is the Body of a Part.
type partBody struct {
	m *MultipartReader
	p *Part
}

func (b *partBody) Read(buf []byte) (int, error) {
	if b.m.cur != b.p || b.p.Complete {
		return 0, io.EOF
	}
	n, err := b.m.readContent(buf)
	if err == io.EOF {
		b.m.finishPart()
	}
	return n, err
}

// checkBoundary validates a boundary (RFC 2046 section 5.1.1).
func (m *MultipartReader) checkBoundary() error {
	b := m.boundary
	if b == "" {
		return &BoundaryError{Boundary: b, Reason: "empty"}
	}
	if len(b) > m.opts.MaxBoundaryLength {
		return &LimitError{Limit: "MaxBoundaryLength", Max: int64(m.opts.MaxBoundaryLength)}
	}
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			return &BoundaryError{Boundary: b, Reason: "contains a line break"}
		}
	}
	if len(b) > 70 { // QUIRK: RFC 2046 section 5.1.1 allows 70
		m.warn.add(WarnMultipartLongBoundary, -1, strconv.Itoa(len(b))+" characters")
	}
	for i := 0; i < len(b); i++ {
		if !isBchar(b[i]) {
			m.warn.add(WarnMultipartBoundaryChars, -1, "")
			break
		}
	}
	if b[len(b)-1] == ' ' && !m.warn.has(WarnMultipartBoundaryChars) {
		m.warn.add(WarnMultipartBoundaryChars, -1, "ends in a space")
	}
	return nil
}

// isBchar reports whether c is in "bchars" (RFC 2046 section 5.1.1).
func isBchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '\'', '(', ')', '+', '_', ',', '-', '.', '/', ':', '=', '?', ' ':
		return true
	}
	return false
}

// headerLineKind classifies a line at the start of a part (RFC 5322
// section 2.2): blank, a field ("name:"), a continuation, or other.
func headerLineKind(line []byte) int {
	if len(line) == 0 || line[0] == '\n' || (line[0] == '\r' && (len(line) == 1 || line[1] == '\n')) {
		return lineBlank
	}
	if line[0] == ' ' || line[0] == '\t' {
		return lineCont
	}
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return lineOther
	}
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++ // QUIRK: blanks before the colon (RFC 5322 section 4.5.3, obsolete)
	}
	if j < len(line) && line[j] == ':' {
		return lineField
	}
	if j == len(line) {
		return lineUnknown // cut off before we could tell
	}
	return lineOther
}

const (
	lineBlank = iota
	lineField
	lineCont
	lineOther
	lineUnknown
)
