import Foundation
import Testing
@testable import SpikeAnalysis
import SpikeData

/// Every distribution uniform over V tokens: log p = -ln V everywhere, argmax = token 0.
struct UniformScorer: TokenScorer {
    var contextLength: Int
    var vocabularySize: Int
    func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        zip(inputs, targets).map { inp, _ in
            ScoredWindow(targetLogProbs: Array(repeating: -Float(log(Double(vocabularySize))), count: inp.count),
                         greedyTokens: Array(repeating: 0, count: inp.count))
        }
    }
}

/// Puts probability 1 on the target.
struct OracleScorer: TokenScorer {
    var contextLength: Int
    var vocabularySize: Int
    func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        targets.map { ScoredWindow(targetLogProbs: Array(repeating: 0, count: $0.count), greedyTokens: $0) }
    }
}

/// Records every call; log p at position t = -(t + 1) / 1000 (encodes the context size), greedy = target.
final class RecordingScorer: TokenScorer {
    let contextLength: Int
    let vocabularySize = 1 << 20
    var calls: [(inputs: [[Int32]], targets: [[Int32]])] = []
    init(contextLength: Int) { self.contextLength = contextLength }
    func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        calls.append((inputs, targets))
        for (i, t) in zip(inputs, targets) {
            precondition(i.count == t.count && i.count <= contextLength && !i.isEmpty)
            precondition(Array(i.dropFirst()) == Array(t.dropLast()), "targets are inputs shifted by one")
        }
        return inputs.map { inp in
            ScoredWindow(targetLogProbs: (0..<inp.count).map { -Float($0 + 1) / 1000 }, greedyTokens: Array(repeating: -1, count: inp.count))
        }
    }
}

struct BrokenScorer: TokenScorer {
    var contextLength = 8
    var vocabularySize = 10
    func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        inputs.map { _ in ScoredWindow(targetLogProbs: [0], greedyTokens: [0]) }
    }
}

let tinyTokenizer: BPETokenizer = BPETrainer.train(
    documents: ["The cat sat on the mat. The dog sat on the log. A cat and a dog met on a mat!",
                "Numbers 1 22 333, naïve café; 東京 😀.\nNew line   spaces."],
    vocabularySize: 320)

let sampleWiki = " \n = Title = \n \n The cat sat on the mat , and the dog sat on the log . \n 東京 is a city ; naïve café 😀 . \n"

@Suite struct RollingWindowTests {
    @Test func matchesLmEvalRollingWindows() {
        // lm-eval get_rolling_token_windows(range(10), prefix, max_seq_len=4, context_len=1):
        // ([p,0,1,2] -> [0,1,2,3]), ([3,4,5,6] -> [4,5,6,7]), ([5,6,7,8] -> predicts [8,9]).
        let w = RollingPerplexity.windows(tokenCount: 10, contextLength: 4, stride: 4)
        #expect(w == [.init(inputStart: 0, end: 4, scored: 4), .init(inputStart: 4, end: 8, scored: 4), .init(inputStart: 6, end: 10, scored: 2)])
        #expect(RollingPerplexity.windows(tokenCount: 3, contextLength: 8, stride: 8) == [.init(inputStart: 0, end: 3, scored: 3)])
        #expect(RollingPerplexity.windows(tokenCount: 0, contextLength: 8, stride: 8).isEmpty)
    }

