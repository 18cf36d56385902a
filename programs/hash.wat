;; hash: 64-bit integer arithmetic.
;;
;; run(n) = an FNV-1a-style hash of n outputs of a xorshift64* generator.
;; Each iteration: xorshift (shl/shr_u/xor), a multiply by the xorshift64*
;; constant, a rotl, and every 8th step an i64.rem_u by an odd divisor; the
;; 64-bit FNV prime multiply folds the value into the hash.  All arithmetic
;; wraps mod 2^64, so the result is exact on every conforming runtime.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $x i64) (local $h i64) (local $v i64) (local $i i32)
    (local.set $x (i64.const 0x9E3779B97F4A7C15))
    (local.set $h (i64.const 0xcbf29ce484222325))     ;; FNV-1a offset basis
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; xorshift64
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
        (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
        ;; xorshift64* output, rotated
        (local.set $v (i64.rotl (i64.mul (local.get $x) (i64.const 0x2545F4914F6CDD1D))
                                (i64.extend_i32_u (i32.and (local.get $i) (i32.const 63)))))
        (if (i32.eqz (i32.and (local.get $i) (i32.const 7)))
          (then (local.set $v (i64.add (local.get $v)
                                (i64.rem_u (local.get $v) (i64.const 1000000007))))))
        ;; FNV-1a step over the 64-bit value
        (local.set $h (i64.mul (i64.xor (local.get $h) (local.get $v))
                               (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $h)))
