//go:build !amd64

package dkim

// scanPairs is [scanGeneric]; only amd64 has a vector version.
func scanPairs(p []byte, relaxed bool) int { return scanGeneric(p, relaxed) }