    @Test(arguments: [(1, 1, 1), (10, 4, 4), (10, 4, 1), (37, 8, 3), (64, 8, 8), (65, 8, 5), (5, 16, 16), (100, 7, 7)])
    func everyTokenScoredOnceWithMaximalContext(n: Int, L: Int, S: Int) throws {
        let tokens = (0..<n).map { Int32($0 + 100) }
        let scorer = RecordingScorer(contextLength: L)
        let r = try RollingPerplexity.score(tokens: tokens, prefix: 7, scorer: scorer, stride: S, batchSize: 3)
        #expect(r.logProbs.count == n)
        #expect(scorer.calls.allSatisfy { $0.inputs.count <= 3 })
        // Token i (stream index i+1) is predicted from min(L, i+1) tokens of context in the first window, and with
        // at least L - S + 1 after it; with S = 1 always from min(L, i+1) tokens.
        for i in 0..<n {
            let context = Int((-r.logProbs[i] * 1000).rounded())
            #expect(context <= min(L, i + 1))
            #expect(context >= min(L - S + 1, i + 1))
            if S == 1 { #expect(context == min(L, i + 1)) }
        }
        // The union of scored targets is exactly the token list, each once.
        var seen = [Int](repeating: 0, count: n)
        let windows = RollingPerplexity.windows(tokenCount: n, contextLength: L, stride: S)
        for w in windows { for k in (w.end - w.scored + 1)...w.end { seen[k - 1] += 1 } }
        #expect(seen.allSatisfy { $0 == 1 })
        let allInputs = scorer.calls.flatMap(\.inputs)
        #expect(allInputs.first?.first == 7, "the prefix token opens the first window")
        #expect(allInputs.allSatisfy { $0.count == min(L, n) })
    }

    @Test func rejectsBadSettingsAndBrokenScorers() {
        #expect(throws: EvaluationError.self) { _ = try RollingPerplexity.score(tokens: [1, 2], prefix: 0, scorer: UniformScorer(contextLength: 4, vocabularySize: 8), stride: 5) }
        #expect(throws: EvaluationError.self) { _ = try RollingPerplexity.score(tokens: [1, 2], prefix: 0, scorer: UniformScorer(contextLength: 4, vocabularySize: 8), stride: 0) }
        #expect(throws: EvaluationError.self) { _ = try RollingPerplexity.score(tokens: [1, 2, 3], prefix: 0, scorer: BrokenScorer()) }
    }
}

@Suite struct WikiTextPerplexityTests {
    @Test(arguments: [4, 16, 1024])
    func uniformScorerGivesVocabularySize(contextLength: Int) throws {
        let V = 320
        let r = try WikiTextPerplexity.evaluate(text: sampleWiki, tokenizer: tinyTokenizer,
                                                scorer: UniformScorer(contextLength: contextLength, vocabularySize: V), batchSize: 2)
        let tokens = tinyTokenizer.encode(sampleWiki).count
        #expect(r.tokens == tokens)
        #expect(abs(r.tokenPerplexity - Double(V)) < 1e-3)
        #expect(r.words == 27)  // whitespace-separated words of sampleWiki
        #expect(r.bytes == sampleWiki.utf8.count)
        let expectedWord = pow(Double(V), Double(tokens) / Double(r.words))
        #expect(abs(r.wordPerplexity / expectedWord - 1) < 1e-5)
        let expectedBPB = Double(tokens) * log(Double(V)) / log(2.0) / Double(sampleWiki.utf8.count)
        #expect(abs(r.bitsPerByte - expectedBPB) < 1e-6)
        #expect(r.stride == contextLength && r.contextLength == contextLength)
        #expect(r.prefix == "<|endoftext|>")
    }

    @Test func oracleGivesOneAndStrideIsReported() throws {
        let r = try WikiTextPerplexity.evaluate(text: sampleWiki, tokenizer: tinyTokenizer,
                                                scorer: OracleScorer(contextLength: 8, vocabularySize: 320), stride: 3)
        #expect(r.tokenPerplexity == 1 && r.wordPerplexity == 1 && r.bitsPerByte == 0)
        #expect(r.stride == 3)
        #expect(r.windows == RollingPerplexity.windows(tokenCount: r.tokens, contextLength: 8, stride: 3).count)
    }

    @Test func maxTokensScoresAPrefix() throws {
        let r = try WikiTextPerplexity.evaluate(text: sampleWiki, tokenizer: tinyTokenizer,
                                                scorer: UniformScorer(contextLength: 8, vocabularySize: 320), maxTokens: 10)
        #expect(r.tokens == 10)
        #expect(r.bytes == tinyTokenizer.decodeBytes(tinyTokenizer.encode(sampleWiki).prefix(10)).count)
    }

