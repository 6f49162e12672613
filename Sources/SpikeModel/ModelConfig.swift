import Foundation
import SpikeKernels

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
    /// GLM-130B's embedding-gradient shrink e = alpha e + (1 - alpha) stop_grad(e) on the embedding
    /// output: the forward value is unchanged, the gradient reaching the embedding table through the
    /// input is alpha times the plain one (a tied LM head's gradient is not shrunk). nil: off.
    public var embeddingGradientShrink: Float?

    public init(vocabSize: Int, dModel: Int, nLayers: Int, nHeads: Int, contextLength: Int,
                mlpKind: MLPKind = .swiglu, mlpHidden: Int? = nil, normEps: Float = 1e-5,
                ropeTheta: Float = 10000, tiedEmbeddings: Bool = true, embeddingScale: Bool = false,
                zLoss: Float = 0, embeddingMultiplier: Float? = nil, reparameterization: Reparameterization? = nil,
                embeddingGradientShrink: Float? = nil) {
        self.vocabSize = vocabSize; self.dModel = dModel; self.nLayers = nLayers; self.nHeads = nHeads
        self.contextLength = contextLength; self.mlpKind = mlpKind
        self.mlpHidden = mlpHidden ?? ModelConfig.defaultHidden(mlpKind, dModel)
        self.normEps = normEps; self.ropeTheta = ropeTheta; self.tiedEmbeddings = tiedEmbeddings
        self.embeddingScale = embeddingScale; self.zLoss = zLoss
        self.embeddingMultiplier = embeddingMultiplier; self.reparameterization = reparameterization
        self.embeddingGradientShrink = embeddingGradientShrink
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
        // Runs before validate(): an absurd dModel must not overflow here (validate rejects it).
        guard d <= Int.max / 16 else { return Int.max }
        switch kind {
        case .gelu: return 4 * d
        case .swiglu: return ((8 * d / 3) + 15) / 16 * 16
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize, dModel, nLayers, nHeads, contextLength, mlpKind, mlpHidden, normEps, ropeTheta
        case tiedEmbeddings, embeddingScale, zLoss, embeddingMultiplier, reparameterization, embeddingGradientShrink
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
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
                  reparameterization: try c.decodeIfPresent(Reparameterization.self, forKey: .reparameterization),
                  embeddingGradientShrink: try c.decodeIfPresent(Float.self, forKey: .embeddingGradientShrink))
    }

    public var headDim: Int { dModel / nHeads }

    /// Throws a readable error for configurations the model cannot run, including sizes whose
    /// memory (`memoryEstimate`, for `batchSize` sequences of contextLength tokens) is over
    /// `memoryLimit`. Every limit is checked before any arithmetic that depends on it: release
    /// builds use -Ounchecked, which removes preconditions and wraps integer overflow.
    public func validate(batchSize: Int = 1) throws {
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
        // Token ids are Int32.
        try check(vocabSize <= Int(Int32.max), "vocabSize must be at most \(Int32.max) (got \(vocabSize))")
        if let m = embeddingMultiplier { try check(m > 0 && m.isFinite, "embeddingMultiplier must be positive (got \(m))") }
        if let a = embeddingGradientShrink {
            try check(a > 0 && a <= 1, "embeddingGradientShrink must be in (0, 1] (got \(a))")
        }
        try reparameterization?.validate()
        try checkMemory(batchSize: batchSize, length: contextLength)
    }

    /// Throws unless a training token stream of `tokenCount` tokens holds a window: contextLength
    /// inputs, their next-token targets, and more than one start offset (`TokenStreamBatches`
    /// draws the start below tokenCount - contextLength; a bound of 0 divides by zero).
    public func validateTrainingStream(tokenCount: Int, name: String = "the training token stream") throws {
        guard tokenCount - 1 > contextLength else {
            throw ModelError.invalidConfig("\(name) has \(tokenCount) tokens, too few for contextLength \(contextLength) "
                                           + "(it needs at least contextLength + 2 = \(contextLength &+ 2))")
        }
    }
}

// MARK: sizes and memory

extension ModelConfig {
    /// The most memory a model may need: 64 GiB. The suite's models need well under 1 GiB; a
    /// config above this has a wrong size in it, and fails with a message instead of aborting in
    /// the allocator (or being killed for memory halfway through a run).
    public static let memoryLimit = 64 << 30

    /// Bytes a model of this config holds while training on `batchSize` sequences of `length` tokens.
    public struct MemoryEstimate: Sendable, Equatable {
        /// Floats of the trained tensors (`ParameterLayout.count`) and of the plain architecture.
        public var parameterCount: Int, plainCount: Int
        public var parameterBytes: Int, activationBytes: Int, totalBytes: Int
    }

