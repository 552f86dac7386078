#include "textflag.h"

// The header kernels compare 64 bytes at a time with VPCMPEQB into opmask
// registers; the last bytes go through masked loads (VMOVDQU8.Z), which
// read nothing past the slice. Z20, Z21, Z22, Z23, Z24 hold LF, CR, SP,
// HTAB and ':' in every byte.

#define BROADCAST \
	MOVL $0x0a, AX \
	VPBROADCASTB AX, Z20 \
	MOVL $0x0d, AX \
	VPBROADCASTB AX, Z21 \
	MOVL $0x20, AX \
	VPBROADCASTB AX, Z22 \
	MOVL $0x09, AX \
	VPBROADCASTB AX, Z23 \
	MOVL $0x3a, AX \
	VPBROADCASTB AX, Z24

// BLANK: K1 = the positions of x (Z0) that are LF and followed by LF (y,
// Z1), or by CR (y) then LF (z, Z2): the line after starts a blank line.
// Clobbers K2.
#define BLANK \
	VPCMPEQB Z0, Z20, K1 \
	VPCMPEQB Z1, Z21, K1, K2 \
	VPCMPEQB Z2, Z20, K2, K2 \
	VPCMPEQB Z1, Z20, K1, K1 \
	KORQ K1, K2, K1

// func headerEndAVX512(b []byte, from int) int
// Returns the first p in [from, len(b)-2) where b[p] is LF and b[p+1] is
// LF, or b[p+1:p+3] is CRLF; -1 if there is none. Requires AVX-512 F and
// BW, from >= 0.
TEXT ·headerEndAVX512(SB), NOSPLIT, $0-40
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), DI
	MOVQ from+24(FP), DX
	SUBQ $2, DI            // the positions end here
	LEAQ -64(DI), R8       // the last p with 64 positions from p
	BROADCAST

loop:
	CMPQ DX, R8
	JGT  tail
	VMOVDQU64 (SI)(DX*1), Z0
	VMOVDQU64 1(SI)(DX*1), Z1
	VMOVDQU64 2(SI)(DX*1), Z2
	BLANK
	KORTESTQ K1, K1
	JNZ  found
	ADDQ $64, DX
	JMP  loop

tail:
	// Fewer than 64 positions left: the three loads are masked to
	// them, so the last one reads up to b[len(b)-1].
	MOVQ DI, CX
	SUBQ DX, CX
	JLE  none
	MOVQ $-1, AX
	SHLQ CX, AX
	NOTQ AX
	KMOVQ AX, K3
	VMOVDQU8.Z (SI)(DX*1), K3, Z0
	VMOVDQU8.Z 1(SI)(DX*1), K3, Z1
	VMOVDQU8.Z 2(SI)(DX*1), K3, Z2
	BLANK
	KORTESTQ K1, K1
	JZ   none

found:
	KMOVQ K1, AX
	BSFQ AX, AX
	ADDQ DX, AX
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET

none:
	MOVQ $-1, ret+32(FP)
	VZEROUPPER
	RET

// ENDS: K1 = the positions of x (Z0) that are LF and followed (y, Z1) by
// neither SP nor HTAB: the line after starts a field. K4 = the colons of
// x, K5 its bytes up to SP. Stores the three masks and moves R8 on to the
// next word.
#define ENDS \
	VPCMPEQB Z0, Z20, K1 \
	VPCMPEQB Z1, Z22, K2 \
	VPCMPEQB Z1, Z23, K3 \
	KORQ K2, K3, K2 \
	KANDNQ K1, K2, K1 \
	VPCMPEQB Z0, Z24, K4 \
	VPCMPUB $2, Z22, Z0, K5 \
	KMOVQ K1, (R8) \
	KMOVQ K4, (R8)(R9*1) \
	KMOVQ K5, (R8)(R9*2) \
	ADDQ $8, R8

// func fieldMasksAVX512(p []byte, masks *uint64, words int)
// Stores, for each 64-byte block i of p up to min(len(p), 64*words)
// bytes, the mask of its field ends (p[j] is LF and p[j+1] is neither SP
// nor HTAB, or j+1 = len(p)) at masks[i], the mask of its colons at
// masks[words+i], and the mask of its bytes up to SP (control characters
// included; past the end of p the zero bytes of the masked load count
// too) at masks[2*words+i]. Requires AVX-512 F and BW.
TEXT ·fieldMasksAVX512(SB), NOSPLIT, $0-40
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), DI
	MOVQ masks+24(FP), R8
	MOVQ words+32(FP), R10
	LEAQ 0(R10*8), R9      // from one mask array to the next
	SHLQ $6, R10
	CMPQ R10, DI
	CMOVQGT DI, R10        // the bytes to do
	LEAQ -65(DI), R11      // the last block start with 65 bytes from it
	XORQ DX, DX
	BROADCAST

loop2:
	CMPQ DX, R10
	JGE  done2
	CMPQ DX, R11
	JGT  tail2
	VMOVDQU64 (SI)(DX*1), Z0
	VMOVDQU64 1(SI)(DX*1), Z1
	ENDS
	ADDQ $64, DX
	JMP  loop2

tail2:
	// The last block: r = len(p)-DX bytes (1 to 64) in x, one fewer
	// in y (a zero byte past the end counts as neither SP nor HTAB).
	MOVQ $64, CX
	SUBQ DI, CX
	ADDQ DX, CX
	MOVQ $-1, AX
	SHRQ CX, AX
	KMOVQ AX, K5
	SHRQ $1, AX
	KMOVQ AX, K6
	VMOVDQU8.Z (SI)(DX*1), K5, Z0
	VMOVDQU8.Z 1(SI)(DX*1), K6, Z1
	ENDS

done2:
	VZEROUPPER
	RET
