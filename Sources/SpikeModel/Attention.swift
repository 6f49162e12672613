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

    /// The largest causal attention logit q_i . k_j / sqrt(hd), j <= i, over every batch row and
    /// head of a packed qkv activation (q and k after RoPE): Wortsman et al.'s attention-logit growth.
    /// Each (batch, head) pair is scanned single-threaded, pairs in parallel; a maximum does not
    /// depend on the order, so the result is the same for any thread split.
    func maxLogit(qkv: UnsafePointer<Float>, batch: Int, length T: Int) -> Float {
        let d = self.d, hd = headDim, stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        var maxima = [Float](repeating: -.infinity, count: batch * nHeads)
        maxima.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            parallelFor(batch * nHeads) { bh in
                let b = bh / nHeads, h = bh % nHeads
                let q = qkv + b * T * stride + h * hd, k = q + d
                var best = -Float.infinity
                for i in 0..<T {
                    for j in 0...i { best = Swift.max(best, Reduce.dotFloat(q + i * stride, k + j * stride, hd)) }
                }
                out[bh] = best * scale
            }
        }
        return maxima.max() ?? -.infinity
    }

    /// Causal attention is computed in blocks of query rows: block [i0, i1) only needs keys
    /// [0, i1), which skips most of the masked upper triangle (about 40 % of the work at T = 128).
    static let queryBlock = 32

    /// probs[b, h] = causal softmax(q k^T / sqrt(hd)); out[b, t, h*hd...] = probs v. Only the
    /// blocks' lower parts of probs are written (entries j > i inside a block are 0).
    func forward(qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                 batch: Int, length T: Int) {
        let d = self.d, hd = headDim, stride = 3 * d
        let scale = 1 / Float(hd).squareRoot()
        parallelFor(batch * nHeads) { bh in
            let b = bh / nHeads, h = bh % nHeads
            let q = qkv + b * T * stride + h * hd
            let k = q + d, v = q + 2 * d
            let p = probs + bh * T * T
            let o = out + b * T * d + h * hd
            for i0 in Swift.stride(from: 0, to: T, by: AttentionCore.queryBlock) {
                let i1 = min(T, i0 + AttentionCore.queryBlock), rows = i1 - i0
                Blas.gemm(transA: false, transB: true, m: rows, n: i1, k: hd, alpha: scale,
                          a: q + i0 * stride, lda: stride, b: k, ldb: stride, c: p + i0 * T, ldc: T)
                for i in i0..<i1 {
                    let row = p + i * T
                    let maxValue = VectorMath.max(row, count: i + 1)
                    let inv = 1 / VectorMath.expShifted(row, row, count: i + 1, shift: maxValue)
                    VectorMath.scale(row, count: i + 1, by: inv)
                    for j in (i + 1)..<max(i + 1, i1) { row[j] = 0 }
                }
                Blas.gemm(transA: false, transB: false, m: rows, n: hd, k: i1,
                          a: p + i0 * T, lda: T, b: v, ldb: stride, c: o + i0 * d, ldc: d)
            }
        }
    }

    /// From dOut [B*T, d] computes dqkv [B*T, 3d] (overwritten), using `scratch` (B*H*T*T floats).
    /// Blocks run last to first so the first one (keys [0, T)) initialises dk and dv.
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
            let starts = Array(Swift.stride(from: 0, to: T, by: AttentionCore.queryBlock))
            for (n, i0) in starts.reversed().enumerated() {
                let i1 = min(T, i0 + AttentionCore.queryBlock), rows = i1 - i0
                let accumulate: Float = n == 0 ? 0 : 1
                // dP = dO v^T and dv += P^T dO over this block's rows.
                Blas.gemm(transA: false, transB: true, m: rows, n: i1, k: hd,
                          a: dO + i0 * d, lda: d, b: v, ldb: stride, c: dp + i0 * T, ldc: T)
                Blas.gemm(transA: true, transB: false, m: i1, n: hd, k: rows,
                          a: p + i0 * T, lda: T, b: dO + i0 * d, ldb: d, beta: accumulate, c: dv, ldc: stride)
                // Softmax backward: dS = P * (dP - rowsum(P * dP)), times the score scale.
                for i in i0..<i1 {
                    let pr = p + i * T, dr = dp + i * T
                    let dot = Reduce.dotFloat(pr, dr, i + 1)
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) * scale }
                    for j in (i + 1)..<max(i + 1, i1) { dr[j] = 0 }
                }
                // dq = dS k for the block's rows; dk += dS^T q.
                Blas.gemm(transA: false, transB: false, m: rows, n: hd, k: i1,
                          a: dp + i0 * T, lda: T, b: k, ldb: stride, c: dq + i0 * stride, ldc: stride)
                Blas.gemm(transA: true, transB: false, m: i1, n: hd, k: rows,
                          a: dp + i0 * T, lda: T, b: q + i0 * stride, ldb: stride, beta: accumulate, c: dk, ldc: stride)
            }
        }
    }
}
