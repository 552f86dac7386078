//go:build !amd64

package dkim

// collectPairs is [collectGeneric]; only amd64 has a vector version.
func collectPairs(p []byte, relaxed bool, out []int32) (n, next int) {
	return collectGeneric(p, relaxed, out)
}
