package dkim

import (
	"bytes"
	"encoding/binary"
	"hash"
	"strings"
)

// Canonicalization is a DKIM canonicalization algorithm (RFC 6376 section 3.4).
type Canonicalization string

// The two algorithms of RFC 6376 section 3.4.
const (
	Simple  Canonicalization = "simple"
	Relaxed Canonicalization = "relaxed"
)

// Field is one header field as it appeared on the wire: Raw holds the name,
// the colon, the value with its folding, and the final line ending. It is
// exported so that ARC (RFC 8617), which hashes header fields the same way,
// can reuse [SplitHeader], [SelectFields] and [HashFields].
type Field struct {
	Name string // the field name as written (case kept)
	Raw  []byte // the whole field including its line ending
}

// SplitHeader splits a raw header block (without the blank line that ends
// it) into fields (RFC 5322 section 2.2). A continuation line (starting with
// SP or HTAB) belongs to the field above it. Lines before the first field
// that are continuations, and lines without a colon, are kept as fields with
// an empty name, so that they are never hashed but never lost either.
func SplitHeader(hdr []byte) []Field {
	var fields []Field
	for len(hdr) > 0 {
		end := lineEnd(hdr)
		// Extend over continuation lines (RFC 5322 section 2.2.3).
		for end < len(hdr) && (hdr[end] == ' ' || hdr[end] == '\t') {
			end += lineEnd(hdr[end:])
		}
		raw := hdr[:end]
		hdr = hdr[end:]
		name := ""
		if i := bytes.IndexByte(raw, ':'); i > 0 {
			name = strings.TrimRight(string(raw[:i]), " \t")
			if strings.ContainsAny(name, " \t\r\n") {
				name = ""
			}
		}
		fields = append(fields, Field{Name: name, Raw: raw})
	}
	return fields
}

// lineEnd returns the length of the first line of b including its LF, or
// len(b) when there is no LF.
func lineEnd(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i + 1
	}
	return len(b)
}

// SelectFields picks the header fields named in h, in that order, following
// RFC 6376 section 5.4.2: for each name, the last instance not yet used is
// taken (from the bottom up); a name with no instance left selects nothing,
// which is how over-signing works. The returned slice has nil entries for
// names that matched nothing.
func SelectFields(fields []Field, h []string) []*Field {
	out := make([]*Field, len(h))
	if len(fields)*len(h) <= 4096 {
		// Small headers: a direct scan, without allocations.
		var used [64]bool
		if len(fields) <= len(used) {
			for k, name := range h {
				for i := len(fields) - 1; i >= 0; i-- {
					if !used[i] && strings.EqualFold(fields[i].Name, name) {
						used[i] = true
						out[k] = &fields[i]
						break
					}
				}
			}
			return out
		}
	}
	// Index the fields by lower-case name once, so that a hostile h= with
	// many names costs time linear in its length, not h= times fields.
	byName := make(map[string][]int, len(fields))
	for i := range fields {
		if fields[i].Name != "" {
			n := strings.ToLower(fields[i].Name)
			byName[n] = append(byName[n], i)
		}
	}
	for k, name := range h {
		n := strings.ToLower(name)
		idx := byName[n]
		if len(idx) == 0 {
			continue
		}
		out[k] = &fields[idx[len(idx)-1]]
		byName[n] = idx[:len(idx)-1]
	}
	return out
}

// HashFields writes the canonicalized selected fields into h (RFC 6376
// section 3.7), each followed by CRLF, then the canonicalized signature
// field sig (whose b= value must already be empty) without a trailing CRLF.
// nil entries in selected are skipped.
func HashFields(h hash.Hash, c Canonicalization, selected []*Field, sig []byte) {
	buf := make([]byte, 0, 512)
	for _, f := range selected {
		if f == nil {
			continue
		}
		buf = CanonicalizeHeader(buf[:0], c, f.Raw)
		h.Write(buf)
	}
	buf = CanonicalizeHeader(buf[:0], c, sig)
	buf = bytes.TrimSuffix(buf, []byte("\r\n"))
	h.Write(buf)
}

