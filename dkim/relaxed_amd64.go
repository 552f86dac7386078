package dkim

import "bytes"

// relaxedAVX512 canonicalizes (relaxed, RFC 6376 section 3.4.4) whole
// 64-byte blocks at the start of src into dst without a branch per line:
// in each block HTAB becomes SP, of each WSP run only the last byte stays
// (as SP), and not even that one before CRLF, and the bytes kept are
// compressed (VPCOMPRESSB) and stored whole. It returns the length nsrc
// of src it did (whole blocks) and ndst of what it wrote; lines ending in
// CRLF come out as they are, empty lines too.
//
// It must start at a line start, with src[0] not LF. A block is done with
// the 129 bytes after it in view and 64 bytes of room in dst, in rounds
// of 3 blocks. Where there is a bare LF, which it leaves to the caller,
// it stops before the round that saw it. Requires AVX-512 F, BW, VBMI and
// VBMI2, BMI1, BMI2 and POPCNT.
//
//go:noescape
func relaxedAVX512(src, dst []byte) (nsrc, ndst int)

// haveRelaxedKernel reports whether the CPU and the operating system
// support relaxedAVX512 (see cpuVector).
func haveRelaxedKernel() bool { return cpuVector().relaxedKernel }

// relaxedKernel canonicalizes the first lines of src (which starts a
// line, and not with LF) into dst with relaxedAVX512 where the CPU has
// it: it returns the length nsrc of the lines it did (they end in CRLF),
// and ndst of their canonical form; (0, 0) if none. bare reports that it
// stopped early, at a bare LF in the next few hundred bytes.
func relaxedKernel(src, dst []byte) (nsrc, ndst int, bare bool) {
	if !haveRelaxedKernel() || len(src) < 193 {
		return 0, 0, false
	}
	ns, nd := relaxedAVX512(src, dst)
	full := min((len(src)-193)/64+1, len(dst)/64) / 3 * 3 * 64 // all rounds
	// Back to the last line start: the lines of src and of dst match one
	// to one (each LF of src is kept).
	return bytes.LastIndexByte(src[:ns], '\n') + 1, bytes.LastIndexByte(dst[:nd], '\n') + 1, ns < full
}
