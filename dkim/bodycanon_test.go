package dkim

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var wspRun = regexp.MustCompile(`[ \t]+`)

// refCanonBody is the straightforward reading of RFC 6376 sections 3.4.3
// and 3.4.4 (with this package's QUIRK: a bare LF ends a line, a bare CR
// is content), working on the whole body at once. The streaming
// canonicalizer must match it.
func refCanonBody(c Canonicalization, body string) string {
	lines := strings.Split(body, "\n")
	last := lines[len(lines)-1] // after the final LF: unterminated
	lines = lines[:len(lines)-1]
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	if last != "" {
		lines = append(lines, last)
	}
	if c == Relaxed {
		for i, l := range lines {
			lines[i] = strings.TrimRight(wspRun.ReplaceAllString(l, " "), " ")
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		if c == Simple {
			return "\r\n"
		}
		return ""
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

// canonCuts canonicalizes body written in pieces whose lengths come from
// cuts (cycled), with an l= limit and a kernel choice (kernelBest, ...);
// it returns the hashed bytes and the canonical length.
func canonCuts(c Canonicalization, body, cuts []byte, limit int64, kernel uint8) (string, int64) {
	var out collect
	bc := newBodyCanon(&out, c, limit)
	bc.kernel = kernel
	for i, k := 0, 0; i < len(body); k++ {
		n := len(body)
		if len(cuts) > 0 {
			x := int(cuts[k%len(cuts)])
			n = x*(x%5) + x%7 + 1 // from 1 to about 1000
		}
		bc.Write(body[i:min(i+n, len(body))])
		i += n
	}
	bc.close()
	return out.String(), bc.total
}

func checkCanon(t *testing.T, body, cuts []byte, limit int64) {
	t.Helper()
	for _, c := range []Canonicalization{Simple, Relaxed} {
		want := refCanonBody(c, string(body))
		wantHashed := want
		if limit >= 0 && int64(len(want)) > limit {
			wantHashed = want[:limit]
		}
		// The relaxed kernel (on small bodies too), and the path without.
		for _, k := range []uint8{kernelAlways, kernelNever} {
			got, total := canonCuts(c, body, cuts, limit, k)
			if got != wantHashed || total != int64(len(want)) {
				t.Fatalf("%s, kernel %d, cuts %v, l=%d, body %q:\ngot  %q (total %d)\nwant %q (total %d)",
					c, k, cuts, limit, body, got, total, wantHashed, len(want))
			}
		}
	}
}

func TestBodyCanonReference(t *testing.T) {
	bodies := []string{
		"", "\n", "\r\n", "\n\n", "\r", " ", "\t", "a", "a\n", "a \n", "a\t\n", " \r\n", "\r\n \r\n",
		"a\r\n\r\n \r\n", "\r\n\r\n\r\nb", "a  b\r\n", "a \tb\r\n", "a\t b\r\n", "\tb\r\n", "  b\r\n",
		"a \rb\r\n", "a  \rb\r\n", "a \x01b\r\n", "a\r\r\n", "a\n\nb\n", "\n\na", "x \n\n \n",
		"a\r\n\r\n", strings.Repeat("word ", 40) + " \r\n" + strings.Repeat("\r\n", 40),
		strings.Repeat("The quick  brown fox \r\n\r\n", 30) + strings.Repeat("x", 100) + "\t\n \r\n",
	}
	cutss := [][]byte{nil, {0}, {1}, {2, 3}, {5, 0, 9}, {200}}
	for _, b := range bodies {
		for _, cuts := range cutss {
			for _, limit := range []int64{-1, 0, 3, 100} {
				checkCanon(t, []byte(b), cuts, limit)
			}
		}
	}
}

// FuzzBodyCanon compares the streaming canonicalizer (vector scan, runs
// hashed in place, byte-level path at the edges of writes, relaxed kernel
// forced on and off) with refCanonBody, over arbitrary bodies split
// arbitrarily across writes.
func FuzzBodyCanon(f *testing.F) {
	f.Add([]byte("a  b \r\n\tc\n\r\n\r\n"), []byte{}, int16(-1))
	f.Add([]byte("Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n"), []byte{3, 7}, int16(20))
	f.Add(bytes.Repeat([]byte("line of text with  two spaces and a tab\there \r\n\r\n"), 8), []byte{0, 40, 9}, int16(-1))
	f.Add([]byte("a\r\r\n \r \n\n\r"), []byte{1}, int16(5))
	// Bodies for the relaxed kernel (several blocks of 64 bytes): WSP runs
	// and CRLFs across block edges, long runs, bare CR and LF, empty and
	// WSP-only lines, trailing empty lines.
	for _, b := range kernelSeeds() {
		f.Add([]byte(b), []byte{}, int16(-1))
		f.Add([]byte(b), []byte{200, 13}, int16(-1))
	}
	f.Fuzz(func(t *testing.T, body, cuts []byte, limit int16) {
		checkCanon(t, body, cuts, int64(limit))
	})
}

// relaxValueRef is the byte-at-a-time relaxed header value canonicalizer
// (RFC 6376 section 3.4.2) that relaxValue must match.
func relaxValueRef(dst, v []byte) []byte {
	space, started := false, false
	for _, b := range v {
		switch b {
		case '\r', '\n':
			continue
		case ' ', '\t':
			space = true
			continue
		}
		if space && started {
			dst = append(dst, ' ')
		}
		space, started = false, true
		dst = append(dst, b)
	}
	return dst
}

func FuzzRelaxValue(f *testing.F) {
	f.Add([]byte(" a \\r\\n\\t b\\x00 c \\r\\n"))
	f.Add([]byte("v=1; a=rsa-sha256;\r\n  d=example.com;  b="))
	f.Fuzz(func(t *testing.T, v []byte) {
		if got, want := relaxValue(nil, v), relaxValueRef(nil, v); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", v, got, want)
		}
	})
}

// FuzzIndexFWS: the word-at-a-time scan finds the first FWS byte as a
// plain loop does.
func FuzzIndexFWS(f *testing.F) {
	f.Add([]byte("Joe SixPack <joe@football.example.com>"))
	f.Add([]byte("\x00\x01\x1f\x20\xa0\xa1\xff!\r\n"))
	f.Add([]byte("abcdefgh\x7fabcdefg\tz"))
	f.Fuzz(func(t *testing.T, v []byte) {
		want := 0
		for want < len(v) && !isFWS(v[want]) {
			want++
		}
		if got := indexFWS(v); got != want {
			t.Fatalf("%q: got %d, want %d", v, got, want)
		}
		if got := indexFWS(string(v)); got != want {
			t.Fatalf("%q as a string: got %d, want %d", v, got, want)
		}
	})
}

// TestBodyCanonHostile: bodies of a few hundred KB that are all white
// space, all CR, all LF, one long line, or long runs before CRLF come out
// as the reference says, with the kernel, without it and as chosen, written
// whole and in 32 KiB pieces.
func TestBodyCanonHostile(t *testing.T) {
	const n = 200 << 10
	bodies := map[string]string{
		"spaces":       strings.Repeat(" ", n) + "\r\n",
		"blank lines":  strings.Repeat("   \t \r\n", n/7),
		"one line":     strings.Repeat("abcdefgh ", n/9),
		"CRs":          strings.Repeat("\r", n),
		"LFs":          strings.Repeat("\n", n),
		"CRLFs":        strings.Repeat("\r\n", n/2),
		"mixed":        strings.Repeat("a \r\n\t\r \n  \r\r\n", n/14),
		"long tab run": "x" + strings.Repeat("\t", n) + "y\r\n" + strings.Repeat("z \r\n", n/4),
		"trailing run": strings.Repeat("q", 100) + strings.Repeat(" ", n) + "\r\n" + strings.Repeat("w\r\n", n/3),
	}
	for name, body := range bodies {
		want := refCanonBody(Relaxed, body)
		for _, k := range []uint8{kernelBest, kernelAlways, kernelNever} {
			for _, piece := range []int{len(body), 32 << 10} {
				var out collect
				bc := newBodyCanon(&out, Relaxed, -1)
				bc.kernel = k
				for p := []byte(body); len(p) > 0; {
					m := min(len(p), piece)
					bc.Write(p[:m])
					p = p[m:]
				}
				bc.close()
				if got := out.String(); got != want {
					t.Fatalf("%s, kernel %d, pieces of %d: %d canonical bytes, want %d", name, k, piece, len(got), len(want))
				}
			}
		}
	}
}
