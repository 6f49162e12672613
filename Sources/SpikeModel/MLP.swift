import Foundation
import SpikeKernels

/// The pointwise part of the MLP, between the up (and gate) projection and the down projection.
enum MLPActivation {
    /// swiglu: pre = [gate | up] per row (width 2h), act = silu(gate) * up (width h).
    /// gelu: pre = up (width h), act = gelu(up).
    static func forward(kind: MLPKind, pre: UnsafePointer<Float>, act: UnsafeMutablePointer<Float>, rows: Int, hidden h: Int) {
        switch kind {
        case .swiglu:
            parallelRanges(rows, minChunk: 16) { r0, r1 in
                for r in r0..<r1 {
                    let g = pre + r * 2 * h, u = g + h, a = act + r * h
                    for j in 0..<h { a[j] = g[j] / (1 + VectorMath.exp(-g[j])) * u[j] }
                }
            }
        case .gelu:
            parallelRanges(rows * h, minChunk: 4096) { i0, i1 in
                for i in i0..<i1 { act[i] = gelu(pre[i]) }
            }
        }
    }

    /// dPre from dAct (overwrites dPre, same layout as pre).
    static func backward(kind: MLPKind, pre: UnsafePointer<Float>, dAct: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>,
                         rows: Int, hidden h: Int) {
        switch kind {
        case .swiglu:
            parallelRanges(rows, minChunk: 16) { r0, r1 in
                for r in r0..<r1 {
                    let g = pre + r * 2 * h, u = g + h, da = dAct + r * h
                    let dg = dPre + r * 2 * h, du = dg + h
                    for j in 0..<h {
                        let s = 1 / (1 + VectorMath.exp(-g[j]))
                        let silu = g[j] * s
                        du[j] = da[j] * silu
                        dg[j] = da[j] * u[j] * s * (1 + g[j] * (1 - s))
                    }
                }
            }
        case .gelu:
            parallelRanges(rows * h, minChunk: 4096) { i0, i1 in
                for i in i0..<i1 { dPre[i] = dAct[i] * geluDerivative(pre[i]) }
            }
        }
    }

    /// Exact (erf) GELU, x * Phi(x), as torch.nn.functional.gelu, with Phi from the erfc
    /// approximation of Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), which
    /// vectorises, unlike glibc's erff, and stays accurate in the negative tail.
    @inline(__always)
    static func gelu(_ x: Float) -> Float { x * normalCDF(x).cdf }

    @inline(__always)
    static func geluDerivative(_ x: Float) -> Float {
        let (cdf, gauss) = normalCDF(x)
        return cdf + x * gauss * 0.398_942_28   // pdf = exp(-x^2/2) / sqrt(2 pi)
    }

    /// Phi(x) and exp(-x^2/2).
    @inline(__always)
    static func normalCDF(_ x: Float) -> (cdf: Float, gauss: Float) {
        let z = abs(x) * 0.707_106_78
        let t = 1 / (1 + 0.327_591_1 * z)
        var poly: Float = 1.061_405_429
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly *= t
        let gauss = VectorMath.exp(-z * z)
        let halfErfc = 0.5 * poly * gauss
        return (x >= 0 ? 1 - halfErfc : halfErfc, gauss)
    }
}
