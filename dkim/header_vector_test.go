package dkim

import (
	"bytes"
	"math/rand/v2"

	"testing"
)

// headerEndRef is headerEnd as it was before the vector search, a line at
// a time (headerEndLines, which FuzzHeaderEnd checks on its own): the
// reference that every implementation must match.
func headerEndRef(b []byte, from int, atStart bool) int {
	if atStart && len(b) > 0 && b[0] == '\n' {
		return 1
	}
	if atStart && len(b) > 1 && b[0] == '\r' && b[1] == '\n' {
		return 2
	}
	return headerEndLines(b, from)
}

// appendFieldsRef is appendFields as it was before the vector split, a
// line at a time: the reference.
func appendFieldsRef(fields []Field, hdr []byte) []Field {
	for off := 0; off < len(hdr); {
		end := off + lineEnd(hdr[off:])
		for end < len(hdr) && (hdr[end] == ' ' || hdr[end] == '\t') {
			end += lineEnd(hdr[end:])
		}
		raw := hdr[off:end:end]
		name := ""
		if i := bytes.IndexByte(raw, ':'); i > 0 {
			name = string(raw[:fieldNameLen(raw[:i])])
		}
		fields = append(fields, Field{Name: name, Raw: raw})
		off = end
	}
	return fields
}

// genHeader returns a header of about n bytes from an alphabet rich in
// CR, LF, SP, HTAB and colons: field lines of 60 to 70 bytes, folded
// ones, bare LF and bare CR, blank lines, and lines without a colon.
func genHeader(r *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+80)
	for len(b) < n {
		switch r.IntN(12) {
		case 0:
			b = append(b, "\r\n"...)
		case 1:
			b = append(b, '\n')
		case 2:
			b = append(b, " \t:\r\n\n\r"[r.IntN(7)])
		case 3:
			b = append(b, " folded\r\n"...)
		case 4:
			b = append(b, "\tx:y\n"...)
		case 5:
			b = append(b, "No colon here\r\n"...)
		default:
			name := []string{"From", "To", "X Y", "A\t", "Subject ", "", ":", "DKIM-Signature", "B\x01\x00", "\xc3\xa9\x7f", "Authentication-Results-X"}[r.IntN(11)]
			b = append(b, name...)
			b = append(b, ':')
			for k := 60 + r.IntN(11) - len(name); k > 0; k-- {
				b = append(b, "abc: \t;=\r"[r.IntN(9)])
			}
			b = append(b, []string{"\r\n", "\n", "\r"}[r.IntN(3)]...)
		}
	}
	return b
}

// checkHeaderEnd compares every implementation of headerEnd with the
// reference on b from each offset in froms, at a message start or not.
func checkHeaderEnd(t *testing.T, b []byte, froms []int) {
	t.Helper()
	for _, from := range froms {
		for _, atStart := range []bool{false, true} {
			want := headerEndRef(b, from, atStart)
			for _, impl := range []uint8{scanBest, scanGeneric, scanAVX512} {
				if got := headerEndImpl(b, from, atStart, impl); got != want {
					t.Fatalf("%q from %d (start %v, impl %d): got %d, want %d", b, from, atStart, impl, got, want)
				}
			}
		}
	}
}

// allOffsets returns 0..n.
func allOffsets(n int) []int {
	out := make([]int, n+1)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestHeaderEndVector(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	for range 3000 {
		b := genHeader(r, r.IntN(300))
		checkHeaderEnd(t, b, allOffsets(len(b)))
	}
	// A blank line ("\n\n", "\n\r\n", or "\n\r" at the very end) at every
	// offset up to 200, across the block edges, after lines of 60 to 70
	// bytes; and bare CR and LF around it.
	line := []byte("Received: from a.example by b.example with ESMTP id 0123456789abcdef; Fri")
	for at := 0; at <= 200; at++ {
		for _, blank := range []string{"\n\n", "\n\r\n", "\n\r", "\n", "\r\n\r\n", "\n\rx\n", "\n\n\r\n"} {
			b := append(bytes.Repeat([]byte{'a'}, at), blank...)
			checkHeaderEnd(t, b, allOffsets(len(b)))
			b = append(b, "body\r\n\r\n"...)
			checkHeaderEnd(t, b, allOffsets(len(b)))
			var folded []byte
			for len(folded) < at {
				folded = append(folded, line[:60+len(folded)%11]...)
				folded = append(folded, "\r\n\t"...)
			}
			folded = append(folded[:at], blank...)
			checkHeaderEnd(t, folded, allOffsets(len(folded)))
		}
	}
	// Long headers of 5 to 70 KiB, with and without a blank line, from a
	// few offsets each.
	for _, n := range []int{5 << 10, 16<<10 + 3, 64<<10 - 1, 70 << 10} {
		b := genHeader(r, n)
		for bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\n\r\n")) {
			b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\n\n"), []byte("\n.\n")), []byte("\n\r\n"), []byte("\n.\r\n"))
		}
		b = append(b, 'x') // not "\n\r" at the end
		if i := headerEndRef(b, 0, false); i >= 0 {
			t.Fatalf("%d bytes: a blank line left at %d: %q", n, i, b[max(0, i-10):i+3])
		}
		froms := []int{0, 1, 63, 64, 65, 127, 128, n / 2, len(b) - 3, len(b) - 2, len(b) - 1, len(b)}
		checkHeaderEnd(t, b, froms)
		for _, end := range []string{"\r\n\r\nbody", "\n\nbody", "\n\r", "\n"} {
			checkHeaderEnd(t, append(b[:len(b):len(b)], end...), froms)
		}
	}
}

