// What `spikelab export` writes for transformers: config.json with bos/eos ids (absent, transformers
// falls back to Llama's 1 and 2, byte tokens here) and rms_norm_eps as the Float's shortest decimal;
// tokenizer_config.json, without which AutoTokenizer has no eos token; merged weights.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

@Suite struct HuggingFaceExportTests {
    static let tokenizer = HuggingFaceExport.Tokenizer(json: Data(#"{"model": "stand-in"}"#.utf8), endOfText: "<|endoftext|>", endOfTextId: 49)

    func model(_ reparameterization: Reparameterization? = nil, mlpKind: MLPKind = .swiglu) throws -> LlamaModel {
        let c = ModelConfig(vocabSize: 50, dModel: 16, nLayers: 2, nHeads: 2, contextLength: 16, mlpKind: mlpKind,
                            tiedEmbeddings: false, embeddingScale: true, reparameterization: reparameterization)
        let m = try LlamaModel(config: c)
        m.initialize(scheme: .default, seed: 5)
        return m
    }

    func export(_ model: LlamaModel, tokenizer: HuggingFaceExport.Tokenizer?) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hf-export-\(UUID().uuidString)")
        try HuggingFaceExport.write(model: model, tokenizer: tokenizer, to: dir)
        return dir
    }

    func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func configNamesTheSpecialTokensAndShortEps() throws {
        let dir = try export(try model(), tokenizer: Self.tokenizer)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        let config = try json(url)
        #expect(config["bos_token_id"] as? Int == 49 && config["eos_token_id"] as? Int == 49)
        #expect(config["rms_norm_eps"] as? Double == 1e-05 && config["rope_theta"] as? Double == 10000)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("1e-05") && !text.contains("9.99999"), "\(text)")

        let tokenizerConfig = try json(dir.appendingPathComponent("tokenizer_config.json"))
        #expect(tokenizerConfig["eos_token"] as? String == "<|endoftext|>" && tokenizerConfig["bos_token"] as? String == "<|endoftext|>")
        #expect(tokenizerConfig["tokenizer_class"] as? String == "PreTrainedTokenizerFast")
        #expect(tokenizerConfig["model_max_length"] as? Int == 16)
        #expect(try Data(contentsOf: dir.appendingPathComponent("tokenizer.json")) == Self.tokenizer.json)
    }

    @Test func withoutATokenizerTheIdsAreNull() throws {
        let dir = try export(try model(), tokenizer: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try json(dir.appendingPathComponent("config.json"))
        #expect(config["bos_token_id"] is NSNull && config["eos_token_id"] is NSNull)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer_config.json").path))
    }

    /// A WeSaR checkpoint exports its effective weights (gates folded in), the embedding scale folded
    /// into the input embedding, and no gate tensors.
    @Test func reparameterisedModelsExportTheirEffectiveWeights() throws {
        let m = try model(.wesar(sigma: 0.05))
        for spec in m.layout.specs where spec.role == .gate { m.parameters[spec.offset] *= 1.7 }
        let dir = try export(m, tokenizer: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try SafetensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors"))
        let merged = try m.merged()
        #expect(Set(file.entries.keys) == Set(merged.layout.specs.map(\.name)))
        let scale = m.config.embeddingOutputScale
        for spec in merged.layout.specs {
            let expected = (0..<spec.count).map { merged.parameters[spec.offset + $0] * (spec.role == .embedding ? scale : 1) }
            #expect(try file.floats(spec.name) == expected, "\(spec.name)")
        }
    }

    @Test func modelsTransformersCannotLoadAreRefused() throws {
        #expect(throws: ModelError.self) { _ = try export(try model(mlpKind: .gelu), tokenizer: nil) }
        var outside = Self.tokenizer
        outside.endOfTextId = 50
        #expect(throws: ModelError.self) { _ = try export(try model(), tokenizer: outside) }
    }
}
