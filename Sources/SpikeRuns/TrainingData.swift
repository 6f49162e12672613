import Foundation
import SpikeData
import SpikeKernels
import SpikeTraining

/// Turns a run config's `data` section into the batches the trainer draws.
public enum TrainingData {
    /// The corpora a run config may name in `data.corpus`.
    public static let corpora = ["webtext", "synthetic"]

    /// `synthetic`: the toy Markov language (no data needed); `webtext`: the web-text training split
    /// tokenised with the suite's BPE (prepared on first use; `tokenizer.json` is copied into the
    /// run directory for eval and export). `log` sends data-preparation progress to stderr.
    public static func resolve(_ config: RunConfig, runDirectory: URL, log: Bool) throws -> BatchSource {
        switch config.data.corpus {
        case "synthetic":
            let tokens = SyntheticLanguage.tokens(vocabSize: config.model.vocabSize, count: 1 << 20, seed: config.seed)
            return TokenStreamBatches(tokens: tokens, seed: config.seed)
        case "webtext":
            let prepared = try DataPipeline.prepare(vocabularySize: config.model.vocabSize) { line in
                if log { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
            }
            // The run keeps the tokenizer it was trained with, for eval and export.
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(try Data(contentsOf: prepared.tokenizerURL), to: runDirectory.appendingPathComponent("tokenizer.json"))
            return TokenStreamBatches(tokens: prepared.train, seed: config.seed)
        default:
            throw RunError("unknown data corpus '\(config.data.corpus)' (known: \(corpora.joined(separator: ", ")))")
        }
    }
}