// checkFields compares every implementation of appendFields and
// countFields with the references on hdr, with fields already there.
func checkFields(t *testing.T, hdr []byte) {
	t.Helper()
	prev := Field{Name: "Kept", Raw: []byte("Kept: 1\r\n")}
	want := appendFieldsRef([]Field{prev}, hdr)
	for _, impl := range []uint8{scanBest, scanGeneric, scanAVX512} {
		var buf [4]Field
		got := appendFieldsImpl(append(buf[:0], prev), hdr, impl)
		if len(got) != len(want) {
			t.Fatalf("%q (impl %d): %d fields, want %d", hdr, impl, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Name != w.Name || len(g.Raw) != len(w.Raw) || cap(g.Raw) != cap(w.Raw) || len(g.Raw) > 0 && &g.Raw[0] != &w.Raw[0] {
				t.Fatalf("%q (impl %d): field %d is %q %q, want %q %q", hdr, impl, i, g.Name, g.Raw, w.Name, w.Raw)
			}
		}
		if n := countFields(hdr, impl); n != len(want)-1 {
			t.Fatalf("%q (impl %d): counted %d fields, want %d", hdr, impl, n, len(want)-1)
		}
	}
}

func TestAppendFieldsVector(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 2))
	for range 5000 {
		checkFields(t, genHeader(r, r.IntN(400)))
	}
	// Every length of a header up to 200 bytes, to cross the block
	// edges with each kind of byte.
	b := genHeader(r, 300)
	for n := range 200 {
		checkFields(t, b[:n])
		checkFields(t, b[n:])
	}
	// Long headers, across the chunks of fieldMasks: fields that span
	// chunks, colons far from the field start, continuation lines at the
	// chunk edges.
	for _, n := range []int{2047, 2048, 2049, 4095, 4096, 4097, 5 << 10, 64<<10 + 7, 70 << 10} {
		checkFields(t, genHeader(r, n))
		long := append(bytes.Repeat([]byte("X"), n), ": v\r\n"...)
		checkFields(t, long)
		checkFields(t, append(bytes.Repeat([]byte("a\r\n "), n/4), ":\r\n"...))
		checkFields(t, bytes.Repeat([]byte("\n"), n))
		checkFields(t, bytes.Repeat([]byte("\n "), n/2))
	}
	for _, s := range []string{"", "\n", " ", ":", "\r", "a:b", " lead\nX:\n\n:y", "X: 1\n \n\t\n"} {
		checkFields(t, []byte(s))
	}
}

// TestAppendFieldsAllocs: a header of up to 32 fields in the room that the
// caller offers costs one allocation, the names.
func TestAppendFieldsAllocs(t *testing.T) {
	hdr := bytes.Repeat([]byte("Received: from a.example\r\n\tby b.example; Fri, 11 Jul 2003\r\n"), 32)
	for _, impl := range []uint8{scanBest, scanGeneric} {
		allocs := testing.AllocsPerRun(100, func() {
			var buf [32]Field
			if n := len(appendFieldsImpl(buf[:0], hdr, impl)); n != 32 {
				t.Fatalf("%d fields", n)
			}
		})
		if allocs > 1 {
			t.Errorf("impl %d: %v allocations, want 1", impl, allocs)
		}
	}
}

// FuzzHeaderEndVector: every implementation of headerEnd finds what the
// reference finds, at a message start or not, from the offset given and,
// for short inputs, from every offset.
func FuzzHeaderEndVector(f *testing.F) {
	f.Add([]byte("From: a\r\nTo: b\r\n\r\nbody\n\nmore"), 0)
	f.Add([]byte("\r\n\r\n"), 0)
	f.Add(append(bytes.Repeat([]byte{'a'}, 61), "\n\r\n"...), 0)
	f.Add(append(bytes.Repeat([]byte{'a'}, 62), "\n\r"...), 1)
	f.Add(append(bytes.Repeat([]byte{'a'}, 127), "\n\n"...), 64)
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			return
		}
		checkHeaderEnd(t, b, []int{from})
		if len(b) <= 256 {
			checkHeaderEnd(t, b, allOffsets(len(b)))
		}
	})
}

// FuzzSplitFieldsVector: every implementation of appendFields and
// countFields gives what the references give.
func FuzzSplitFieldsVector(f *testing.F) {
	f.Add([]byte("From: a\r\n b\r\nDKIM-Signature: v=1;\r\n\tb=x\r\n"))
	f.Add([]byte(" lead\nX:\n\n:y"))
	f.Add(append(bytes.Repeat([]byte("a\r\n "), 20), ":\n"...))
	f.Add(append(bytes.Repeat([]byte{'X'}, 63), ":\n\tb\nc"...))
	f.Fuzz(func(t *testing.T, hdr []byte) {
		checkFields(t, hdr)
	})
}
