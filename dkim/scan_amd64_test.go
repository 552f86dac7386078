package dkim

import "testing"

// TestCPUVector logs which vector collectors this CPU runs, so that a test
// log shows which implementations TestPairScanner exercised (the forced
// ones fall back to the generic loop where the CPU lacks them).
func TestCPUVector(t *testing.T) {
	v := cpuVector()
	t.Logf("AVX2 %v, AVX-512 F+BW %v", v.avx2, v.avx512)
	if v.avx512 && !v.avx2 {
		t.Error("AVX-512 without AVX2")
	}
}
