/// One named tensor inside the contiguous parameter buffer.
public struct ParameterSpec: Sendable, Equatable {
    public enum Role: String, Sendable { case embedding, norm, attention, mlp, head }
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var role: Role
    public var count: Int { shape.reduce(1, *) }
    /// Matrices get weight decay; norm gains do not.
    public var isMatrix: Bool { shape.count == 2 }
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
