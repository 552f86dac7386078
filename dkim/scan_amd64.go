package dkim

import "sync"

// The vector scanner needs AVX2; without it (or on other architectures)
// collectPairs is the pure-Go collectGeneric.

//go:noescape
func collectAVX2(p []byte, relaxed bool, out *int32, max int) (n, next int)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

// hasAVX2 reports whether the CPU and the operating system support AVX2
// (CPUID leaf 7 EBX bit 5, with OSXSAVE, AVX and the YMM state enabled in
// XCR0). It is computed once.
var hasAVX2 = sync.OnceValue(func() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
})

// collectPairs is [collectGeneric], 64 pairs at a time with AVX2 when the
// CPU has it. The vector loop records candidates, a superset of the
// suspect pairs that the caller filters with suspectPair; the last bytes
// go through collectGeneric.
func collectPairs(p []byte, relaxed bool, out []int32) (n, next int) {
	if len(p) < 128 || len(out) < 64 || !hasAVX2() {
		return collectGeneric(p, relaxed, out)
	}
	n, next = collectAVX2(p, relaxed, &out[0], len(out))
	if len(p)-next >= 65 || n == len(out) {
		return n, next // stopped early: out is nearly full
	}
	m, rest := collectGeneric(p[next:], relaxed, out[n:])
	for i := n; i < n+m; i++ {
		out[i] += int32(next)
	}
	return n + m, next + rest
}