    /// The memory of training on `batchSize` sequences of `length` tokens, 4 bytes per Float, every
    /// product and sum overflow-checked (an overflow throws). With B sequences of T tokens,
    /// R = B T rows, P trained floats and P0 plain ones (the same unless reparameterised):
    ///
    ///     parameters   4P (weights, gradients, AdamW m and v) + 2 P0 (effective weights and their
    ///                  gradients, when reparameterised)
    ///     activations  R [(L+1) d + L (7d + w + h + 2) + 7d + w + h + V + 4]    w = 2h swiglu, h gelu
    ///                  + (L+1) B H T^2 (attention probabilities per layer, backward's scratch)
    ///                  + contextLength hd (RoPE tables)
    ///
    /// which is what `LlamaModel` (`Activations`) and `AdamW` allocate.
    public func memoryEstimate(batchSize B: Int, length T: Int) throws -> MemoryEstimate {
        let sizes = "vocabSize \(vocabSize), dModel \(dModel), nLayers \(nLayers), mlpHidden \(mlpHidden), "
            + "contextLength \(contextLength), batch \(B) x \(T) tokens"
        func fail() -> ModelError { .invalidConfig("the sizes are too large to count (\(sizes)): the products overflow") }
        func mul(_ factors: Int...) throws -> Int {
            try factors.reduce(1) { a, b in
                let (r, overflow) = a.multipliedReportingOverflow(by: b)
                if overflow { throw fail() }
                return r
            }
        }
        func add(_ terms: Int...) throws -> Int {
            try terms.reduce(0) { a, b in
                let (r, overflow) = a.addingReportingOverflow(b)
                if overflow { throw fail() }
                return r
            }
        }
        guard B >= 1, T >= 1 else { throw ModelError.invalidConfig("batch \(B) x \(T) tokens: both must be at least 1") }
        let V = vocabSize, d = dModel, h = mlpHidden, L = nLayers, H = nHeads
        // Every matrix as (rows, columns, how many), as ParameterLayout lays them out.
        let matrices = [(V, d, tiedEmbeddings ? 1 : 2),                  // embedding, lm_head
                        (d, d, try mul(4, L)),                           // q, k, v, o
                        (h, d, try mul(mlpKind == .swiglu ? 2 : 1, L)),  // gate, up
                        (d, h, L)]                                       // down
        var plain = try mul(add(mul(2, L), 1), d)                        // norm gains
        for (rows, columns, count) in matrices { plain = try add(plain, mul(count, rows, columns)) }
        var extra = 0
        for (rows, columns, count) in matrices {
            switch reparameterization {
            case nil, .residualScaling: break
            case .wesar: extra = try add(extra, count)
            case .weightNormalization: extra = try add(extra, mul(count, rows))
            case .sigmaReparam: extra = try add(extra, mul(count, add(1, rows, columns)))
            }
        }
        let trained = try add(plain, extra)
        let parameterFloats = try add(mul(4, trained), reparameterization == nil ? 0 : mul(2, plain))

        let w = try mul(mlpKind == .swiglu ? 2 : 1, h)
        let perRow = try add(mul(add(L, 1), d), mul(L, add(mul(7, d), w, h, 2)), mul(7, d), w, h, V, 4)
        let activationFloats = try add(mul(B, T, perRow), mul(add(L, 1), B, H, T, T), mul(contextLength, headDim))
        return MemoryEstimate(parameterCount: trained, plainCount: plain, parameterBytes: try mul(4, parameterFloats),
                              activationBytes: try mul(4, activationFloats),
                              totalBytes: try mul(4, add(parameterFloats, activationFloats)))
    }

    /// Throws unless `memoryEstimate(batchSize:length:)` is within `memoryLimit`.
    public func checkMemory(batchSize: Int, length: Int) throws {
        let m = try memoryEstimate(batchSize: batchSize, length: length)
        guard m.totalBytes <= ModelConfig.memoryLimit else {
            func gib(_ bytes: Int) -> String { String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
            throw ModelError.invalidConfig(
                "the model needs \(gib(m.totalBytes)) (parameters \(gib(m.parameterBytes)), activations for \(batchSize) x \(length) "
                + "tokens \(gib(m.activationBytes))), over the limit of \(gib(ModelConfig.memoryLimit)); check vocabSize (\(vocabSize)), "
                + "dModel (\(dModel)), nLayers (\(nLayers)), mlpHidden (\(mlpHidden)), contextLength (\(contextLength)) and the batch size")
        }
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case invalidConfig(String)
    case invalidInput(String)
    case checkpoint(String)
    case export(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid model config: \(m)"
        case .invalidInput(let m): return "invalid model input: \(m)"
        case .checkpoint(let m): return "checkpoint error: \(m)"
        case .export(let m): return "cannot export: \(m)"
        }
    }
}
