import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

/// `AttentionCore.maxLogit` (the probe's attention-logit growth) against a brute-force scan in Double.
@Suite struct AttentionLogitTests {
    @Test func maxLogitIsTheLargestCausalScaledDotProduct() {
        let batch = 3, T = 7, heads = 2, hd = 4, d = heads * hd
        let core = AttentionCore(nHeads: heads, headDim: hd, rope: RoPE(headDim: hd, maxPositions: T, theta: 10000))
        var rng = RandomGenerator(seed: 4)
        var qkv = (0..<(batch * T * 3 * d)).map { _ in Float(rng.normal()) }
        // A large logit above the diagonal (j > i) must be ignored: make one q.k huge there.
        for c in 0..<hd { qkv[0 * 3 * d + c] = 30; qkv[5 * 3 * d + d + c] = 30 }
        var expected = -Double.infinity
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<T {
                    for j in 0...i {
                        var dot = 0.0
                        for c in 0..<hd {
                            dot += Double(qkv[(b * T + i) * 3 * d + h * hd + c]) * Double(qkv[(b * T + j) * 3 * d + d + h * hd + c])
                        }
                        expected = max(expected, dot / Double(hd).squareRoot())
                    }
                }
            }
        }
        let got = qkv.withUnsafeBufferPointer { core.maxLogit(qkv: $0.baseAddress!, batch: batch, length: T) }
        #expect(abs(Double(got) - expected) <= 1e-5 * abs(expected), "\(got) vs \(expected)")
        #expect(Double(got) < 30 * 30 * 4 / 2 / 2)   // the masked pair (i = 0, j = 5) is not counted
    }
}
