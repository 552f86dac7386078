package dkim

// rsaSPKIAlgorithm is the DER AlgorithmIdentifier of rsaEncryption
// (1.2.840.113549.1.1.1) with the NULL parameters that RFC 3279 section
// 2.3.1 requires.
const rsaSPKIAlgorithm = "\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00"

// rsaSPKIParts parses the usual encoding of an RSA SubjectPublicKeyInfo
// (RFC 5280 section 4.1.2.7, RFC 3279 section 2.3.1), the p= of almost
// every rsa key record, without the reflection of encoding/asn1, and
// returns the modulus bytes (within der) and the exponent, for the caller
// to place the key. It accepts only strict DER of exactly that shape
// (minimal lengths and integers, no trailing data, a positive modulus, a
// positive exponent of at most four bytes), a subset of what
// x509.ParsePKIXPublicKey accepts, with the same key; ok is false for
// everything else, which the caller gives to x509 (FuzzParseRSASPKIFast
// checks both).
func rsaSPKIParts(der []byte) (n []byte, e int, ok bool) {
	spki, rest, ok := derElement(der, 0x30)
	if !ok || len(rest) != 0 || len(spki) < len(rsaSPKIAlgorithm) ||
		string(spki[:len(rsaSPKIAlgorithm)]) != rsaSPKIAlgorithm {
		return nil, 0, false
	}
	bits, rest, ok := derElement(spki[len(rsaSPKIAlgorithm):], 0x03)
	if !ok || len(rest) != 0 || len(bits) == 0 || bits[0] != 0 {
		return nil, 0, false
	}
	seq, rest, ok := derElement(bits[1:], 0x30)
	if !ok || len(rest) != 0 {
		return nil, 0, false
	}
	n, rest, ok = derElement(seq, 0x02)
	if !ok || !positiveDERInteger(n) {
		return nil, 0, false
	}
	eb, rest, ok := derElement(rest, 0x02)
	if !ok || len(rest) != 0 || len(eb) > 4 || !positiveDERInteger(eb) {
		return nil, 0, false
	}
	for _, b := range eb {
		e = e<<8 | int(b)
	}
	return n, e, true
}

// derElement splits off a DER element with the given tag and a minimal
// length of up to two octets, returning its contents and what follows.
func derElement(b []byte, tag byte) (contents, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, hdr := int(b[1]), 2
	switch {
	case n < 0x80:
	case n == 0x81 && len(b) >= 3 && b[2] >= 0x80:
		n, hdr = int(b[2]), 3
	case n == 0x82 && len(b) >= 4 && b[2] != 0:
		n, hdr = int(b[2])<<8|int(b[3]), 4
	default:
		return nil, nil, false
	}
	if len(b)-hdr < n {
		return nil, nil, false
	}
	return b[hdr : hdr+n], b[hdr+n:], true
}

// positiveDERInteger reports whether the contents of a DER INTEGER are
// minimal and encode a number above zero.
func positiveDERInteger(b []byte) bool {
	switch {
	case len(b) == 0 || b[0]&0x80 != 0:
		return false // empty or negative
	case b[0] == 0:
		// A leading zero only before a high bit (so also not zero itself).
		return len(b) > 1 && b[1]&0x80 != 0
	}
	return true
}
