package dkim

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

// collectGeneric records in out the offsets i of the suspect pairs p[i],
// p[i+1], in order, and returns their number and the offset next where it
// stopped: every suspect pair starting before next is recorded, and next
// is len(p) once all pairs are done. It is the obviously correct
// reference for [collectPairs], which may also record candidates that are
// not suspect, and its fallback where there are no vector instructions.
func collectGeneric(p []byte, relaxed bool, out []int32) (n, next int) {
	i := 0
	for ; i+1 < len(p) && n < len(out); i++ {
		if suspectPair(p[i], p[i+1], relaxed) {
			out[n] = int32(i)
			n++
		}
	}
	if i+1 >= len(p) {
		i = len(p)
	}
	return n, i
}

// maxScan bounds the bytes one collectPairs call looks at, so that offsets
// fit in an int32.
const maxScan = 1 << 30

// pairScanner returns the suspect pairs of p in order, collecting a batch
// of candidates at a time.
type pairScanner struct {
	p       []byte
	relaxed bool
	scanned int // pairs starting before this offset are in cands or done
	base    int // offset of cands[0]'s origin
	n, k    int // cands[k:n] are left
	cands   [128]int32
}

// next returns the first suspect pair at or after from, or -1.
func (s *pairScanner) next(from int) int {
	for {
		for ; s.k < s.n; s.k++ {
			c := s.base + int(s.cands[s.k])
			if c >= from && suspectPair(s.p[c], s.p[c+1], s.relaxed) {
				return c
			}
		}
		start := max(from, s.scanned)
		if start+1 >= len(s.p) {
			return -1
		}
		end := min(len(s.p), start+maxScan)
		n, next := collectPairs(s.p[start:end], s.relaxed, s.cands[:])
		if end < len(s.p) {
			// The pair across the cut is not done.
			next = min(next, end-start-1)
		}
		s.base, s.n, s.k, s.scanned = start, n, 0, start+next
	}
}
