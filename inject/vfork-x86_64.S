/* vfork: the child runs on the caller's stack until it execs or exits, so a
 * C wrapper that calls the real vfork and then returns would let the child
 * pop the frame the parent later returns through.  Decide in C first
 * (fc__vfork_enter), then tail-jump to the real vfork with the caller's own
 * return address still on top of the stack. */
	.text
	.globl	vfork
	.type	vfork, @function
vfork:
	.cfi_startproc
	movq	(%rsp), %rsi		/* return address: the caller, for caller= */
	subq	$24, %rsp		/* 16-byte aligned, with a slot for *out */
	.cfi_adjust_cfa_offset 24
	movq	%rsp, %rdi
	call	fc__vfork_enter
	testl	%eax, %eax
	jnz	1f
	addq	$24, %rsp
	.cfi_adjust_cfa_offset -24
	jmp	*fc__real_vfork(%rip)
1:
	.cfi_adjust_cfa_offset 24
	movq	(%rsp), %rax		/* the injected result */
	addq	$24, %rsp
	.cfi_adjust_cfa_offset -24
	ret
	.cfi_endproc
	.size	vfork, .-vfork
	.section .note.GNU-stack,"",@progbits