// CanonicalizeHeader appends the canonical form of one raw header field to
// dst (RFC 6376 sections 3.4.1 and 3.4.2). The result always ends in CRLF.
//
// QUIRK: a bare LF line ending is treated as CRLF, so that messages stored
// with Unix line endings verify as they did on the wire.
func CanonicalizeHeader(dst []byte, c Canonicalization, raw []byte) []byte {
	raw = trimLineEnd(raw)
	if c != Relaxed {
		// simple: unchanged, but line endings normalised to CRLF.
		for len(raw) > 0 {
			i := bytes.IndexByte(raw, '\n')
			if i < 0 {
				dst = append(dst, raw...)
				break
			}
			line := raw[:i]
			line = bytes.TrimSuffix(line, []byte{'\r'})
			dst = append(dst, line...)
			dst = append(dst, '\r', '\n')
			raw = raw[i+1:]
		}
		return append(dst, '\r', '\n')
	}
	colon := bytes.IndexByte(raw, ':')
	if colon < 0 {
		colon = len(raw)
	}
	// Name: lowercase, WSP before the colon removed.
	for _, b := range bytes.TrimRight(raw[:colon], " \t") {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	dst = append(dst, ':')
	if colon < len(raw) {
		dst = relaxValue(dst, raw[colon+1:])
	}
	return append(dst, '\r', '\n')
}

// relaxValue unfolds v, reduces WSP runs to one SP, and drops WSP at both
// ends (RFC 6376 section 3.4.2).
func relaxValue(dst, v []byte) []byte {
	space := false
	started := false
	for _, b := range v {
		switch b {
		case '\r', '\n':
			continue
		case ' ', '\t':
			space = true
			continue
		}
		if space && started {
			dst = append(dst, ' ')
		}
		space = false
		started = true
		dst = append(dst, b)
	}
	return dst
}

func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// bodyCanon canonicalizes a body stream (RFC 6376 sections 3.4.3 and 3.4.4)
// and writes the result to a hash, honouring an optional length limit
// (l=, section 3.5). It keeps O(1) state and never buffers the body.
//
// QUIRK: a bare LF is treated as a CRLF line ending; a bare CR is content.
type bodyCanon struct {
	h       hash.Hash
	relaxed bool
	limit   int64 // -1 = no limit
	total   int64 // canonical bytes produced (hashed or not)
	hashed  int64

	cr      bool // last byte was CR, held back
	wsp     bool // relaxed: WSP seen and held back
	midLine bool // the current line has content
	empties int  // empty lines held back

	buf         []byte
	spare       []byte        // a free buffer, once hashing is asynchronous
	inflight    chan struct{} // closed when the hashing goroutine is done
	inflightBuf []byte        // the buffer that goroutine is hashing
}

func newBodyCanon(h hash.Hash, c Canonicalization, limit int64) *bodyCanon {
	return &bodyCanon{h: h, relaxed: c == Relaxed, limit: limit, buf: make([]byte, 0, 2048)}
}

// Write accepts body bytes in any chunking.
func (b *bodyCanon) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if !b.cr && !b.midLine && !b.wsp {
			// Clean state at a line start: whole lines take a fast path.
			p = b.lines(p)
			if len(p) == 0 {
				break
			}
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.content(p)
			break
		}
		line := p[:i]
		if len(line) == 0 && b.cr {
			b.cr = false // the CR of CRLF split across writes
		} else if len(line) > 0 && line[len(line)-1] == '\r' {
			// The final CR belongs to CRLF; a CR before it, held by
			// content, is flushed as content by endLine.
			b.content(line[:len(line)-1])
		} else {
			b.content(line)
		}
		b.endLine()
		p = p[i+1:]
	}
	return n, nil
}

