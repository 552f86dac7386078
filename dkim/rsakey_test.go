package dkim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"testing"
)

// rsaSPKISeeds are real SubjectPublicKeyInfo encodings, with a short and
// a long length form, and edits of them around the checked bytes.
func rsaSPKISeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, der, append(der[:len(der):len(der)], 0), der[:len(der)-1])
		for _, i := range []int{1, 3, 5, 17, 20, 22, 25, 29, len(der) - 5, len(der) - 4, len(der) - 1} {
			for _, d := range []byte{1, 0x80, 0xff} {
				m := append([]byte(nil), der...)
				m[i] += d
				out = append(out, m)
			}
		}
	}
	return out
}

// TestParseRSASPKIFast: the usual encodings take the fast path, and it
// agrees with x509 on them and on edits of them.
func TestParseRSASPKIFast(t *testing.T) {
	seeds := rsaSPKISeeds(t)
	// Each key gives 36 seeds, the first being its plain encoding.
	for _, i := range []int{0, 36} {
		if _, _, ok := rsaSPKIParts(seeds[i]); !ok {
			t.Errorf("seed %d: a standard key is not on the fast path", i)
		}
	}
	for _, der := range seeds {
		checkRSASPKIFast(t, der)
	}
}

// checkRSASPKIFast: whatever the fast path accepts, x509 accepts as the
// same key.
func checkRSASPKIFast(t *testing.T, der []byte) {
	t.Helper()
	n, e, ok := rsaSPKIParts(der)
	if !ok {
		return
	}
	fast := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: e}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatalf("%x: fast path accepts what x509 rejects: %v", der, err)
	}
	want, isRSA := pub.(*rsa.PublicKey)
	if !isRSA || want.E != fast.E || want.N.Cmp(fast.N) != 0 {
		t.Fatalf("%x: fast path key %v/%d, x509 %v", der, fast.N, fast.E, pub)
	}
}

func FuzzParseRSASPKIFast(f *testing.F) {
	for _, der := range rsaSPKISeeds(f) {
		f.Add(der)
	}
	f.Add([]byte("\x30\x16\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x03\x05\x00\x30\x02\x02\x00"))
	f.Fuzz(func(t *testing.T, der []byte) {
		checkRSASPKIFast(t, der)
	})
}
