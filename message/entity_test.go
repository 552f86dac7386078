package message

import (
	"bufio"
	"strings"
	"testing"
)

// FuzzTransferEncoding compares transferEncoding, which reads common
// values without allocating, with transferEncodingString on the unfolded
// value.
func FuzzTransferEncoding(f *testing.F) {
	for _, s := range []string{"", " base64", "Quoted-Printable\t", "7BIT (comment)", `"8bit"`, "binary;x=y",
		"b\u0130nary", "base64\u00a0", "\u00a0BASE64", "x-uuencode", " \r\n base64", "bas\r\n e64", "7bit\xff", "\v8bit", "QUOTED-PRINTABLE "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := transferEncoding(raw), transferEncodingString(unfold(raw)); got != want {
			t.Fatalf("transferEncoding(%q) = %q, want %q", raw, got, want)
		}
	})
}

func TestTransferEncodingNoAlloc(t *testing.T) {
	raw := []byte(" Quoted-Printable")
	if n := testing.AllocsPerRun(100, func() { _ = transferEncoding(raw) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// A header read from a buffer that holds it whole takes one block of
// lines, one of Fields and one slice of field pointers.
func TestReadHeaderAllocs(t *testing.T) {
	in := "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nFrom: a@example.com\r\nTo: b@example.net, c@example.net\r\n" +
		"Subject: hi\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
	r := strings.NewReader(in)
	br := bufio.NewReaderSize(r, 1024)
	n := testing.AllocsPerRun(100, func() {
		r.Reset(in)
		br.Reset(r)
		if h, err := ReadHeader(br, nil); err != nil || h.Len() != 7 {
			t.Fatal(h.Len(), err)
		}
	})
	if n != 3 {
		t.Fatalf("%v allocations, want 3", n)
	}
}
