import Foundation
import SpikeKernels

/// Writes a directory that Hugging Face transformers loads as `LlamaForCausalLM`, and with a
/// tokenizer as `AutoTokenizer`: `config.json`, `model.safetensors`, and `tokenizer.json` +
/// `tokenizer_config.json` when there is a tokenizer (`tools/check_export.py` checks the result).
public enum HuggingFaceExport {
    /// The tokenizer a model was trained with: its `tokenizer.json` and the document separator
    /// (`<|endoftext|>`), which ends every document and so begins the next one: it is both the bos
    /// and the eos token, as in GPT-2.
    public struct Tokenizer: Sendable {
        public var json: Data
        public var endOfText: String
        public var endOfTextId: Int

        public init(json: Data, endOfText: String, endOfTextId: Int) {
            self.json = json; self.endOfText = endOfText; self.endOfTextId = endOfTextId
        }
    }

    public static func write(model reparameterized: LlamaModel, tokenizer: Tokenizer?, to directory: URL) throws {
        // Gates and normalisations fold into plain weights (same logits), which is what transformers loads.
        let model = try reparameterized.merged()
        let c = model.config
        guard c.mlpKind == .swiglu else {
            throw ModelError.export("only swiglu models export as LlamaForCausalLM (this model's MLP is \(c.mlpKind.rawValue))")
        }
        if let tokenizer, !(0..<c.vocabSize).contains(tokenizer.endOfTextId) {
            throw ModelError.export("the tokenizer's \(tokenizer.endOfText) id \(tokenizer.endOfTextId) is outside the model's vocabulary of \(c.vocabSize)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(try configJSON(c, tokenizer: tokenizer), to: directory.appendingPathComponent("config.json"))
        try weights(model).write(to: directory.appendingPathComponent("model.safetensors"))
        if let tokenizer {
            try AtomicFile.write(tokenizer.json, to: directory.appendingPathComponent("tokenizer.json"))
            try AtomicFile.write(try tokenizerConfigJSON(tokenizer, contextLength: c.contextLength),
                                 to: directory.appendingPathComponent("tokenizer_config.json"))
        }
    }

    /// The plain model's tensors, with any embedding-output scale folded into the input embedding.
    static func weights(_ model: LlamaModel) throws -> SafetensorsFile {
        let c = model.config
        guard c.embeddingOutputScale != 1 else { return model.weightsFile(metadata: ["format": "pt"]) }
        // transformers' Llama has no embedding multiplier: folding it into the input embedding is
        // exact only when the output head is a separate matrix.
        guard !c.tiedEmbeddings else {
            throw ModelError.export("a tied model with a scaled embedding output (embeddingScale or embeddingMultiplier) cannot be expressed as LlamaForCausalLM")
        }
        let embedding = model.layout["model.embed_tokens.weight"]!
        let scale = c.embeddingOutputScale
        var file = SafetensorsFile()
        for s in model.layout.specs {
            let values = UnsafeBufferPointer(start: model.parameters.pointer + s.offset, count: s.count)
            if s.name == embedding.name { file.add(s.name, shape: s.shape, floats: values.map { $0 * scale }) } else {
                file.add(s.name, shape: s.shape, floats: values)
            }
        }
        file.metadata = ["format": "pt"]
        return file
    }

    /// `config.json`. Without a tokenizer bos and eos are null: transformers' Llama defaults (1
    /// and 2) would name two byte tokens here, and `generate()` would stop at them.
    static func configJSON(_ c: ModelConfig, tokenizer: Tokenizer?) throws -> Data {
        let special: Any = tokenizer.map { $0.endOfTextId } ?? NSNull()
        let config: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": c.vocabSize, "hidden_size": c.dModel, "intermediate_size": c.mlpHidden,
            "num_hidden_layers": c.nLayers, "num_attention_heads": c.nHeads, "num_key_value_heads": c.nHeads,
            "head_dim": c.headDim, "max_position_embeddings": c.contextLength,
            "rms_norm_eps": shortestDecimal(c.normEps), "rope_theta": shortestDecimal(c.ropeTheta),
            "tie_word_embeddings": c.tiedEmbeddings, "hidden_act": "silu",
            "attention_bias": false, "mlp_bias": false, "torch_dtype": "float32", "initializer_range": 0.02,
            "bos_token_id": special, "eos_token_id": special,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    }

    /// `tokenizer_config.json`: what `AutoTokenizer` needs besides `tokenizer.json` to know its
    /// special tokens (without it, it has no eos token).
    static func tokenizerConfigJSON(_ tokenizer: Tokenizer, contextLength: Int) throws -> Data {
        let config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": tokenizer.endOfText, "eos_token": tokenizer.endOfText,
            "model_max_length": contextLength, "clean_up_tokenization_spaces": false,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    }

    /// The Double whose shortest decimal is the Float's (1e-05, not the widened 9.999999747378752e-06).
    static func shortestDecimal(_ x: Float) -> Double { Double(x.description)! }
}
