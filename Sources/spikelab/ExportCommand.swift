import ArgumentParser
import Foundation
import SpikeKernels
import SpikeModel

/// Writes a directory that Hugging Face transformers loads as LlamaForCausalLM.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a checkpoint as a Hugging Face LlamaForCausalLM directory (config.json + model.safetensors).")

    @Option(help: "A model.safetensors file, a checkpoint directory or a run directory (latest checkpoint).")
    var checkpoint: String

    @Option(help: "Output directory.")
    var out: String

    func run() throws {
        let location = try CheckpointLocation(checkpoint)
        let model = try location.loadModel()
        let outURL = URL(fileURLWithPath: out)
        try HuggingFaceExport.write(model: model, to: outURL)
        if let run = location.runDirectory {
            let tokenizer = run.appendingPathComponent("tokenizer.json")
            if FileManager.default.fileExists(atPath: tokenizer.path) {
                try AtomicFile.write(try Data(contentsOf: tokenizer), to: outURL.appendingPathComponent("tokenizer.json"))
            }
        }
        print("exported \(location.weightsURL.path) to \(outURL.path)")
    }
}

enum HuggingFaceExport {
    static func write(model reparameterized: LlamaModel, to directory: URL) throws {
        // Gates and normalisations fold into plain weights (same logits), which is what transformers loads.
        let model = try reparameterized.merged()
        let c = model.config
        guard c.mlpKind == .swiglu else {
            throw ValidationFailure("only swiglu models export as LlamaForCausalLM (this model's MLP is \(c.mlpKind.rawValue))")
        }
        var weights = model.weightsFile(metadata: ["format": "pt"])
        if c.embeddingOutputScale != 1 {
            // transformers' Llama has no embedding multiplier: fold it into the input embedding,
            // which is exact only when the output head is a separate matrix.
            guard !c.tiedEmbeddings else {
                throw ValidationFailure("a tied model with a scaled embedding output (embeddingScale or embeddingMultiplier) cannot be expressed as LlamaForCausalLM")
            }
            let spec = model.layout["model.embed_tokens.weight"]!
            let scale = c.embeddingOutputScale
            let scaled = (0..<spec.count).map { model.parameters[spec.offset + $0] * scale }
            var file = SafetensorsFile()
            for s in model.layout.specs {
                if s.name == spec.name { file.add(s.name, shape: s.shape, floats: scaled); continue }
                file.add(s.name, shape: s.shape, floats: UnsafeBufferPointer(start: model.parameters.pointer + s.offset, count: s.count))
            }
            file.metadata = ["format": "pt"]
            weights = file
        }
        let config: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama",
            "vocab_size": c.vocabSize, "hidden_size": c.dModel, "intermediate_size": c.mlpHidden,
            "num_hidden_layers": c.nLayers, "num_attention_heads": c.nHeads, "num_key_value_heads": c.nHeads,
            "head_dim": c.headDim, "max_position_embeddings": c.contextLength, "rms_norm_eps": Double(c.normEps),
            "rope_theta": Double(c.ropeTheta), "tie_word_embeddings": c.tiedEmbeddings, "hidden_act": "silu",
            "attention_bias": false, "mlp_bias": false, "torch_dtype": "float32", "initializer_range": 0.02,
        ]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(json, to: directory.appendingPathComponent("config.json"))
        try weights.write(to: directory.appendingPathComponent("model.safetensors"))
    }
}
