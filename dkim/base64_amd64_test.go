package dkim

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestDecodeBase64AVX512Runs checks, where the CPU has the vector decoder,
// that it does the work it should: all of a clean value, folded or not,
// up to its padded last group, and nothing of a value that starts with a
// bad character.
func TestDecodeBase64AVX512Runs(t *testing.T) {
	if !cpuVector().relaxedKernel {
		t.Skip("no AVX-512 VBMI2 here")
	}
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("rsa-sha256"), 26)) // 260 bytes: "==" at the end
	var folded strings.Builder
	for i := 0; i < len(enc); i += 70 {
		folded.WriteString(enc[i:min(len(enc), i+70)] + "\r\n  ")
	}
	last := func(v string) int { return strings.LastIndex(v, enc[len(enc)-4:]) }
	for _, c := range []struct {
		v    string
		o, i int
	}{
		{enc, 3 * (len(enc)/4 - 1), last(enc)},
		{folded.String(), 3 * (len(enc)/4 - 1), last(folded.String())},
		{strings.Repeat(" ", 64) + enc[:64], 48, 128},
		{enc[:64] + "\r\n " + enc[64:128] + "!" + enc[128:], 96, 131},
	} {
		if o, i := decodeBase64Vector(make([]byte, decodedLen(c.v)), c.v); o != c.o || i != c.i {
			t.Errorf("%q: decodeBase64Vector did %d bytes up to %d, want %d up to %d", c.v, o, i, c.o, c.i)
		}
	}
	if o, i := decodeBase64Vector(make([]byte, 300), "!"+enc); o != 0 || i != 0 {
		t.Errorf("a bad first character: decodeBase64Vector did %d bytes up to %d", o, i)
	}
	long := strings.Repeat(enc[:64], 17)
	for _, l := range []int{b64VectorMax, b64VectorMax + 1, len(long)} {
		o, i := decodeBase64AVX512(make([]byte, decodedLen(long)), long[:l])
		if l <= b64VectorMax && (o != 3*l/4 || i != l) || l > b64VectorMax && (o != 0 || i != 0) {
			t.Errorf("%d characters: decodeBase64AVX512 did %d bytes up to %d", l, o, i)
		}
	}
	// A dst too short for v (decodeBase64 never passes one): only the
	// groups that fit, and nothing written past dst.
	v := folded.String()
	for k := 0; k <= 200; k++ {
		buf := bytes.Repeat([]byte{0xa5}, 300)
		o, i := decodeBase64Vector(buf[:k:k], v)
		want, _ := base64.StdEncoding.DecodeString(strings.NewReplacer(" ", "", "\r", "", "\n", "").Replace(v[:i]))
		if o > k || o < k-2 || !bytes.Equal(buf[:o], want) || bytes.Count(buf[o:], []byte{0xa5}) != len(buf)-o {
			t.Fatalf("%d bytes of room: decodeBase64Vector did %d bytes up to %d", k, o, i)
		}
	}
}
