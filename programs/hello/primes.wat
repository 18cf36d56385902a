;; primes: the "real program" for `make run` -- a WASI preview-1 command.
;;
;; Prints the primes below 1000, ten to a line, then their count and sum, and
;; exits with proc_exit(0).  It imports only fd_write and proc_exit, so any
;; runtime with minimal WASI (stdout) can run it.  Output is formatted line by
;; line in linear memory and written with one fd_write per line.
;;
;; Memory map:  0..8     iovec {buf, len}     8..12  nwritten
;;              16..     constant strings     2048..3048  sieve (1 byte/number)
;;              4096..   line buffer
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "primes below 1000:\n")        ;; 19 bytes
  (data (i32.const 48) "count: ")                     ;; 7 bytes
  (data (i32.const 64) ", sum: ")                     ;; 7 bytes

  (global $sieve i32 (i32.const 2048))
  (global $limit i32 (i32.const 1000))
  (global $line i32 (i32.const 4096))

  ;; write(ptr, len) to stdout; exit(2) if fd_write reports an error
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then (call $proc_exit (i32.const 2)))))

  ;; append the decimal digits of $v at $dst; return the new end
  (func $utoa (param $v i32) (param $dst i32) (result i32)
    (local $p i32)
    (local.set $p (i32.const 1))
    (block $done
      (loop $scale
        (br_if $done (i32.gt_u (i32.mul (local.get $p) (i32.const 10)) (local.get $v)))
        (local.set $p (i32.mul (local.get $p) (i32.const 10)))
        (br $scale)))
    (loop $emit
      (i32.store8 (local.get $dst)
        (i32.add (i32.const 48)
          (i32.rem_u (i32.div_u (local.get $v) (local.get $p)) (i32.const 10))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $p (i32.div_u (local.get $p) (i32.const 10)))
      (br_if $emit (local.get $p)))
    (local.get $dst))

  ;; the sieve: mark composites in [2, limit) with 1
  (func $sieve
    (local $i i32) (local $j i32)
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (global.get $limit)))
        (if (i32.eqz (i32.load8_u (i32.add (global.get $sieve) (local.get $i))))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $idone
              (loop $inner
                (br_if $idone (i32.ge_u (local.get $j) (global.get $limit)))
                (i32.store8 (i32.add (global.get $sieve) (local.get $j)) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer))))

  (func $main (export "_start")
    (local $i i32) (local $count i32) (local $sum i32) (local $p i32)
    (call $sieve)
    (call $write (i32.const 16) (i32.const 19))
    (local.set $p (global.get $line))
    (local.set $i (i32.const 2))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (global.get $limit)))
        (if (i32.eqz (i32.load8_u (i32.add (global.get $sieve) (local.get $i))))
          (then
            ;; separator: a space unless this starts the line
            (if (i32.ne (local.get $p) (global.get $line))
              (then (i32.store8 (local.get $p) (i32.const 32))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))))
            (local.set $p (call $utoa (local.get $i) (local.get $p)))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $sum (i32.add (local.get $sum) (local.get $i)))
            ;; ten per line
            (if (i32.eqz (i32.rem_u (local.get $count) (i32.const 10)))
              (then (i32.store8 (local.get $p) (i32.const 10))
                    (call $write (global.get $line)
                      (i32.sub (i32.add (local.get $p) (i32.const 1)) (global.get $line)))
                    (local.set $p (global.get $line))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    ;; flush a partial last line
    (if (i32.ne (local.get $p) (global.get $line))
      (then (i32.store8 (local.get $p) (i32.const 10))
            (call $write (global.get $line)
              (i32.sub (i32.add (local.get $p) (i32.const 1)) (global.get $line)))))
    ;; "count: N, sum: S\n"
    (call $write (i32.const 48) (i32.const 7))
    (local.set $p (call $utoa (local.get $count) (global.get $line)))
    (call $write (global.get $line) (i32.sub (local.get $p) (global.get $line)))
    (call $write (i32.const 64) (i32.const 7))
    (local.set $p (call $utoa (local.get $sum) (global.get $line)))
    (i32.store8 (local.get $p) (i32.const 10))
    (call $write (global.get $line)
      (i32.sub (i32.add (local.get $p) (i32.const 1)) (global.get $line)))
    (call $proc_exit (i32.const 0))))
