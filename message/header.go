package message

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"strings"
	"unicode/utf8"

	"github.com/yubinmail/yubin/mime"
)

// Warning codes reported while reading a header section.
const (
	// WarnBareLF: a header line ended in LF without CR (RFC 5322 section 2.1
	// requires CRLF). The line ending is kept as is.
	WarnBareLF mime.WarningCode = "header-bare-lf"
	// WarnExtraCR: a line ended in CR CR LF; the extra CR is kept in Raw.
	WarnExtraCR mime.WarningCode = "header-extra-cr"
	// WarnMboxFrom: the input began with an mbox "From " line, skipped.
	WarnMboxFrom mime.WarningCode = "header-mbox-from"
	// WarnNoColon: a line was neither a field nor a continuation. It is kept
	// as a field with an empty name and reading goes on.
	WarnNoColon mime.WarningCode = "header-no-colon"
	// WarnBadFieldName: a field name held characters outside RFC 5322
	// section 3.6.8 ftext, or was followed by whitespace before the colon
	// (obsolete syntax, section 4.5).
	WarnBadFieldName mime.WarningCode = "header-bad-field-name"
	// WarnOrphanContinuation: the first line was indented.
	WarnOrphanContinuation mime.WarningCode = "header-orphan-continuation"
	// WarnLongLine: a line was longer than 998 characters (section 2.1.1).
	WarnLongLine mime.WarningCode = "header-long-line"
	// WarnNoBody: the header ended at EOF without the empty line.
	WarnNoBody mime.WarningCode = "header-no-separator"
	// WarnHeader8Bit: a field held 8-bit bytes that are not valid UTF-8.
	WarnHeader8Bit mime.WarningCode = "header-8bit"
	// WarnNoHeader: the first line was not a field; the section has no
	// header and that line is the first line of the body.
	WarnNoHeader mime.WarningCode = "header-missing"
	// WarnBlankSeparator: a line of only whitespace, followed by a line
	// that is not a field, was taken as the end of the header.
	WarnBlankSeparator mime.WarningCode = "header-whitespace-separator"
)

// HeaderOptions limit and tune ReadHeader. A nil *HeaderOptions means the
// defaults documented on each field.
type HeaderOptions struct {
	// MaxHeaderBytes bounds the bytes of the header section, including line
	// ends. Default 1 MiB.
	MaxHeaderBytes int
	// MaxFields bounds the number of fields. Default 10,000.
	MaxFields int
}

func (o *HeaderOptions) maxBytes() int {
	if o == nil || o.MaxHeaderBytes <= 0 {
		return 1 << 20
	}
	return o.MaxHeaderBytes
}

func (o *HeaderOptions) maxFields() int {
	if o == nil || o.MaxFields <= 0 {
		return 10000
	}
	return o.MaxFields
}

// Field is one header field. Its raw bytes are kept exactly as read, line
// ends included, so that writing an unmodified header reproduces its input
// (which DKIM, RFC 6376 section 3.4, and IMAP BODY[HEADER] depend on).
type Field struct {
	name string // as written, without trailing whitespace; "" for junk lines
	raw  []byte // the whole field with its final line end
	col  int    // index of the colon in raw, -1 for junk
}

// Name returns the field name as written (compare with strings.EqualFold).
// It is empty for a line that had no colon.
func (f *Field) Name() string { return f.name }

// Raw returns the field's bytes as read or as formatted, including the final
// line end. The caller must not modify it.
func (f *Field) Raw() []byte { return f.raw }

// RawValue returns the bytes after the colon up to, not including, the final
// line end; folding is kept. For a junk line (empty Name) it is the whole
// line.
func (f *Field) RawValue() []byte {
	if f.col < 0 {
		return trimEOL(f.raw)
	}
	return trimEOL(f.raw[f.col+1:])
}

