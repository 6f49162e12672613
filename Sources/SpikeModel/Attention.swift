import Foundation
import SpikeKernels

/// Causal multi-head self-attention core on a packed qkv activation [B*T, 3d] (q | k | v per row),
/// after the q/k/v projections and before the output projection. Each (batch, head) pair is an
/// independent set of small single-threaded matrix products; pairs run in parallel.
struct AttentionCore {
    let nHeads: Int
    let headDim: Int
    let rope: RoPE

    var d: Int { nHeads * headDim }

    /// Rotates q and k of every row in place (inverse: the transposed rotation, for gradients).
    func applyRoPE(_ qkv: UnsafeMutablePointer<Float>, batch: Int, length: Int, inverse: Bool) {
        let d = self.d, stride = 3 * d
        parallelRanges(batch * length, minChunk: 16) { r0, r1 in
            for r in r0..<r1 {
                let position = r % length
                let row = qkv + r * stride
                for h in 0..<(2 * nHeads) {  // q heads then k heads
                    rope.rotate(row + h * headDim, position: position, inverse: inverse)
                }
            }
        }
    }

    /// probs[b, h] = causal softmax(q k^T / sqrt(hd)); out[b, t, h*hd...] = probs v.
    func forward(qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                 batch: Int, length T: Int) {
        let d = self.d, hd = headDim, stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        parallelFor(batch * nHeads) { bh in
            let b = bh / nHeads, h = bh % nHeads
            let q = qkv + b * T * stride + h * hd
            let k = q + d, v = q + 2 * d
            let p = probs + bh * T * T
            Blas.gemm(transA: false, transB: true, m: T, n: T, k: hd, alpha: scale,
                      a: q, lda: stride, b: k, ldb: stride, c: p, ldc: T)
            for i in 0..<T {
                let row = p + i * T
                let maxValue = VectorMath.max(row, count: i + 1)
                let inv = 1 / VectorMath.expShifted(row, row, count: i + 1, shift: maxValue)
                for j in 0...i { row[j] *= inv }
                for j in (i + 1)..<max(i + 1, T) { row[j] = 0 }
            }
            Blas.gemm(transA: false, transB: false, m: T, n: hd, k: T,
                      a: p, lda: T, b: v, ldb: stride, c: out + b * T * d + h * hd, ldc: d)
        }
    }

    /// From dOut [B*T, d] computes dqkv [B*T, 3d] (overwritten), using `scratch` (B*H*T*T floats).
    func backward(dOut: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                  dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, batch: Int, length T: Int) {
        let d = self.d, hd = headDim, stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        parallelFor(batch * nHeads) { bh in
            let b = bh / nHeads, h = bh % nHeads
            let q = qkv + b * T * stride + h * hd
            let k = q + d, v = q + 2 * d
            let dq = dqkv + b * T * stride + h * hd
            let dk = dq + d, dv = dq + 2 * d
            let p = probs + bh * T * T
            let dp = scratch + bh * T * T
            let dO = dOut + b * T * d + h * hd
            // dP = dO v^T and dv = P^T dO.
            Blas.gemm(transA: false, transB: true, m: T, n: T, k: hd, a: dO, lda: d, b: v, ldb: stride, c: dp, ldc: T)
            Blas.gemm(transA: true, transB: false, m: T, n: hd, k: T, a: p, lda: T, b: dO, ldb: d, c: dv, ldc: stride)
            // Softmax backward: dS = P * (dP - rowsum(P * dP)), times the score scale.
            for i in 0..<T {
                let pr = p + i * T, dr = dp + i * T
                var dot: Float = 0
                for j in 0...i { dot += pr[j] * dr[j] }
                for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
                for j in (i + 1)..<max(i + 1, T) { dr[j] = 0 }
            }
            // dq = dS k and dk = dS^T q.
            Blas.gemm(transA: false, transB: false, m: T, n: hd, k: T, a: dp, lda: T, b: k, ldb: stride, c: dq, ldc: stride)
            Blas.gemm(transA: true, transB: false, m: T, n: hd, k: T, a: dp, lda: T, b: q, ldb: stride, c: dk, ldc: stride)
        }
    }
}
