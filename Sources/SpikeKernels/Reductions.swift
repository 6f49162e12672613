/// Reductions accumulated in Double so that norms of millions of values stay accurate.
public enum Reduce {
    @inline(__always)
    public static func sumOfSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        while i + 4 <= n {
            let a = Double(p[i]), b = Double(p[i + 1]), c = Double(p[i + 2]), d = Double(p[i + 3])
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            i += 4
        }
        while i < n { let a = Double(p[i]); s0 += a * a; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(a[i]) * Double(b[i]) }
        return s
    }

    /// Float dot product for hot inner loops (vectorises).
    @inline(__always)
    public static func dotFloat(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        while i < n { s0 += a[i] * b[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// sum_i a[i] * b[i] * c[i] in Float, four lanes like `dotFloat`.
    @inline(__always)
    public static func dotFloat(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= n {
            s0 += a[i] * b[i] * c[i]; s1 += a[i + 1] * b[i + 1] * c[i + 1]
            s2 += a[i + 2] * b[i + 2] * c[i + 2]; s3 += a[i + 3] * b[i + 3] * c[i + 3]
            i += 4
        }
        while i < n { s0 += a[i] * b[i] * c[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }
}
