package dkim

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// b64Value makes a base64 value of up to about 1200 characters as DKIM
// has them and worse: random bytes encoded (sometimes without padding or
// cut short), FWS in random places or folded every few dozen characters,
// and sometimes a character that is not base64, an "=" in the middle, or
// a character gone.
func b64Value(r *rand.Rand) string {
	raw := make([]byte, r.IntN(900))
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	if r.IntN(8) == 0 {
		enc = base64.RawStdEncoding.EncodeToString(raw)
	}
	var b strings.Builder
	fws := []string{" ", "\t", "\r\n ", "\r\n\t", "  ", "\r", "\n", "\r\n  "}
	fold, p := 64+r.IntN(20), r.IntN(4)
	for i := 0; i < len(enc); i++ {
		switch {
		case p == 1 && r.IntN(10) == 0, p == 2 && r.IntN(60) == 0:
			b.WriteString(fws[r.IntN(len(fws))])
		case p == 3 && i > 0 && i%fold == 0:
			b.WriteString("\r\n ")
		}
		b.WriteByte(enc[i])
	}
	if r.IntN(4) == 0 {
		b.WriteString(fws[r.IntN(len(fws))])
	}
	v := []byte(b.String())
	for range r.IntN(3) {
		if len(v) == 0 || r.IntN(2) == 0 {
			continue
		}
		k := r.IntN(len(v))
		switch r.IntN(4) {
		case 0:
			v[k] = "!-_.=\x00\x80\xff\x0b\x7f@"[r.IntN(11)]
		case 1:
			v = append(v[:k], v[k+1:]...)
		case 2:
			v = v[:k]
		case 3:
			v[k] = "AZaz09+/"[r.IntN(8)]
		}
	}
	return string(v)
}

// checkBase64Vector compares decodeBase64 (with the vector decoder where
// there is one) with decodeBase64Scalar on v: the same length and error,
// and the same bytes when there is no error. decodeBase64Vector must stop
// at a group boundary, having written what decodeBase64Scalar writes for
// the value up to there and nothing past it.
func checkBase64Vector(t *testing.T, v string) {
	t.Helper()
	want := make([]byte, decodedLen(v))
	n, err := decodeBase64Scalar(want, v)
	got := make([]byte, decodedLen(v))
	m, err2 := decodeBase64(got, v)
	if m != n || (err == nil) != (err2 == nil) || err == nil && !bytes.Equal(got[:m], want[:n]) {
		t.Fatalf("%q: got %d, %v, %x; scalar %d, %v, %x", v, m, err2, got[:m], n, err, want[:n])
	}

	vec := bytes.Repeat([]byte{0xa5}, decodedLen(v))
	o, i := decodeBase64Vector(vec, v)
	if i < 0 || i > len(v) || o < 0 || o > len(vec) {
		t.Fatalf("%q: decodeBase64Vector returned %d, %d", v, o, i)
	}
	head := make([]byte, decodedLen(v[:i]))
	hn, herr := decodeBase64Scalar(head, v[:i])
	if herr != nil || hn != o || !bytes.Equal(vec[:o], head[:hn]) {
		t.Fatalf("%q: decodeBase64Vector wrote %x up to %d; the scalar decoder gives %x, %v",
			v, vec[:o], i, head[:hn], herr)
	}
	for k := o; k < len(vec); k++ {
		if vec[k] != 0xa5 {
			t.Fatalf("%q: decodeBase64Vector wrote past its %d bytes, at %d", v, o, k)
		}
	}
}

// TestDecodeBase64Vector runs the vector decoder and the scalar one on
// thousands of generated values, and on edge cases: values around 64
// characters and b64VectorMax bytes long, FWS at block edges, padding and
// bad characters in each position of a block.
func TestDecodeBase64Vector(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		checkBase64Vector(t, b64Value(r))
	}
	clean := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("\x00\xfb\xffyubin"), 200))
	for l := 0; l <= 1100; l++ {
		checkBase64Vector(t, clean[:l])
	}
	for _, l := range []int{60, 63, 64, 65, 68, 127, 128, 129, 192, 344, 392, 1020, 1024, 1028} {
		for k := 0; k < l; k++ {
			for _, c := range []string{"=", "==", "!", " ", "\r\n ", "\xff"} {
				checkBase64Vector(t, clean[:k]+c+clean[k:l])
			}
		}
	}
}

// FuzzDecodeBase64Vector compares the vector decoder with the scalar one
// on any input (see checkBase64Vector).
func FuzzDecodeBase64Vector(f *testing.F) {
	clean := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("DKIM-Signature"), 40))
	f.Add(clean[:344])
	f.Add(clean[:64] + "\r\n " + clean[64:200] + "==")
	f.Add(clean[:100] + "=" + clean[100:300])
	f.Add(strings.Repeat("QUJD RA== ", 20))
	f.Add(strings.Repeat("\r\n ", 50) + clean[:80])
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add(b64Value(r))
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkBase64Vector(t, v)
	})
}
