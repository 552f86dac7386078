package dkim

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// checkBase64 compares decodeBase64 with encoding/base64.StdEncoding on v
// without its SP and HTAB (the standard decoder itself skips CR and LF):
// both must accept the same values and give the same bytes.
func checkBase64(t *testing.T, v string) {
	t.Helper()
	stripped := strings.NewReplacer(" ", "", "\t", "").Replace(v)
	want, wantErr := base64.StdEncoding.DecodeString(stripped)
	dst := make([]byte, decodedLen(v))
	n, err := decodeBase64(dst, v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/base64 says %v", v, err, wantErr)
	}
	if err == nil && !bytes.Equal(dst[:n], want) {
		t.Fatalf("%q: got %x, want %x", v, dst[:n], want)
	}
}

// TestDecodeBase64 covers padding, FWS and bad characters;
// FuzzDecodeBase64FWSInto compares the same way on any input.
func TestDecodeBase64(t *testing.T) {
	for _, v := range []string{
		"", " ", "\r\n ", "AAAA", "AAA=", "AA==", "A===", "====", "A", "AA", "AAA", "AA=", "AA= =",
		"AA==AAAA", "AAA=A", "AA=A", "AAAA====", "AAAA\r\n\t", "A A\tA\r\nA", "AA\r\n ==", "AA==\r\n",
		"AB==", "AAB=", "QUJD", "QUJDRA==", "QUJDREU=", "Q U J D", "QUJD!", "QUJD-_", "QUJD\x00",
		"Zm9vYmFy\r\n Zm9vYmFy\r\n\tZg==",
		strings.Repeat("YWJj", 100) + "\r\n " + strings.Repeat("ZGVm", 50) + "ZA==",
	} {
		checkBase64(t, v)
	}
}