// Value returns the unfolded value (RFC 5322 section 2.2.3): line breaks
// before whitespace removed, surrounding whitespace trimmed. 8-bit bytes are
// returned as they are (RFC 6532 UTF-8, or undeclared bytes). Encoded words
// are not decoded; see Header.Text and the address functions.
func (f *Field) Value() string { return unfold(f.RawValue()) }

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func unfold(b []byte) string {
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return string(trimWSP(b))
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' || c == '\n' {
			continue
		}
		sb.WriteByte(c)
	}
	return strings.Trim(sb.String(), " \t")
}

// Header is an ordered list of header fields (RFC 5322 section 2.2). The
// zero value is an empty header ready to use. Fields keep their raw bytes;
// fields added or changed through the methods are formatted with FormatField.
type Header struct {
	fields   []*Field
	mboxFrom []byte
	sep      []byte // the empty line that ended the header as read
	noHeader bool   // the section had no header: its first line was body

	// UTF8 makes Add and Set write non-ASCII text as raw UTF-8 (RFC 6532,
	// for SMTPUTF8 transport) instead of RFC 2047 encoded words.
	UTF8 bool
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// trimWSP removes spaces and tabs around b (as bytes.Trim(b, " \t") does,
// without building a cutset).
func trimWSP(b []byte) []byte {
	for len(b) > 0 && isWSP(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWSP(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// ReadHeader reads a header section from r, up to and including the empty
// line that ends it, leaving r at the first byte of the body.
//
// Reading is lenient: bare LF and CR CR LF line ends, an mbox "From " line
// at the top (skipped, see MboxFrom), a line without a colon or an
// unindented garbage line (kept as a field with an empty name; the fields
// after it are not lost), and 8-bit bytes are all accepted. The header is
// then returned together with a mime.Warnings error. Exceeding
// MaxHeaderBytes or MaxFields returns the fields read so far and a
// *mime.LimitError. An I/O error other than io.EOF is returned as is.
func ReadHeader(r *bufio.Reader, opts *HeaderOptions) (Header, error) {
	h, _, err := readHeaderGrow(r, opts, nil)
	return h, err
}

// readHeaderFrom is ReadHeader where r reads src from its start and src is
// never changed: the fields keep slices of src instead of copies.
func readHeaderFrom(r *bufio.Reader, src []byte, opts *HeaderOptions) (Header, error) {
	hr := headerReader{r: r, max: opts.maxBytes(), maxFields: opts.maxFields(), src: src}
	err := hr.read()
	if err == nil && len(hr.warns) > 0 {
		err = hr.warns
	}
	return hr.h, err
}

// readHeaderGrow is ReadHeader starting with r, whose buffer may be smaller
// than the header's lines. The only results that depend on the size of the
// buffer are those of peekLine, where a line longer than the buffer is cut
// short. So when a peeked line does not fit and grow is not nil, reading
// goes on with grow(r), a reader of r with a larger buffer, and the results
// are those of reading with that larger buffer from the start. It returns
// the reader it used last.
func readHeaderGrow(r *bufio.Reader, opts *HeaderOptions, grow func(*bufio.Reader) *bufio.Reader) (Header, *bufio.Reader, error) {
	hr := headerReader{r: r, max: opts.maxBytes(), maxFields: opts.maxFields(), grow: grow}
	err := hr.read()
	if err == nil && len(hr.warns) > 0 {
		err = hr.warns
	}
	return hr.h, hr.r, err
}

type headerReader struct {
	r         *bufio.Reader
	grow      func(*bufio.Reader) *bufio.Reader // see readHeaderGrow
	h         Header
	max       int
	maxFields int
	n         int // bytes read
	warns     mime.Warnings
	seenLF    bool
	seen8bit  bool

	// The lines and Fields of a header are carved out of a few shared
	// blocks rather than allocated one by one. Each Field's raw is
	// capacity-limited, so that appending to it copies.
	arena    []byte // the current block of line bytes
	lastLine int    // offset in arena of the last line kept
	// src, when not nil, holds the bytes r reads, from the start, and is
	// never changed: lines are sliced from it rather than copied.
	src     []byte
	srcLine int     // offset in src of the last line kept
	slab    []Field // the current block of Fields
	lines   int     // the number of lines of the header, when known early
}

// arenaBlock is the size of the first block of line bytes; later blocks
// double, up to arenaMaxBlock, or hold one longer line.
const arenaBlock, arenaMaxBlock = 512, 16 << 10

// keep copies a line into the arena and returns the copy; a line of src
// is not copied.
func (hr *headerReader) keep(b []byte) []byte {
	if s := hr.src; s != nil && hr.n+len(b) <= len(s) && bytes.Equal(s[hr.n:hr.n+len(b)], b) {
		hr.srcLine = hr.n
		return s[hr.n : hr.n+len(b) : hr.n+len(b)]
	}
	if cap(hr.arena)-len(hr.arena) < len(b) {
		size := min(max(2*cap(hr.arena), arenaBlock), arenaMaxBlock)
		if hr.arena == nil {
			// The first block fits the whole header when it is buffered.
			buf, _ := hr.r.Peek(hr.r.Buffered())
			if i := bytes.Index(buf, []byte("\n\r\n")); i >= 0 {
				size = min(len(b)+i+3, arenaMaxBlock)
				// The lines after b, and b.
				hr.lines = bytes.Count(buf[:i], []byte("\n")) + 2
			}
		}
		hr.arena = make([]byte, 0, max(size, len(b)))
	}
	hr.lastLine = len(hr.arena)
	hr.arena = append(hr.arena, b...)
	return hr.arena[hr.lastLine:len(hr.arena):len(hr.arena)]
}

// extend appends the line ln, just returned by keep, to the raw bytes of
// f. When f.raw ends where ln begins in the arena, the slice grows in
// place.
func (hr *headerReader) extend(f *Field, ln []byte) {
	if s := hr.src; s != nil && len(f.raw) > 0 && len(ln) > 0 {
		if start := hr.srcLine - len(f.raw); start >= 0 && &s[start] == &f.raw[0] && &s[hr.srcLine] == &ln[0] {
			f.raw = s[start : hr.srcLine+len(ln) : hr.srcLine+len(ln)]
			return
		}
	}
	if start := hr.lastLine - len(f.raw); start >= 0 && len(f.raw) > 0 && len(ln) > 0 &&
		&hr.arena[start] == &f.raw[0] && &hr.arena[hr.lastLine] == &ln[0] {
		f.raw = hr.arena[start:len(hr.arena):len(hr.arena)]
		return
	}
	f.raw = append(f.raw, ln...)
}

// field returns a new Field from the slab.
func (hr *headerReader) field(name string, raw []byte, col int) *Field {
	if len(hr.slab) == cap(hr.slab) {
		n := 2 * cap(hr.slab)
		if n == 0 && hr.lines > 0 {
			n = hr.lines
		}
		hr.slab = make([]Field, 0, min(max(n, 4), 64))
	}
	hr.slab = append(hr.slab, Field{name: name, raw: raw, col: col})
	return &hr.slab[len(hr.slab)-1]
}

func (hr *headerReader) warn(code mime.WarningCode, off int, detail string) {
	if len(hr.warns) < 100 {
		hr.warns = append(hr.warns, &mime.Warning{Code: code, Offset: off, Detail: detail})
	}
}

// line reads one line including its end, bounded by the remaining budget.
func (hr *headerReader) line() ([]byte, error) {
	var buf []byte
	for {
		frag, err := hr.r.ReadSlice('\n')
		if hr.n+len(buf)+len(frag) > hr.max {
			return nil, &mime.LimitError{Limit: "MaxHeaderBytes", Max: int64(hr.max)}
		}
		if err == bufio.ErrBufferFull {
			buf = append(buf, frag...)
			continue
		}
		if buf == nil {
			buf = hr.keep(frag)
		} else {
			buf = hr.keep(append(buf, frag...))
		}
		if err != nil && !(errors.Is(err, io.EOF) && len(buf) > 0) {
			return buf, err
		}
		return buf, nil
	}
}

func (hr *headerReader) read() error {
	if first, _ := hr.peekLine(); isMboxFrom(first) {
		ln, err := hr.line()
		if err != nil {
			return err
		}
		hr.n += len(ln)
		hr.h.mboxFrom = ln
		hr.warn(WarnMboxFrom, 0, "")
	}
	if first, ok := hr.peekLine(); len(trimEOL(first)) > 0 && !isWSP(first[0]) && !isFieldStart(first, ok) {
		// QUIRK: no header at all; the line belongs to the body.
		hr.h.noHeader = true
		hr.warn(WarnNoHeader, hr.n, "")
		return nil
	}
	for {
		off := hr.n
		ln, err := hr.line()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if len(hr.h.fields) > 0 || hr.h.mboxFrom != nil {
					hr.warn(WarnNoBody, off, "")
				}
				return nil
			}
			return err
		}
		hr.n += len(ln)
		hr.checkEOL(ln, off)
		content := trimEOL(ln)
		if len(content) == 0 {
			hr.h.sep = ln
			return nil
		}
		if len(content) > 998 {
			hr.warn(WarnLongLine, off, "")
		}
		if !hr.seen8bit && !utf8.Valid(content) {
			hr.seen8bit = true
			hr.warn(WarnHeader8Bit, off, "")
		}
		if isWSP(ln[0]) {
			if len(bytes.Trim(content, " \t")) == 0 {
				next, ok := hr.peekLine()
				if len(next) == 0 || len(trimEOL(next)) > 0 && !isWSP(next[0]) && !isFieldStart(next, ok) {
					// QUIRK: "CRLF SP CRLF" before the body.
					hr.warn(WarnBlankSeparator, off, "")
					hr.h.sep = ln
					return nil
				}
			}
			if n := len(hr.h.fields); n > 0 {
				hr.extend(hr.h.fields[n-1], ln)
				continue
			}
			hr.warn(WarnOrphanContinuation, off, "")
			if err := hr.add(hr.field("", ln, -1)); err != nil {
				return err
			}
			continue
		}
		if err := hr.add(hr.newField(ln, off)); err != nil {
			return err
		}
	}
}

// peekLine returns the next line without consuming it; it may be cut short
// when longer than the reader's buffer.
func (hr *headerReader) peekLine() (line []byte, complete bool) {
	for n := 128; ; n *= 2 {
		b, err := hr.r.Peek(n)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[:i+1], true
		}
		if err == bufio.ErrBufferFull && hr.grow != nil {
			// Peeking is repeated from the start with the larger buffer.
			hr.r, hr.grow, n = hr.grow(hr.r), nil, 64
			continue
		}
		if err != nil {
			return b, err != bufio.ErrBufferFull
		}
	}
}

// isFieldStart reports whether ln begins with a field name and a colon
// (RFC 5322 section 3.6.8, with obsolete whitespace before the colon). A
// line cut short that could still be a field counts as one.
func isFieldStart(ln []byte, complete bool) bool {
	if complete {
		ln = trimEOL(ln)
	}
	i := 0
	for i < len(ln) && ln[i] > ' ' && ln[i] < 0x7f && ln[i] != ':' {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(ln) && isWSP(ln[i]) {
		i++
	}
	return i == len(ln) && !complete || i < len(ln) && ln[i] == ':'
}

func (hr *headerReader) add(f *Field) error {
	if len(hr.h.fields) >= hr.maxFields {
		return &mime.LimitError{Limit: "MaxFields", Max: int64(hr.maxFields)}
	}
	if hr.h.fields == nil {
		hr.h.fields = make([]*Field, 0, max(hr.lines, 4))
	}
	hr.h.fields = append(hr.h.fields, f)
	return nil
}

func (hr *headerReader) checkEOL(ln []byte, off int) {
	n := len(ln)
	if n == 0 || ln[n-1] != '\n' {
		return
	}
	if n < 2 || ln[n-2] != '\r' {
		if !hr.seenLF {
			hr.seenLF = true
			hr.warn(WarnBareLF, off, "")
		}
		return
	}
	if n >= 3 && ln[n-3] == '\r' {
		hr.warn(WarnExtraCR, off, "")
	}
}

// isMboxFrom reports whether ln is an mbox separator (RFC 4155): "From "
// and then the envelope sender, not "From :" with obsolete whitespace.
func isMboxFrom(ln []byte) bool {
	if !bytes.HasPrefix(ln, []byte("From ")) {
		return false
	}
	rest := bytes.TrimLeft(ln[5:], " \t\r\n")
	return len(rest) > 0 && rest[0] != ':'
}

// newField splits a line into name and value. A line without a colon, or
// whose name is not ftext, is kept as a junk field (empty name).
func (hr *headerReader) newField(ln []byte, off int) *Field {
	col := bytes.IndexByte(ln, ':')
	if col <= 0 {
		hr.warn(WarnNoColon, off, "")
		return hr.field("", ln, -1)
	}
	name := ln[:col]
	trimmed := name
	for len(trimmed) > 0 && isWSP(trimmed[len(trimmed)-1]) {
		trimmed = trimmed[:len(trimmed)-1]
	}
	if len(trimmed) == 0 {
		hr.warn(WarnNoColon, off, "")
		return hr.field("", ln, -1)
	}
	for _, c := range trimmed {
		if c <= ' ' || c >= 0x7f {
			hr.warn(WarnNoColon, off, "invalid field name")
			return hr.field("", ln, -1)
		}
	}
	if len(trimmed) != len(name) {
		// QUIRK: RFC 5322 section 4.5 obs-optional allows WSP before the
		// colon; we accept it and report it.
		hr.warn(WarnBadFieldName, off, "whitespace before colon")
	}
	return hr.field(fieldName(trimmed), ln, col)
}

// fieldName returns b as a string, without allocating for the common
// names spelled the usual way.
func fieldName(b []byte) string {
	switch string(b) {
	case "Content-Type":
		return "Content-Type"
	case "Content-Transfer-Encoding":
		return "Content-Transfer-Encoding"
	case "Content-Disposition":
		return "Content-Disposition"
	case "Content-ID":
		return "Content-ID"
	case "MIME-Version":
		return "MIME-Version"
	case "Date":
		return "Date"
	case "From":
		return "From"
	case "To":
		return "To"
	case "Cc":
		return "Cc"
	case "Subject":
		return "Subject"
	case "Message-ID":
		return "Message-ID"
	case "Received":
		return "Received"
	}
	return string(b)
}

// MboxFrom returns the mbox "From " line that preceded the header, if any.
// WriteTo does not write it.
func (h *Header) MboxFrom() []byte { return h.mboxFrom }

// Len returns the number of fields, junk lines included.
func (h *Header) Len() int { return len(h.fields) }

// Fields iterates over the fields in order, junk lines (empty Name)
// included.
func (h *Header) Fields() iter.Seq2[int, *Field] {
	return func(yield func(int, *Field) bool) {
		for i, f := range h.fields {
			if !yield(i, f) {
				return
			}
		}
	}
}

// FieldsNamed iterates over the fields with the given name, in order.
func (h *Header) FieldsNamed(name string) iter.Seq[*Field] {
	return func(yield func(*Field) bool) {
		for _, f := range h.fields {
			if f.name != "" && strings.EqualFold(f.name, name) && !yield(f) {
				return
			}
		}
	}
}

// Has reports whether a field with the name exists.
func (h *Header) Has(name string) bool {
	for range h.FieldsNamed(name) {
		return true
	}
	return false
}

// Count returns how many fields have the name.
func (h *Header) Count(name string) int {
	n := 0
	for range h.FieldsNamed(name) {
		n++
	}
	return n
}

// Get returns the unfolded value of the first field with the name
// (case-insensitive), or "".
func (h *Header) Get(name string) string {
	if f := h.first(name); f != nil {
		return f.Value()
	}
	return ""
}

// first returns the first field with the name, or nil.
func (h *Header) first(name string) *Field {
	for _, f := range h.fields {
		if len(f.name) == len(name) && f.name != "" && (f.name == name || strings.EqualFold(f.name, name)) {
			return f
		}
	}
	return nil
}

// Text returns the first field with the name, unfolded, with RFC 2047
// encoded words decoded (for unstructured fields such as Subject). A
// malformed encoded word is left as it is.
func (h *Header) Text(name string) string {
	s, _ := decodeText(h.Get(name), nil)
	return s
}

// Values returns the unfolded values of all fields with the name, in order.
func (h *Header) Values(name string) []string {
	var vs []string
	for f := range h.FieldsNamed(name) {
		vs = append(vs, f.Value())
	}
	return vs
}

// Add appends a field, formatted with FormatField. CR and LF in value are
// replaced by spaces, so that a value can never inject a field.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, h.format(name, value))
}

// Prepend inserts a field at the top, as trace fields (Received,
// Return-Path, Authentication-Results) are added (RFC 5321 section 4.4).
func (h *Header) Prepend(name, value string) {
	h.fields = append([]*Field{h.format(name, value)}, h.fields...)
}

// AddRaw appends a field given as raw bytes, which must be a complete field
// with its line end ("Name: value\r\n", folded or not). It is written back
// unchanged.
func (h *Header) AddRaw(raw []byte) error {
	col := bytes.IndexByte(raw, ':')
	if col <= 0 || len(raw) < 2 || raw[len(raw)-1] != '\n' {
		return errors.New("message: raw field must be \"Name: value\" ending in a line break")
	}
	name := string(bytes.TrimRight(raw[:col], " \t"))
	h.fields = append(h.fields, &Field{name: name, raw: append([]byte(nil), raw...), col: col})
	return nil
}

// Set replaces the first field with the name by the new value, in its
// place, and removes the others; without one, it appends.
func (h *Header) Set(name, value string) {
	nf := h.format(name, value)
	out := h.fields[:0]
	done := false
	for _, f := range h.fields {
		if f.name != "" && strings.EqualFold(f.name, name) {
			if done {
				continue
			}
			f, done = nf, true
		}
		out = append(out, f)
	}
	clear(h.fields[len(out):])
	h.fields = out
	if !done {
		h.fields = append(h.fields, nf)
	}
}

// Del removes every field with the name.
func (h *Header) Del(name string) {
	out := h.fields[:0]
	for _, f := range h.fields {
		if f.name != "" && strings.EqualFold(f.name, name) {
			continue
		}
		out = append(out, f)
	}
	clear(h.fields[len(out):])
	h.fields = out
}

// Clone returns a deep copy.
func (h *Header) Clone() Header {
	c := Header{UTF8: h.UTF8, mboxFrom: h.mboxFrom, sep: h.sep, noHeader: h.noHeader}
	c.fields = make([]*Field, len(h.fields))
	for i, f := range h.fields {
		nf := *f
		c.fields[i] = &nf
	}
	return c
}

func (h *Header) format(name, value string) *Field {
	opts := &FormatOptions{UTF8: h.UTF8}
	name = cleanFieldName(name)
	raw := FormatField(name, value, opts)
	return &Field{name: name, raw: raw, col: len(name)}
}

// WriteTo writes the fields and the empty line that ends the header: the
// one that was read, or CRLF. An unmodified header is written back byte for
// byte (a section read without any header writes nothing).
func (h *Header) WriteTo(w io.Writer) (int64, error) {
	var n int64
	if h.noHeader && len(h.fields) == 0 {
		return 0, nil
	}
	for _, f := range h.fields {
		m, err := w.Write(f.raw)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	sep := h.sep
	if sep == nil {
		sep = []byte("\r\n")
	}
	m, err := w.Write(sep)
	return n + int64(m), err
}

// rawLen is the length of what was read: the fields and the empty line,
// which is 0 when the input ended without one.
func (h *Header) rawLen() int {
	n := len(h.sep)
	for _, f := range h.fields {
		n += len(f.raw)
	}
	return n
}

// Bytes returns the header as WriteTo would write it.
func (h *Header) Bytes() []byte {
	var b bytes.Buffer
	h.WriteTo(&b)
	return b.Bytes()
}
