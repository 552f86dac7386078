package dkim

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// relaxedLinesRef is the relaxed canonical form of complete lines that
// all end in CRLF, empty lines kept: what relaxedKernel writes.
func relaxedLinesRef(src []byte) []byte {
	var out []byte
	for _, l := range strings.SplitAfter(string(src), "\n") {
		if l == "" {
			continue
		}
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		l = strings.TrimRight(wspRun.ReplaceAllString(l, " "), " ")
		out = append(append(out, l...), "\r\n"...)
	}
	return out
}

// genBody returns n bytes from an alphabet rich in SP, HTAB, CR and LF,
// with runs of WSP of any length, CRLFs, bare CRs and (if bare) bare LFs.
func genBody(r *rand.Rand, n int, bare bool) []byte {
	b := make([]byte, 0, n+80)
	for len(b) < n {
		switch k := r.IntN(20); {
		case k < 6:
			b = append(b, "abcdefghij.,:;XYZ"[r.IntN(17)])
		case k < 9:
			b = append(b, ' ')
		case k < 10:
			b = append(b, '\t')
		case k < 13:
			b = append(b, "\r\n"...)
		case k < 14:
			b = append(b, '\r')
		case k < 15 && bare:
			b = append(b, '\n')
		case k < 16:
			b = append(b, bytes.Repeat([]byte{" \t"[r.IntN(2)]}, r.IntN(80))...)
		case k < 17:
			b = append(b, bytes.Repeat([]byte("\r\n"), r.IntN(5))...)
		default:
			b = append(b, strings.Repeat("word ", r.IntN(12))...)
		}
	}
	return b[:n]
}

// checkKernel runs relaxedKernel on src and checks that it stopped at a
// line start, wrote the canonical form of the lines before it, and, with
// no bare LF in src, went as far as it can.
func checkKernel(t *testing.T, src []byte, room int) {
	t.Helper()
	if len(src) > 0 && src[0] == '\n' {
		return
	}
	dst := make([]byte, room)
	ns, nd, bare := relaxedKernel(src, dst)
	if ns < 0 || ns > len(src) || nd < 0 || nd > len(dst) || ns > 0 && src[ns-1] != '\n' {
		t.Fatalf("%q (room %d): bad stop %d, %d", src, room, ns, nd)
	}
	if want := relaxedLinesRef(src[:ns]); !bytes.Equal(dst[:nd], want) {
		t.Fatalf("%q (room %d):\ngot  %q\nwant %q", src[:ns], room, dst[:nd], want)
	}
	if !haveRelaxedKernel() || room < len(src)+64 || hasBareLF(src) {
		if bare && !hasBareLF(src) {
			t.Fatalf("%q (room %d): stopped for a bare LF", src, room)
		}
		return
	}
	if bare {
		t.Fatalf("%q: stopped for a bare LF", src)
	}
	want := 0
	if len(src) >= 193 {
		// The blocks it can do, in rounds of 3.
		end := ((len(src)-193)/64 + 1) / 3 * 3 * 64
		want = bytes.LastIndexByte(src[:end], '\n') + 1
	}
	if ns != want {
		t.Fatalf("%q: stopped at %d, want %d", src, ns, want)
	}
}

func hasBareLF(p []byte) bool {
	for i, c := range p {
		if c == '\n' && (i == 0 || p[i-1] != '\r') {
			return true
		}
	}
	return false
}

func TestRelaxedKernel(t *testing.T) {
	t.Logf("kernel: %v", haveRelaxedKernel())
	r := rand.New(rand.NewPCG(1, 2))
	for range 4000 {
		n := 100 + r.IntN(1900)
		src := genBody(r, n, r.IntN(4) == 0)
		checkKernel(t, src, len(src)+64)
		checkKernel(t, src, 64+r.IntN(len(src)))
	}
	// WSP runs and CRLFs at every block edge.
	for _, pad := range []int{0, 1, 61, 62, 63, 64, 65, 126, 127, 128} {
		for _, tail := range []string{" \r\n", "\t\r\n", "  x\r\n", "\r\n", " \r \r\n", strings.Repeat(" ", 70) + "\r\n", strings.Repeat("\t ", 64) + "y\r\n"} {
			src := []byte(strings.Repeat("a", pad) + tail + strings.Repeat("b  c \r\n", 60))
			checkKernel(t, src, len(src)+64)
		}
	}
}

