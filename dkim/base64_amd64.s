#include "textflag.h"

// b64fws is a VPERMB table indexed by the low 6 bits of a byte x: it holds
// x itself for SP, HTAB, CR and LF, and a byte with bit 5 flipped for
// every other index, so that the table equals x exactly where x is FWS.
DATA b64fws<>+0(SB)/8, $0x2726252423222120
DATA b64fws<>+8(SB)/8, $0x2f2e0d2c2b0a0928
DATA b64fws<>+16(SB)/8, $0x3736353433323130
DATA b64fws<>+24(SB)/8, $0x3f3e3d3c3b3a3938
DATA b64fws<>+32(SB)/8, $0x0706050403020120
DATA b64fws<>+40(SB)/8, $0x0f0e0d0c0b0a0908
DATA b64fws<>+48(SB)/8, $0x1716151413121110
DATA b64fws<>+56(SB)/8, $0x1f1e1d1c1b1a1918
GLOBL b64fws<>(SB), RODATA|NOPTR, $64

// b64lo and b64hi map the bytes 0x00-0x3f and 0x40-0x7f (VPERMI2B) to
// their value in the base64 alphabet (RFC 4648 section 4), or to 0x80.
DATA b64lo<>+0(SB)/8, $0x8080808080808080
DATA b64lo<>+8(SB)/8, $0x8080808080808080
DATA b64lo<>+16(SB)/8, $0x8080808080808080
DATA b64lo<>+24(SB)/8, $0x8080808080808080
DATA b64lo<>+32(SB)/8, $0x8080808080808080
DATA b64lo<>+40(SB)/8, $0x3f8080803e808080
DATA b64lo<>+48(SB)/8, $0x3b3a393837363534
DATA b64lo<>+56(SB)/8, $0x8080808080803d3c
GLOBL b64lo<>(SB), RODATA|NOPTR, $64

DATA b64hi<>+0(SB)/8, $0x0605040302010080
DATA b64hi<>+8(SB)/8, $0x0e0d0c0b0a090807
DATA b64hi<>+16(SB)/8, $0x161514131211100f
DATA b64hi<>+24(SB)/8, $0x8080808080191817
DATA b64hi<>+32(SB)/8, $0x201f1e1d1c1b1a80
DATA b64hi<>+40(SB)/8, $0x2827262524232221
DATA b64hi<>+48(SB)/8, $0x302f2e2d2c2b2a29
DATA b64hi<>+56(SB)/8, $0x8080808080333231
GLOBL b64hi<>(SB), RODATA|NOPTR, $64

// b64pack (VPERMB) takes the three bytes of each group, big-endian, from
// its 24-bit little-endian dword: byte 3g+k of the output is byte
// 4g+2-k.
DATA b64pack<>+0(SB)/8, $0x090a040506000102
DATA b64pack<>+8(SB)/8, $0x161011120c0d0e08
DATA b64pack<>+16(SB)/8, $0x1c1d1e18191a1415
DATA b64pack<>+24(SB)/8, $0x292a242526202122
DATA b64pack<>+32(SB)/8, $0x363031322c2d2e28
DATA b64pack<>+40(SB)/8, $0x3c3d3e38393a3435
DATA b64pack<>+48(SB)/8, $0x0000000000000000
DATA b64pack<>+56(SB)/8, $0x0000000000000000
GLOBL b64pack<>(SB), RODATA|NOPTR, $64

// COMPACT copies the block in Z0 (K1 its bytes that are in v) without
// FWS to (R8), whole (VPCOMPRESSB, register form), records which bytes it
// kept at (R12) and moves both on.
#define COMPACT \
	VPERMB Z30, Z0, Z1 \
	VPCMPUB $4, Z0, Z1, K1, K1 \
	VPCOMPRESSB.Z Z0, K1, Z2 \
	VMOVDQU64 Z2, (R8) \
	KMOVQ K1, AX \
	MOVQ AX, (R12) \
	ADDQ $8, R12 \
	POPCNTQ AX, AX \
	ADDQ AX, R8

// TRANSLATE loads the 64 characters at (R9)(DX*1) into Z0 and their
// values into Z1; K1 flags those that are not in the alphabet (bit 7 set
// in the character or in its value).
#define TRANSLATE \
	VMOVDQU64 (R9)(DX*1), Z0 \
	VMOVDQA64 Z0, Z1 \
	VPERMI2B Z21, Z20, Z1 \
	VPORQ Z0, Z1, Z2 \
	VPMOVB2M Z2, K1

// PACK turns the 64 values in Z1 into 48 bytes (the first 48 of Z1): two
// values to 12 bits (v0<<6 | v1), two of those to 24 bits, then the bytes
// in order.
#define PACK \
	VPMADDUBSW Z23, Z1, Z1 \
	VPMADDWD Z24, Z1, Z1 \
	VPERMB Z1, Z22, Z1

