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

    // Strict decoding of the synthesised form ({"normal": {"std": 0.02}}, {"small": {}}); the
    // encoding stays synthesised, so the run hash is unchanged.
    public init(from decoder: Decoder) throws {
        let (name, fields) = try decoder.singleCase(of: ["normal", "small", "he"])
        try fields.rejectUnknownKeys(name == "normal" ? ["std"] : [])
        switch name {
        case "normal": self = .normal(std: try fields.field("std"))
        case "small": self = .small
        default: self = .he
        }
    }

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

    /// The formula of `std(for:config:)` in the paper's notation (d: hidden size, N: layers,
    /// h: MLP hidden width), for tables.
    public func formula(for spec: ParameterSpec) -> String? {
        guard spec.isMatrix else { return nil }
        let isOutput = spec.name.hasSuffix("o_proj.weight"), isDown = spec.name.hasSuffix("down_proj.weight")
        switch self {
        case .normal(let std): return "\(std)"
        case .small: return isOutput || isDown ? "sqrt(2/(5d)) / sqrt(2N)" : "sqrt(2/(5d))"
        case .he: return isOutput ? "sqrt(1/(2Nd))" : isDown ? "sqrt(2/(2Nh))" : "sqrt(1/d)"
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

/// The std of a matrix's effective weight at initialisation under `scheme` and the config's
/// reparameterisation (the backbone's std, except where the method changes the scale: WeSaR's
/// embedding gate starts at 1, sigmaReparam starts at spectral norm 1, which for a Gaussian
/// [m, n] matrix means a std of about 1 / (sqrt(m) + sqrt(n))).
public func initialEffectiveStd(of spec: ParameterSpec, config c: ModelConfig, scheme: InitScheme) -> Double? {
    guard let std = scheme.std(for: spec, config: c) else { return nil }
    guard let r = c.reparameterization, r.applies(to: spec) else { return std }
    switch r {
    case .wesar(let sigma): return spec.role == .embedding ? sigma : std
    case .sigmaReparam: return 1 / (Double(spec.shape[0]).squareRoot() + Double(spec.shape[1]).squareRoot())
    case .weightNormalization, .residualScaling: return std
    }
}

extension LlamaModel {
    /// Fills the parameters from `scheme` with `seed`: matrices ~ N(0, std^2) (or the
    /// reparameterisation's raw std, with gates that give the effective weights the scheme's std),
    /// norm gains 1.
    public func initialize(scheme: InitScheme, seed: UInt64) {
        let p = parameters.pointer
        for spec in layout.specs where spec.offset < layout.plainCount {
            let dst = p + spec.offset
            if let std = scheme.std(for: spec, config: config) {
                var rng = RandomGenerator.stream(seed: seed, name: spec.name)
                rng.fillNormal(dst, count: spec.count, std: rawStd(spec, backboneStd: std))
            } else {
                dst.update(repeating: 1, count: spec.count)
            }
        }
        guard let method = config.reparameterization else { return }
        for m in layout.reparameterized {
            let spec = layout.specs[m.tensor]
            let std = scheme.std(for: spec, config: config)!
            switch method {
            case .wesar(let sigma): p[m.gain!] = spec.role == .embedding ? 1 : Float(std / sigma)
            case .weightNormalization: (p + m.gain!).update(repeating: Float(std * Double(m.columns).squareRoot()), count: m.rows)
            case .sigmaReparam:
                p[m.gain!] = 1
                for (offset, count, suffix) in [(m.spectralU!, m.rows, "_spectral_u"), (m.spectralV!, m.columns, "_spectral_v")] {
                    var rng = RandomGenerator.stream(seed: seed, name: spec.name + suffix)
                    rng.fillNormal(p + offset, count: count, std: 1)
                }
            case .residualScaling: break
            }
        }
        // Random vectors give a poor first estimate of the spectral norm; start from a converged one.
        runPowerIterations(100)
    }

    private func rawStd(_ spec: ParameterSpec, backboneStd: Double) -> Double {
        guard let method = config.reparameterization, method.applies(to: spec) else { return backboneStd }
        if case .residualScaling = method { return backboneStd / Double(Reparameterization.residualScale(config)) }
        return method.rawStd!
    }
}
