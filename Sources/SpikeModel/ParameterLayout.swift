/// One named tensor inside the contiguous parameter buffer.
public struct ParameterSpec: Sendable, Equatable {
    /// `gate`: a reparameterisation's trained scale (WeSaR gate, Weight Normalization gain,
    /// sigmaReparam gamma); `state`: a tensor carried with the weights but not trained (sigmaReparam's
    /// power-iteration vectors).
    public enum Role: String, Sendable { case embedding, norm, attention, mlp, head, gate, state }
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var role: Role
    public var count: Int { shape.reduce(1, *) }
    /// Matrices get weight decay; norm gains and reparameterisation gates do not.
    public var isMatrix: Bool { shape.count == 2 }
    /// The optimiser leaves non-trainable tensors alone.
    public var trainable: Bool { role != .state }
}

/// A matrix whose effective weight (the one the forward pass multiplies by) is computed from its
/// raw tensor and the reparameterisation's extra tensors. The raw tensor sits at the same offset
/// in the trained buffer as the effective weight in the model's weight buffer.
public struct ReparameterizedMatrix: Sendable {
    public var tensor: Int          // index of the raw matrix in `specs`
    public var offset: Int
    public var rows: Int
    public var columns: Int
    /// Offset of the trained scale: WeSaR gate [1], Weight Normalization gains [rows], sigmaReparam gamma [1].
    public var gain: Int?
    /// Offsets of sigmaReparam's persistent power-iteration vectors u [rows] and v [columns].
    public var spectralU: Int?
    public var spectralV: Int?
}

/// Offsets of one block's tensors, so the hot loops need no dictionary lookups. q, k, v (and gate,
/// up) are adjacent in the buffer, which lets one matrix product compute them together.
public struct BlockOffsets: Sendable {
    public var attentionNorm: Int
    public var qkv: Int      // q_proj, k_proj, v_proj: [3d, d]
    public var output: Int   // o_proj: [d, d]
    public var mlpNorm: Int
    public var gateUp: Int   // swiglu: gate_proj then up_proj [2h, d]; gelu: up_proj [h, d]
    public var down: Int     // [d, h]
}

/// The layout of every parameter in one flat Float buffer, with Hugging Face Llama names, as in
/// llm.c: checkpoints, distances and interpolations are single loops over the buffer.
public struct ParameterLayout: Sendable {
    public let specs: [ParameterSpec]
    public let count: Int
    public let embedding: Int
    public let blocks: [BlockOffsets]
    public let finalNorm: Int
    /// Offset of the LM head matrix: the embedding when tied.
    public let head: Int
    /// The buffer cut into pieces of at most `chunkSize` elements that never straddle two
    /// tensors: the unit of parallel work for the optimiser and norms, so one large tensor (the
    /// embedding) does not leave a core idle. Fixed by the layout, so sums over chunks are
    /// reproducible.
    public let chunks: [(tensor: Int, range: Range<Int>)]
    public static let chunkSize = 65536
    /// Number of floats of the plain architecture (the effective weights); the reparameterisation's
    /// extra tensors, when there are any, follow them.
    public let plainCount: Int
    /// The matrices the config's reparameterisation applies to, in layout order.
    public let reparameterized: [ReparameterizedMatrix]
    private let index: [String: Int]

    public init(_ c: ModelConfig) {
        var specs: [ParameterSpec] = []
        var offset = 0
        @discardableResult
        func add(_ name: String, _ shape: [Int], _ role: ParameterSpec.Role) -> Int {
            let spec = ParameterSpec(name: name, shape: shape, offset: offset, role: role)
            specs.append(spec)
            offset += spec.count
            return spec.offset
        }
        let d = c.dModel, h = c.mlpHidden
        embedding = add("model.embed_tokens.weight", [c.vocabSize, d], .embedding)
        var blocks: [BlockOffsets] = []
        for i in 0..<c.nLayers {
            let p = "model.layers.\(i)."
            let attentionNorm = add(p + "input_layernorm.weight", [d], .norm)
            let qkv = add(p + "self_attn.q_proj.weight", [d, d], .attention)
            add(p + "self_attn.k_proj.weight", [d, d], .attention)
            add(p + "self_attn.v_proj.weight", [d, d], .attention)
            let output = add(p + "self_attn.o_proj.weight", [d, d], .attention)
            let mlpNorm = add(p + "post_attention_layernorm.weight", [d], .norm)
            let gateUp: Int
            if c.mlpKind == .swiglu {
                gateUp = add(p + "mlp.gate_proj.weight", [h, d], .mlp)
                add(p + "mlp.up_proj.weight", [h, d], .mlp)
            } else {
                gateUp = add(p + "mlp.up_proj.weight", [h, d], .mlp)
            }
            let down = add(p + "mlp.down_proj.weight", [d, h], .mlp)
            blocks.append(BlockOffsets(attentionNorm: attentionNorm, qkv: qkv, output: output,
                                       mlpNorm: mlpNorm, gateUp: gateUp, down: down))
        }
        self.blocks = blocks
        finalNorm = add("model.norm.weight", [d], .norm)
        head = c.tiedEmbeddings ? embedding : add("lm_head.weight", [c.vocabSize, d], .head)
        plainCount = offset
        var reparameterized: [ReparameterizedMatrix] = []
        if let r = c.reparameterization {
            for (i, spec) in specs.enumerated() where r.applies(to: spec) {
                let rows = spec.shape[0], columns = spec.shape[1]
                var m = ReparameterizedMatrix(tensor: i, offset: spec.offset, rows: rows, columns: columns)
                switch r {
                case .wesar: m.gain = add(spec.name + "_gate", [1], .gate)
                case .weightNormalization: m.gain = add(spec.name + "_g", [rows], .gate)
                case .sigmaReparam:
                    m.gain = add(spec.name + "_gamma", [1], .gate)
                    m.spectralU = add(spec.name + "_spectral_u", [rows], .state)
                    m.spectralV = add(spec.name + "_spectral_v", [columns], .state)
                case .residualScaling: break
                }
                reparameterized.append(m)
            }
        }
        self.reparameterized = reparameterized
        self.specs = specs
        self.count = offset
        var chunks: [(tensor: Int, range: Range<Int>)] = []
        for (t, spec) in specs.enumerated() {
            for start in stride(from: spec.offset, to: spec.offset + spec.count, by: ParameterLayout.chunkSize) {
                chunks.append((t, start..<min(spec.offset + spec.count, start + ParameterLayout.chunkSize)))
            }
        }
        self.chunks = chunks
        var index: [String: Int] = [:]
        for (i, s) in specs.enumerated() { index[s.name] = i }
        self.index = index
    }

    public subscript(name: String) -> ParameterSpec? { index[name].map { specs[$0] } }
}
