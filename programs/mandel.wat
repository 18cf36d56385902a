;; mandel: f64 arithmetic.
;;
;; run(n) = total escape-time iterations of the Mandelbrot set over an n x n
;; grid of the rectangle [-2.0, 0.5] x [-1.25, 1.25] (at most 64 iterations per
;; point, escape when x^2 + y^2 > 4).  Only f64 add/sub/mul/compare and
;; i32<->f64 conversion; wasm's f64 is IEEE binary64 with round-to-nearest and
;; no fused multiply-add, so the count is the same on every runtime.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $px i32) (local $py i32) (local $k i32) (local $total i64)
    (local $cx f64) (local $cy f64) (local $x f64) (local $y f64)
    (local $xx f64) (local $yy f64) (local $step f64)
    (local.set $step (f64.div (f64.const 2.5) (f64.convert_i32_s (local.get $n))))
    (block $ydone
      (loop $yl
        (br_if $ydone (i32.ge_s (local.get $py) (local.get $n)))
        (local.set $cy (f64.sub (f64.mul (f64.convert_i32_s (local.get $py)) (local.get $step))
                                (f64.const 1.25)))
        (local.set $px (i32.const 0))
        (block $xdone
          (loop $xl
            (br_if $xdone (i32.ge_s (local.get $px) (local.get $n)))
            (local.set $cx (f64.sub (f64.mul (f64.convert_i32_s (local.get $px)) (local.get $step))
                                    (f64.const 2.0)))
            (local.set $x (f64.const 0))
            (local.set $y (f64.const 0))
            (local.set $k (i32.const 0))
            (block $escaped
              (loop $it
                (local.set $xx (f64.mul (local.get $x) (local.get $x)))
                (local.set $yy (f64.mul (local.get $y) (local.get $y)))
                (br_if $escaped (f64.gt (f64.add (local.get $xx) (local.get $yy)) (f64.const 4.0)))
                (local.set $y (f64.add (f64.mul (f64.mul (f64.const 2.0) (local.get $x)) (local.get $y))
                                       (local.get $cy)))
                (local.set $x (f64.add (f64.sub (local.get $xx) (local.get $yy)) (local.get $cx)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $it (i32.lt_u (local.get $k) (i32.const 64)))))
            (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get $k))))
            (local.set $px (i32.add (local.get $px) (i32.const 1)))
            (br $xl)))
        (local.set $py (i32.add (local.get $py) (i32.const 1)))
        (br $yl)))
    (local.get $total)))
