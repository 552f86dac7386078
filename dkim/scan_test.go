package dkim

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestScanPairs compares the vector scanner with the pure-Go reference on
// random bytes drawn from an alphabet rich in the characters that matter,
// at every alignment and length.
func TestScanPairs(t *testing.T) {
	alphabet := []byte("ab \t\r\n\x00\x1f!\xa0")
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		for range 20 {
			p := make([]byte, n)
			for i := range p {
				// Mostly letters, so that long clean stretches occur.
				if r.IntN(12) == 0 {
					p[i] = alphabet[r.IntN(len(alphabet))]
				} else {
					p[i] = 'a' + byte(r.IntN(3))
				}
			}
			checkScan(t, p)
		}
	}
	clean := bytes.Repeat([]byte("abc d\r\n"), 40)
	for i := range clean {
		for _, c := range []byte(" \t\n") {
			p := bytes.Clone(clean)
			p[i] = c
			checkScan(t, p)
		}
	}
}

func checkScan(t *testing.T, p []byte) {
	t.Helper()
	for _, relaxed := range []bool{false, true} {
		if got, want := scanPairs(p, relaxed), scanGeneric(p, relaxed); got != want {
			t.Fatalf("relaxed=%v %q: scanPairs %d, scanGeneric %d", relaxed, p, got, want)
		}
	}
}

// FuzzScanPairs: the vector scanner equals the reference on any input.
func FuzzScanPairs(f *testing.F) {
	f.Add(bytes.Repeat([]byte("The quick brown fox.\r\n"), 5))
	f.Add(bytes.Repeat([]byte("a  b\tc \r\n\n"), 9))
	f.Fuzz(func(t *testing.T, p []byte) {
		checkScan(t, p)
	})
}
