import Foundation
import SpikeAnalysis
import SpikeData
import SpikeKernels
import SpikeModel
import SpikeRuns

/// WikiText-2 and LAMBADA perplexity of a run's final weights.
public struct Perplexities: Codable, Equatable, Sendable {
    public var wikitext: Double
    public var lambada: Double
}

/// The evaluations the papers' tables make of a finished run's final weights, each cached in the
/// run directory beside the checkpoints, keyed by what was evaluated.
public struct RunEvaluation: Sendable {
    /// WikiText-2 tokens and LAMBADA passages scored per run (nil: all).
    public var wikitextTokens: Int?
    public var lambadaPassages: Int?
    /// Held-out web-text sequences of `heldOutLoss`.
    public var heldOutSequences: Int

    public init(wikitextTokens: Int?, lambadaPassages: Int?, heldOutSequences: Int) {
        self.wikitextTokens = wikitextTokens; self.lambadaPassages = lambadaPassages; self.heldOutSequences = heldOutSequences
    }

    /// The final weights of a run, merged into a plain model (the merged model is what the papers
    /// evaluate and what `spikelab export` writes).
    public func finalModel(_ run: CachedRun) throws -> LlamaModel {
        guard !run.diverged, let last = run.checkpointSteps.last else {
            throw FigureError("\(run.label) (\(run.directory.path)) diverged or has no checkpoint to evaluate")
        }
        let model = try LlamaModel(config: run.config.model)
        try model.loadWeights(from: SafetensorsFile(contentsOf: run.weightsURL(step: last)))
        return try model.merged()
    }

    /// Mean cross-entropy of the final weights on the first `heldOutSequences` held-out web-text
    /// sequences (never the test sets).
    public func heldOutLoss(_ run: CachedRun) throws -> Double {
        let key = "heldout_loss_\(heldOutSequences)x\(run.config.model.contextLength).json"
        return try cached(run, key) {
            let prepared = try DataPipeline.prepare(vocabularySize: run.config.model.vocabSize) { _ in }
            let batches = try EvaluationBatches(tokens: prepared.heldOut, sequenceCount: heldOutSequences,
                                                sequenceLength: run.config.model.contextLength)
            return try batches.meanLoss(model: try finalModel(run))
        }
    }

    /// WikiText-2 token perplexity and LAMBADA target perplexity of the final weights.
    public func perplexities(_ run: CachedRun) throws -> Perplexities {
        let key = "eval_wikitext\(wikitextTokens.map(String.init) ?? "all")_lambada\(lambadaPassages.map(String.init) ?? "all").json"
        return try cached(run, key) {
            let tokenizer = try BPETokenizer.load(from: run.directory.appendingPathComponent("tokenizer.json"))
            let options = EvaluationOptions(wikitextMaxTokens: wikitextTokens, lambadaLimit: lambadaPassages)
            let report = try Evaluation.run(scorer: try finalModel(run), tokenizer: tokenizer, options: options)
            return Perplexities(wikitext: report.wikitext!.tokenPerplexity, lambada: report.lambada!.perplexity)
        }
    }

    /// `compute` once per run directory and key; later calls read the stored JSON.
    private func cached<T: Codable>(_ run: CachedRun, _ key: String, _ compute: () throws -> T) throws -> T {
        let url = run.directory.appendingPathComponent(key)
        if let data = try? Data(contentsOf: url), let value = try? JSONDecoder().decode(T.self, from: data) { return value }
        let value = try compute()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: url)
        return value
    }
}
