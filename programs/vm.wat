;; vm: a switch-heavy loop -- a tiny register-machine interpreter.
;;
;; Guest machine: eight i64 registers r0..r7 at address 0 (8 bytes each) and a
;; program at address 256, one instruction per 4 bytes [op, a, b, c]:
;;
;;    op  name   effect                       op  name   effect
;;     0  halt   return r1                     6  shr    ra = rb >>u c
;;     1  loadi  ra = b | c << 8               7  and    ra = rb & rc
;;     2  add    ra = rb + rc                  8  jnz    if ra != 0: pc = b
;;     3  sub    ra = rb - rc                  9  mov    ra = rb
;;     4  mul    ra = rb * rc                 10  addi   ra = rb + c
;;     5  xor    ra = rb ^ rc                 else       unreachable
;;
;; Dispatch is one br_table per guest instruction.  run(n) sets r0 = n, clears
;; r1..r7 and runs the stored program, which loops n times mixing i*i into the
;; accumulator r1 (12 guest instructions per round):
;;
;;     0 loadi r1 0      5 halt             10 xor  r1 r1 r6    15 add r1 r1 r6
;;     1 loadi r2 1      6 mul r4 r3 r3     11 addi r3 r3 1     16 jnz r2 -> 4
;;     2 loadi r3 0      7 add r1 r1 r4     12 sub  r0 r0 r2
;;     3 loadi r5 0x9e37 8 mul r1 r1 r5     13 and  r7 r1 r5
;;     4 jnz r0 -> 6     9 shr r6 r1 29     14 mov  r6 r7
(module
  (memory (export "memory") 1)
  (data (i32.const 256)
    "\01\01\00\00" "\01\02\01\00" "\01\03\00\00" "\01\05\37\9e"
    "\08\00\06\00" "\00\00\00\00" "\04\04\03\03" "\02\01\01\04"
    "\04\01\01\05" "\06\06\01\1d" "\05\01\01\06" "\0a\03\03\01"
    "\03\00\00\02" "\07\07\01\05" "\09\06\07\00" "\02\01\01\06"
    "\08\02\04\00")

  (func (export "run") (param $n i32) (result i64)
    (local $pc i32) (local $ip i32) (local $a i32) (local $b i32) (local $c i32)
    (local $r i32)
    ;; r0 = n; r1..r7 = 0
    (i64.store (i32.const 0) (i64.extend_i32_u (local.get $n)))
    (local.set $r (i32.const 8))
    (loop $zero
      (i64.store (local.get $r) (i64.const 0))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (br_if $zero (i32.lt_u (local.get $r) (i32.const 64))))
    (loop $next
      (local.set $ip (i32.add (i32.const 256) (i32.shl (local.get $pc) (i32.const 2))))
      (local.set $a (i32.shl (i32.load8_u offset=1 (local.get $ip)) (i32.const 3)))
      (local.set $b (i32.load8_u offset=2 (local.get $ip)))
      (local.set $c (i32.load8_u offset=3 (local.get $ip)))
      (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
      (block $bad
      (block $addi
      (block $mov
      (block $jnz
      (block $and
      (block $shr
      (block $xor
      (block $mul
      (block $sub
      (block $add
      (block $loadi
      (block $halt
        (br_table $halt $loadi $add $sub $mul $xor $shr $and $jnz $mov $addi $bad
          (i32.load8_u (local.get $ip))))
        ;; halt
        (return (i64.load (i32.const 8))))
        ;; loadi
        (i64.store (local.get $a)
          (i64.extend_i32_u (i32.or (local.get $b) (i32.shl (local.get $c) (i32.const 8)))))
        (br $next))
        ;; add
        (i64.store (local.get $a)
          (i64.add (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.load (i32.shl (local.get $c) (i32.const 3)))))
        (br $next))
        ;; sub
        (i64.store (local.get $a)
          (i64.sub (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.load (i32.shl (local.get $c) (i32.const 3)))))
        (br $next))
        ;; mul
        (i64.store (local.get $a)
          (i64.mul (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.load (i32.shl (local.get $c) (i32.const 3)))))
        (br $next))
        ;; xor
        (i64.store (local.get $a)
          (i64.xor (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.load (i32.shl (local.get $c) (i32.const 3)))))
        (br $next))
        ;; shr (immediate shift count)
        (i64.store (local.get $a)
          (i64.shr_u (i64.load (i32.shl (local.get $b) (i32.const 3)))
                     (i64.extend_i32_u (local.get $c))))
        (br $next))
        ;; and
        (i64.store (local.get $a)
          (i64.and (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.load (i32.shl (local.get $c) (i32.const 3)))))
        (br $next))
        ;; jnz
        (if (i64.ne (i64.load (local.get $a)) (i64.const 0))
          (then (local.set $pc (local.get $b))))
        (br $next))
        ;; mov
        (i64.store (local.get $a) (i64.load (i32.shl (local.get $b) (i32.const 3))))
        (br $next))
        ;; addi (immediate)
        (i64.store (local.get $a)
          (i64.add (i64.load (i32.shl (local.get $b) (i32.const 3)))
                   (i64.extend_i32_u (local.get $c))))
        (br $next))
      ;; bad opcode
      unreachable)
    unreachable))
