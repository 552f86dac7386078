package dkim

import "sync"

// The vector scanner needs AVX2; without it (or on other architectures)
// scanPairs is the pure-Go scanGeneric.

//go:noescape
func scanAVX2(p []byte, relaxed bool) int

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

// scanPairs is [scanGeneric], 32 pairs at a time with AVX2 when the CPU
// has it. The assembly returns the first suspect pair or the offset where
// fewer than 33 bytes remain; the pure-Go loop confirms the former and
// finishes the latter, so both give the same answer.
func scanPairs(p []byte, relaxed bool) int {
	i := 0
	if len(p) >= 64 && hasAVX2() {
		i = scanAVX2(p, relaxed)
	}
	if j := scanGeneric(p[i:], relaxed); j >= 0 {
		return i + j
	}
	return -1
}
