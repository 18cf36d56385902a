;; A counting loop (OSR point at the header), br_if out of a block, a load
;; with its explicit bounds check, and br_table through a jump table.
(module
  (memory 1)
  (func (param i32) (result i32) (local i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (i32.load offset=4 (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get 1))
  (func (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30)))

;; ==== expected disassembly (WASMTIER_BLESS=1 rewrites below) ====
;; function 0: native entry 0x60, array entry 0x90, frame 32 bytes
;;        0: 8b 45 f8                      mov eax, [rbp-8]
;;        3: 85 c0                         test eax, eax
;;        5: 0f 94 c0                      sete al
;;        8: 0f b6 c0                      movzx eax, al
;;        b: 85 c0                         test eax, eax
;;        d: 0f 85 35 00 00 00             jne 0x48
;;       13: 8b 45 f8                      mov eax, [rbp-8]
;;       16: 89 c0                         mov eax, eax
;;       18: 4c 8d 58 08                   lea r11, [rax+8]
;;       1c: 4d 3b 9e 90 00 00 00          cmp r11, [r14+0x90]
;;       23: 0f 87 e4 00 00 00             ja 0x10d
;;       29: 4d 8b 9e 88 00 00 00          mov r11, [r14+0x88]
;;       30: 41 8b 44 03 04                mov eax, [r11+rax+4]
;;       35: 8b 4d f0                      mov ecx, [rbp-0x10]
;;       38: 01 c1                         add ecx, eax
;;       3a: 89 4d f0                      mov [rbp-0x10], ecx
;;       3d: 8b 45 f8                      mov eax, [rbp-8]
;;       40: 83 e8 01                      sub eax, 1
;;       43: 89 45 f8                      mov [rbp-8], eax
;;       46: eb b8                         jmp short 0
;;       48: 8b 45 f0                      mov eax, [rbp-0x10]
;;       4b: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;       4f: 48 89 ec                      mov rsp, rbp
;;       52: 5d                            pop rbp
;;       53: c3                            ret
;;       54: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       5d: 0f 1f 00                      nop [rax]
;;       60: 55                            push rbp
;;       61: 48 89 e5                      mov rbp, rsp
;;       64: 48 83 ec 20                   sub rsp, 0x20
;;       68: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       6c: 0f 82 9e 00 00 00             jb 0x110
;;       72: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       76: 49 89 fe                      mov r14, rdi
;;       79: 89 55 f8                      mov [rbp-8], edx
;;       7c: 31 c0                         xor eax, eax
;;       7e: 48 89 45 f0                   mov [rbp-0x10], rax
;;       82: e9 79 ff ff ff                jmp 0
;;       87: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       90: 55                            push rbp
;;       91: 48 89 e5                      mov rbp, rsp
;;       94: 53                            push rbx
;;       95: 48 83 ec 08                   sub rsp, 8
;;       99: 48 89 d3                      mov rbx, rdx
;;       9c: 8b 13                         mov edx, [rbx]
;;       9e: e8 bd ff ff ff                call 0x60
;;       a3: 48 63 c0                      movsxd rax, eax
;;       a6: 48 89 03                      mov [rbx], rax
;;       a9: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       ad: 48 89 ec                      mov rsp, rbp
;;       b0: 5d                            pop rbp
;;       b1: c3                            ret
;;       b2: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       bb: 0f 1f 44 00 00                nop [rax+rax]
;;       c0: 55                            push rbp
;;       c1: 48 89 e5                      mov rbp, rsp
;;       c4: 53                            push rbx
;;       c5: 48 83 ec 08                   sub rsp, 8
;;       c9: 48 89 d3                      mov rbx, rdx
;;       cc: e8 0f 00 00 00                call 0xe0
;;       d1: 48 63 c0                      movsxd rax, eax
;;       d4: 48 89 03                      mov [rbx], rax
;;       d7: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       db: 48 89 ec                      mov rsp, rbp
;;       de: 5d                            pop rbp
;;       df: c3                            ret
;;       e0: 55                            push rbp
;;       e1: 48 89 e5                      mov rbp, rsp
;;       e4: 48 83 ec 20                   sub rsp, 0x20
;;       e8: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       ec: 0f 82 21 00 00 00             jb 0x113
;;       f2: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       f6: 49 89 fe                      mov r14, rdi
;;       f9: 4c 8b 1b                      mov r11, [rbx]
;;       fc: 4c 89 5d f8                   mov [rbp-8], r11
;;      100: 4c 8b 5b 10                   mov r11, [rbx+0x10]
;;      104: 4c 89 5d f0                   mov [rbp-0x10], r11
;;      108: e9 f3 fe ff ff                jmp 0
;;      10d: 0f 0b                         ud2
;;      10f: 01 0f                         add [rdi], ecx
;;      111: 0b 00                         or eax, [rax]
;;      113: 0f 0b                         ud2
;;      115: 00                            (bad)
;; trap 0x10d: MEMORY_OUT_OF_BOUNDS @ wasm 0x2e
;; trap 0x110: STACK_OVERFLOW @ wasm 0x1d
;; trap 0x113: STACK_OVERFLOW @ wasm 0x23
;; function 1: native entry 0x70, array entry 0xa0, frame 32 bytes
;;        0: 8b 45 f8                      mov eax, [rbp-8]
;;        3: 41 bb 02 00 00 00             mov r11d, 2
;;        9: 83 f8 02                      cmp eax, 2
;;        c: 41 0f 43 c3                   cmovae eax, r11d
;;       10: 89 c0                         mov eax, eax
;;       12: 4c 8d 1d 07 00 00 00          lea r11, [0x20]
;;       19: 4d 8d 1c c3                   lea r11, [r11+rax*8]
;;       1d: 41 ff e3                      jmp r11
;;       20: e9 13 00 00 00                jmp 0x38
;;       25: 0f 1f 00                      nop [rax]
;;       28: e9 1a 00 00 00                jmp 0x47
;;       2d: 0f 1f 00                      nop [rax]
;;       30: e9 21 00 00 00                jmp 0x56
;;       35: 0f 1f 00                      nop [rax]
;;       38: c7 45 f0 0a 00 00 00          mov dword ptr [rbp-0x10], 0xa
;;       3f: 8b 45 f0                      mov eax, [rbp-0x10]
;;       42: e9 14 00 00 00                jmp 0x5b
;;       47: c7 45 f0 14 00 00 00          mov dword ptr [rbp-0x10], 0x14
;;       4e: 8b 45 f0                      mov eax, [rbp-0x10]
;;       51: e9 05 00 00 00                jmp 0x5b
;;       56: b8 1e 00 00 00                mov eax, 0x1e
;;       5b: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;       5f: 48 89 ec                      mov rsp, rbp
;;       62: 5d                            pop rbp
;;       63: c3                            ret
;;       64: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       6d: 0f 1f 00                      nop [rax]
;;       70: 55                            push rbp
;;       71: 48 89 e5                      mov rbp, rsp
;;       74: 48 83 ec 20                   sub rsp, 0x20
;;       78: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       7c: 0f 82 40 00 00 00             jb 0xc2
;;       82: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       86: 49 89 fe                      mov r14, rdi
;;       89: 89 55 f8                      mov [rbp-8], edx
;;       8c: e9 6f ff ff ff                jmp 0
;;       91: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       9a: 66 0f 1f 44 00 00             nop [rax+rax]
;;       a0: 55                            push rbp
;;       a1: 48 89 e5                      mov rbp, rsp
;;       a4: 53                            push rbx
;;       a5: 48 83 ec 08                   sub rsp, 8
;;       a9: 48 89 d3                      mov rbx, rdx
;;       ac: 8b 13                         mov edx, [rbx]
;;       ae: e8 bd ff ff ff                call 0x70
;;       b3: 48 63 c0                      movsxd rax, eax
;;       b6: 48 89 03                      mov [rbx], rax
;;       b9: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       bd: 48 89 ec                      mov rsp, rbp
;;       c0: 5d                            pop rbp
;;       c1: c3                            ret
;;       c2: 0f 0b                         ud2
;;       c4: 00                            (bad)
;; trap 0xc2: STACK_OVERFLOW @ wasm 0x42