// func decodeBase64AVX512(dst []byte, v string) (o, i int)
//
// The frame holds the compacted value (buf, b64VectorMax bytes and 64 of
// room for the last whole store) and the mask of the bytes kept of each
// block of 64 of v (masks, 16 of them).
TEXT ·decodeBase64AVX512(SB), 0, $1216-56
	MOVQ v_base+24(FP), SI
	MOVQ v_len+32(FP), CX
	MOVQ $0, o+40(FP)
	MOVQ $0, i+48(FP)
	TESTQ CX, CX
	JZ   ret
	CMPQ CX, $1024         // b64VectorMax
	JA   ret

	// Compact v into buf: R8 the output, R12 the next mask.
	VMOVDQU64 b64fws<>(SB), Z30
	LEAQ buf-1216(SP), R8
	LEAQ masks-128(SP), R12
	MOVQ $-1, BX
	KMOVQ BX, K2
	CMPQ CX, $64
	JLT  tail

compact:
	VMOVDQU64 (SI), Z0
	KMOVQ K2, K1
	COMPACT
	ADDQ $64, SI
	SUBQ $64, CX
	CMPQ CX, $64
	JGE  compact

tail:
	// The last bytes, with a masked load (nothing read past v).
	TESTQ CX, CX
	JZ   decode
	BZHIQ CX, BX, AX
	KMOVQ AX, K1
	VMOVDQU8.Z (SI), K1, Z0
	COMPACT

decode:
	// BX: the compacted length, at most 4*(len(dst)/3) (all its groups
	// fit in dst). R9: buf, DX: the characters done, DI: the output.
	LEAQ buf-1216(SP), R9
	SUBQ R9, R8
	MOVQ dst_len+8(FP), AX
	MOVQ $0xaaaaaaaaaaaaaaab, DX
	MULQ DX
	SHRQ $1, DX
	SHLQ $2, DX
	MOVQ R8, BX
	CMPQ BX, DX
	CMOVQGT DX, BX
	MOVQ dst_base+0(FP), DI
	XORL DX, DX

	VMOVDQU64 b64lo<>(SB), Z20
	VMOVDQU64 b64hi<>(SB), Z21
	VMOVDQU64 b64pack<>(SB), Z22
	MOVL $0x01400140, AX
	VPBROADCASTD AX, Z23
	MOVL $0x00011000, AX
	VPBROADCASTD AX, Z24
	MOVQ $0xffffffffffff, AX
	KMOVQ AX, K7

block:
	MOVQ BX, AX
	SUBQ DX, AX
	CMPQ AX, $64
	JLT  partial
	TRANSLATE
	KORTESTQ K1, K1
	JNZ  bad
	PACK
	VMOVDQU8 Z1, K7, (DI)
	ADDQ $48, DI
	ADDQ $64, DX
	JMP  block

bad:
	// A character not in the alphabet: the groups before it.
	KMOVQ K1, R10
	JMP  last

partial:
	// Fewer than 64 characters left: the groups before the end or
	// before a character not in the alphabet, whichever is first.
	TESTQ AX, AX
	JZ   mapback
	TRANSLATE
	KMOVQ K1, R10
	BTSQ AX, R10

last:
	TZCNTQ R10, R10
	ANDQ $-4, R10
	JZ   mapback
	PACK
	MOVQ R10, R11
	SHRQ $2, R11
	MOVQ R10, AX
	SUBQ R11, AX
	MOVQ $-1, R11
	BZHIQ AX, R11, R11
	KMOVQ R11, K1
	VMOVDQU8 Z1, K1, (DI)
	ADDQ AX, DI
	ADDQ R10, DX

mapback:
	// o; then i, from DX, the characters done: the index in v of the
	// next character kept, found in the block whose kept bytes cover it.
	SUBQ dst_base+0(FP), DI
	MOVQ DI, o+40(FP)
	TESTQ DX, DX
	JZ   done
	LEAQ masks-128(SP), R13
	MOVQ R13, SI
	XORL CX, CX

find:
	CMPQ SI, R12
	JEQ  all
	MOVQ (SI), AX
	POPCNTQ AX, R11
	ADDQ R11, CX
	CMPQ DX, CX
	JLT  found
	ADDQ $8, SI
	JMP  find

found:
	// The (DX - characters before this block)-th byte kept of it.
	SUBQ R11, CX
	SUBQ CX, DX
	MOVL $1, R10
	SHLXQ DX, R10, R10
	PDEPQ AX, R10, R10
	TZCNTQ R10, R10
	SUBQ R13, SI
	SHLQ $3, SI
	ADDQ SI, R10
	MOVQ R10, i+48(FP)
	JMP  done

all:
	MOVQ v_len+32(FP), AX
	MOVQ AX, i+48(FP)

done:
	VZEROUPPER

ret:
	RET
