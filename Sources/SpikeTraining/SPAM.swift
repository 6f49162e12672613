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
/// can be tight. The masked matrices keep moments for their masked coordinates only
/// (`SparseMomentum`); a masked-out coordinate is not updated.
public final class SPAM: Optimizer {
    public let config: OptimizerConfig
    public let settings: SPAMConfig
    public let layout: ParameterLayout
    /// The moments of the tensors without a mask (all of them at density 1), tensor after
    /// tensor in layout order, at `denseOffset`.
    let m: FloatBuffer
    let v: FloatBuffer
    /// Where each tensor's moments start in `m` and `v`; nil for a masked matrix.
    let denseOffset: [Int?]
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
    let masks: SparseMomentum?

    public init(config: OptimizerConfig, layout: ParameterLayout, seed: UInt64) {
        let settings = config.spam ?? SPAMConfig()
        self.config = config; self.settings = settings; self.layout = layout
        warmupCounter = settings.warmupSteps + 1
        clippedCounts = Array(repeating: 0, count: layout.specs.count)
        let sparse = layout.specs.map { $0.isMatrix && ($0.role == .attention || $0.role == .mlp) }
        sparseMomentum = sparse
        let grouped = sparse.indices.filter { sparse[$0] }
        masks = settings.density < 1 ? SparseMomentum(layout: layout, tensors: grouped, density: settings.density, seed: seed) : nil
        var denseOffset = [Int?](repeating: nil, count: layout.specs.count), total = 0
        for (t, spec) in layout.specs.enumerated() where masks?.position[t] == nil {
            denseOffset[t] = total
            total += spec.count
        }
        self.denseOffset = denseOffset
        m = FloatBuffer(count: total)
        v = FloatBuffer(count: total)
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
        let specs = layout.specs, chunks = layout.chunks, sparse = sparseMomentum, masks = masks, denseOffset = denseOffset
        var clipped = [Int](repeating: 0, count: chunks.count)
        clipped.withUnsafeMutableBufferPointer { clippedOut in
            parallelFor(chunks.count) { k in
                let chunk = chunks[k], spec = specs[chunk.tensor]
                guard spec.trainable else { return }
                let decayed = spec.isMatrix && !sparse[chunk.tensor] && c.weightDecay > 0
                let p = parameters.pointer, g = gradients.pointer
                var count = 0
                // Coordinate i of the layout, its moments at mi and vi.
                @inline(__always) func updateCoordinate(_ i: Int, _ mt: UnsafeMutablePointer<Float>, _ vt: UnsafeMutablePointer<Float>) {
                    var gi = g[i] * gradientScale
                    let m0: Float = reset ? 0 : mt.pointee, v0: Float = reset ? 0 : vt.pointee
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
                    mt.pointee = mi; vt.pointee = vi
                    var w = p[i] - stepScale * (mi / (vi.squareRoot() + eps))
                    if decayed { w = w - decay * w }
                    p[i] = w
                }
                if let start = denseOffset[chunk.tensor] {
                    let mt = m.pointer + start, vt = v.pointer + start
                    for i in chunk.range { updateCoordinate(i, mt + (i - spec.offset), vt + (i - spec.offset)) }
                } else if let masks, let n = masks.position[chunk.tensor] {
                    let entry = masks.masked[n]
                    let span = masks.span(n, covering: (chunk.range.lowerBound - spec.offset)..<(chunk.range.upperBound - spec.offset))
                    entry.indices.withUnsafeBufferPointer { indices in
                        for k in span { updateCoordinate(spec.offset + Int(indices[k]), entry.m.pointer + k, entry.v.pointer + k) }
                    }
                }
                clippedOut[k] = count
            }
        }
        clippedCounts = Array(repeating: 0, count: specs.count)
        for (k, chunk) in chunks.enumerated() { clippedCounts[chunk.tensor] += clipped[k] }
        lastWarmupFactor = factor
        warmupCounter += 1
        if (n + 1) % s.resetInterval == 0 {   // one update before a reset
            masks?.redraw(draw: (n + 1) / s.resetInterval)
            warmupCounter = 0
        }
    }

    /// `m.<tensor>` and `v.<tensor>` for every tensor without a mask (AdamW's names), then
    /// `m_masked.<tensor>` and `v_masked.<tensor>` for the masked matrices (their masked
    /// coordinates only; the masks follow from the seed and the step, so they are not stored).
    public var stateTensors: [OptimizerStateTensor] {
        momentStateTensors(layout: layout, m: m, v: v, offsets: denseOffset) + (masks?.stateTensors ?? [])
    }

    /// The moments and the masks' indices.
    public var stateBytes: Int { 2 * m.count * MemoryLayout<Float>.stride + (masks?.bytes ?? 0) }

    /// The moments of layout tensor `t` at full size, 0 outside its mask (for tests and reports).
    public func moments(of t: Int) -> (m: [Float], v: [Float]) {
        let spec = layout.specs[t]
        if let start = denseOffset[t] {
            return (Array(UnsafeBufferPointer(start: m.pointer + start, count: spec.count)),
                    Array(UnsafeBufferPointer(start: v.pointer + start, count: spec.count)))
        }
        let entry = masks!.masked[masks!.position[t]!]
        var full = (m: [Float](repeating: 0, count: spec.count), v: [Float](repeating: 0, count: spec.count))
        for (k, i) in entry.indices.enumerated() { full.m[Int(i)] = entry.m[k]; full.v[Int(i)] = entry.v[k] }
        return full
    }

    /// The current mask of layout tensor `t` as 0/1 floats; nil when it has none.
    public func mask(of t: Int) -> [Float]? { masks?.mask(of: t) }

    public var stateMetadata: [String: String] {
        ["spam_step": String(step), "spam_warmup_counter": String(warmupCounter)]
    }

    public func restore(metadata: [String: String]) throws {
        step = try checkpointCounter("spam_step", in: metadata)
        warmupCounter = try checkpointCounter("spam_warmup_counter", in: metadata)
        // The mask in force after `step` updates: draw j is made after update j·ΔT − 1.
        masks?.draw((step + 1) / settings.resetInterval)
    }

    public var summary: String {
        let c = config, s = settings
        return "SPAM(beta1 \(c.beta1), beta2 \(c.beta2), eps \(c.eps), weight decay \(c.weightDecay) on the embedding and head, "
            + "theta \(s.theta), reset every \(s.resetInterval), warm-up \(s.warmupSteps) (paper; the reference script passes its LR warm-up), "
            + "clipping hold-off \(s.clippingHoldOff), density \(s.density) on attention and MLP matrices"
            + (s.biasCorrection ? ")" : ", no bias correction)")
    }
}
