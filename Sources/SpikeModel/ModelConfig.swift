import Foundation

public enum MLPKind: String, Codable, Sendable, CaseIterable {
    /// Llama: down(silu(gate(x)) * up(x)).
    case swiglu
    /// The wesar paper's MLP: down(gelu(up(x))), hidden 4d, exact (erf) GELU.
    case gelu
}

/// The architecture of a Llama-style decoder. Every field has a JSON key of the same name.
public struct ModelConfig: Codable, Equatable, Hashable, Sendable {
    public var vocabSize: Int
    public var dModel: Int
    public var nLayers: Int
    public var nHeads: Int
    public var contextLength: Int
    public var mlpKind: MLPKind
    /// Hidden width of the MLP; defaults to 4d for gelu and to Llama's 8d/3 rounded up to a
    /// multiple of 16 for swiglu.
    public var mlpHidden: Int
    public var normEps: Float
    public var ropeTheta: Float
    public var tiedEmbeddings: Bool
    /// Multiply the embedding output by sqrt(d) ("Spike No More", Takase et al.).
    public var embeddingScale: Bool
    /// Coefficient of the z-loss term zLoss * mean(logsumexp(logits)^2); 0 disables it.
    public var zLoss: Float
    /// An explicit embedding-output multiplier, overriding `embeddingScale` (the wesar setups use
    /// 1 / init std of the embedding, so the embedding output starts with std 1). nil: unset.
    public var embeddingMultiplier: Float?
    /// How the matrices are parameterised for training (WeSaR gates, Weight Normalization,
    /// sigmaReparam, Residual Scaling); nil: plain weights. See `Reparameterization`.
    public var reparameterization: Reparameterization?

    public init(vocabSize: Int, dModel: Int, nLayers: Int, nHeads: Int, contextLength: Int,
                mlpKind: MLPKind = .swiglu, mlpHidden: Int? = nil, normEps: Float = 1e-5,
                ropeTheta: Float = 10000, tiedEmbeddings: Bool = true, embeddingScale: Bool = false,
                zLoss: Float = 0, embeddingMultiplier: Float? = nil, reparameterization: Reparameterization? = nil) {
        self.vocabSize = vocabSize; self.dModel = dModel; self.nLayers = nLayers; self.nHeads = nHeads
        self.contextLength = contextLength; self.mlpKind = mlpKind
        self.mlpHidden = mlpHidden ?? ModelConfig.defaultHidden(mlpKind, dModel)
        self.normEps = normEps; self.ropeTheta = ropeTheta; self.tiedEmbeddings = tiedEmbeddings
        self.embeddingScale = embeddingScale; self.zLoss = zLoss
        self.embeddingMultiplier = embeddingMultiplier; self.reparameterization = reparameterization
    }

    /// The factor the embedding output is multiplied by.
    public var embeddingOutputScale: Float {
        embeddingMultiplier ?? (embeddingScale ? Float(dModel).squareRoot() : 1)
    }

    /// The same architecture with plain weights: what a reparameterised model merges into.
    public var plain: ModelConfig {
        var c = self
        c.reparameterization = nil
        return c
    }

    public static func defaultHidden(_ kind: MLPKind, _ d: Int) -> Int {
        switch kind {
        case .gelu: return 4 * d
        case .swiglu: return ((8 * d / 3) + 15) / 16 * 16
        }
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize, dModel, nLayers, nHeads, contextLength, mlpKind, mlpHidden, normEps, ropeTheta
        case tiedEmbeddings, embeddingScale, zLoss, embeddingMultiplier, reparameterization
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decodeIfPresent(MLPKind.self, forKey: .mlpKind) ?? .swiglu
        let d = try c.decode(Int.self, forKey: .dModel)
        self.init(vocabSize: try c.decode(Int.self, forKey: .vocabSize), dModel: d,
                  nLayers: try c.decode(Int.self, forKey: .nLayers), nHeads: try c.decode(Int.self, forKey: .nHeads),
                  contextLength: try c.decode(Int.self, forKey: .contextLength), mlpKind: kind,
                  mlpHidden: try c.decodeIfPresent(Int.self, forKey: .mlpHidden),
                  normEps: try c.decodeIfPresent(Float.self, forKey: .normEps) ?? 1e-5,
                  ropeTheta: try c.decodeIfPresent(Float.self, forKey: .ropeTheta) ?? 10000,
                  tiedEmbeddings: try c.decodeIfPresent(Bool.self, forKey: .tiedEmbeddings) ?? true,
                  embeddingScale: try c.decodeIfPresent(Bool.self, forKey: .embeddingScale) ?? false,
                  zLoss: try c.decodeIfPresent(Float.self, forKey: .zLoss) ?? 0,
                  embeddingMultiplier: try c.decodeIfPresent(Float.self, forKey: .embeddingMultiplier),
                  reparameterization: try c.decodeIfPresent(Reparameterization.self, forKey: .reparameterization))
    }

    public var headDim: Int { dModel / nHeads }

    /// Throws a readable error for configurations the model cannot run.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw ModelError.invalidConfig(message) } }
        try check(vocabSize >= 2, "vocabSize must be at least 2 (got \(vocabSize))")
        try check(dModel >= 2, "dModel must be at least 2 (got \(dModel))")
        try check(nLayers >= 1, "nLayers must be at least 1 (got \(nLayers))")
        try check(nHeads >= 1 && dModel % nHeads == 0, "dModel (\(dModel)) must be a multiple of nHeads (\(nHeads))")
        try check(headDim % 2 == 0, "the head dimension dModel/nHeads = \(headDim) must be even for RoPE")
        try check(contextLength >= 1, "contextLength must be at least 1 (got \(contextLength))")
        try check(mlpHidden >= 1, "mlpHidden must be at least 1 (got \(mlpHidden))")
        try check(normEps > 0 && normEps.isFinite, "normEps must be positive (got \(normEps))")
        try check(ropeTheta > 1 && ropeTheta.isFinite, "ropeTheta must be > 1 (got \(ropeTheta))")
        try check(zLoss >= 0 && zLoss.isFinite, "zLoss must be >= 0 (got \(zLoss))")
        try check(vocabSize <= Int(Int32.max), "vocabSize too large")
        if let m = embeddingMultiplier { try check(m > 0 && m.isFinite, "embeddingMultiplier must be positive (got \(m))") }
        try reparameterization?.validate()
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case invalidInput(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .invalidInput(let m): return "invalid model input: \(m)"
        case .checkpoint(let m): return "checkpoint error: \(m)"
        }
    }
}
