package dkim

import "bytes"

// DefaultMaxHeaderBytes is the default bound on the header block that the
// signer and the verifier keep in memory.
const DefaultMaxHeaderBytes = 1 << 20

// headerSplitter collects the header block of a message written in chunks
// and hands the rest to a body function. Only the header is buffered.
type headerSplitter struct {
	max  int
	hdr  []byte
	done bool
	err  error

	// borrow lets write leave a header that p holds whole in p, without
	// copying it, for a caller that is done with it before write returns
	// (the Verifier). hdr is then a slice of p until release.
	borrow bool
}

// release drops a borrowed header.
func (s *headerSplitter) release() {
	if s.borrow {
		s.hdr = nil
	}
}

// write feeds p; it returns the body bytes found in p once the header is
// complete (which may be all of p), and reports whether the header has just
// been completed by this call.
func (s *headerSplitter) write(p []byte) (body []byte, completed bool) {
	if s.done {
		return p, false
	}
	// The blank line may straddle the previous write and this one: probe
	// the last bytes kept plus the first bytes of p, then search p alone,
	// so that only the header part of p is ever copied.
	k := min(3, len(s.hdr))
	var buf [6]byte
	probe := append(append(buf[:0], s.hdr[len(s.hdr)-k:]...), p[:min(3, len(p))]...)
	cut := -1
	if i := headerEnd(probe, 0, len(s.hdr) == 0); i > k {
		cut = i - k
	} else if i := headerEnd(p, 0, false); i >= 0 {
		cut = i
	}
	if cut < 0 {
		if len(s.hdr)+len(p) > s.max {
			s.err = ErrHeaderTooLong
			s.done = true
			s.hdr = nil
			return nil, true
		}
		s.hdr = append(s.hdr, p...)
		return nil, false
	}
	if len(s.hdr)+cut > s.max+2 {
		s.err = ErrHeaderTooLong
		s.done = true
		s.hdr = nil
		return nil, true
	}
	if s.borrow && len(s.hdr) == 0 {
		s.hdr = p[:cut:cut]
	} else {
		s.hdr = append(s.hdr, p[:cut]...)
	}
	s.done = true
	return p[cut:], true
}

// quickHeader is how far headerEnd looks for the usual end of a header in
// one search.
const quickHeader = 4096

// headerEnd returns the offset of the body (after the blank line), or -1.
// The header block returned to the caller keeps the final line ending of
// its last field but not the blank line.
func headerEnd(b []byte, from int, atStart bool) int {
	return headerEndImpl(b, from, atStart, scanBest)
}

// headerEndImpl is headerEnd with the search that impl picks: scanBest
// the fastest the CPU has (an AVX-512 kernel, see headerEndVector), or
// scanGeneric the one below; tests force each.
func headerEndImpl(b []byte, from int, atStart bool, impl uint8) int {
	// A message that starts with a blank line has an empty header.
	if atStart && len(b) > 0 && b[0] == '\n' {
		return 1
	}
	if atStart && len(b) > 1 && b[0] == '\r' && b[1] == '\n' {
		return 2
	}
	if end, ok := headerEndVector(b, from, impl); ok {
		return end
	}
	// Usually the header is short and ends in "\n\r\n": one search in
	// its first bytes finds that, and a second one for "\n\n" (a bare
	// LF) before it. Otherwise, a line at a time.
	s := b[from:min(len(b), from+quickHeader)]
	if i := bytes.Index(s, []byte("\n\r\n")); i >= 0 {
		if j := bytes.Index(s[:i+1], []byte("\n\n")); j >= 0 {
			return from + j + 2
		}
		return from + i + 3
	}
	return headerEndLines(b, from)
}

// headerEndLines is headerEnd after the first bytes, looking at each line.
func headerEndLines(b []byte, from int) int {
	for i := from; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		k := i + j + 1 // start of the next line
		if k < len(b) && b[k] == '\n' {
			return k + 1
		}
		if k+1 < len(b) && b[k] == '\r' && b[k+1] == '\n' {
			return k + 2
		}
		if k+1 >= len(b) {
			return -1
		}
		i = k
	}
}

// header returns the header block proper (without the blank line).
func (s *headerSplitter) header() []byte {
	h := s.hdr
	if s.done && len(h) > 0 {
		// Drop the blank line: the last line is "\n" or "\r\n".
		if bytes.HasSuffix(h, []byte("\n\r\n")) {
			return h[:len(h)-2]
		}
		if bytes.HasSuffix(h, []byte("\n\n")) {
			return h[:len(h)-1]
		}
		if len(h) <= 2 && (string(h) == "\n" || string(h) == "\r\n") {
			return nil
		}
	}
	return h
}
