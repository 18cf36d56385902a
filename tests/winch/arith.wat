;; Lazy constants become immediates; locals are read in place; a division
;; takes rax/rdx and checks INT_MIN / -1 explicitly.
(module
  (func (param i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 10)) (local.get 1)))
  (func (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (param f64 f64) (result f64)
    (f64.min (local.get 0) (local.get 1))))

;; ==== expected disassembly (WASMTIER_BLESS=1 rewrites below) ====
;; function 0: native entry 0x20, array entry 0x50, frame 32 bytes
;;        0: 8b 45 f8                      mov eax, [rbp-8]
;;        3: 6b c0 0a                      imul eax, 0xa
;;        6: 8b 4d f0                      mov ecx, [rbp-0x10]
;;        9: 01 c8                         add eax, ecx
;;        b: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;        f: 48 89 ec                      mov rsp, rbp
;;       12: 5d                            pop rbp
;;       13: c3                            ret
;;       14: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       1d: 0f 1f 00                      nop [rax]
;;       20: 55                            push rbp
;;       21: 48 89 e5                      mov rbp, rsp
;;       24: 48 83 ec 20                   sub rsp, 0x20
;;       28: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       2c: 0f 82 43 00 00 00             jb 0x75
;;       32: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       36: 49 89 fe                      mov r14, rdi
;;       39: 89 55 f8                      mov [rbp-8], edx
;;       3c: 89 4d f0                      mov [rbp-0x10], ecx
;;       3f: eb bf                         jmp short 0
;;       41: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       4a: 66 0f 1f 44 00 00             nop [rax+rax]
;;       50: 55                            push rbp
;;       51: 48 89 e5                      mov rbp, rsp
;;       54: 53                            push rbx
;;       55: 48 83 ec 08                   sub rsp, 8
;;       59: 48 89 d3                      mov rbx, rdx
;;       5c: 8b 13                         mov edx, [rbx]
;;       5e: 8b 4b 10                      mov ecx, [rbx+0x10]
;;       61: e8 ba ff ff ff                call 0x20
;;       66: 48 63 c0                      movsxd rax, eax
;;       69: 48 89 03                      mov [rbx], rax
;;       6c: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       70: 48 89 ec                      mov rsp, rbp
;;       73: 5d                            pop rbp
;;       74: c3                            ret
;;       75: 0f 0b                         ud2
;;       77: 00                            (bad)
;; trap 0x75: STACK_OVERFLOW @ wasm 0x20
;; function 1: native entry 0x30, array entry 0x60, frame 32 bytes
;;        0: 8b 4d f0                      mov ecx, [rbp-0x10]
;;        3: 8b 45 f8                      mov eax, [rbp-8]
;;        6: 83 f9 ff                      cmp ecx, 0xffffffff
;;        9: 75 0c                         jne short 0x17
;;        b: 81 f8 00 00 00 80             cmp eax, 0x80000000
;;       11: 0f 84 6e 00 00 00             je 0x85
;;       17: 99                            cdq
;;       18: f7 f9                         idiv ecx
;;       1a: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;       1e: 48 89 ec                      mov rsp, rbp
;;       21: 5d                            pop rbp
;;       22: c3                            ret
;;       23: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       2c: 0f 1f 40 00                   nop [rax]
;;       30: 55                            push rbp
;;       31: 48 89 e5                      mov rbp, rsp
;;       34: 48 83 ec 20                   sub rsp, 0x20
;;       38: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       3c: 0f 82 46 00 00 00             jb 0x88
;;       42: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       46: 49 89 fe                      mov r14, rdi
;;       49: 89 55 f8                      mov [rbp-8], edx
;;       4c: 89 4d f0                      mov [rbp-0x10], ecx
;;       4f: eb af                         jmp short 0
;;       51: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       5a: 66 0f 1f 44 00 00             nop [rax+rax]
;;       60: 55                            push rbp
;;       61: 48 89 e5                      mov rbp, rsp
;;       64: 53                            push rbx
;;       65: 48 83 ec 08                   sub rsp, 8
;;       69: 48 89 d3                      mov rbx, rdx
;;       6c: 8b 13                         mov edx, [rbx]
;;       6e: 8b 4b 10                      mov ecx, [rbx+0x10]
;;       71: e8 ba ff ff ff                call 0x30
;;       76: 48 63 c0                      movsxd rax, eax
;;       79: 48 89 03                      mov [rbx], rax
;;       7c: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       80: 48 89 ec                      mov rsp, rbp
;;       83: 5d                            pop rbp
;;       84: c3                            ret
;;       85: 0f 0b                         ud2
;;       87: 06 0f                         (bad)
;;       89: 0b 00                         or eax, [rax]
;; trap 0x18: INTEGER_DIVISION_BY_ZERO @ wasm 0x31
;; trap 0x85: INTEGER_OVERFLOW @ wasm 0x31
;; trap 0x88: STACK_OVERFLOW @ wasm 0x2b
;; function 2: native entry 0x30, array entry 0x60, frame 32 bytes
;;        0: f2 0f 10 45 f0                movsd xmm0, [rbp-0x10]
;;        5: f2 0f 10 4d f8                movsd xmm1, [rbp-8]
;;        a: 66 0f 2e c8                   ucomisd xmm1, xmm0
;;        e: 7a 0d                         jp short 0x1d
;;       10: 75 05                         jne short 0x17
;;       12: 0f 56 c8                      orps xmm1, xmm0
;;       15: eb 0a                         jmp short 0x21
;;       17: f2 0f 5d c8                   minsd xmm1, xmm0
;;       1b: eb 04                         jmp short 0x21
;;       1d: f2 0f 58 c8                   addsd xmm1, xmm0
;;       21: 0f 28 c1                      movaps xmm0, xmm1
;;       24: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;       28: 48 89 ec                      mov rsp, rbp
;;       2b: 5d                            pop rbp
;;       2c: c3                            ret
;;       2d: 0f 1f 00                      nop [rax]
;;       30: 55                            push rbp
;;       31: 48 89 e5                      mov rbp, rsp
;;       34: 48 83 ec 20                   sub rsp, 0x20
;;       38: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       3c: 0f 82 49 00 00 00             jb 0x8b
;;       42: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       46: 49 89 fe                      mov r14, rdi
;;       49: f2 0f 11 45 f8                movsd [rbp-8], xmm0
;;       4e: f2 0f 11 4d f0                movsd [rbp-0x10], xmm1
;;       53: eb ab                         jmp short 0
;;       55: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       5e: 66 90                         xchg ax, ax
;;       60: 55                            push rbp
;;       61: 48 89 e5                      mov rbp, rsp
;;       64: 53                            push rbx
;;       65: 48 83 ec 08                   sub rsp, 8
;;       69: 48 89 d3                      mov rbx, rdx
;;       6c: f2 0f 10 03                   movsd xmm0, [rbx]
;;       70: f2 0f 10 4b 10                movsd xmm1, [rbx+0x10]
;;       75: e8 b6 ff ff ff                call 0x30
;;       7a: 66 48 0f 7e c0                movq rax, xmm0
;;       7f: 48 89 03                      mov [rbx], rax
;;       82: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       86: 48 89 ec                      mov rsp, rbp
;;       89: 5d                            pop rbp
;;       8a: c3                            ret
;;       8b: 0f 0b                         ud2
;;       8d: 00                            (bad)
;; trap 0x8b: STACK_OVERFLOW @ wasm 0x33