// lines canonicalizes the complete lines at the start of p, when no state
// is carried from an earlier write, and returns the rest. It is the hot
// path: one IndexByte per line, and for relaxed a chunk-wide search for
// TAB and double spaces so that ordinary lines are copied whole.
func (b *bodyCanon) lines(p []byte) []byte {
	pos := 0
	run := -1 // start of a run of lines that are already canonical
	flushRun := func() {
		if run >= 0 {
			b.out(p[run:pos])
			run = -1
		}
	}
	for {
		i := bytes.IndexByte(p[pos:], '\n')
		if i < 0 {
			flushRun()
			return p[pos:]
		}
		end := pos + i // index of LF
		next := end + 1
		crlfEnd := end > pos && p[end-1] == '\r'
		if crlfEnd {
			end--
		}
		trim := end
		if b.relaxed {
			for trim > pos && (p[trim-1] == ' ' || p[trim-1] == '\t') {
				trim--
			}
		}
		if trim == pos {
			flushRun()
			b.empties++
			pos = next
			continue
		}
		verbatim := crlfEnd && trim == end && (!b.relaxed || !needsRelax(p[pos:trim]))
		if verbatim {
			// The line and its CRLF are canonical as they stand: extend
			// the run and copy it in one go later.
			if run < 0 {
				b.flushEmpties()
				run = pos
			}
			pos = next
			continue
		}
		flushRun()
		b.flushEmpties()
		if b.relaxed && needsRelax(p[pos:trim]) {
			b.relaxLine(p[pos:trim])
		} else {
			b.out(p[pos:trim])
		}
		b.out(crlf)
		pos = next
	}
}

var crlf = []byte("\r\n")

const (
	lo7 = 0x7f7f7f7f7f7f7f7f
	hi  = 0x8080808080808080
	sp8 = 0x2020202020202020
	ht8 = 0x0909090909090909
)

// eqMask returns 0x80 in each byte of x that equals the byte repeated in
// pattern, exactly (no carries between bytes).
func eqMask(x, pattern uint64) uint64 {
	v := x ^ pattern
	return ^(((v & lo7) + lo7) | v) & hi
}

// needsRelax reports whether a line (already without trailing WSP) holds a
// TAB or two adjacent spaces, the only cases where relaxed body
// canonicalization changes it (RFC 6376 section 3.4.4). It tests eight
// bytes at a time.
func needsRelax(line []byte) bool {
	var prev uint64 // space mask of the previous word
	for len(line) >= 8 {
		x := binary.LittleEndian.Uint64(line)
		if eqMask(x, ht8) != 0 {
			return true
		}
		m := eqMask(x, sp8)
		if m&(m<<8) != 0 || (prev>>56)&m&0x80 != 0 {
			return true
		}
		prev = m
		line = line[8:]
	}
	last := prev>>63 == 1
	for _, c := range line {
		if c == '\t' || (c == ' ' && last) {
			return true
		}
		last = c == ' '
	}
	return false
}

// relaxLine writes a line without trailing WSP, with WSP runs reduced.
func (b *bodyCanon) relaxLine(line []byte) {
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] != ' ' && line[i] != '\t' {
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if line[i] == ' ' && j == i+1 {
			continue // a single SP stays as it is
		}
		b.out(line[start:i])
		b.out(space)
		start = j
		i = j - 1
	}
	b.out(line[start:])
}

var space = []byte{' '}

func (b *bodyCanon) flushEmpties() {
	for ; b.empties > 0; b.empties-- {
		b.out(crlf)
	}
}

// content adds bytes of the current line (no LF inside).
func (b *bodyCanon) content(p []byte) {
	if len(p) == 0 {
		return
	}
	if b.cr {
		b.cr = false
		b.text([]byte{'\r'})
	}
	if p[len(p)-1] == '\r' {
		b.cr = true
		p = p[:len(p)-1]
	}
	b.text(p)
}

