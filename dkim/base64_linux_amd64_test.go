package dkim

import (
	"bytes"
	"encoding/base64"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestDecodeBase64AVX512Edges runs the vector decoder on values that end
// where unmapped memory starts, into buffers that end there too: the
// masked loads of the last bytes of v and the masked stores must not
// touch anything past them.
func TestDecodeBase64AVX512Edges(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 4*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:2*page], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	if err := syscall.Mprotect(mem[3*page:], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	src, out := mem[:page], mem[2*page:3*page]
	clean := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("\x00\xfb\xffyubin"), 200))
	for l := 0; l <= b64VectorMax; l++ {
		for _, v := range []string{clean[:l], strings.Repeat("\r\n ", l/3)} {
			s := src[page-len(v):]
			copy(s, v)
			if len(s) > 0 {
				v = unsafe.String(&s[0], len(s))
			}
			dst := out[page-decodedLen(v):]
			n, err := decodeBase64(dst, v)
			want, wantErr := base64.StdEncoding.DecodeString(strings.NewReplacer(" ", "", "\t", "").Replace(v))
			if (err == nil) != (wantErr == nil) || err == nil && !bytes.Equal(dst[:n], want) {
				t.Fatalf("%d bytes at the edge: got %x, %v; want %x, %v", len(v), dst[:n], err, want, wantErr)
			}
		}
	}
}
