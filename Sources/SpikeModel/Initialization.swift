import Foundation
import SpikeKernels

/// How initial weights are drawn. Norm gains start at 1; every matrix is N(0, std^2) with a std
/// that depends on the scheme and the matrix's role. Each tensor draws from its own random stream
/// (seed, tensor name), so one tensor's values do not depend on the others.
public enum InitScheme: Codable, Equatable, Hashable, Sendable {
    /// Every matrix N(0, std^2) (GPT-2 style, std 0.02).
    case normal(std: Double)
    /// Small init (Nguyen & Salazar): sqrt(2/(5d)); o_proj and down_proj further / sqrt(2N).
    case small
    /// He-style init of the wesar paper's Table 1.
    case he

    public static let `default` = InitScheme.normal(std: 0.02)

    /// The standard deviation of tensor `spec` under this scheme (nil for norm gains).
    public func std(for spec: ParameterSpec, config c: ModelConfig) -> Double? {
        guard spec.isMatrix else { return nil }
        let d = Double(c.dModel), n = Double(c.nLayers)
        let isOutput = spec.name.hasSuffix("o_proj.weight")
        let isDown = spec.name.hasSuffix("down_proj.weight")
        switch self {
        case .normal(let std): return std
        case .small:
            let base = (2 / (5 * d)).squareRoot()
            return isOutput || isDown ? base / (2 * n).squareRoot() : base
        case .he:
            if isOutput { return (1 / (2 * n * d)).squareRoot() }
            if isDown { return (2 / (2 * n * Double(c.mlpHidden))).squareRoot() }
            return (1 / d).squareRoot()
        }
    }

    /// A short human-readable formula, for settings tables.
    public var label: String {
        switch self {
        case .normal(let std): return "normal(\(std))"
        case .small: return "small"
        case .he: return "he"
        }
    }
}

extension LlamaModel {
    /// Fills the parameters from `scheme` with `seed`.
    public func initialize(scheme: InitScheme, seed: UInt64) {
        for spec in layout.specs {
            let dst = parameters.pointer + spec.offset
            if let std = scheme.std(for: spec, config: config) {
                var rng = RandomGenerator.stream(seed: seed, name: spec.name)
                rng.fillNormal(dst, count: spec.count, std: std)
            } else {
                dst.update(repeating: 1, count: spec.count)
            }
        }
    }
}
