import ArgumentParser
import Foundation
import SpikeData
import SpikeModel

/// Writes a directory that Hugging Face transformers loads as LlamaForCausalLM (see `HuggingFaceExport`).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a checkpoint as a Hugging Face LlamaForCausalLM directory (config.json + model.safetensors, "
            + "tokenizer.json + tokenizer_config.json when the run has a tokenizer).")

    @Option(help: "A model.safetensors file, a checkpoint directory or a run directory (latest checkpoint).")
    var checkpoint: String

    @Option(help: "tokenizer.json (default: the one in the checkpoint's run directory, if any).")
    var tokenizer: String?

    @Option(help: "Output directory.")
    var out: String

    func run() throws {
        let location = try CheckpointLocation(checkpoint)
        let model = try location.loadModel()
        let outURL = URL(fileURLWithPath: out)
        let tokenizer = try exportTokenizer(location)
        do {
            try HuggingFaceExport.write(model: model, tokenizer: tokenizer, to: outURL)
        } catch let error as ModelError {
            throw ValidationFailure("\(error)")
        }
        print("exported \(location.weightsURL.path) to \(outURL.path)")
        if tokenizer == nil { print("no tokenizer.json (pass --tokenizer FILE): config.json has null bos and eos ids, and no tokenizer is exported") }
    }

    /// --tokenizer, else the run directory's tokenizer.json; nil for a run without one (synthetic data).
    private func exportTokenizer(_ location: CheckpointLocation) throws -> HuggingFaceExport.Tokenizer? {
        let url: URL
        if let tokenizer {
            url = URL(fileURLWithPath: tokenizer)
        } else {
            guard let run = location.runDirectory?.appendingPathComponent("tokenizer.json"),
                  FileManager.default.fileExists(atPath: run.path) else { return nil }
            url = run
        }
        let bpe = try BPETokenizer.load(from: url)
        return HuggingFaceExport.Tokenizer(json: try Data(contentsOf: url), endOfText: BPETokenizer.endOfText,
                                           endOfTextId: Int(bpe.endOfTextId))
    }
}
