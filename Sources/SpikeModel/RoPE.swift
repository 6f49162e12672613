import Foundation

/// Rotary position embedding in the Hugging Face Llama convention: dimension i pairs with
/// i + hd/2, angle = position * theta^(-2i/hd).
struct RoPE {
    let headDim: Int
    let cosTable: [Float]   // [maxPositions, hd/2]
    let sinTable: [Float]

    init(headDim: Int, maxPositions: Int, theta: Float) {
        self.headDim = headDim
        let half = headDim / 2
        var c = [Float](repeating: 0, count: maxPositions * half), s = c
        for p in 0..<maxPositions {
            for i in 0..<half {
                // Angles in Double, rounded once to Float, so long contexts keep accurate phases.
                let angle = Double(p) * pow(Double(theta), -Double(2 * i) / Double(headDim))
                c[p * half + i] = Float(cos(angle))
                s[p * half + i] = Float(sin(angle))
            }
        }
        cosTable = c; sinTable = s
    }

    /// Rotates one head vector at `position` in place; `inverse` applies the transpose (for backward).
    @inline(__always)
    func rotate(_ v: UnsafeMutablePointer<Float>, position: Int, inverse: Bool) {
        let half = headDim / 2
        cosTable.withUnsafeBufferPointer { cp in
            sinTable.withUnsafeBufferPointer { sp in
                let cr = cp.baseAddress! + position * half, sr = sp.baseAddress! + position * half
                for i in 0..<half {
                    let a = v[i], b = v[i + half]
                    let c = cr[i], s = inverse ? -sr[i] : sr[i]
                    v[i] = a * c - b * s
                    v[i + half] = b * c + a * s
                }
            }
        }
    }
}
