/// Vectorised elementwise math on 8-lane SIMD vectors. glibc's expf is scalar; the softmaxes over
/// the vocabulary and the attention rows call exp tens of millions of times per step.
public enum VectorMath {
    public typealias V8 = SIMD8<Float>

    /// exp(x) with a relative error below 2e-7 over the float range (Cephes-style: 2^n * p(r),
    /// r = x - n ln 2 in two parts, degree-6 polynomial); exp(-inf) = 0, large x saturate to +inf.
    @inline(__always)
    public static func exp(_ x: V8) -> V8 {
        let clamped = x.clamped(lowerBound: V8(repeating: -103.97), upperBound: V8(repeating: 88.7228))
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = V8(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5e-1
        p = p * r * r + r + 1
        // 2^n built in two halves so n down to -150 (subnormal results) stays representable.
        let half = (n * 0.5).rounded(.down)
        let rest = n - half
        let e1 = SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(half) &+ 127) &<< 23
        let e2 = SIMD8<Int32>(truncatingIfNeeded: SIMD8<Int32>(rest) &+ 127) &<< 23
        let scale1 = unsafeBitCast(e1, to: V8.self), scale2 = unsafeBitCast(e2, to: V8.self)
        var result = p * scale1 * scale2
        result.replace(with: V8(repeating: .infinity), where: x .> 88.7228)
        result.replace(with: V8(repeating: 0), where: x .< -103.97)
        return result
    }

    /// Scalar exp through the vector path (same values as the vector lanes).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(V8(repeating: x))[0] }

    /// y[i] = exp(x[i] - shift), returns the sum (Float, accumulated in 8 lanes then reduced).
    @inline(__always)
    public static func expShifted(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc = V8.zero
        var i = 0
        let s = V8(repeating: shift)
        while i + 8 <= n {
            let e = exp(UnsafeRawPointer(x + i).loadUnaligned(as: V8.self) - s)
            UnsafeMutableRawPointer(y + i).storeBytes(of: e, as: V8.self)
            acc += e
            i += 8
        }
        var tail: Float = 0
        while i < n { let e = exp(x[i] - shift); y[i] = e; tail += e; i += 1 }
        return acc.sum() + tail
    }

    /// Sum of exp(x[i] - shift) without storing.
    @inline(__always)
    public static func sumExpShifted(_ x: UnsafePointer<Float>, count n: Int, shift: Float) -> Float {
        var acc = V8.zero
        var i = 0
        let s = V8(repeating: shift)
        while i + 8 <= n {
            acc += exp(UnsafeRawPointer(x + i).loadUnaligned(as: V8.self) - s)
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += exp(x[i] - shift); i += 1 }
        return acc.sum() + tail
    }

    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = V8(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { acc = pointwiseMax(acc, UnsafeRawPointer(x + i).loadUnaligned(as: V8.self)); i += 8 }
        var m = acc.max()
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }
}
