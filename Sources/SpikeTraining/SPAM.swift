import Foundation
import SpikeKernels
import SpikeModel

/// SPAM (Huang et al., ICLR 2025: spike-aware Adam with momentum reset), implemented to behave
/// like its reference code, quirks included (../shared/papers/spam-reference.md). The parity
/// fixtures come from tools/spam_reference.py, an independent PyTorch version.
///
/// Update n (1-based) does the following:
/// - If n is a multiple of ΔT, both moments are zeroed. The bias-correction counter k = n keeps
///   counting.
/// - Spike-aware clipping, when θ ≠ 0, n ≥ A and n mod ΔT ≥ A: where g² > θ·v (v before this
///   update), g becomes sign(g)·sqrt(θ·v).
/// - The Adam moments are updated, then p -= α·s·m / (sqrt(v) + eps), with
///   α = lr·sqrt(1 − β2^k) / (1 − β1^k) and s the cosine warm-up factor since the last reset.
/// - Decoupled weight decay, p -= lr·wd·p, on the matrices outside the sparse-momentum group
///   (embedding, head).
/// - When n + 1 is a multiple of ΔT: new masks, and the warm-up restarts.
///
/// The float operations are those of tools/spam_reference.py, in its order, so the parity test
/// can be tight. Moments are full-size; a masked-out coordinate keeps m = v = 0 and is not
/// updated.
public final class SPAM: Optimizer {
    public let config: OptimizerConfig
    public let settings: SPAMConfig
    public let layout: ParameterLayout
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Updates taken. The trainer gives every tensor a gradient at every update, so this is also
    /// each tensor's own counter k in the reference.
    public private(set) var step = 0
    /// c: updates since the warm-up last restarted. It starts at N + 1, so training does not
    /// start with a warm-up.
    public private(set) var warmupCounter: Int
    /// The warm-up factor s used by the last update.
    public private(set) var lastWarmupFactor = 1.0
    /// How many coordinates of each layout tensor the last update clipped.
    public private(set) var clippedCounts: [Int]
    /// For each layout tensor, whether it is in the sparse-momentum group: the attention and MLP
    /// matrices, as in the reference training script.
    public let sparseMomentum: [Bool]
    /// nil when the density is 1: then every coordinate is updated and no mask is stored.
    let masks: SparseMomentumMasks?

    public init(config: OptimizerConfig, layout: ParameterLayout, seed: UInt64) {
        let settings = config.spam ?? SPAMConfig()
        self.config = config; self.settings = settings; self.layout = layout
        m = FloatBuffer(count: layout.count)
        v = FloatBuffer(count: layout.count)
        warmupCounter = settings.warmupSteps + 1
        clippedCounts = Array(repeating: 0, count: layout.specs.count)
        let sparse = layout.specs.map { $0.isMatrix && ($0.role == .attention || $0.role == .mlp) }
        sparseMomentum = sparse
        let grouped = sparse.indices.filter { sparse[$0] }
        masks = settings.density < 1 ? SparseMomentumMasks(layout: layout, tensors: grouped, density: settings.density, seed: seed) : nil
    }

    public func update(parameters: FloatBuffer, gradients: FloatBuffer, lr: Double, gradientScale: Float = 1) {
        step += 1
        let n = step, c = config, s = settings
        let factor = s.warmupFactor(warmupCounter)
        let reset = n % s.resetInterval == 0
        let clipping = s.theta != 0 && n >= s.clippingHoldOff && n % s.resetInterval >= s.clippingHoldOff
        var alpha = lr
        if s.biasCorrection { alpha = lr * (1 - pow(c.beta2, Double(n))).squareRoot() / (1 - pow(c.beta1, Double(n))) }
        let stepScale = Float(alpha * factor), decay = Float(lr * c.weightDecay)
        let beta1 = Float(c.beta1), oneMinusBeta1 = Float(1 - c.beta1)
        let beta2 = Float(c.beta2), oneMinusBeta2 = Float(1 - c.beta2)
        let theta = Float(s.theta), eps = Float(c.eps)
        let specs = layout.specs, chunks = layout.chunks, sparse = sparseMomentum, masks = masks
        var clipped = [Int](repeating: 0, count: chunks.count)
        clipped.withUnsafeMutableBufferPointer { clippedOut in
            parallelFor(chunks.count) { k in
                let chunk = chunks[k], spec = specs[chunk.tensor]
                guard spec.trainable else { return }
                let decayed = spec.isMatrix && !sparse[chunk.tensor] && c.weightDecay > 0
                let p = parameters.pointer, g = gradients.pointer, mt = m.pointer, vt = v.pointer
                var count = 0
                @inline(__always) func updateCoordinate(_ i: Int) {
                    var gi = g[i] * gradientScale
                    let m0: Float = reset ? 0 : mt[i], v0: Float = reset ? 0 : vt[i]
                    if clipping {
                        let limit = theta * v0
                        if gi * gi > limit {
                            let r = limit.squareRoot()
                            gi = gi < 0 ? -r : r
                            count += 1
                        }
                    }
                    let mi = m0 * beta1 + gi * oneMinusBeta1
                    let vi = v0 * beta2 + (gi * gi) * oneMinusBeta2
                    mt[i] = mi; vt[i] = vi
                    var w = p[i] - stepScale * (mi / (vi.squareRoot() + eps))
                    if decayed { w = w - decay * w }
                    p[i] = w
                }
                if let start = masks?.start[chunk.tensor] {
                    // Indexed by layout position, like p, g, m and v.
                    let mask = masks!.values.pointer + start - spec.offset
                    for i in chunk.range where mask[i] != 0 { updateCoordinate(i) }
                } else {
                    for i in chunk.range { updateCoordinate(i) }
                }
                clippedOut[k] = count
            }
        }
        clippedCounts = Array(repeating: 0, count: specs.count)
        for (k, chunk) in chunks.enumerated() { clippedCounts[chunk.tensor] += clipped[k] }
        lastWarmupFactor = factor
        warmupCounter += 1
        if (n + 1) % s.resetInterval == 0 {   // one update before a reset
            masks?.redraw(draw: (n + 1) / s.resetInterval, m: m, v: v)
            warmupCounter = 0
        }
    }

    /// `m.<tensor>` and `v.<tensor>` for every layout tensor (AdamW's names), then
    /// `mask.<tensor>` for the masked matrices when the density is below 1.
    public var stateTensors: [OptimizerStateTensor] {
        momentStateTensors(layout: layout, m: m, v: v) + (masks?.stateTensors ?? [])
    }

    public var stateMetadata: [String: String] {
        ["spam_step": String(step), "spam_warmup_counter": String(warmupCounter)]
    }

    public func restore(metadata: [String: String]) throws {
        step = try checkpointCounter("spam_step", in: metadata)
        warmupCounter = try checkpointCounter("spam_warmup_counter", in: metadata)
    }

    public var summary: String {
        let c = config, s = settings
        return "SPAM(beta1 \(c.beta1), beta2 \(c.beta2), eps \(c.eps), weight decay \(c.weightDecay) on the embedding and head, "
            + "theta \(s.theta), reset every \(s.resetInterval), warm-up \(s.warmupSteps) (paper; the reference script passes its LR warm-up), "
            + "clipping hold-off \(s.clippingHoldOff), density \(s.density) on attention and MLP matrices"
            + (s.biasCorrection ? ")" : ", no bias correction)")
    }
}
