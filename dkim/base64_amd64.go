package dkim

// b64VectorMin and b64VectorMax bound the values that decodeBase64Vector
// gives to decodeBase64AVX512: below one block of 64 characters the scalar
// loop is as fast, and the kernel compacts a value into a buffer of
// b64VectorMax bytes on its stack.
const (
	b64VectorMin = 64
	b64VectorMax = 1024
)

// decodeBase64AVX512 decodes the whole groups at the start of v (up to
// b64VectorMax bytes, FWS anywhere) into dst: it copies v without SP,
// HTAB, CR and LF to its stack (VPCOMPRESSB, 64 bytes a step), then
// decodes 64 characters a step (VPERMI2B maps them to their values, or
// flags them; VPMADDUBSW, VPMADDWD and VPERMB make the 48 bytes), up to the
// first character that is not in the alphabet ("=" included). Of the last
// step it keeps the whole groups before that character. It writes exactly
// the o = 3*k/4 bytes that the first k characters of the compacted value
// (a multiple of 4) decode to, no more than len(dst), and returns o and i,
// the index in v of the first character other than FWS that it did not
// decode, or len(v); o, i = 0, 0 if it did nothing (v longer than
// b64VectorMax, too). Requires AVX-512 F, BW, VBMI and VBMI2, BMI1, BMI2
// and POPCNT.
//
//go:noescape
func decodeBase64AVX512(dst []byte, v string) (o, i int)

// decodeBase64Vector decodes the whole groups at the start of v into dst
// with decodeBase64AVX512 where the CPU has it and v is neither too short
// to gain nor too long for it, returning o, the bytes written, and i, the
// group boundary in v where decodeBase64Scalar goes on; 0, 0 otherwise.
func decodeBase64Vector(dst []byte, v string) (o, i int) {
	if len(v) < b64VectorMin || len(v) > b64VectorMax || !cpuVector().relaxedKernel {
		return 0, 0
	}
	return decodeBase64AVX512(dst, v)
}
