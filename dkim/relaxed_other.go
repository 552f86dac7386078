//go:build !amd64

package dkim

// haveRelaxedKernel reports whether there is a vector kernel for relaxed
// body canonicalization: only on amd64.
func haveRelaxedKernel() bool { return false }

// relaxedKernel does nothing: see relaxed_amd64.go.
func relaxedKernel(src, dst []byte) (nsrc, ndst int, bare bool) { return 0, 0, false }
