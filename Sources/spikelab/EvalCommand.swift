import ArgumentParser
import Foundation
import SpikeAnalysis
import SpikeData

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint: WikiText-2 perplexity (token, word, bits per byte) and LAMBADA (perplexity, accuracy).")

    @Option(help: "A model.safetensors file, a checkpoint directory or a run directory (latest checkpoint).")
    var checkpoint: String

    @Option(help: "tokenizer.json (default: the one in the checkpoint's run directory).")
    var tokenizer: String?

    @Option(help: "Where to write the JSON report (default: eval.json beside the checkpoint's weights).")
    var out: String?

    @Option(help: "Rolling-window stride for WikiText-2 (default: the context length).")
    var stride: Int?

    @Option(help: "Only the first N LAMBADA passages (quick checks).")
    var lambadaLimit: Int?

    @Option(help: "Only the first N WikiText-2 tokens (quick checks).")
    var wikitextTokens: Int?

    func run() throws {
        let location = try CheckpointLocation(checkpoint)
        guard let tokenizerURL = tokenizer.map({ URL(fileURLWithPath: $0) })
                ?? location.runDirectory?.appendingPathComponent("tokenizer.json"),
              FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ValidationFailure("no tokenizer.json found beside the checkpoint; pass --tokenizer FILE")
        }
        if let stride, stride < 1 { throw ValidationFailure("--stride must be at least 1") }
        let bpe = try BPETokenizer.load(from: tokenizerURL)
        let model = try location.loadModel()
        let options = EvaluationOptions(stride: stride, wikitextMaxTokens: wikitextTokens, lambadaLimit: lambadaLimit)
        let report = try Evaluation.run(scorer: model, tokenizer: bpe, options: options, tokenizerName: tokenizerURL.path)
        let outURL = out.map { URL(fileURLWithPath: $0) } ?? location.weightsURL.deletingLastPathComponent().appendingPathComponent("eval.json")
        try report.write(to: outURL)
        print(report.summary)
        print("report written to \(outURL.path)")
    }
}
