package dkim

import (
	"bytes"
	"hash"
)

// bodyCanon canonicalizes a body stream (RFC 6376 sections 3.4.3 and 3.4.4)
// and writes the result to a hash, honouring an optional length limit
// (l=, section 3.5). It keeps O(1) state and never buffers the body.
//
// Complete lines take a fast path ([bodyCanon.lines]): a vector scan
// ([pairScanner]) finds the few byte pairs that canonicalization may change,
// and the runs between them go to the hash as they stand, gathered in a
// buffer when short and straight from the caller's buffer when long.
// Partial lines at the edges of a Write take the byte-level path (content,
// text, endLine), which carries state from one Write to the next. Large
// relaxed bodies without l= take [bodyCanon.kernelLines] instead where
// the CPU has AVX-512 (relaxed_amd64.s), which writes the canonical bytes
// of whole blocks straight into buf.
//
// QUIRK: a bare LF is treated as a CRLF line ending; a bare CR is content.
type bodyCanon struct {
	h       hash.Hash
	relaxed bool
	limit   int64 // -1 = no limit
	total   int64 // canonical bytes produced (hashed or not)
	hashed  int64

	cr      bool  // last byte was CR, held back
	wsp     bool  // relaxed: WSP seen and held back
	midLine bool  // the current line has content
	empties int   // empty lines held back
	kernel  uint8 // kernelBest, or one forced by a test ([bodyCanon.kernelLines])

	buf   []byte // buf[:n] holds canonical bytes not yet hashed
	n     int
	small [smallBuf]byte // buf's first storage, enough for small bodies
}

const (
	// smallBuf is the buffer for small bodies; once a body passes
	// bigAfter bytes, the buffer grows to bigBuf. Up to bigAfter bytes,
	// pieces shorter than copyMax are copied into it and hashed a full
	// buffer at a time, so that SHA-256 gets whole blocks (a write that
	// starts or ends inside a block costs a copy and a second call, more
	// than copying a short piece does); otherwise pieces shorter than half
	// the buffer are copied into it and longer ones hashed in place.
	smallBuf = 256
	copyMax  = 1024
	bigAfter = 64 << 10
	bigBuf   = 16 << 10
)

func newBodyCanon(h hash.Hash, c Canonicalization, limit int64) *bodyCanon {
	b := new(bodyCanon)
	b.init(h, c, limit)
	return b
}

