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
        parallelRanges(rows, minChunk: 32) { r0, r1 in
            for r in r0..<r1 {
                let dyr = dy + r * d, xr = x + r * d, dxr = dx + r * d
                let s = rstd[r]
                var dot: Float = 0
                for j in 0..<d { dot += dyr[j] * weight[j] * xr[j] }
                let c = dot * s * s * s / Float(d)
                if accumulate {
                    for j in 0..<d { dxr[j] += dyr[j] * weight[j] * s - xr[j] * c }
                } else {
                    for j in 0..<d { dxr[j] = dyr[j] * weight[j] * s - xr[j] * c }
                }
            }
        }
        // The weight gradient sums over rows in a fixed order (deterministic for any worker count).
        for r in 0..<rows {
            let dyr = dy + r * d, xr = x + r * d
            let s = rstd[r]
            for j in 0..<d { dWeight[j] += dyr[j] * xr[j] * s }
        }
    }
}
