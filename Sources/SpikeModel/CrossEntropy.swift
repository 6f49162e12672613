import Foundation
import SpikeKernels

/// Mean token cross-entropy plus the z-loss zLoss * mean(logsumexp^2) (PaLM), on logits [rows, V].
enum CrossEntropy {
    /// Returns (mean cross-entropy, mean z term) and stores each row's logsumexp for backward.
    static func forward(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, logSumExp: UnsafeMutablePointer<Float>,
                        rowLoss: UnsafeMutablePointer<Float>, rows: Int, vocab V: Int) -> (crossEntropy: Double, zTerm: Double) {
        parallelRanges(rows, minChunk: 8) { r0, r1 in
            for r in r0..<r1 {
                let row = logits + r * V
                let m = VectorMath.max(row, count: V)
                let lse = m + logf(VectorMath.sumExpShifted(row, count: V, shift: m))
                logSumExp[r] = lse
                rowLoss[r] = lse - row[Int(targets[r])]
            }
        }
        var ce = 0.0, z = 0.0
        for r in 0..<rows { ce += Double(rowLoss[r]); z += Double(logSumExp[r]) * Double(logSumExp[r]) }
        return (ce / Double(rows), z / Double(rows))
    }

    /// Overwrites logits with dLoss/dlogits: (softmax - onehot) / rows + zLoss * 2 * lse * softmax / rows.
    static func backward(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, logSumExp: UnsafePointer<Float>,
                         rows: Int, vocab V: Int, zLoss: Float) {
        let invRows = 1 / Float(rows)
        parallelRanges(rows, minChunk: 8) { r0, r1 in
            for r in r0..<r1 {
                let row = logits + r * V
                let lse = logSumExp[r]
                let factor = invRows * (1 + 2 * zLoss * lse)
                _ = VectorMath.expShifted(row, row, count: V, shift: lse)
                for j in 0..<V { row[j] *= factor }
                row[Int(targets[r])] -= invRows
            }
        }
    }
}