// init sets up a zero bodyCanon, for one embedded in a larger struct.
func (b *bodyCanon) init(h hash.Hash, c Canonicalization, limit int64) {
	b.h, b.relaxed, b.limit = h, c == Relaxed, limit
	b.buf = b.small[:]
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
// is carried from an earlier write, and returns the rest (a partial line).
// Runs of input between the pairs that [pairScanner] reports are canonical
// as they stand and are emitted whole, without looking at each byte.
func (b *bodyCanon) lines(p []byte) []byte {
	end := bytes.LastIndexByte(p, '\n') + 1
	if end == 0 {
		return p // no complete line
	}
	r := p[:end] // complete lines; r ends in LF
	if b.relaxed && b.limit < 0 && b.kernel != kernelNever && len(r) >= kernelMin && haveRelaxedKernel() {
		r = b.kernelLines(r)
	}
	b.scanLines(r)
	return p[end:]
}

// scanLines canonicalizes complete lines r (r ends in LF) at a line start
// with no state carried: see [bodyCanon.lines].
func (b *bodyCanon) scanLines(r []byte) {
	run, pos := 0, 0
	s := pairScanner{p: r, relaxed: b.relaxed}
	if len(r) > 0 && r[0] == '\n' {
		// A bare LF at the start: an empty line (the scanner looks at
		// pairs, so it cannot see this one).
		// The pair at 0 starts with that LF and is scanned as usual.
		b.emit(crlf)
		run = 1
	}
	for {
		j := s.next(pos)
		if j < 0 {
			break
		}
		x := r[j]
		if !b.relaxed || x != ' ' && x != '\t' {
			// A bare LF at j+1 ends the line.
			b.emit(r[run : j+1])
			b.emit(crlf)
			// The pair at j+1 starts with that LF: look at it too, it
			// may be another bare LF.
			run, pos = j+2, j+1
			continue
		}
		// A white-space run from j to k (relaxed only). r ends in LF,
		// so the run ends inside r.
		k := j + 1
		for r[k] == ' ' || r[k] == '\t' {
			k++
		}
		switch {
		case r[k] == '\n':
			// Trailing white space, then a bare LF.
			b.emit(r[run:j])
			b.emit(crlf)
			run = k + 1
		case r[k] == '\r' && r[k+1] == '\n':
			// Trailing white space: drop it; the CRLF starts the next run.
			b.emitLine(r[run:j])
			run = k
		case x == ' ' && k == j+1:
			// One SP before a bare CR or a control character: unchanged.
		case x == ' ':
			// Keep the first SP, drop the rest of the run.
			b.emitLine(r[run : j+1])
			run = k
		default:
			b.emit(r[run:j])
			b.emit(space)
			run = k
		}
		pos = k
	}
	b.emit(r[run:])
}

var (
	crlf  = []byte("\r\n")
	space = []byte{' '}
	// crlfs holds 32 empty lines, to flush held ones in few writes.
	crlfs = bytes.Repeat(crlf, 32)
)

// emitLine is emit for the common case of a run that ends inside a line,
// after content, with no empty lines held: it only adds the bytes.
func (b *bodyCanon) emitLine(r []byte) {
	if len(r) == 0 || r[len(r)-1] == '\n' || b.empties > 0 || b.limit >= 0 || len(r) > len(b.buf)-b.n {
		b.emit(r)
		return
	}
	b.n += copy(b.buf[b.n:], r)
	b.total += int64(len(r))
	b.hashed += int64(len(r))
	b.midLine = true
}

// emit adds canonical bytes that start where the state says (at a line
// start or inside a line) and may hold whole lines. Empty lines at its end
// are held back, since empty lines at the end of the body are dropped
// (RFC 6376 sections 3.4.3 and 3.4.4); held ones are written before the
// next content.
func (b *bodyCanon) emit(r []byte) {
	n, empties := len(r), 0
	for n >= 2 && r[n-2] == '\r' && r[n-1] == '\n' {
		// The CRLF ending at n is an empty line if it starts a line.
		if n == 2 && b.midLine || n > 2 && r[n-3] != '\n' {
			break
		}
		n -= 2
		empties++
	}
	if n > 0 {
		if b.empties > 0 {
			b.flushEmpties()
		}
		b.out(r[:n])
		b.midLine = r[n-1] != '\n'
	}
	b.empties += empties
}

func (b *bodyCanon) flushEmpties() {
	for b.empties > 0 {
		k := min(b.empties, len(crlfs)/2)
		b.out(crlfs[:2*k])
		b.empties -= k
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
	for len(p) > 0 {
		j := 0
		for j < len(p) && p[j] != ' ' && p[j] != '\t' {
			j++
		}
		if j > 0 {
			b.startLine()
			if b.wsp {
				b.out(space)
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
	b.flushEmpties()
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
		b.out(crlf)
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
		b.out(crlf)
		b.midLine = false
	}
	if !b.relaxed && b.total == 0 {
		b.out(crlf)
	}
	b.flush()
}

// out hashes canonical bytes, up to the l= limit, through buf.
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
	if len(b.buf) == smallBuf && b.hashed <= bigAfter && len(p) < copyMax {
		// A small body: pieces go through buf, which is hashed whole,
		// so that SHA-256 gets only whole blocks.
		for {
			k := copy(b.buf[b.n:], p)
			b.n += k
			if b.n < len(b.buf) {
				return
			}
			b.h.Write(b.buf)
			b.n = 0
			p = p[k:]
		}
	}
	if len(p) > len(b.buf)-b.n {
		b.flush()
		if len(p) >= len(b.buf)/2 {
			b.h.Write(p)
			return
		}
	}
	b.n += copy(b.buf[b.n:], p)
}

// flush hashes buf, and grows it once the body is large.
func (b *bodyCanon) flush() {
	if b.n > 0 {
		b.h.Write(b.buf[:b.n])
		b.n = 0
	}
	if b.hashed > bigAfter && len(b.buf) < bigBuf {
		b.buf = make([]byte, bigBuf)
	}
}
