package dkim

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// scanImpls are the scanner implementations: on a CPU without AVX-512 or
// AVX2 the forced ones run the generic loop.
var scanImpls = []struct {
	name string
	impl uint8
}{{"best", scanBest}, {"generic", scanGeneric}, {"avx2", scanAVX2}, {"avx512", scanAVX512}}

// TestPairScanner compares the scanner, with each implementation, with a
// plain loop over suspectPair, on random bytes drawn from an alphabet
// rich in the characters that matter, at many lengths.
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
	checkScan(t, bytes.Repeat([]byte("a\n"+string(make([]byte, 62))), 100))
	// Every byte value on either side of a pair, at every position of a
	// vector block.
	for x := range 256 {
		p := make([]byte, 0, 3*256)
		for y := range 256 {
			p = append(p, byte(x), byte(y), 'a')
		}
		checkScan(t, p)
	}
}

// suspectPairs lists the suspect pairs of p with a plain loop.
func suspectPairs(p []byte, relaxed bool) []int {
	var want []int
	for i := 0; i+1 < len(p); i++ {
		if suspectPair(p[i], p[i+1], relaxed) {
			want = append(want, i)
		}
	}
	return want
}

// checkScan compares the suspect pairs found by a pairScanner with each
// implementation, asked from every position, and those found by
// collectPairs with outputs of several sizes, with a plain loop.
func checkScan(t *testing.T, p []byte) {
	t.Helper()
	for _, relaxed := range []bool{false, true} {
		want := suspectPairs(p, relaxed)
		for _, im := range scanImpls {
			checkScanner(t, p, relaxed, im.impl, want)
			for _, size := range []int{1, 2, 3, 32} {
				checkCollect(t, p, relaxed, im.impl, size, want)
			}
		}
	}
}

func checkScanner(t *testing.T, p []byte, relaxed bool, impl uint8, want []int) {
	t.Helper()
	s := pairScanner{p: p, relaxed: relaxed, impl: impl}
	var got []int
	for j := s.next(0); j >= 0; j = s.next(j + 1) {
		got = append(got, j)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("impl %d relaxed=%v %q:\ngot  %v\nwant %v", impl, relaxed, p, got, want)
	}
	// Skipping ahead, as the canonicalizer does (from never goes back),
	// and asking twice from the same place.
	s = pairScanner{p: p, relaxed: relaxed, impl: impl}
	prev := 0
	for _, from := range []int{len(p) / 3, len(p) / 3, len(p) / 2, len(p) / 2, len(p) - 3, len(p) - 3} {
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
			t.Fatalf("impl %d relaxed=%v %q: next(%d) = %d, want %d", impl, relaxed, p, from, got, wantNext)
		}
	}
}

// checkCollect runs collectPairs over p, from where each call stopped, and
// checks its contract: blocks at offsets that are multiples of 64 (but
// for a last one), before next, with a non-zero mask, pairs in order, and
// progress on every call.
func checkCollect(t *testing.T, p []byte, relaxed bool, impl uint8, size int, want []int) {
	t.Helper()
	var got []int
	out := make([]pairBlock, size+1)
	for start := 0; start+1 < len(p); {
		out[size] = pairBlock{mask: 1, off: -1} // a guard
		n, next := collectPairs(p[start:], relaxed, out[:size], impl)
		if out[size].off != -1 || n < 0 || n > size || next < 0 || next > len(p)-start || (n == 0 && next == 0) {
			t.Fatalf("impl %d size %d relaxed=%v %q: at %d, n %d next %d guard %v", impl, size, relaxed, p, start, n, next, out[size])
		}
		for i, b := range out[:n] {
			// Only a last block may start off the 64 grid (it overlaps
			// the one before, without the pairs that one covers).
			if b.mask == 0 || b.off < 0 || b.off >= next || b.off%64 != 0 && i != n-1 {
				t.Fatalf("impl %d size %d relaxed=%v %q: at %d, block %+v, next %d", impl, size, relaxed, p, start, b, next)
			}
			for m := b.mask; m != 0; m &= m - 1 {
				j := start + b.off + trailingZeros(m)
				if len(got) > 0 && j <= got[len(got)-1] {
					t.Fatalf("impl %d size %d relaxed=%v %q: at %d, pair %d after %d", impl, size, relaxed, p, start, j, got[len(got)-1])
				}
				got = append(got, j)
			}
		}
		if next < len(p)-start && next%64 != 0 {
			t.Fatalf("impl %d size %d relaxed=%v: stopped at %d, not a block start", impl, size, relaxed, next)
		}
		start += next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("impl %d size %d relaxed=%v %q:\ngot  %v\nwant %v", impl, size, relaxed, p, got, want)
	}
}

func trailingZeros(m uint64) int {
	n := 0
	for m&1 == 0 {
		m >>= 1
		n++
	}
	return n
}

// FuzzPairScanner: every scanner implementation equals the plain loop on
// any input.
func FuzzPairScanner(f *testing.F) {
	f.Add(bytes.Repeat([]byte("The quick brown fox.\r\n"), 9))
	f.Add(bytes.Repeat([]byte("a  b\tc \r\n\n"), 19))
	f.Add(bytes.Repeat([]byte(" \n\r\t"), 70))
	f.Fuzz(func(t *testing.T, p []byte) {
		checkScan(t, p)
	})
}
