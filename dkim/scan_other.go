//go:build !amd64

package dkim

// collectPairs is [collectGeneric]; only amd64 has vector versions.
func collectPairs(p []byte, relaxed bool, out []pairBlock, impl uint8) (n, next int) {
	return collectGeneric(p, relaxed, out)
}
