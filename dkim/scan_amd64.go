package dkim

import "sync"

// The vector collectors need AVX-512 (F and BW) or AVX2; without them (or
// on other architectures) collectPairs is the pure-Go collectGeneric.
// Both find exactly the suspect pairs that collectGeneric finds, in blocks
// of 64 pairs, 64 or 128 pairs at a time while 65 bytes remain (AVX-512
// then does the last pairs too), and stop early once out has too few free
// entries (two for AVX-512, one for AVX2). They require len(p) >= 65 and
// max >= 2.

//go:noescape
func collectAVX512(p []byte, relaxed bool, out *pairBlock, max int) (n, next int)

//go:noescape
func collectAVX2(p []byte, relaxed bool, out *pairBlock, max int) (n, next int)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// cpuVector is what the CPU and the operating system support, computed
// once: AVX2 needs CPUID leaf 7 EBX bit 5, with OSXSAVE and AVX (leaf 1
// ECX bits 27 and 28) and the XMM and YMM state enabled in XCR0 (bits 1
// and 2). AVX-512 F and BW (leaf 7 EBX bits 16 and 30) also need the
// opmask, ZMM_Hi256 and Hi16_ZMM state (XCR0 bits 5, 6 and 7). The
// relaxed kernel (relaxedAVX512) needs AVX-512 with VBMI and VBMI2 (leaf 7
// ECX bits 1 and 6), BMI1 and BMI2 (leaf 7 EBX bits 3 and 8) and POPCNT
// (leaf 1 ECX bit 23).
var cpuVector = sync.OnceValue(func() (v struct{ avx2, avx512, relaxedKernel bool }) {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return v
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx, popcnt = 1 << 27, 1 << 28, 1 << 23
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return v
	}
	xcr0, _ := xgetbv()
	if xcr0&0x6 != 0x6 {
		return v
	}
	_, ebx7, ecx7, _ := cpuid(7, 0)
	v.avx2 = ebx7&(1<<5) != 0
	const avx512f, avx512bw = 1 << 16, 1 << 30
	v.avx512 = ebx7&avx512f != 0 && ebx7&avx512bw != 0 && xcr0&0xe6 == 0xe6
	const bmi, vbmi = 1<<3 | 1<<8, 1<<1 | 1<<6
	v.relaxedKernel = v.avx512 && ebx7&bmi == bmi && ecx7&vbmi == vbmi && ecx1&popcnt != 0
	return v
})

// collectPairs is [collectGeneric], with AVX-512 or AVX2 when the CPU has
// them (impl may force one, for tests); the last bytes go through
// collectGeneric where the vector collector leaves them (AVX2).
func collectPairs(p []byte, relaxed bool, out []pairBlock, impl uint8) (n, next int) {
	if len(p) < 65 || len(out) < 2 || impl == scanGeneric {
		return collectGeneric(p, relaxed, out)
	}
	switch cpu := cpuVector(); {
	case cpu.avx512 && impl != scanAVX2:
		n, next = collectAVX512(p, relaxed, &out[0], len(out))
	case cpu.avx2 && impl != scanAVX512:
		n, next = collectAVX2(p, relaxed, &out[0], len(out))
	default:
		return collectGeneric(p, relaxed, out)
	}
	if next == len(p) || len(p)-next >= 65 || n == len(out) {
		return n, next // done, or stopped early: out is nearly full
	}
	m, rest := collectGeneric(p[next:], relaxed, out[n:])
	for i := n; i < n+m; i++ {
		out[i].off += next
	}
	return n + m, next + rest
}
