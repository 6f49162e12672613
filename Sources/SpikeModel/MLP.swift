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
                    for j in 0..<h { a[j] = g[j] / (1 + expf(-g[j])) * u[j] }
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
                        let s = 1 / (1 + expf(-g[j]))
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

    /// Exact GELU, x * Phi(x), as torch.nn.functional.gelu.
    @inline(__always)
    static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * Float(0.5.squareRoot()))) }

    @inline(__always)
    static func geluDerivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + erff(x * Float(0.5.squareRoot())))
        let pdf = expf(-0.5 * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        return cdf + x * pdf
    }
}
