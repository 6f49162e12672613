import Foundation
import SpikeKernels

/// How a matrix's effective weight W (the one the forward pass uses) is made from trained
/// tensors: the methods compared in the wesar paper's Table 2. The raw matrix keeps its Hugging
/// Face name; the extra tensors are named after it (`<name>_gate`, `_g`, `_gamma`, `_spectral_u`,
/// `_spectral_v`). `LlamaModel.merged()` folds everything into a plain model with the same logits.
///
/// `sigma` is the std every raw matrix is drawn with, for the methods that reparameterise all
/// matrices (the paper's sigma^2 grid {1, 4, 16, 64, 256}e-5).
public enum Reparameterization: Codable, Hashable, Sendable {
    /// WeSaR (Nishida et al.): W = alpha * W_raw, one trained scalar gate per matrix, initialised to
    /// sigma_i / sigma (sigma_i: the backbone init's std), so every raw matrix starts ~ N(0, sigma^2).
    /// The embedding's gate starts at 1, as in the paper's Table 1.
    case wesar(sigma: Double)
    /// Weight Normalization (Salimans & Kingma), per output row: w_r = g_r v_r / ||v_r||, with g_r
    /// initialised to the backbone's expected row norm sigma_i sqrt(columns).
    case weightNormalization(sigma: Double)
    /// sigmaReparam (Zhai et al.): W = gamma W_raw / sigma_max(W_raw), gamma starts at 1; sigma_max is
    /// estimated as u^T W_raw v after one power iteration per training step with persistent
    /// vectors u, v. As in the authors' code, no gradient flows through the power iteration (u, v
    /// are constants), while sigma = u^T W_raw v is differentiated as a function of W_raw.
    case sigmaReparam(sigma: Double)
    /// Residual Scaling: y = x + f(LN(x)) / sqrt(2N). Since o_proj and down_proj end each branch, this
    /// is W = W_raw / sqrt(2N) for those two matrices, with W_raw drawn sqrt(2N) times wider so the
    /// effective init equals the backbone's.
    case residualScaling

    // Strict decoding of the synthesised form ({"wesar": {"sigma": 0.01}}, {"residualScaling": {}});
    // the encoding stays synthesised, so the run hash is unchanged.
    public init(from decoder: Decoder) throws {
        let (name, fields) = try decoder.singleCase(of: ["wesar", "weightNormalization", "sigmaReparam", "residualScaling"])
        try fields.rejectUnknownKeys(name == "residualScaling" ? [] : ["sigma"])
        switch name {
        case "wesar": self = .wesar(sigma: try fields.field("sigma"))
        case "weightNormalization": self = .weightNormalization(sigma: try fields.field("sigma"))
        case "sigmaReparam": self = .sigmaReparam(sigma: try fields.field("sigma"))
        default: self = .residualScaling
        }
    }

    /// The std of every raw matrix, when the method sets one.
    public var rawStd: Double? {
        switch self {
        case .wesar(let s), .weightNormalization(let s), .sigmaReparam(let s): return s
        case .residualScaling: return nil
        }
    }

    public func validate() throws {
        if let s = rawStd, !(s > 0 && s.isFinite) {
            throw ModelError.invalidConfig("the reparameterisation's sigma must be positive (got \(s))")
        }
    }

    /// Whether matrix `spec` of the plain layout is reparameterised.
    public func applies(to spec: ParameterSpec) -> Bool {
        guard spec.isMatrix else { return false }
        switch self {
        case .wesar, .weightNormalization, .sigmaReparam: return true
        case .residualScaling: return spec.name.hasSuffix("o_proj.weight") || spec.name.hasSuffix("down_proj.weight")
        }
    }

    /// The fixed scale Residual Scaling puts on o_proj and down_proj.
    static func residualScale(_ c: ModelConfig) -> Float { 1 / Float(2 * c.nLayers).squareRoot() }

    /// What the method is, from its own definition: the rows of the wesar paper's Table 6.
    public struct Summary: Sendable, Equatable {
        public var name: String
        public var matrices: String
        public var gate: String
        public var normalises: Bool
        public var granularity: String
        public var formula: String
    }

    public var summary: Summary {
        switch self {
        case .wesar:
            return Summary(name: "WeSaR", matrices: "all", gate: "trained", normalises: false, granularity: "per matrix",
                           formula: "W = alpha W_raw")
        case .weightNormalization:
            return Summary(name: "Weight Normalization", matrices: "all", gate: "trained", normalises: true, granularity: "per row",
                           formula: "w_r = g_r v_r / ||v_r||")
        case .sigmaReparam:
            return Summary(name: "sigmaReparam", matrices: "all", gate: "trained", normalises: true, granularity: "per matrix",
                           formula: "W = gamma W_raw / ||W_raw||_2")
        case .residualScaling:
            return Summary(name: "Residual Scaling", matrices: "W_o, W_d", gate: "fixed 1/sqrt(2N)", normalises: false,
                           granularity: "per matrix", formula: "y = x + f(LN(x)) / sqrt(2N)")
        }
    }
}
