package dkim

import "math/bits"

// headerEndAVX512 returns the first p in [from, len(b)-2) where b[p] is
// LF and the next line is blank (b[p+1] is LF, or b[p+1:p+3] is CRLF), or
// -1. It reads nothing past b. Requires AVX-512 F and BW, from >= 0.
//
//go:noescape
func headerEndAVX512(b []byte, from int) int

// fieldMasksAVX512 stores, for the first min(len(p), 64*words) bytes of p,
// 64 bytes a word, three arrays of words words at masks: the masks of the
// field ends (p[j] is LF and p[j+1], if any, is neither SP nor HTAB), of
// the colons, and of the bytes up to SP (set past the end of p too, in the
// last word, which no colon follows). It reads nothing past p. Requires
// AVX-512 F and BW.
//
//go:noescape
func fieldMasksAVX512(p []byte, masks *uint64, words int)

// haveHeaderKernels reports whether the CPU and the operating system
// support the header kernels (see cpuVector).
func haveHeaderKernels() bool { return cpuVector().avx512 }

// headerEndVector is headerEnd after its checks of a message start, with
// headerEndAVX512 where the CPU has it (impl may force the generic code,
// for tests); ok is false where it does not apply. The positions that
// headerEndAVX512 does not take, the last two, are left to headerEndLines,
// which also decides whether an LF there ends the header or is undecided.
func headerEndVector(b []byte, from int, impl uint8) (end int, ok bool) {
	if impl == scanGeneric || !haveHeaderKernels() {
		return 0, false
	}
	if n := len(b) - 2; from < n {
		if p := headerEndAVX512(b, from); p >= 0 {
			if b[p+1] == '\n' {
				return p + 2, true
			}
			return p + 3, true
		}
		from = n
	}
	return headerEndLines(b, from), true
}

// fieldChunk is how many bytes of the header fieldMasksAVX512 does per
// call; their masks sit on the stack.
const fieldChunk = 2048

// fieldMasks holds the masks of fieldMasksAVX512 for the fieldChunk bytes
// of a header from base.
type fieldMasks struct {
	base int
	// The masks of the field ends, the colons, and the bytes up to SP.
	masks [3][fieldChunk / 64]uint64
}

// fill computes the masks of hdr from base.
func (m *fieldMasks) fill(hdr []byte, base int) {
	m.base = base
	fieldMasksAVX512(hdr[base:], &m.masks[0][0], fieldChunk/64)
}

// field returns the end of the field that starts at off in hdr (the first
// LF from off that a continuation line does not follow, plus one, or
// len(hdr); RFC 5322 section 2.2.3) and the offset of its first colon, or
// -1; plain reports that no byte up to SP (no FWS) precedes the colon. The
// masks must hold off, or end just before it; they move on with the field.
func (m *fieldMasks) field(hdr []byte, off int) (end, colon int, plain bool) {
	colon = -1
	var ctl uint64 // bytes up to SP before the colon
	keep := ^uint64(0) << (off & 63)
	for p := off &^ 63; p < len(hdr); p += 64 {
		if p-m.base >= fieldChunk {
			m.fill(hdr, p)
		}
		w := (p - m.base) >> 6 & (fieldChunk/64 - 1)
		e, c := m.masks[0][w]&keep, m.masks[1][w]&keep
		if e != 0 {
			c &= e ^ (e - 1) // the colons up to the end
		}
		if colon < 0 {
			before := keep // the bits of this word before the colon
			if c != 0 {
				colon = p + bits.TrailingZeros64(c)
				before &= c&-c - 1
			}
			ctl |= m.masks[2][w] & before
		}
		keep = ^uint64(0)
		if e != 0 {
			return p + bits.TrailingZeros64(e) + 1, colon, ctl == 0
		}
	}
	return len(hdr), colon, ctl == 0
}

// splitFieldsVector is the loop of appendFields with fieldMasksAVX512
// where the CPU has it (impl may force the generic loop, for tests): it
// appends the fields of hdr to fields, their names to names and the
// names' lengths to lens; ok is false where it does not apply.
func splitFieldsVector(fields []Field, hdr, names []byte, lens []int32, impl uint8) (_ []Field, _ []byte, _ []int32, ok bool) {
	if impl == scanGeneric || !haveHeaderKernels() {
		return fields, names, lens, false
	}
	var m fieldMasks
	m.fill(hdr, 0)
	for off := 0; off < len(hdr); {
		end, colon, plain := m.field(hdr, off)
		raw := hdr[off:end:end]
		n := 0
		switch {
		case colon <= off:
		case plain:
			n = colon - off // fieldNameLen would keep it all
		default:
			n = fieldNameLen(hdr[off:colon])
		}
		if l := len(names); n <= 16 && l+16 <= cap(names) && off+16 <= len(hdr) {
			// Short names, the usual ones, in one 16-byte move.
			*(*[16]byte)(names[l : l+16]) = [16]byte(hdr[off : off+16])
			names = names[:l+n]
		} else {
			names = append(names, raw[:n]...)
		}
		lens = append(lens, int32(n))
		// (Field{Raw: raw} would be built on the stack with 8-byte stores
		// and copied with 16-byte loads, which stall.)
		fields = append(fields, Field{})
		fields[len(fields)-1].Raw = raw
		off = end
	}
	return fields, names, lens, true
}

// countFieldsVector is countFields with fieldMasksAVX512 where the CPU
// has it: one field, plus one for each field end before the last byte;
// ok is false where it does not apply.
func countFieldsVector(hdr []byte, impl uint8) (n int, ok bool) {
	if impl == scanGeneric || !haveHeaderKernels() {
		return 0, false
	}
	if len(hdr) == 0 {
		return 0, true
	}
	var m fieldMasks
	for base := 0; base < len(hdr); base += fieldChunk {
		m.fill(hdr, base)
		for _, e := range m.masks[0][:min(fieldChunk/64, (len(hdr)-base+63)/64)] {
			n += bits.OnesCount64(e)
		}
	}
	if hdr[len(hdr)-1] == '\n' {
		n-- // the end of the last field
	}
	return n + 1, true
}
