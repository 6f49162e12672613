import SpikeKernels

/// Token embedding lookup, optionally scaled by sqrt(d) ("Spike No More").
enum Embedding {
    static func forward(tokens: UnsafePointer<Int32>, table: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                        rows: Int, d: Int, scale: Float) {
        parallelRanges(rows, minChunk: 64) { r0, r1 in
            for r in r0..<r1 {
                let src = table + Int(tokens[r]) * d, dst = out + r * d
                for j in 0..<d { dst[j] = src[j] * scale }
            }
        }
    }

    /// dTable[token] += scale * dOut. Sequential: rows with the same token add in a fixed order.
    static func backward(tokens: UnsafePointer<Int32>, dOut: UnsafePointer<Float>, dTable: UnsafeMutablePointer<Float>,
                         rows: Int, d: Int, scale: Float) {
        for r in 0..<rows {
            let dst = dTable + Int(tokens[r]) * d, src = dOut + r * d
            for j in 0..<d { dst[j] += src[j] * scale }
        }
    }
}