    @Test func wordCountIsWhitespaceRuns() {
        #expect(WikiTextPerplexity.wordCount("") == 0)
        #expect(WikiTextPerplexity.wordCount("  a  b\n\nc\t") == 3)
        #expect(WikiTextPerplexity.wordCount("x\u{00A0}y\u{3000}z") == 3)
        #expect(WikiTextPerplexity.wordCount(" = Title = ") == 3)
    }
}

@Suite struct LambadaEvaluationTests {
    static let passages: [LambadaPassage] = [
        "The cat sat on the mat",
        "A dog and a cat met on a log",
        "Numbers 1 22 333",
        "naïve café 東京 😀",
    ].enumerated().map { LambadaPassage(index: $0.offset, text: $0.element)! }

    @Test func oracleGetsAccuracyOneAndPerplexityOne() throws {
        let r = try LambadaEvaluation.evaluate(passages: Self.passages, tokenizer: tinyTokenizer,
                                               scorer: OracleScorer(contextLength: 64, vocabularySize: 320), batchSize: 3)
        #expect(r.passages == 4 && r.correct == 4 && r.accuracy == 1)
        #expect(r.perplexity == 1 && r.meanTargetNLL == 0)
        #expect(r.truncatedContexts == 0)
    }

    @Test func uniformScorerPerplexityIsVToTheMeanTargetLength() throws {
        let V = 320
        let (r, details) = try LambadaEvaluation.evaluateWithDetails(passages: Self.passages, tokenizer: tinyTokenizer,
                                                                     scorer: UniformScorer(contextLength: 64, vocabularySize: V))
        let lengths = Self.passages.map { p in
            tinyTokenizer.encode(p.context + p.target).count - tinyTokenizer.encode(p.context).count
        }
        #expect(details.map(\.targetTokens) == lengths)
        let meanLength = Double(lengths.reduce(0, +)) / Double(lengths.count)
        #expect(abs(r.perplexity / pow(Double(V), meanLength) - 1) < 1e-5)
        #expect(r.meanTargetTokens == meanLength)
        #expect(r.correct == 0)  // greedy token 0 is never a target here
    }

    @Test func targetTokensAreScoredAtTheEndAndLongContextsTruncated() throws {
        let scorer = RecordingScorer(contextLength: 6)
        let p = LambadaPassage(index: 0, text: "The cat sat on the mat. The dog sat on the log. A cat and a dog met on a mat")!
        let r = try LambadaEvaluation.evaluate(passages: [p], tokenizer: tinyTokenizer, scorer: scorer)
        #expect(r.truncatedContexts == 1)
        let call = try #require(scorer.calls.first)
        #expect(call.inputs[0].count == 6)
        let whole = tinyTokenizer.encode(p.text)
        #expect(call.targets[0] == Array(whole.suffix(6)))
        #expect(call.inputs[0] == Array(whole.dropLast().suffix(6)))
    }

    @Test func trailingContextWhitespaceMovesToTheTarget() throws {
        let p = LambadaPassage(index: 0, text: "the cat sat  mat")!  // context "the cat sat ", target " mat"
        #expect(p.context == "the cat sat " && p.target == " mat")
        let scorer = RecordingScorer(contextLength: 64)
        let (_, details) = try LambadaEvaluation.evaluateWithDetails(passages: [p], tokenizer: tinyTokenizer, scorer: scorer)
        let expected = tinyTokenizer.encode("the cat sat  mat").count - tinyTokenizer.encode("the cat sat").count
        #expect(details[0].targetTokens == expected)
        #expect(scorer.calls[0].targets[0] == Array(tinyTokenizer.encode("the cat sat  mat").dropFirst()))
    }

