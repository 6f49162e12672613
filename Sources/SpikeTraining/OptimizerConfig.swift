import Foundation
import SpikeKernels

/// The optimiser (AdamW in the PyTorch form, or SPAM when `spam` is set), learning-rate schedule
/// and clipping settings.
public struct OptimizerConfig: Codable, Equatable, Hashable, Sendable {
    public var maxLR: Double
    public var minLR: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// Decoupled weight decay, applied to matrices only (not to norm gains).
    public var weightDecay: Double
    /// Global-norm clipping threshold; nil or 0 disables clipping.
    public var clipNorm: Double?
    /// SPAM's settings; nil: AdamW. Not encoded when nil, so configs without it keep their
    /// canonical JSON (and run hash).
    public var spam: SPAMConfig?

    public init(maxLR: Double = 1e-3, minLR: Double = 1e-5, warmupSteps: Int = 100, totalSteps: Int = 1000,
                beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0,
                clipNorm: Double? = nil, spam: SPAMConfig? = nil) {
        self.maxLR = maxLR; self.minLR = minLR; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.clipNorm = clipNorm
        self.spam = spam
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxLR, minLR, warmupSteps, totalSteps, beta1, beta2, eps, weightDecay, clipNorm, spam
    }

    // As synthesised (every key but clipNorm and spam required), plus unknown keys rejected.
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(maxLR: try c.decode(Double.self, forKey: .maxLR), minLR: try c.decode(Double.self, forKey: .minLR),
                  warmupSteps: try c.decode(Int.self, forKey: .warmupSteps), totalSteps: try c.decode(Int.self, forKey: .totalSteps),
                  beta1: try c.decode(Double.self, forKey: .beta1), beta2: try c.decode(Double.self, forKey: .beta2),
                  eps: try c.decode(Double.self, forKey: .eps), weightDecay: try c.decode(Double.self, forKey: .weightDecay),
                  clipNorm: try c.decodeIfPresent(Double.self, forKey: .clipNorm),
                  spam: try c.decodeIfPresent(SPAMConfig.self, forKey: .spam))
    }

    public var clippingEnabled: Bool { (clipNorm ?? 0) > 0 }

    public func validate() throws {
        func check(_ ok: Bool, _ m: String) throws { if !ok { throw TrainingError.invalidConfig(m) } }
        try check(maxLR > 0 && maxLR.isFinite, "maxLR must be positive (got \(maxLR))")
        try check(minLR >= 0 && minLR <= maxLR, "minLR must be in [0, maxLR] (got \(minLR))")
        try check(totalSteps >= 1, "totalSteps must be at least 1 (got \(totalSteps))")
        try check(warmupSteps >= 0 && warmupSteps <= totalSteps, "warmupSteps must be in [0, totalSteps] (got \(warmupSteps))")
        try check((0..<1).contains(beta1) && (0..<1).contains(beta2), "beta1 and beta2 must be in [0, 1)")
        // eps = 0 is the adam paper's limit: AdamW then defines 0/0 := 0 (a coordinate whose
        // sqrt(v_hat) is 0 is not updated); SPAM divides by sqrt(v) + eps and needs eps > 0.
        try check(eps > 0 || (eps == 0 && spam == nil), "eps must be positive (or 0 with AdamW; got \(eps))")
        try check(weightDecay >= 0, "weightDecay must be >= 0 (got \(weightDecay))")
        try check((clipNorm ?? 0) >= 0, "clipNorm must be >= 0 or null (got \(clipNorm ?? 0))")
        try spam?.validate()
    }
}

/// Linear warm-up to maxLR, then cosine decay to minLR at totalSteps (update s counts from 0).
public struct LRSchedule: Sendable {
    public let config: OptimizerConfig
    public init(_ config: OptimizerConfig) { self.config = config }

    public func learningRate(step s: Int) -> Double {
        let c = config
        if s < c.warmupSteps { return c.maxLR * Double(s + 1) / Double(c.warmupSteps) }
        let progress = min(1, Double(s - c.warmupSteps) / Double(max(1, c.totalSteps - c.warmupSteps)))
        return c.minLR + 0.5 * (c.maxLR - c.minLR) * (1 + cos(Double.pi * progress))
    }
}

public enum TrainingError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case checkpoint(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid training config: \(m)"
        case .checkpoint(let m): return "checkpoint error: \(m)"
        case .io(let m): return "I/O error: \(m)"
        }
    }
}
