import Foundation
import SpikeData
import SpikeKernels

/// The numbers the CLI prints and writes as JSON after an evaluation.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var formatVersion: Int
    public var contextLength: Int
    public var vocabularySize: Int
    /// Stride used for rolling-window perplexities.
    public var stride: Int
    public var tokenizer: String?
    public var wikitext: PerplexityResult?
    public var lambada: LambadaResult?
    /// Optional extra perplexities (e.g. the web-text held-out split).
    public var other: [PerplexityResult]

    public init(contextLength: Int, vocabularySize: Int, stride: Int, tokenizer: String? = nil,
                wikitext: PerplexityResult? = nil, lambada: LambadaResult? = nil, other: [PerplexityResult] = []) {
        self.formatVersion = 1
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.stride = stride
        self.tokenizer = tokenizer
        self.wikitext = wikitext
        self.lambada = lambada
        self.other = other
    }

    /// Pretty JSON with sorted keys (stable output). Non-finite numbers are written as strings.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> EvaluationReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(EvaluationReport.self, from: data)
    }

    /// Writes the JSON atomically (`eval --out`: a symlink is followed, a device or FIFO written
    /// through, other non-regular files refused; see `AtomicFile`).
    public func write(to url: URL) throws {
        try AtomicFile.write(try jsonData(), to: url)
    }

    /// A few human-readable lines.
    public var summary: String {
        var lines: [String] = []
        for r in ([wikitext].compactMap { $0 } + other) {
            lines.append(String(format: "%@: token ppl %.3f, word ppl %.3f, bits/byte %.4f (%d tokens, %d words, %d bytes; context %d, stride %d)",
                                r.dataset as NSString, r.tokenPerplexity, r.wordPerplexity, r.bitsPerByte, r.tokens, r.words, r.bytes,
                                r.contextLength, r.stride))
        }
        if let l = lambada {
            lines.append(String(format: "lambada_openai: accuracy %.4f (%d/%d), perplexity %.3f (mean target tokens %.2f, %d contexts truncated; context %d)",
                                l.accuracy, l.correct, l.passages, l.perplexity, l.meanTargetTokens, l.truncatedContexts, l.contextLength))
        }
        return lines.joined(separator: "\n")
    }
}

/// Settings for `Evaluation.run`.
public struct EvaluationOptions: Sendable {
    /// Rolling-window stride; nil = the context length.
    public var stride: Int?
    public var perplexityBatchSize: Int
    public var lambadaBatchSize: Int
    /// Score only the first N tokens of WikiText-2 (quick checks); nil = all.
    public var wikitextMaxTokens: Int?
    /// Use only the first N LAMBADA passages (quick checks); nil = all 5153.
    public var lambadaLimit: Int?
    public var runWikiText: Bool
    public var runLambada: Bool

    public init(stride: Int? = nil, perplexityBatchSize: Int = 8, lambadaBatchSize: Int = 16, wikitextMaxTokens: Int? = nil,
                lambadaLimit: Int? = nil, runWikiText: Bool = true, runLambada: Bool = true) {
        self.stride = stride
        self.perplexityBatchSize = perplexityBatchSize
        self.lambadaBatchSize = lambadaBatchSize
        self.wikitextMaxTokens = wikitextMaxTokens
        self.lambadaLimit = lambadaLimit
        self.runWikiText = runWikiText
        self.runLambada = runLambada
    }
}

/// One-call evaluation on the standard sets of a data directory.
public enum Evaluation {
    public static func run(scorer: some TokenScorer, tokenizer: BPETokenizer, directory: DataDirectory = .resolve(),
                           options: EvaluationOptions = EvaluationOptions(), tokenizerName: String? = nil) throws -> EvaluationReport {
        guard scorer.vocabularySize >= tokenizer.vocabularySize else {
            throw EvaluationError("scorer vocabulary \(scorer.vocabularySize) is smaller than the tokenizer's \(tokenizer.vocabularySize)")
        }
        var report = EvaluationReport(contextLength: scorer.contextLength, vocabularySize: scorer.vocabularySize,
                                      stride: options.stride ?? scorer.contextLength, tokenizer: tokenizerName)
        if options.runWikiText {
            let text = try WikiText2.loadTest(from: directory)
            report.wikitext = try WikiTextPerplexity.evaluate(text: text, tokenizer: tokenizer, scorer: scorer, stride: options.stride,
                                                              batchSize: options.perplexityBatchSize, maxTokens: options.wikitextMaxTokens)
        }
        if options.runLambada {
            var passages = try Lambada.loadTest(from: directory)
            if let limit = options.lambadaLimit { passages = Array(passages.prefix(max(1, limit))) }
            report.lambada = try LambadaEvaluation.evaluate(passages: passages, tokenizer: tokenizer, scorer: scorer,
                                                            batchSize: options.lambadaBatchSize)
        }
        return report
    }
}
