import Foundation
import SpikeKernels

/// SPAM's own settings: the optional `spam` section of the optimiser config, which selects SPAM
/// instead of AdamW. The learning rate comes from the schedule; betas, eps and weight decay come
/// from `OptimizerConfig`. The defaults are those of the reference class (`galore_torch/SPAM.py`,
/// see ../shared/papers/spam-reference.md). Every key may be left out, so `"spam": {}` means the
/// defaults.
public struct SPAMConfig: Codable, Equatable, Hashable, Sendable {
    /// θ: a gradient coordinate with g² > θ·v (v before this step) is clipped to sign(g)·sqrt(θ·v).
    /// 0 turns the clipping off.
    public var theta: Double
    /// ΔT: both moments are zeroed on updates ΔT, 2ΔT, ... The bias-correction counter is never
    /// reset.
    public var resetInterval: Int
    /// N: length of the cosine warm-up of the step size after each reset. At the start of
    /// training there is none, because the LR schedule warms up. The default, 150, is the
    /// paper's value and the reference class's default. The reference training script passes
    /// its LR warm-up (1000) instead, so its factor reaches only about 0.5 before each reset.
    /// The suite follows the paper.
    public var warmupSteps: Int
    /// A: clipping is off on updates 1 ..< A and on the A updates that start at each reset. The
    /// paper says 20 steps; the reference code skips 19 at the start and 20 after each reset.
    public var clippingHoldOff: Int
    /// Fraction of the coordinates of each attention and MLP matrix that are updated (sparse
    /// momentum). The masks are redrawn one update before each reset. With 1, every coordinate
    /// is updated. Those matrices are never weight-decayed, whatever the density: the
    /// reference's decay of them writes into a copy.
    public var density: Double
    /// Adam's bias correction, with the global update counter.
    public var biasCorrection: Bool

    public init(theta: Double = 5000, resetInterval: Int = 500, warmupSteps: Int = 150, clippingHoldOff: Int = 20,
                density: Double = 1, biasCorrection: Bool = true) {
        self.theta = theta; self.resetInterval = resetInterval; self.warmupSteps = warmupSteps
        self.clippingHoldOff = clippingHoldOff; self.density = density; self.biasCorrection = biasCorrection
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case theta, resetInterval, warmupSteps, clippingHoldOff, density, biasCorrection
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SPAMConfig()
        self.init(theta: try c.decodeIfPresent(Double.self, forKey: .theta) ?? d.theta,
                  resetInterval: try c.decodeIfPresent(Int.self, forKey: .resetInterval) ?? d.resetInterval,
                  warmupSteps: try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps,
                  clippingHoldOff: try c.decodeIfPresent(Int.self, forKey: .clippingHoldOff) ?? d.clippingHoldOff,
                  density: try c.decodeIfPresent(Double.self, forKey: .density) ?? d.density,
                  biasCorrection: try c.decodeIfPresent(Bool.self, forKey: .biasCorrection) ?? d.biasCorrection)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ m: String) throws { if !ok { throw TrainingError.invalidConfig("spam: " + m) } }
        try check(theta >= 0 && theta.isFinite, "theta must be >= 0 (got \(theta))")
        try check(resetInterval >= 1, "resetInterval must be at least 1 (got \(resetInterval))")
        try check(warmupSteps >= 0, "warmupSteps must be >= 0 (got \(warmupSteps))")
        try check(clippingHoldOff >= 0, "clippingHoldOff must be >= 0 (got \(clippingHoldOff))")
        try check(density > 0 && density <= 1, "density must be in (0, 1] (got \(density))")
    }

    /// The step-size factor s(c) after `c` updates of warm-up: the reference's CosineDecay(0.99, N)
    /// subtracted from 1, so s(0) = 0.01 and s = 1 from c = N on.
    public func warmupFactor(_ c: Int) -> Double {
        c < warmupSteps ? 1 - 0.99 * (1 + cos(Double.pi * Double(c) / Double(warmupSteps + 1))) / 2 : 1
    }
}
