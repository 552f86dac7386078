#include "textflag.h"

// func scanAVX2(p []byte, relaxed bool) int
// Returns the offset of the first suspect pair (see scanGeneric) that
// starts at an offset i with i+33 <= len(p), or else the first offset i
// with i+33 > len(p), where the caller goes on in Go.
// Requires AVX2 and len(p) >= 33.
TEXT ·scanAVX2(SB), NOSPLIT, $0-40
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), DX
	MOVBLZX relaxed+24(FP), R8
	MOVQ SI, BX            // start, for the result
	LEAQ -33(SI)(DX*1), DI // last offset where 33 bytes remain

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
	VMOVDQU (SI), Y0       // x = p[i:i+32]
	VMOVDQU 1(SI), Y1      // y = p[i+1:i+33]
	VPCMPEQB Y0, Y15, Y2   // x == SP
	VPMINUB Y1, Y15, Y3
	VPCMPEQB Y1, Y3, Y3    // y <= SP
	VPAND Y2, Y3, Y2       // x == SP && y <= SP
	VPCMPEQB Y0, Y14, Y4   // x == HTAB
	VPOR Y4, Y2, Y2
	VPCMPEQB Y1, Y12, Y5   // y == LF
	VPCMPEQB Y0, Y13, Y6   // x == CR
	VPANDN Y5, Y6, Y6      // y == LF && x != CR
	VPOR Y6, Y2, Y2
	VPMOVMSKB Y2, AX
	TESTL AX, AX
	JNZ  found
	ADDQ $32, SI
	CMPQ SI, DI
	JLS  relaxed
	JMP  done

simple:
	VMOVDQU (SI), Y0
	VMOVDQU 1(SI), Y1
	VPCMPEQB Y1, Y12, Y5   // y == LF
	VPCMPEQB Y0, Y13, Y6   // x == CR
	VPANDN Y5, Y6, Y6      // y == LF && x != CR
	VPMOVMSKB Y6, AX
	TESTL AX, AX
	JNZ  found
	ADDQ $32, SI
	CMPQ SI, DI
	JLS  simple

found:
	BSFL AX, AX
	ADDQ AX, SI

done:
	VZEROUPPER
	SUBQ BX, SI
	MOVQ SI, ret+32(FP)
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
