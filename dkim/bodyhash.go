package dkim

import "hash"

// BodyHasher canonicalizes a message body as it is written and feeds it to
// a hash (RFC 6376 sections 3.4.3, 3.4.4 and 3.7), in one pass and with
// constant memory. The signer and verifier use it internally; it is
// exported for ARC (RFC 8617), whose ARC-Message-Signature hashes the body
// the same way.
type BodyHasher struct {
	c *bodyCanon
}

// NewBodyHasher returns a BodyHasher writing into h. limit is the l= body
// length: only the first limit canonical bytes are hashed; a negative
// limit hashes everything.
func NewBodyHasher(h hash.Hash, c Canonicalization, limit int64) *BodyHasher {
	return &BodyHasher{c: newBodyCanon(h, c, limit)}
}

// Write adds body bytes in any chunking. It never fails.
func (b *BodyHasher) Write(p []byte) (int, error) { return b.c.Write(p) }

// Close finishes the body (final CRLF rules of RFC 6376 section 3.4) and
// returns the canonical bytes hashed and the canonical length in total;
// total minus hashed is the length after l=.
func (b *BodyHasher) Close() (hashed, total int64) {
	b.c.close()
	return b.c.hashed, b.c.total
}
