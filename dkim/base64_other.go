//go:build !amd64

package dkim

// decodeBase64Vector decodes nothing: only amd64 has a vector decoder, and
// decodeBase64Scalar does the whole value.
func decodeBase64Vector(dst []byte, v string) (o, i int) { return 0, 0 }
