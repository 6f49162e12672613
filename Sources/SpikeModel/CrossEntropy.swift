import Foundation
import SpikeKernels

/// Mean token cross-entropy plus the z-loss zLoss * mean(logsumexp^2) (PaLM), on logits [rows, V].
/// The forward pass replaces each logits row by exp(logit - row max) and keeps the row's 1 / sum:
/// all backward needs, so the exponentials over the vocabulary are computed once per step, and
/// backward folds the normalisation into the LM head's products instead of a pass over the logits.
enum CrossEntropy {
    /// Returns (mean cross-entropy, mean z term); `logits` then holds the shifted exponentials,
    /// `inverseSum` each row's 1 / sum of them and `logSumExp` each row's logsumexp.
    static func forward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, logSumExp: UnsafeMutablePointer<Float>,
                        inverseSum: UnsafeMutablePointer<Float>, rowLoss: UnsafeMutablePointer<Float>,
                        rows: Int, vocab V: Int) -> (crossEntropy: Double, zTerm: Double) {
        parallelRanges(rows, minChunk: 8) { r0, r1 in
            for r in r0..<r1 {
                let row = logits + r * V
                let target = row[Int(targets[r])]
                let m = VectorMath.max(row, count: V)
                let sum = VectorMath.expShifted(row, row, count: V, shift: m)
                let lse = m + logf(sum)
                logSumExp[r] = lse
                rowLoss[r] = lse - target
                inverseSum[r] = 1 / sum
            }
        }
        var ce = 0.0, z = 0.0
        for r in 0..<rows { ce += Double(rowLoss[r]); z += Double(logSumExp[r]) * Double(logSumExp[r]) }
        return (ce / Double(rows), z / Double(rows))
    }

    /// Backward through the loss and the LM head logits = X W^T together, without forming
    /// dLogits (a pass over the [rows, V] buffer saved). With E the exponentials `forward` left
    /// and s_r = (1 + 2 zLoss lse_r) inverseSum_r / rows,
    ///     dLogits[r, j] = s_r E[r, j] - [j = target_r] / rows,
    /// so dX = diag(s) E W - W[targets] / rows and dW = E^T diag(s) X - sum_r onehot(target_r) X[r] / rows:
    /// two matrix products on E plus corrections of size [rows, d]. dX is overwritten; dW is
    /// overwritten unless `accumulateWeight`.
    static func backwardThroughHead(exponentials: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                    logSumExp: UnsafePointer<Float>, inverseSum: UnsafePointer<Float>,
                                    hidden x: UnsafePointer<Float>, head w: UnsafePointer<Float>,
                                    dHead dw: UnsafeMutablePointer<Float>, dHidden dx: UnsafeMutablePointer<Float>,
                                    rows: Int, d: Int, vocab V: Int, zLoss: Float, accumulateWeight: Bool = false) {
        let invRows = 1 / Float(rows)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { scales in
            let s = scales.baseAddress!
            for r in 0..<rows { s[r] = invRows * (1 + 2 * zLoss * logSumExp[r]) * inverseSum[r] }
            // dx holds diag(s) X first, the right operand of dW's product.
            parallelRanges(rows, minChunk: 64) { r0, r1 in
                for r in r0..<r1 {
                    let xr = x + r * d, sx = dx + r * d, sr = s[r]
                    for j in 0..<d { sx[j] = xr[j] * sr }
                }
            }
            Blas.parallelGemm(transA: true, transB: false, m: V, n: d, k: rows, a: exponentials, lda: V, b: dx, ldb: d,
                              beta: accumulateWeight ? 1 : 0, c: dw, ldc: d)
            // Rows sharing a target add into the same dW row, in row order (deterministic).
            for r in 0..<rows {
                let xr = x + r * d, dwr = dw + Int(targets[r]) * d
                for j in 0..<d { dwr[j] -= xr[j] * invRows }
            }
            Blas.parallelGemm(transA: false, transB: false, m: rows, n: d, k: V, a: exponentials, lda: V, b: w, ldb: d,
                              c: dx, ldc: d)
            parallelRanges(rows, minChunk: 64) { r0, r1 in
                for r in r0..<r1 {
                    let dxr = dx + r * d, wr = w + Int(targets[r]) * d, sr = s[r]
                    for j in 0..<d { dxr[j] = dxr[j] * sr - wr[j] * invRows }
                }
            }
        }
    }
}
