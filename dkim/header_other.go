//go:build !amd64

package dkim

// headerEndVector does not apply: only amd64 has header kernels, and
// headerEnd searches on its own.
func headerEndVector(b []byte, from int, impl uint8) (end int, ok bool) { return 0, false }

// splitFieldsVector does not apply: see headerEndVector.
func splitFieldsVector(fields []Field, hdr, names []byte, lens []int32, impl uint8) (_ []Field, _ []byte, _ []int32, ok bool) {
	return fields, names, lens, false
}

// countFieldsVector does not apply: see headerEndVector.
func countFieldsVector(hdr []byte, impl uint8) (n int, ok bool) { return 0, false }
