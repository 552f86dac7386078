#include "textflag.h"

// The collectors below find, for 64 pairs x = p[i:i+64], y = p[i+1:i+65],
// exactly the suspect pairs of suspectPair: y is LF and x is not CR; for
// relaxed also x is HTAB, or x is SP and y <= SP. Each block's 64-bit mask
// is stored with its offset into out (a pairBlock: mask at 0, off at 8),
// and the write pointer moves on only if the mask is not zero (CMOV), so
// that a hit costs no branch.

// Stores the mask in AX with the offset off at R10, and moves R10 to the
// next entry if the mask is not zero. Clobbers CX.
#define RECORD(off) \
	MOVQ AX, 0(R10) \
	MOVQ off, 8(R10) \
	LEAQ 16(R10), CX \
	TESTQ AX, AX \
	CMOVQNE CX, R10

// AVX-512: the masks of 64 pairs into k, with Z20..Z23 holding LF, CR,
// SP, HTAB.
// Every relaxed suspect pair has x != CR, so the mask of the 64 pairs of
// x in X and y in Y is x != CR and min(y ^ LF, x ^ HTAB, (x ^ SP) |
// (y -sat SP)) == 0. Clobbers Z2, Z3.
#define RELAXEDXY(X, Y, k) \
	VPCMPUB $4, X, Z21, k \
	VPSUBUSB Z22, Y, Z2 \
	VPTERNLOGD $0xf6, X, Z22, Z2 \
	VPXORQ X, Z23, Z3 \
	VPMINUB Z2, Z3, Z2 \
	VPXORQ Y, Z20, Z3 \
	VPMINUB Z2, Z3, Z2 \
	VPTESTNMB Z2, Z2, k, k

#define SIMPLEXY(X, Y, k) \
	VPCMPUB $4, X, Z21, k \
	VPCMPEQB Y, Z20, k, k

// Y = the 64 bytes after the first of X, the next 64 bytes being in XN:
// X[1:64] and XN[0]. Clobbers Z5.
#define NEXTBYTES(X, XN, Y) \
	VALIGND $4, X, XN, Z5 \
	VPALIGNR $1, X, Z5, Y

#define RELAXED512(off, k) \
	VMOVDQU64 off(BX)(DX*1), Z0 \
	VMOVDQU64 off+1(BX)(DX*1), Z1 \
	RELAXEDXY(Z0, Z1, k)

#define SIMPLE512(off, k) \
	VMOVDQU64 off(BX)(DX*1), Z0 \
	VMOVDQU64 off+1(BX)(DX*1), Z1 \
	SIMPLEXY(Z0, Z1, k)

// The pairs from DX to the end, fewer than 64, when out has room: the
// last 64 pairs are computed as a block at DI (the last offset where 65
// bytes remain), and those before DX, already done, are dropped from its
// mask. Leaves DX at the end.
#define LASTBLOCK(block) \
	LEAQ 64(DI), CX \
	CMPQ DX, CX \
	JGE  done512 \
	LEAQ 16(R12), CX \
	CMPQ R10, CX \
	JHI  done512 \
	MOVQ DX, R9 \
	MOVQ DI, DX \
	block(0, K1) \
	KMOVQ K1, AX \
	MOVQ R9, CX \
	SUBQ DI, CX \
	SHRQ CX, AX \
	SHLQ CX, AX \
	RECORD(DX) \
	LEAQ 65(DI), DX

// func collectAVX512(p []byte, relaxed bool, out *pairBlock, max int) (n, next int)
// Records in out the blocks with suspect pairs that start before next,
// 128 pairs at a time while 192 bytes remain, then 64 while 65 remain,
// then the last ones in a block that overlaps the one before (the pairs
// before it dropped); it stops early once fewer than 2 entries of out
// are free. Requires AVX-512 F and BW, len(p) >= 65, max >= 2.
TEXT ·collectAVX512(SB), NOSPLIT, $0-64
	MOVQ p_base+0(FP), BX
	MOVQ p_len+8(FP), DI
	MOVBLZX relaxed+24(FP), R8
	MOVQ out+32(FP), R10
	MOVQ max+40(FP), R12
	MOVQ R10, R11          // out, to count entries
	SHLQ $4, R12
	LEAQ -32(R10)(R12*1), R12 // last entry pointer with 2 entries free
	XORQ DX, DX            // offset of the current block
	LEAQ -192(DI), SI      // last offset where 192 bytes remain
	SUBQ $65, DI           // last offset where 65 bytes remain

	MOVL $0x0a, AX
	VPBROADCASTB AX, Z20   // LF
	MOVL $0x0d, AX
	VPBROADCASTB AX, Z21   // CR
	MOVL $0x20, AX
	VPBROADCASTB AX, Z22   // SP
	MOVL $0x09, AX
	VPBROADCASTB AX, Z23   // HTAB

	TESTQ R8, R8
	JZ   simple

relaxed:
	CMPQ DX, SI
	JGT  relaxed64
	VMOVDQU64 (BX)(DX*1), Z6
relaxedloop:
	CMPQ R10, R12
	JHI  done512
	VMOVDQU64 64(BX)(DX*1), Z7
	VMOVDQU64 128(BX)(DX*1), Z8
	NEXTBYTES(Z6, Z7, Z9)
	NEXTBYTES(Z7, Z8, Z10)
	RELAXEDXY(Z6, Z9, K1)
	RELAXEDXY(Z7, Z10, K2)
	VMOVDQA64 Z8, Z6
	KMOVQ K1, AX
	RECORD(DX)
	LEAQ 64(DX), R9
	KMOVQ K2, AX
	RECORD(R9)
	ADDQ $128, DX
	CMPQ DX, SI
	JLE  relaxedloop
