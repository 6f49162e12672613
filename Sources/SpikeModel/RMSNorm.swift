import Foundation
import SpikeKernels

/// y = x / sqrt(mean(x^2) + eps) * weight, per row (Llama's RMSNorm).
enum RMSNorm {
    /// Writes y and the per-row reciprocal RMS (saved for backward).
    static func forward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, out y: UnsafeMutablePointer<Float>,
                        rstd: UnsafeMutablePointer<Float>, rows: Int, d: Int, eps: Float) {
        parallelRanges(rows, minChunk: 32) { r0, r1 in
            for r in r0..<r1 {
                let xr = x + r * d, yr = y + r * d
                let meanSquare = Reduce.dotFloat(xr, xr, d) / Float(d)
                let s = 1 / (meanSquare + eps).squareRoot()
                rstd[r] = s
                for j in 0..<d { yr[j] = xr[j] * s * weight[j] }
            }
        }
    }

    /// dx (+)= rstd * (g - x * rstd^2 * mean(g * x)) with g = dy * weight; dWeight += sum_rows dy * x * rstd.
    static func backward(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rstd: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                         rows: Int, d: Int, accumulate: Bool) {
        // Rows go in fixed blocks; each block also sums its rows' share of the weight gradient,
        // and the blocks' sums are added in order, so the result does not depend on the worker count.
        let blocks = (rows + weightBlockRows - 1) / weightBlockRows
        withUnsafeTemporaryAllocation(of: Float.self, capacity: blocks * d) { scratch in
            let partial = scratch.baseAddress!
            parallelFor(blocks) { b in
                let sum = partial + b * d
                sum.update(repeating: 0, count: d)
                for r in (b * weightBlockRows)..<min(rows, (b + 1) * weightBlockRows) {
                    let dyr = dy + r * d, xr = x + r * d, dxr = dx + r * d
                    let s = rstd[r]
                    let c = Reduce.dotFloat(dyr, weight, xr, d) * s * s * s / Float(d)
                    if accumulate {
                        for j in 0..<d { dxr[j] += dyr[j] * weight[j] * s - xr[j] * c }
                    } else {
                        for j in 0..<d { dxr[j] = dyr[j] * weight[j] * s - xr[j] * c }
                    }
                    for j in 0..<d { sum[j] += dyr[j] * xr[j] * s }
                }
            }
            for b in 0..<blocks {
                let sum = partial + b * d
                for j in 0..<d { dWeight[j] += sum[j] }
            }
        }
    }

    /// Rows per partial sum of the weight gradient.
    static let weightBlockRows = 128
}
