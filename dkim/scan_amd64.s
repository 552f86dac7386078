#include "textflag.h"

// The candidate masks of 32 pairs x = p[i:i+32], y = p[i+1:i+33], into
// Y2 (relaxed) or Y6 (simple), with Y15..Y12 holding SP, HTAB, CR, LF.
// Candidates are a superset of the suspect pairs of scanGeneric: for
// relaxed, max(x, y) == SP stands for "x is SP and y <= SP" (it also
// matches, say, LF then SP), which saves two instructions.
#define RELAXED(off, out) \
	VMOVDQU off(SI), Y0 \
	VMOVDQU off+1(SI), Y1 \
	VPMAXUB Y0, Y1, out \
	VPCMPEQB out, Y15, out \
	VPCMPEQB Y0, Y14, Y4 \
	VPOR Y4, out, out \
	VPCMPEQB Y1, Y12, Y5 \
	VPCMPEQB Y0, Y13, Y6 \
	VPANDN Y5, Y6, Y6 \
	VPOR Y6, out, out

#define SIMPLE(off, out) \
	VMOVDQU off(SI), Y0 \
	VMOVDQU off+1(SI), Y1 \
	VPCMPEQB Y1, Y12, Y5 \
	VPCMPEQB Y0, Y13, out \
	VPANDN Y5, out, out

// func collectAVX2(p []byte, relaxed bool, out *int32, max int) (n, next int)
// Records in out the offsets of the candidate pairs starting before next,
// 64 pairs at a time while 65 bytes remain, and stops early once fewer
// than 64 entries of out are free. Requires AVX2, len(p) >= 65, max >= 64.
TEXT ·collectAVX2(SB), NOSPLIT, $0-64
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), DX
	MOVBLZX relaxed+24(FP), R8
	MOVQ out+32(FP), R10
	MOVQ max+40(FP), R12
	SUBQ $64, R12          // stop once n > max-64
	XORQ R11, R11          // n
	MOVQ SI, BX            // start, for offsets
	LEAQ -65(SI)(DX*1), DI // last offset where 65 bytes remain

	MOVL $0x20202020, AX
	MOVL AX, X15
	VPBROADCASTD X15, Y15  // SP
	MOVL $0x09090909, AX
	MOVL AX, X14
	VPBROADCASTD X14, Y14  // HTAB
	MOVL $0x0d0d0d0d, AX
	MOVL AX, X13
	VPBROADCASTD X13, Y13  // CR
	MOVL $0x0a0a0a0a, AX
	MOVL AX, X12
	VPBROADCASTD X12, Y12  // LF

	CMPQ SI, DI
	JHI  done
	TESTQ R8, R8
	JZ   simple

relaxed:
	RELAXED(0, Y2)
	RELAXED(32, Y7)
	VPOR Y2, Y7, Y8
	VPTEST Y8, Y8
	JNZ  relaxedhit
relaxednext:
	ADDQ $64, SI
	CMPQ SI, DI
	JLS  relaxed
	JMP  done
relaxedhit:
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y7, CX
	JMP  record

simple:
	SIMPLE(0, Y2)
	SIMPLE(32, Y7)
	VPOR Y2, Y7, Y8
	VPTEST Y8, Y8
	JNZ  simplehit
simplenext:
	ADDQ $64, SI
	CMPQ SI, DI
	JLS  simple
	JMP  done
simplehit:
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y7, CX

	// Append to out (R10, count R11) the offsets SI-BX+k of the bits k
	// set in the 64-bit mask AX | CX<<32, then go on with the next 64
	// pairs, or stop if out is nearly full.
record:
	SHLQ $32, CX
	ORQ  CX, AX
	MOVQ SI, DX
	SUBQ BX, DX
bits:
	BSFQ AX, CX
	LEAQ (DX)(CX*1), R9
	MOVL R9, (R10)(R11*4)
	INCQ R11
	LEAQ -1(AX), CX
	ANDQ CX, AX
	JNZ  bits
	CMPQ R11, R12
	JHI  full
	TESTQ R8, R8
	JNZ  relaxednext
	JMP  simplenext
full:
	ADDQ $64, SI

done:
	VZEROUPPER
	MOVQ R11, n+48(FP)
	SUBQ BX, SI
	MOVQ SI, next+56(FP)
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
