package dkim

import "bytes"

const (
	// kernelMin is the least input for which [bodyCanon.lines] calls the
	// relaxed kernel (it needs 193 bytes to do a block, and does 3).
	kernelMin = 256
	// kernelSkip is how much input goes the other way after the kernel
	// made no progress twice in a row (bare LFs, say), doubling on each
	// further failure up to 64 KiB, so that a body of bare LFs does not
	// call it for every line.
	kernelSkip = 1024
	// bareScan bounds the search for the bare LF that stopped the kernel.
	bareScan = 4096
	// kernelRoom is the least room in buf for a kernel call; with less,
	// buf is hashed first.
	kernelRoom = 2048
)

// Kernel choices for bodyCanon.kernel: kernelBest (the zero value) uses
// the kernel where the CPU has it, for bodies that write 64 KiB or more
// at once or once buf is big; tests may force it off or always on.
const (
	kernelBest = iota
	kernelNever
	kernelAlways
)

// kernelLines canonicalizes (relaxed, no l=) most of the complete lines r
// at a line start with no state carried, with [relaxedKernel] writing
// straight into buf, and returns the lines it leaves (the last ones, which
// the kernel cannot do, being too near the end of r). Where the kernel
// stops without progress (at a bare LF, or a line longer than the room),
// lines go the way of [bodyCanon.scanLines]: up to the first bare LF, or
// after another failure the next kernelSkip bytes and more.
//
// The kernel writes empty lines as they are; those at the end of its
// output are held back (RFC 6376 section 3.4.4 c), and those held before
// are written ahead of its output tentatively, and kept only if the
// output has a line with content.
func (b *bodyCanon) kernelLines(r []byte) []byte {
	if len(b.buf) < bigBuf {
		if len(r) < bigAfter && b.kernel != kernelAlways {
			return r // a small body: keep the small buffer
		}
		b.flush()
		b.buf = make([]byte, bigBuf)
	}
	fails := 0 // kernel calls in a row without progress
	for len(r) >= kernelMin {
		e := b.empties
		if len(b.buf)-b.n-2*e < kernelRoom {
			b.flush()
		}
		o := b.n + 2*e
		if r[0] == '\n' || len(b.buf)-o < kernelRoom {
			r = b.skipLines(r, kernelSkip) // a bare LF at the start, or many empties
			continue
		}
		for i := b.n; i < o; i += 2 {
			b.buf[i], b.buf[i+1] = '\r', '\n'
		}
		ns, nd, bare := relaxedKernel(r, b.buf[o:])
		if ns == 0 {
			if fails++; fails == 1 {
				r = b.skipBare(r)
			} else {
				r = b.skipLines(r, kernelSkip<<min(fails-2, 6))
			}
			continue
		}
		fails = 0
		r = r[ns:]
		out := b.buf[o : o+nd] // complete lines, ending in CRLF
		k := len(out)
		for k >= 2 && (k == 2 || out[k-3] == '\n') {
			k -= 2 // an empty line at the end
		}
		if k == 0 {
			b.empties += nd / 2
		} else {
			b.n = o + k
			b.total += int64(2*e + k)
			b.hashed += int64(2*e + k)
			b.empties = (nd - k) / 2
		}
		if bare && len(r) > 0 {
			r = b.skipBare(r) // up to the bare LF that stopped it
		}
	}
	return r
}

// skipLines canonicalizes the lines of r that start in its first n bytes
// by [bodyCanon.scanLines] and returns the rest.
func (b *bodyCanon) skipLines(r []byte, n int) []byte {
	i := min(len(r), n) - 1
	i += bytes.IndexByte(r[i:], '\n') + 1 // r ends in LF
	b.scanLines(r[:i])
	return r[i:]
}

// skipBare canonicalizes the lines of r up to its first bare LF (within
// bareScan bytes; else kernelSkip bytes) by [bodyCanon.scanLines] and
// returns the rest.
func (b *bodyCanon) skipBare(r []byte) []byte {
	for i := 0; i < min(len(r), bareScan); {
		j := bytes.IndexByte(r[i:], '\n') + i // r ends in LF
		if j == 0 || r[j-1] != '\r' {
			b.scanLines(r[:j+1])
			return r[j+1:]
		}
		i = j + 1
	}
	return b.skipLines(r, kernelSkip)
}
