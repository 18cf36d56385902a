;; sieve: loops over linear memory.
;;
;; run(n) = sum of the primes below n (i64), by the sieve of Eratosthenes over
;; one byte per number at address 0.  Memory grows on demand to hold n bytes;
;; every call first clears [0, n) with a store loop, so the result does not
;; depend on earlier calls.  The hot loops are i32.store8 / i32.load8_u with an
;; induction variable: they measure loads, stores and loop back-edges.
(module
  (memory (export "memory") 1)

  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $sum i64) (local $need i32)
    ;; grow to ceil(n / 64 KiB) pages
    (local.set $need
      (i32.sub
        (i32.shr_u (i32.add (local.get $n) (i32.const 65535)) (i32.const 16))
        (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $need)) (i32.const -1))
              (then unreachable))))
    ;; clear: mem[i] = 0 for i in [0, n)
    (local.set $i (i32.const 0))
    (block $done
      (loop $clear
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $clear)))
    ;; sieve: for i = 2; i*i < n; i++: if !mem[i]: for j = i*i; j < n; j += i: mem[j] = 1
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $inner_done
              (loop $inner
                (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    ;; sum the primes in [2, n)
    (local.set $i (i32.const 2))
    (block $done
      (loop $sum_loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then (local.set $sum
                  (i64.add (local.get $sum) (i64.extend_i32_u (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sum_loop)))
    (local.get $sum)))
