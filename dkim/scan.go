package dkim

// scanGeneric returns the smallest i with i+1 < len(p) such that the byte
// pair p[i], p[i+1] may need a change under body canonicalization, or -1.
// For simple canonicalization that is only a bare LF (p[i+1] is LF and p[i]
// is not CR). Relaxed adds: p[i] is HTAB, or p[i] is SP and p[i+1] is SP,
// HTAB, CR, LF or another control character (RFC 6376 section 3.4.4: a
// white-space run longer than one SP, or white space at the end of a
// line). Every other pair is canonical as it stands, which is what lets
// the body canonicalizer hash long runs of input without looking at them.
//
// It is the obviously correct reference for [scanPairs], which may use
// SIMD instructions, and the fallback where those are missing.
func scanGeneric(p []byte, relaxed bool) int {
	for i := 0; i+1 < len(p); i++ {
		if suspectPair(p[i], p[i+1], relaxed) {
			return i
		}
	}
	return -1
}

// suspectPair is the pair test of [scanGeneric].
func suspectPair(x, y byte, relaxed bool) bool {
	if y == '\n' && x != '\r' {
		return true
	}
	return relaxed && (x == '\t' || (x == ' ' && y <= ' '))
}
