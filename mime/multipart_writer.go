package mime

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
)

// Errors of the MultipartWriter.
var (
	// ErrInvalidPartHeader: the header given to CreatePart is not a list of
	// CRLF-terminated field lines (a bare CR or LF, a blank line, or no
	// final CRLF).
	ErrInvalidPartHeader = errors.New("mime: part header must be CRLF-terminated field lines without blank lines")
	// ErrBoundaryInBody: a part body contained "--boundary" at the start of
	// a line, which would end the part early (RFC 2046 section 5.1.1).
	ErrBoundaryInBody = errors.New("mime: part body contains the multipart boundary")
	// ErrNoParts: Close was called before any part was created; RFC 2046
	// section 5.1.1 requires at least one body part.
	ErrNoParts = errors.New("mime: multipart body without parts")
	// ErrWriterClosed: the MultipartWriter was used after Close.
	ErrWriterClosed = errors.New("mime: multipart writer is closed")
)

// MultipartWriterOptions configures NewMultipartWriter. A nil pointer means
// the defaults.
type MultipartWriterOptions struct {
	// Boundary to use. Default: "=_" followed by 32 random hex digits from
	// crypto/rand. "=_" can appear in neither base64 nor quoted-printable
	// output, so encoded parts can never contain the boundary. A boundary
	// that breaks RFC 2046 section 5.1.1 (1 to 70 "bchars", not ending in a
	// space) makes CreatePart and Close fail with a *BoundaryError.
	Boundary string
	// Preamble is written before the first delimiter, followed by CRLF.
	// It is ignored by MIME readers; some writers put a note for old
	// clients there. Default none.
	Preamble []byte
}

// MultipartWriter writes a multipart body (RFC 2046 section 5.1) with CRLF
// line breaks.
type MultipartWriter struct {
	w        io.Writer
	boundary string
	preamble []byte
	nlDash   []byte
	parts    int
	cur      *partWriter
	err      error
	closed   bool
}

// NewMultipartWriter returns a writer of a multipart body to w.
func NewMultipartWriter(w io.Writer, opts *MultipartWriterOptions) *MultipartWriter {
	mw := &MultipartWriter{w: w}
	if opts != nil {
		mw.boundary = opts.Boundary
		mw.preamble = opts.Preamble
	}
	if mw.boundary == "" {
		var b [16]byte
		rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
		mw.boundary = "=_" + hex.EncodeToString(b[:])
	} else if err := validBoundary(mw.boundary); err != nil {
		mw.err = err
	}
	mw.nlDash = append([]byte("\n--"), mw.boundary...)
	return mw
}

func validBoundary(b string) error {
	if b == "" || len(b) > 70 {
		return &BoundaryError{Boundary: b, Reason: "must have 1 to 70 characters"}
	}
	for i := 0; i < len(b); i++ {
		if !isBchar(b[i]) {
			return &BoundaryError{Boundary: b, Reason: "character not allowed"}
		}
	}
	if b[len(b)-1] == ' ' {
		return &BoundaryError{Boundary: b, Reason: "ends in a space"}
	}
	return nil
}

// Boundary returns the boundary, for the Content-Type parameter.
func (mw *MultipartWriter) Boundary() string { return mw.boundary }

// CreatePart ends the previous part and starts a new one with the given
// header: raw field lines, each ending in CRLF, or empty for a part without
// header (text/plain in US-ASCII, RFC 2046 section 5.1.1). The writer adds
// the blank line. The returned writer takes the body, which must already be
// transfer-encoded; it fails with ErrBoundaryInBody if the body contains the
// delimiter.
func (mw *MultipartWriter) CreatePart(header []byte) (io.Writer, error) {
	if mw.closed {
		return nil, ErrWriterClosed
	}
	if mw.err != nil {
		return nil, mw.err
	}
	if !validPartHeader(header) {
		return nil, ErrInvalidPartHeader
	}
	if mw.cur != nil && mw.cur.err != nil {
		mw.err = mw.cur.err
		return nil, mw.err
	}
	var b bytes.Buffer
	if mw.parts == 0 {
		if len(mw.preamble) > 0 {
			b.Write(mw.preamble)
			b.WriteString("\r\n")
		}
	} else {
		b.WriteString("\r\n")
	}
	b.WriteString("--")
	b.WriteString(mw.boundary)
	b.WriteString("\r\n")
	b.Write(header)
	b.WriteString("\r\n")
	if _, err := mw.w.Write(b.Bytes()); err != nil {
		mw.err = err
		return nil, err
	}
	mw.parts++
	mw.cur = &partWriter{mw: mw, tail: []byte{'\n'}}
	return mw.cur, nil
}

// validPartHeader checks for CRLF-terminated lines without blank lines.
func validPartHeader(h []byte) bool {
	if len(h) == 0 {
		return true
	}
	if len(h) < 2 || h[len(h)-2] != '\r' || h[len(h)-1] != '\n' || h[0] == '\r' {
		return false
	}
	for i, c := range h {
		switch c {
		case '\r':
			if i+1 >= len(h) || h[i+1] != '\n' {
				return false
			}
		case '\n':
			if i == 0 || h[i-1] != '\r' {
				return false
			}
			if i+1 < len(h) && h[i+1] == '\r' {
				return false // blank line
			}
		}
	}
	return true
}

// Close ends the last part and writes the close delimiter. It does not
// close the underlying writer.
func (mw *MultipartWriter) Close() error {
	if mw.closed {
		return nil
	}
	mw.closed = true
	if mw.err != nil {
		return mw.err
	}
	if mw.cur != nil && mw.cur.err != nil {
		return mw.cur.err
	}
	if mw.parts == 0 {
		return ErrNoParts
	}
	_, err := io.WriteString(mw.w, "\r\n--"+mw.boundary+"--\r\n")
	return err
}

// partWriter writes one body and checks it for the delimiter.
type partWriter struct {
	mw   *MultipartWriter
	tail []byte // the last bytes written, to find a delimiter across writes
	err  error
}

func (pw *partWriter) Write(p []byte) (int, error) {
	if pw.err != nil {
		return 0, pw.err
	}
	if pw.mw.cur != pw || pw.mw.closed {
		return 0, ErrWriterClosed
	}
	nd := pw.mw.nlDash
	joined := append(pw.tail, p[:min(len(p), len(nd)-1)]...)
	if bytes.Contains(joined, nd) || bytes.Contains(p, nd) {
		pw.err = ErrBoundaryInBody
		return 0, pw.err
	}
	if len(joined) > len(nd)-1 {
		joined = joined[len(joined)-(len(nd)-1):]
	}
	if len(p) >= len(nd)-1 {
		joined = append(joined[:0], p[len(p)-(len(nd)-1):]...)
	}
	pw.tail = joined
	n, err := pw.mw.w.Write(p)
	if err != nil {
		pw.err = err
	}
	return n, err
}