    @Test func batchesAreLimitedAndAllPassagesScored() throws {
        let scorer = RecordingScorer(contextLength: 64)
        let many = (0..<37).map { LambadaPassage(index: $0, text: "The cat \($0) sat on the mat")! }
        let (r, details) = try LambadaEvaluation.evaluateWithDetails(passages: many, tokenizer: tinyTokenizer, scorer: scorer, batchSize: 8)
        #expect(r.passages == 37)
        #expect(scorer.calls.count == 5)
        #expect(scorer.calls.allSatisfy { $0.inputs.count <= 8 })
        #expect(details.map(\.index) == Array(0..<37))
    }
}

@Suite struct ReportTests {
    @Test func reportRoundTripsThroughJSON() throws {
        let scorer = UniformScorer(contextLength: 16, vocabularySize: 320)
        let wiki = try WikiTextPerplexity.evaluate(text: sampleWiki, tokenizer: tinyTokenizer, scorer: scorer)
        let lambada = try LambadaEvaluation.evaluate(passages: LambadaEvaluationTests.passages, tokenizer: tinyTokenizer, scorer: scorer)
        var report = EvaluationReport(contextLength: 16, vocabularySize: 320, stride: 16, tokenizer: "test", wikitext: wiki, lambada: lambada)
        report.other.append(PerplexityResult(dataset: "nan case", tokens: 0, words: 0, bytes: 0, totalNLL: 0, tokenPerplexity: .nan,
                                             wordPerplexity: .infinity, bitsPerByte: 0, contextLength: 16, stride: 16, windows: 0,
                                             prefix: "", tokenization: ""))
        let data = try report.jsonData()
        let back = try EvaluationReport.decode(data)
        #expect(back.wikitext == report.wikitext && back.lambada == report.lambada)
        #expect(back.other[0].tokenPerplexity.isNaN && back.other[0].wordPerplexity == .infinity)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"tokenPerplexity\""))
        #expect(report.summary.contains("lambada_openai: accuracy"))
        #expect(report.summary.contains("wikitext-2"))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try report.write(to: tmp)
        #expect(try EvaluationReport.decode(Data(contentsOf: tmp)).lambada == lambada)
        // `eval --out LINK` writes the file the link points to and keeps the link.
        let link = tmp.deletingLastPathComponent().appendingPathComponent("report-link-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: link) }
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: tmp)
        report.stride = 8
        try report.write(to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == tmp.path)
        #expect(try EvaluationReport.decode(Data(contentsOf: tmp)).stride == 8)
    }
}

/// End-to-end on the real evaluation files; skipped when the data directory is not filled.
@Suite struct RealEvaluationTests {
    static let directory = DataDirectory.resolve()
    static var available: Bool { directory.isAvailable([DataManifest.wikiText2Test, DataManifest.lambadaTest]) }

    @Test(.enabled(if: available, "data directory not filled (run make data DATA_MIRROR=...)"))
    func uniformAndOracleOnRealFiles() throws {
        let text = try WikiText2.loadTest(from: Self.directory)
        let tok = BPETrainer.train(documents: [String(text.prefix(100_000))], vocabularySize: 512)
        let V = tok.vocabularySize
        let options = EvaluationOptions(lambadaLimit: 300)
        let report = try Evaluation.run(scorer: UniformScorer(contextLength: 256, vocabularySize: V), tokenizer: tok,
                                        directory: Self.directory, options: options, tokenizerName: "test-512")
        let wiki = try #require(report.wikitext)
        #expect(wiki.bytes == 1_290_590)
        #expect(abs(wiki.tokenPerplexity - Double(V)) < 1e-2)
        #expect(wiki.words > 200_000)
        #expect(report.lambada?.passages == 300)
        let oracle = try LambadaEvaluation.evaluate(passages: try Lambada.loadTest(from: Self.directory), tokenizer: tok,
                                                    scorer: OracleScorer(contextLength: 256, vocabularySize: V))
        #expect(oracle.passages == 5153 && oracle.accuracy == 1 && oracle.perplexity == 1)
    }
}
