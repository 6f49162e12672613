import Foundation
import SpikeKernels
import SpikeModel

/// AdamW exactly as torch.optim.AdamW (single-tensor path): decoupled decay p *= 1 - lr*wd,
/// m = lerp(m, g, 1-beta1), v = beta2 v + (1-beta2) g^2, p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
/// The state (m, v) lives in two flat buffers with the model's parameter layout. With eps = 0 a
/// coordinate whose denominator sqrt(v)/sqrt(bc2) is 0 is not moved by the Adam term (0/0 := 0,
/// and m/0 := 0 where g^2 underflowed); weight decay still applies.
public final class AdamW: Optimizer {
    public let config: OptimizerConfig
    public let layout: ParameterLayout
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Number of updates taken (PyTorch's `step`).
    public internal(set) var step: Int = 0

    public init(config: OptimizerConfig, layout: ParameterLayout) {
        self.config = config
        self.layout = layout
        m = FloatBuffer(count: layout.count)
        v = FloatBuffer(count: layout.count)
    }

    /// Applies one update with learning rate `lr` to `parameters` from `gradients` times
    /// `gradientScale` (the clipping coefficient, applied here instead of in a separate pass over
    /// the gradients; the products are the same floats).
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, lr: Double, gradientScale: Float = 1) {
        step += 1
        let c = config
        let bc1 = 1 - pow(c.beta1, Double(step)), bc2 = 1 - pow(c.beta2, Double(step))
        let stepSize = Float(lr / bc1), bc2Sqrt = Float(bc2.squareRoot())
        let b1Weight = Float(1 - c.beta1), beta2 = Float(c.beta2), oneMinusBeta2 = Float(1 - c.beta2)
        let eps = Float(c.eps)
        let specs = layout.specs
        let chunks = layout.chunks
        parallelFor(chunks.count) { n in
            let chunk = chunks[n]
            guard specs[chunk.tensor].trainable else { return }
            let decay = Float(1 - lr * (specs[chunk.tensor].isMatrix ? c.weightDecay : 0))
            let p = parameters.pointer, g = gradients.pointer, mt = m.pointer, vt = v.pointer
            for i in chunk.range {
                var w = p[i] * decay
                let gi = g[i] * gradientScale
                let mi = mt[i] + b1Weight * (gi - mt[i])
                let vi = vt[i] * beta2 + oneMinusBeta2 * gi * gi
                mt[i] = mi; vt[i] = vi
                let denominator = vi.squareRoot() / bc2Sqrt + eps
                // Only eps = 0 can make the denominator 0; the branch leaves every other float unchanged.
                if eps > 0 || denominator > 0 { w -= stepSize * (mi / denominator) }
                p[i] = w
            }
        }
    }

    public var stateTensors: [OptimizerStateTensor] { momentStateTensors(layout: layout, m: m, v: v) }

    public var stateMetadata: [String: String] { ["adam_step": String(step)] }

    public func restore(metadata: [String: String]) throws { step = try checkpointCounter("adam_step", in: metadata) }

    public var summary: String {
        let c = config
        return "AdamW(beta1 \(c.beta1), beta2 \(c.beta2), eps \(c.eps), weight decay \(c.weightDecay) on matrices)"
    }
}

/// Global gradient norm and PyTorch-style clipping (clip_grad_norm_: scale by
/// maxNorm / (norm + 1e-6) when that is below 1).
public enum GradientClipping {
    /// Per-tensor gradient norms in layout order and the global norm (sums in Double, fixed order).
    public static func norms(_ gradients: FloatBuffer, layout: ParameterLayout) -> (perTensor: [Double], global: Double) {
        let squares = perTensorSums(layout.chunks, tensors: layout.specs.count) { r in
            SIMD2(Reduce.sumOfSquares(gradients.pointer + r.lowerBound, r.count), 0)
        }.map { $0?.x ?? 0 }
        return (squares.map { $0.squareRoot() }, squares.reduce(0, +).squareRoot())
    }

    /// The factor clip_grad_norm_ multiplies the gradients by, or nil when it leaves them alone.
    public static func coefficient(globalNorm: Double, maxNorm: Double) -> Float? {
        let coefficient = maxNorm / (globalNorm + 1e-6)
        return coefficient < 1 ? Float(coefficient) : nil
    }
}

/// Per-tensor sums over `chunks` (pieces of the parameter layout): `chunkSums` runs on each chunk
/// in parallel, and its values are added per tensor in chunk order, so the result does not depend
/// on the number of threads. nil for a tensor no chunk belongs to.
public func perTensorSums<Sums: SIMD>(_ chunks: [(tensor: Int, range: Range<Int>)], tensors: Int,
                                      _ chunkSums: (Range<Int>) -> Sums) -> [Sums?] where Sums.Scalar == Double {
    var partial = [Sums](repeating: .zero, count: chunks.count)
    partial.withUnsafeMutableBufferPointer { out in
        parallelFor(chunks.count) { n in out[n] = chunkSums(chunks[n].range) }
    }
    var sums = [Sums?](repeating: nil, count: tensors)
    for (n, chunk) in chunks.enumerated() { sums[chunk.tensor] = (sums[chunk.tensor] ?? .zero) + partial[n] }
    return sums
}
