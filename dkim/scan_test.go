package dkim

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPairScanner compares the scanner (vector candidates where the CPU
// has them) with a plain loop over suspectPair, on random bytes drawn
// from an alphabet rich in the characters that matter, at many lengths.
func TestPairScanner(t *testing.T) {
	alphabet := []byte("ab \t\r\n\x00\x1f!\xa0")
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 400 {
		for range 10 {
			p := make([]byte, n)
			rate := 1 + r.IntN(40)
			for i := range p {
				// Mostly letters, so that long clean stretches occur.
				if r.IntN(rate) == 0 {
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
	// More suspect pairs than one batch holds.
	checkScan(t, bytes.Repeat([]byte("a \r\n"), 500))
	checkScan(t, bytes.Repeat([]byte{' '}, 1000))
	checkScan(t, bytes.Repeat([]byte{'\n'}, 1000))
}

// checkScan compares the suspect pairs found by a pairScanner, asked from
// every position, with a plain loop.
func checkScan(t *testing.T, p []byte) {
	t.Helper()
	for _, relaxed := range []bool{false, true} {
		var want, got []int
		for i := 0; i+1 < len(p); i++ {
			if suspectPair(p[i], p[i+1], relaxed) {
				want = append(want, i)
			}
		}
		s := pairScanner{p: p, relaxed: relaxed}
		for j := s.next(0); j >= 0; j = s.next(j + 1) {
			got = append(got, j)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("relaxed=%v %q:\ngot  %v\nwant %v", relaxed, p, got, want)
		}
		// Skipping ahead, as the canonicalizer does (from never goes
		// back).
		s = pairScanner{p: p, relaxed: relaxed}
		prev := 0
		for _, from := range []int{len(p) / 3, len(p) / 2, len(p) - 3} {
			from = max(from, prev)
			prev = from
			wantNext := -1
			for _, w := range want {
				if w >= from {
					wantNext = w
					break
				}
			}
			if got := s.next(from); got != wantNext {
				t.Fatalf("relaxed=%v %q: next(%d) = %d, want %d", relaxed, p, from, got, wantNext)
			}
		}
	}
}

// FuzzPairScanner: the vector scanner equals the plain loop on any input.
func FuzzPairScanner(f *testing.F) {
	f.Add(bytes.Repeat([]byte("The quick brown fox.\r\n"), 9))
	f.Add(bytes.Repeat([]byte("a  b\tc \r\n\n"), 19))
	f.Fuzz(func(t *testing.T, p []byte) {
		checkScan(t, p)
	})
}