// TestBodyCanonKernel compares bodyCanon with and without the kernel, and
// with refCanonBody, over thousands of generated bodies written whole and
// in pieces.
func TestBodyCanonKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		body := genBody(r, 100+r.IntN(1900), i%3 == 0)
		if i%5 == 0 {
			body = append(body, bytes.Repeat([]byte("\r\n"), r.IntN(4))...)
		}
		var cuts []byte
		if i%2 == 1 {
			cuts = []byte{byte(r.IntN(256)), byte(r.IntN(256))}
		}
		want := refCanonBody(Relaxed, string(body))
		for _, k := range []uint8{kernelAlways, kernelNever} {
			got, total := canonCuts(Relaxed, body, cuts, -1, k)
			if got != want || total != int64(len(want)) {
				t.Fatalf("kernel %d, cuts %v, body %q:\ngot  %q (total %d)\nwant %q", k, cuts, body, got, total, want)
			}
		}
	}
	// Large bodies (the buffer fills, held empty lines meet its edges),
	// with bare LFs rare, common or absent, written whole and in pieces.
	for i := range 12 {
		body := genBody(r, 70<<10+r.IntN(200<<10), false)
		switch i % 3 {
		case 1:
			for j := r.IntN(5000); j < len(body); j += r.IntN(10000) {
				body[j] = '\n'
			}
		case 2:
			body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
		}
		body = append(body, bytes.Repeat([]byte("\r\n"), i%4)...)
		want := refCanonBody(Relaxed, string(body))
		for _, cuts := range [][]byte{nil, {254, 249}} {
			for _, k := range []uint8{kernelBest, kernelNever} {
				got, total := canonCuts(Relaxed, body, cuts, -1, k)
				if got != want || total != int64(len(want)) {
					t.Fatalf("large body %d, kernel %d, cuts %v: wrong output", i, k, cuts)
				}
			}
		}
	}
}

// kernelSeeds are bodies of a few hundred bytes for the relaxed kernel:
// WSP runs and CRLFs at the edges of 64-byte blocks, runs of 64 and more,
// tabs, bare CR and LF, empty and WSP-only lines, trailing empty lines.
func kernelSeeds() []string {
	line := "The quick  brown\tfox jumps over the lazy dog. \r\n"
	var seeds []string
	for _, pad := range []int{0, 1, 62, 63, 64, 65, 127, 128} {
		a := strings.Repeat("x", pad)
		seeds = append(seeds,
			a+" \r\n"+strings.Repeat(line, 8),
			a+"\t \t\r\n"+strings.Repeat(line, 8)+"\r\n\r\n",
			a+"\r\n"+strings.Repeat(line, 8)+" \t \r\n\r\n",
			a+"\n"+strings.Repeat(line, 8),
			a+"\r"+strings.Repeat(line, 8)+"\n\n",
			strings.Repeat(line, 3)+a+strings.Repeat(" ", 70)+"\r\n"+strings.Repeat(line, 5),
			strings.Repeat(line, 3)+a+strings.Repeat("\t", 130)+"z\r\n"+strings.Repeat(line, 5),
			strings.Repeat("\r\n", 40)+a+strings.Repeat(line, 6)+strings.Repeat(" \r\n", 30),
		)
	}
	return seeds
}

// FuzzRelaxedKernel checks relaxedKernel on its own (see checkKernel)
// against relaxedLinesRef, with dst room from the fuzzer.
func FuzzRelaxedKernel(f *testing.F) {
	for _, s := range kernelSeeds() {
		f.Add([]byte(s), uint16(1000))
		f.Add([]byte(s), uint16(100))
	}
	f.Fuzz(func(t *testing.T, src []byte, room uint16) {
		checkKernel(t, src, int(room))
	})
}
