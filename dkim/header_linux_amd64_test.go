package dkim

import (
	"bytes"
	"syscall"
	"testing"
)

// TestHeaderKernelsEdges runs the header kernels on headers that end where
// unmapped memory starts: the masked loads of the last bytes must not
// touch anything past them.
func TestHeaderKernelsEdges(t *testing.T) {
	if !haveHeaderKernels() {
		t.Skip("no AVX-512")
	}
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Skip(err)
	}
	src := bytes.Repeat([]byte("X: a\r\n\tb:c\r\n"), page/12+1)
	for l := 0; l <= 300; l++ {
		for _, end := range []string{"", "\n", "\n\r", "\r\n \n"} {
			b := mem[page-l-len(end) : page]
			copy(b, src[:l])
			copy(b[l:], end)
			checkHeaderEnd(t, b, []int{0, l / 2, len(b)})
			checkFields(t, b)
		}
	}
}
