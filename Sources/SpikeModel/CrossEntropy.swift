import Foundation
import SpikeKernels

/// Mean token cross-entropy plus the z-loss zLoss * mean(logsumexp^2) (PaLM), on logits [rows, V].
/// The forward pass replaces each logits row by its softmax, which is all backward needs, so the
/// exponentials over the vocabulary are computed once per step.
enum CrossEntropy {
    /// Returns (mean cross-entropy, mean z term); `logits` then holds the probabilities and
    /// `logSumExp` each row's logsumexp.
    static func forward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, logSumExp: UnsafeMutablePointer<Float>,
                        rowLoss: UnsafeMutablePointer<Float>, rows: Int, vocab V: Int) -> (crossEntropy: Double, zTerm: Double) {
        parallelRanges(rows, minChunk: 8) { r0, r1 in
            for r in r0..<r1 {
                let row = logits + r * V
                let target = row[Int(targets[r])]
                let m = VectorMath.max(row, count: V)
                let sum = VectorMath.expShifted(row, row, count: V, shift: m)
                let lse = m + logf(sum)
                logSumExp[r] = lse
                rowLoss[r] = lse - target
                VectorMath.scale(row, count: V, by: 1 / sum)
            }
        }
        var ce = 0.0, z = 0.0
        for r in 0..<rows { ce += Double(rowLoss[r]); z += Double(logSumExp[r]) * Double(logSumExp[r]) }
        return (ce / Double(rows), z / Double(rows))
    }

    /// Turns the probabilities left by `forward` into dLoss/dlogits in place:
    /// (softmax - onehot) / rows + zLoss * 2 * lse * softmax / rows.
    static func backward(probabilities: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, logSumExp: UnsafePointer<Float>,
                         rows: Int, vocab V: Int, zLoss: Float) {
        let invRows = 1 / Float(rows)
        parallelRanges(rows, minChunk: 8) { r0, r1 in
            for r in r0..<r1 {
                let row = probabilities + r * V
                VectorMath.scale(row, count: V, by: invRows * (1 + 2 * zLoss * logSumExp[r]))
                row[Int(targets[r])] -= invRows
            }
        }
    }
}
