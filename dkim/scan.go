package dkim

import "math/bits"

// suspectPair reports whether the byte pair x, y (adjacent in the body)
// may need a change under body canonicalization. For simple that is only
// a bare LF (y is LF and x is not CR). Relaxed adds: x is HTAB, or x is SP
// and y is SP, HTAB, CR, LF or another control character (RFC 6376
// section 3.4.4: a white-space run longer than one SP, or white space at
// the end of a line). Every other pair is canonical as it stands, which is
// what lets the body canonicalizer hash long runs of input without
// looking at them.
func suspectPair(x, y byte, relaxed bool) bool {
	if y == '\n' && x != '\r' {
		return true
	}
	return relaxed && (x == '\t' || (x == ' ' && y <= ' '))
}

// pairBlock is one block of 64 byte pairs with at least one suspect pair:
// bit k of mask is set if the pair starting at off+k is suspect. Blocks
// start at multiples of 64, but for a last block that a vector collector
// may place over the end of the one before, without the pairs that one
// covers.
type pairBlock struct {
	mask uint64
	off  int
}

// collectGeneric is the obviously correct reference for [collectPairs],
// and its fallback where there are no vector instructions. It splits the
// pairs of p into blocks of 64, starting at offsets 0, 64, 128, ... (the
// pair at i is p[i], p[i+1]; the last block may be shorter), and records
// in out the blocks that hold a suspect pair, in order. It returns their
// number and the offset next where it stopped: every suspect pair
// starting before next is in out[:n], and next is len(p) once all pairs
// are done. It stops before a block when out is full; out must not be
// empty.
func collectGeneric(p []byte, relaxed bool, out []pairBlock) (n, next int) {
	for off := 0; off+1 < len(p); off += 64 {
		if n == len(out) {
			return n, off
		}
		var m uint64
		for i := off; i < off+64 && i+1 < len(p); i++ {
			if suspectPair(p[i], p[i+1], relaxed) {
				m |= 1 << (i - off)
			}
		}
		if m != 0 {
			out[n] = pairBlock{m, off}
			n++
		}
	}
	return n, len(p)
}

// Scanner implementations, for tests: scanBest picks the fastest that the
// CPU has; the others force one (falling back to the generic loop if the
// CPU lacks it).
const (
	scanBest = iota
	scanGeneric
	scanAVX2
	scanAVX512
)

// pairScanner returns the suspect pairs of p in order, collecting a batch
// of blocks at a time.
type pairScanner struct {
	p       []byte
	relaxed bool
	impl    uint8  // scanBest (the zero value) or one forced by a test
	scanned int    // pairs starting before this offset are in blocks or done
	base    int    // offset in p of the blocks' origin
	cur     uint64 // the pairs of the current block (bits before from are stale)
	curAt   int    // offset in p of cur's bit 0
	n, k    int    // blocks[k:n] are left
	blocks  [64]pairBlock
}

// next returns the first suspect pair at or after from, or -1. Calls must
// not decrease from.
func (s *pairScanner) next(from int) int {
	// The pairs of the current block at or after from, bit 0 being the
	// pair at from (none if from is 64 or more ahead, where the shift
	// yields 0).
	if c := s.cur >> uint(from-s.curAt); c != 0 {
		return from + bits.TrailingZeros64(c)
	}
	if s.cur != 0 && from < s.curAt {
		// Asked again from before the block that an earlier call
		// found: the pairs before it are not suspect.
		return s.curAt + bits.TrailingZeros64(s.cur)
	}
	for {
		for s.k < s.n {
			b := &s.blocks[s.k]
			s.k++
			c := s.base + b.off
			if m := b.mask & (^uint64(0) << uint(max(from-c, 0))); m != 0 {
				s.cur, s.curAt = m, c
				return c + bits.TrailingZeros64(m)
			}
		}
		s.cur = 0
		start := max(from, s.scanned)
		if start+1 >= len(s.p) {
			return -1
		}
		n, next := collectPairs(s.p[start:], s.relaxed, s.blocks[:], s.impl)
		s.base, s.n, s.k, s.scanned = start, n, 0, start+next
	}
}