// text adds line content that contains no LF and no trailing held CR.
func (b *bodyCanon) text(p []byte) {
	if len(p) == 0 {
		return
	}
	if !b.relaxed {
		b.startLine()
		b.out(p)
		return
	}
	// Fast path: nothing to reduce inside p.
	if bytes.IndexByte(p, '\t') < 0 && !bytes.Contains(p, []byte("  ")) &&
		p[0] != ' ' && p[len(p)-1] != ' ' {
		b.startLine()
		if b.wsp {
			b.out([]byte{' '})
			b.wsp = false
		}
		b.out(p)
		return
	}
	for len(p) > 0 {
		j := 0
		for j < len(p) && p[j] != ' ' && p[j] != '\t' {
			j++
		}
		if j > 0 {
			b.startLine()
			if b.wsp {
				b.out([]byte{' '})
				b.wsp = false
			}
			b.out(p[:j])
		}
		for j < len(p) && (p[j] == ' ' || p[j] == '\t') {
			j++
			b.wsp = true
		}
		p = p[j:]
	}
}

// startLine flushes held empty lines before new content.
func (b *bodyCanon) startLine() {
	if b.midLine {
		return
	}
	for ; b.empties > 0; b.empties-- {
		b.out([]byte("\r\n"))
	}
	b.midLine = true
}

func (b *bodyCanon) endLine() {
	if b.cr {
		// "\r\r\n": the first CR is content.
		b.cr = false
		b.text([]byte{'\r'})
	}
	b.wsp = false
	if b.midLine {
		b.out([]byte("\r\n"))
		b.midLine = false
	} else {
		b.empties++
	}
}

// close finishes the body: an unterminated last line gets its CRLF, and an
// empty simple body becomes a single CRLF (RFC 6376 section 3.4.3).
func (b *bodyCanon) close() {
	if b.cr {
		b.cr = false
		b.text([]byte{'\r'})
	}
	if b.midLine {
		b.out([]byte("\r\n"))
		b.midLine = false
	}
	if !b.relaxed && b.total == 0 {
		b.out([]byte("\r\n"))
	}
	b.flush()
	b.wait()
}

func (b *bodyCanon) out(p []byte) {
	b.total += int64(len(p))
	if b.limit >= 0 {
		room := b.limit - b.hashed
		if room <= 0 {
			return
		}
		if int64(len(p)) > room {
			p = p[:room]
		}
	}
	b.hashed += int64(len(p))
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flush()
		if len(p) >= cap(b.buf) {
			b.wait()
			b.h.Write(p)
			return
		}
	}
	b.buf = append(b.buf, p...)
}

const (
	// asyncAfter is the body size from which hashing runs in a goroutine,
	// one buffer behind canonicalization, so that the two overlap on a
	// second core. Small bodies hash inline.
	asyncAfter = 128 << 10
	// asyncBuf is the buffer size once hashing is asynchronous.
	asyncBuf = 64 << 10
)

// flush hands the buffered canonical bytes to the hash: inline for small
// bodies, else in a goroutine that hashes this buffer while the next one
// fills. At most one hashing goroutine runs per body, each ends after its
// buffer, and wait joins it before anything else touches the hash.
func (b *bodyCanon) flush() {
	if len(b.buf) == 0 {
		return
	}
	if b.total < asyncAfter {
		b.h.Write(b.buf)
		b.buf = b.buf[:0]
		return
	}
	b.wait()
	full, next := b.buf, b.spare
	if cap(next) < asyncBuf {
		next = make([]byte, 0, asyncBuf)
	}
	b.buf, b.spare = next[:0], nil
	done := make(chan struct{})
	b.inflight, b.inflightBuf = done, full
	h := b.h
	go func() {
		h.Write(full)
		close(done)
	}()
}

// wait joins the hashing goroutine, if any, and keeps its buffer for reuse.
func (b *bodyCanon) wait() {
	if b.inflight == nil {
		return
	}
	<-b.inflight
	b.inflight = nil
	b.spare, b.inflightBuf = b.inflightBuf[:0], nil
}
