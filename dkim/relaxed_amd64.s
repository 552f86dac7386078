#include "textflag.h"

// sp64 is a VPERMB table that maps HTAB to SP and every other byte below
// 0x40 to itself: with an unsigned max against the byte itself (which
// wins for bytes from 0x40 up), it turns HTAB into SP and keeps the rest.
DATA sp64<>+0(SB)/8, $0x0706050403020100
DATA sp64<>+8(SB)/8, $0x0f0e0d0c0b0a2008
DATA sp64<>+16(SB)/8, $0x1716151413121110
DATA sp64<>+24(SB)/8, $0x1f1e1d1c1b1a1918
DATA sp64<>+32(SB)/8, $0x2726252423222120
DATA sp64<>+40(SB)/8, $0x2f2e2d2c2b2a2928
DATA sp64<>+48(SB)/8, $0x3736353433323130
DATA sp64<>+56(SB)/8, $0x3f3e3d3c3b3a3938
GLOBL sp64<>(SB), RODATA|NOPTR, $64

// The masks of block i+2 (x at 128(DX), y the bytes one further): C2 =
// CRLF (x is CR and y is LF), W2 = not WSP; X2 = its bytes with HTAB made
// SP. Z3 | (Z5 ^ 1) has a zero byte where y is LF and x is not CR (a bare
// LF), kept in Z26 (a running minimum) and checked once a round.
#define MASKS(C2, W2, X2) \
	VMOVDQU64 128(DX), X2 \
	VPXORQ 129(DX), Z20, Z3 \
	VPXORQ X2, Z21, Z4 \
	VPMINUB Z4, Z25, Z5 \
	VPORQ Z4, Z3, Z4 \
	VPTESTNMB Z4, Z4, K2 \
	VPTERNLOGD $0xf6, Z25, Z5, Z3 \
	VPMINUB Z3, Z26, Z26 \
	VPERMB Z24, X2, Z8 \
	VPMAXUB X2, Z8, X2 \
	VPCMPUB $4, X2, Z22, K3 \
	KMOVQ K2, C2 \
	KMOVQ K3, W2

// One block i at DX, with W0 (not WSP), C0 (CRLF), X0 its masks and
// bytes, and W1, C1 those of block i+1; also makes the masks of block
// i+2. Keeps W0 and W1, destroys C0.
//
// RFC 6376 section 3.4.4: a WSP run becomes one SP, and is dropped before
// CRLF. Of each run, the last byte (the next byte is not WSP: AX) stays,
// as SP, unless the next byte starts a CRLF (C0 shifted down, with block
// i+1's first bit on top); bytes that are not WSP stay. The kept bytes
// are compressed (VPCOMPRESSB, register form) and stored whole; R8 moves
// on by their count. (The shifts across two registers are spelled out:
// with SHRD the kernel takes about 15% longer on AMD Zen 5.)
#define BLOCK(W0, C0, X0, W1, C1, W2, C2, X2) \
	MASKS(C2, W2, X2) \
	MOVQ W0, AX \
	SHRQ $1, AX \
	MOVQ W1, R13 \
	SHLQ $63, R13 \
	ORQ  R13, AX \
	ANDNQ AX, W0, AX \
	SHRQ $1, C0 \
	MOVQ C1, R13 \
	SHLQ $63, R13 \
	ORQ  R13, C0 \
	ANDNQ AX, C0, AX \
	ORQ  W0, AX \
	KMOVQ AX, K5 \
	VPCOMPRESSB.Z X0, K5, Z9 \
	VMOVDQU64 Z9, (R8) \
	POPCNTQ AX, AX \
	ADDQ AX, R8 \
	ADDQ $64, DX

// func relaxedAVX512(src, dst []byte) (nsrc, ndst int)
// Registers: DX the current block i, R8 the output, CX the rounds (of 3
// blocks) left; the masks of blocks i, i+1, i+2 in SI, DI, BX (not WSP)
// and R9, R10, R11 (CRLF), their bytes (HTAB made SP) in Z10, Z11, Z12,
// rotating from one block to the next; Z20, Z21, Z22, Z25 hold LF, CR, SP
// and 1 in every byte, Z24 sp64.
TEXT ·relaxedAVX512(SB), NOSPLIT, $16-64
	MOVQ src_base+0(FP), DX
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), R8
	MOVQ dst_len+32(FP), AX
	SUBQ $193, CX
	JLT  done
	SHRQ $6, CX
	INCQ CX                // blocks with 193 bytes from their start
	SHRQ $6, AX            // blocks with 64 bytes of room
	CMPQ AX, CX
	CMOVQLT AX, CX
	MOVQ $0xaaaaaaaaaaaaaaab, AX
	MULQ CX
	SHRQ $1, DX
	MOVQ DX, CX            // rounds: blocks / 3
	MOVQ src_base+0(FP), DX
	TESTQ CX, CX
	JZ   done

	MOVL $0x0a, AX
	VPBROADCASTB AX, Z20   // LF
	MOVL $0x0d, AX
	VPBROADCASTB AX, Z21   // CR
	MOVL $0x20, AX
	VPBROADCASTB AX, Z22   // SP
	MOVL $1, AX
	VPBROADCASTB AX, Z25   // 1
	VMOVDQU64 sp64<>(SB), Z24
	VPTERNLOGD $0xff, Z26, Z26, Z26 // no bare LF seen

	// The masks of blocks 0 and 1.
	SUBQ $128, DX
	MASKS(R9, SI, Z10)
	ADDQ $64, DX
	MASKS(R10, DI, Z11)
	ADDQ $64, DX

loop:
	MOVQ DX, round-8(SP)
	MOVQ R8, round-16(SP)
	BLOCK(SI, R9, Z10, DI, R10, BX, R11, Z12)
	BLOCK(DI, R10, Z11, BX, R11, SI, R9, Z10)
	BLOCK(BX, R11, Z12, SI, R9, DI, R10, Z11)
	VPTESTNMB Z26, Z26, K7
	KORTESTQ K7, K7
	JNE  bare
	SUBQ $1, CX
	JNZ  loop
	JMP  done

bare:
	// A bare LF in the blocks seen (up to 2 past this round's): back to
	// the start of the round.
	MOVQ round-8(SP), DX
	MOVQ round-16(SP), R8

done:
	VZEROUPPER
	SUBQ src_base+0(FP), DX
	SUBQ dst_base+24(FP), R8
	MOVQ DX, nsrc+48(FP)
	MOVQ R8, ndst+56(FP)
	RET