relaxed64:
	CMPQ DX, DI
	JGT  relaxedlast
	LEAQ 16(R12), CX
	CMPQ R10, CX
	JHI  done512
	RELAXED512(0, K1)
	KMOVQ K1, AX
	RECORD(DX)
	ADDQ $64, DX
	JMP  relaxed64
relaxedlast:
	LASTBLOCK(RELAXED512)
	JMP  done512

simple:
	CMPQ DX, SI
	JGT  simple64
	VMOVDQU64 (BX)(DX*1), Z6
simpleloop:
	CMPQ R10, R12
	JHI  done512
	VMOVDQU64 64(BX)(DX*1), Z7
	VMOVDQU64 128(BX)(DX*1), Z8
	NEXTBYTES(Z6, Z7, Z9)
	NEXTBYTES(Z7, Z8, Z10)
	SIMPLEXY(Z6, Z9, K1)
	SIMPLEXY(Z7, Z10, K2)
	VMOVDQA64 Z8, Z6
	KMOVQ K1, AX
	RECORD(DX)
	LEAQ 64(DX), R9
	KMOVQ K2, AX
	RECORD(R9)
	ADDQ $128, DX
	CMPQ DX, SI
	JLE  simpleloop
simple64:
	CMPQ DX, DI
	JGT  simplelast
	LEAQ 16(R12), CX
	CMPQ R10, CX
	JHI  done512
	SIMPLE512(0, K1)
	KMOVQ K1, AX
	RECORD(DX)
	ADDQ $64, DX
	JMP  simple64
simplelast:
	LASTBLOCK(SIMPLE512)
	JMP  done512

done512:
	VZEROUPPER
	SUBQ R11, R10
	SHRQ $4, R10
	MOVQ R10, n+48(FP)
	MOVQ DX, next+56(FP)
	RET

// AVX2: the mask of the 32 pairs at off(BX)(DX*1) into out, with Y12..Y15
// holding LF, CR, HTAB, SP. Clobbers Y0, Y1, Y4..Y6.
#define SIMPLE2(off, out) \
	VMOVDQU off(BX)(DX*1), Y0 \
	VMOVDQU off+1(BX)(DX*1), Y1 \
	VPCMPEQB Y1, Y12, out \
	VPCMPEQB Y0, Y13, Y4 \
	VPANDN out, Y4, out

// max(x, y) == SP and x == SP is x == SP and y <= SP.
#define RELAXED2(off, out) \
	SIMPLE2(off, out) \
	VPMAXUB Y0, Y1, Y5 \
	VPCMPEQB Y5, Y15, Y5 \
	VPCMPEQB Y0, Y15, Y6 \
	VPAND Y5, Y6, Y5 \
	VPCMPEQB Y0, Y14, Y6 \
	VPOR Y5, out, out \
	VPOR Y6, out, out

// Combines the masks of Y2 and Y3 into AX. Clobbers CX.
#define MASK2 \
	VPMOVMSKB Y2, AX \
	VPMOVMSKB Y3, CX \
	SHLQ $32, CX \
	ORQ  CX, AX

// func collectAVX2(p []byte, relaxed bool, out *pairBlock, max int) (n, next int)
// Records in out the blocks with suspect pairs that start before next,
// 64 pairs at a time while 65 bytes remain; it stops early once no entry
// of out is free. Requires AVX2, len(p) >= 65, max >= 1.
TEXT ·collectAVX2(SB), NOSPLIT, $0-64
	MOVQ p_base+0(FP), BX
	MOVQ p_len+8(FP), DI
	MOVBLZX relaxed+24(FP), R8
	MOVQ out+32(FP), R10
	MOVQ max+40(FP), R12
	MOVQ R10, R11          // out, to count entries
	SHLQ $4, R12
	LEAQ -16(R10)(R12*1), R12 // last entry pointer
	XORQ DX, DX            // offset of the current block
	SUBQ $65, DI           // last offset where 65 bytes remain

	MOVL $0x0a0a0a0a, AX
	MOVL AX, X12
	VPBROADCASTD X12, Y12  // LF
	MOVL $0x0d0d0d0d, AX
	MOVL AX, X13
	VPBROADCASTD X13, Y13  // CR
	MOVL $0x09090909, AX
	MOVL AX, X14
	VPBROADCASTD X14, Y14  // HTAB
	MOVL $0x20202020, AX
	MOVL AX, X15
	VPBROADCASTD X15, Y15  // SP

	TESTQ R8, R8
	JZ   simple2

relaxed2:
	CMPQ DX, DI
	JGT  done2
	CMPQ R10, R12
	JHI  done2
	RELAXED2(0, Y2)
	RELAXED2(32, Y3)
	MASK2
	RECORD(DX)
	ADDQ $64, DX
	JMP  relaxed2

simple2:
	CMPQ DX, DI
	JGT  done2
	CMPQ R10, R12
	JHI  done2
	SIMPLE2(0, Y2)
	SIMPLE2(32, Y3)
	MASK2
	RECORD(DX)
	ADDQ $64, DX
	JMP  simple2

done2:
	VZEROUPPER
	SUBQ R11, R10
	SHRQ $4, R10
	MOVQ R10, n+48(FP)
	MOVQ DX, next+56(FP)
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
