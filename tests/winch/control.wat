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
;; function 0: native entry 0x50, array entry 0x80, frame 32 bytes
;;        0: 8b 45 f8                      mov eax, [rbp-8]
;;        3: 85 c0                         test eax, eax
;;        5: 0f 84 35 00 00 00             je 0x40
;;        b: 8b 45 f8                      mov eax, [rbp-8]
;;        e: 89 c0                         mov eax, eax
;;       10: 4c 8d 58 08                   lea r11, [rax+8]
;;       14: 4d 3b 9e 90 00 00 00          cmp r11, [r14+0x90]
;;       1b: 0f 87 dc 00 00 00             ja 0xfd
;;       21: 4d 8b 9e 88 00 00 00          mov r11, [r14+0x88]
;;       28: 41 8b 44 03 04                mov eax, [r11+rax+4]
;;       2d: 8b 4d f0                      mov ecx, [rbp-0x10]
;;       30: 01 c1                         add ecx, eax
;;       32: 89 4d f0                      mov [rbp-0x10], ecx
;;       35: 8b 45 f8                      mov eax, [rbp-8]
;;       38: 83 e8 01                      sub eax, 1
;;       3b: 89 45 f8                      mov [rbp-8], eax
;;       3e: eb c0                         jmp short 0
;;       40: 8b 45 f0                      mov eax, [rbp-0x10]
;;       43: 4c 8b 75 e8                   mov r14, [rbp-0x18]
;;       47: 48 89 ec                      mov rsp, rbp
;;       4a: 5d                            pop rbp
;;       4b: c3                            ret
;;       4c: 0f 1f 40 00                   nop [rax]
;;       50: 55                            push rbp
;;       51: 48 89 e5                      mov rbp, rsp
;;       54: 48 83 ec 20                   sub rsp, 0x20
;;       58: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       5c: 0f 82 9e 00 00 00             jb 0x100
;;       62: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       66: 49 89 fe                      mov r14, rdi
;;       69: 89 55 f8                      mov [rbp-8], edx
;;       6c: 31 c0                         xor eax, eax
;;       6e: 48 89 45 f0                   mov [rbp-0x10], rax
;;       72: eb 8c                         jmp short 0
;;       74: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       7d: 0f 1f 00                      nop [rax]
;;       80: 55                            push rbp
;;       81: 48 89 e5                      mov rbp, rsp
;;       84: 53                            push rbx
;;       85: 48 83 ec 08                   sub rsp, 8
;;       89: 48 89 d3                      mov rbx, rdx
;;       8c: 8b 13                         mov edx, [rbx]
;;       8e: e8 bd ff ff ff                call 0x50
;;       93: 48 63 c0                      movsxd rax, eax
;;       96: 48 89 03                      mov [rbx], rax
;;       99: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       9d: 48 89 ec                      mov rsp, rbp
;;       a0: 5d                            pop rbp
;;       a1: c3                            ret
;;       a2: 66 0f 1f 84 00 00 00 00 00    nop [rax+rax]
;;       ab: 0f 1f 44 00 00                nop [rax+rax]
;;       b0: 55                            push rbp
;;       b1: 48 89 e5                      mov rbp, rsp
;;       b4: 53                            push rbx
;;       b5: 48 83 ec 08                   sub rsp, 8
;;       b9: 48 89 d3                      mov rbx, rdx
;;       bc: e8 0f 00 00 00                call 0xd0
;;       c1: 48 63 c0                      movsxd rax, eax
;;       c4: 48 89 03                      mov [rbx], rax
;;       c7: 48 8b 5d f8                   mov rbx, [rbp-8]
;;       cb: 48 89 ec                      mov rsp, rbp
;;       ce: 5d                            pop rbp
;;       cf: c3                            ret
;;       d0: 55                            push rbp
;;       d1: 48 89 e5                      mov rbp, rsp
;;       d4: 48 83 ec 20                   sub rsp, 0x20
;;       d8: 48 3b 67 20                   cmp rsp, [rdi+0x20]
;;       dc: 0f 82 21 00 00 00             jb 0x103
;;       e2: 4c 89 75 e8                   mov [rbp-0x18], r14
;;       e6: 49 89 fe                      mov r14, rdi
;;       e9: 4c 8b 1b                      mov r11, [rbx]
;;       ec: 4c 89 5d f8                   mov [rbp-8], r11
;;       f0: 4c 8b 5b 10                   mov r11, [rbx+0x10]
;;       f4: 4c 89 5d f0                   mov [rbp-0x10], r11
;;       f8: e9 03 ff ff ff                jmp 0
;;       fd: 0f 0b                         ud2
;;       ff: 01 0f                         add [rdi], ecx
;;      101: 0b 00                         or eax, [rax]
;;      103: 0f 0b                         ud2
;;      105: 00                            (bad)
;; trap 0xfd: MEMORY_OUT_OF_BOUNDS @ wasm 0x2e
;; trap 0x100: STACK_OVERFLOW @ wasm 0x1d
;; trap 0x103: STACK_OVERFLOW @ wasm 0x23
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
