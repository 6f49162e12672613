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
            try config.model.validateTrainingStream(tokenCount: tokens.count, name: "the synthetic token stream")
            return TokenStreamBatches(tokens: tokens, seed: config.seed)
        case "webtext":
            let prepared = try DataPipeline.prepare(vocabularySize: config.model.vocabSize) { line in
                if log { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
            }
            // The run keeps the tokenizer it was trained with, for eval and export.
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(try Data(contentsOf: prepared.tokenizerURL), to: runDirectory.appendingPathComponent("tokenizer.json"))
            try config.model.validateTrainingStream(tokenCount: prepared.train.count, name: "the webtext training split")
            return TokenStreamBatches(tokens: prepared.train, seed: config.seed)
        default:
            throw RunError("unknown data corpus '\(config.data.corpus)' (known: \(corpora.joined(separator: ", ")))")
        }
    }

    /// The fixed batch of the held-out probe (`probe` in the run config): the first `batchSize`
    /// consecutive windows of the web-text held-out split, or for `synthetic` the last windows of
    /// the toy stream (the toy language has no held-out split; a fixed batch still tells a damaged
    /// model from a hard batch). The same for every step and every resume.
    public static func probeBatch(_ config: RunConfig) throws -> (inputs: [Int32], targets: [Int32]) {
        let tokens: [Int32]
        switch config.data.corpus {
        case "synthetic": tokens = SyntheticLanguage.tokens(vocabSize: config.model.vocabSize, count: 1 << 20, seed: config.seed)
        case "webtext": tokens = try DataPipeline.prepare(vocabularySize: config.model.vocabSize) { _ in }.heldOut
        default: throw RunError("unknown data corpus '\(config.data.corpus)' (known: \(corpora.joined(separator: ", ")))")
        }
        let length = config.model.contextLength, needed = config.batchSize * length + 1
        guard tokens.count >= needed else {
            throw RunError("the probe batch needs \(needed) held-out tokens (batchSize x contextLength + 1); the \(config.data.corpus) held-out tokens are \(tokens.count)")
        }
        let window = config.data.corpus == "synthetic" ? tokens.suffix(needed) : tokens.prefix(needed)
        let start = window.startIndex
        return (Array(window[start..<(start + needed - 1)]), Array(window[(start + 1)..<(start + needed)]))
    }
}
