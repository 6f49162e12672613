import Dispatch
import Foundation

/// The tokenised web-text corpus, ready for training.
public struct PreparedCorpus: Sendable {
    public var tokenizer: BPETokenizer
    /// Where the tokenizer is cached (`<data>/cache/tokenizer-<key>.json`).
    public var tokenizerURL: URL
    /// Cache key of the tokenizer (hex, 16 digits).
    public var tokenizerKey: String
    /// Training split as one stream: each document followed by `<|endoftext|>`.
    public var train: [Int32]
    /// Held-out split, same layout.
    public var heldOut: [Int32]
    public var corpus: WebTextCorpus
    public var tokenizerWasCached: Bool
    public var tokensWereCached: Bool
    /// Wall-clock seconds: tokenizer training (0 when cached) and encoding (0 when cached).
    public var trainingSeconds: Double
    public var encodingSeconds: Double

    public func tokens(_ split: CorpusSplit) -> [Int32] { split == .train ? train : heldOut }
}

/// Corpus loading, tokenizer training/caching and token caching in one place.
///
/// Cache (under `<data>/cache/`, written atomically):
/// * `tokenizer-<key>.json`: Hugging Face `tokenizer.json`; `<key>` = first 16 hex digits of the SHA-256 of
///   the training files' paths and SHA-256s (of the bytes read, not the manifest's: a damaged copy must not
///   build a cache that the repaired file reuses), the vocabulary size, `BPETrainer.algorithmVersion`,
///   `WebTextCorpus.splitRuleVersion` and the pre-tokeniser version.
/// * `tokens-<key>-train.bin`, `tokens-<key>-heldout.bin`: `TokenFile`s of the two splits.
/// A cache file that fails to load is rebuilt (and overwritten) with a log line.
public enum DataPipeline {
    public static let preTokenizerVersion = 1
    public static let streamLayoutVersion = 1

    public static func tokenizerKey(sources: [(path: String, sha256: String)], vocabularySize: Int) -> String {
        var text = "spikelab-bpe-tokenizer\n"
        text += "algorithm \(BPETrainer.algorithmVersion)\npretokenizer \(preTokenizerVersion)\n"
        text += "split \(WebTextCorpus.splitRuleVersion) heldout-per-mille \(WebTextCorpus.heldOutPerMille)\n"
        text += "vocab \(vocabularySize)\n"
        for s in sources { text += "file \(s.path) \(s.sha256)\n" }
        return String(SHA256.hex(Array(text.utf8)).prefix(16))
    }

    public static func tokenizerURL(cacheDirectory: URL, key: String) -> URL {
        cacheDirectory.appendingPathComponent("tokenizer-\(key).json")
    }

    public static func tokenFileURL(cacheDirectory: URL, key: String, split: CorpusSplit) -> URL {
        cacheDirectory.appendingPathComponent("tokens-\(key)-s\(streamLayoutVersion)-\(split.rawValue).bin")
    }

    /// Loads the cached tokenizer for this corpus and vocabulary size, or trains it on the training split and
    /// caches it.
    public static func trainOrLoadTokenizer(
        corpus: WebTextCorpus, vocabularySize: Int = 4096, cacheDirectory: URL, log: (String) -> Void = { _ in }
    ) throws -> (tokenizer: BPETokenizer, url: URL, key: String, cached: Bool, seconds: Double) {
        // BPETrainer's precondition, which release builds (-Ounchecked) remove.
        guard vocabularySize >= 257 else {
            throw DataError(kind: .invalidTokenizer, path: "vocabSize \(vocabularySize)", problem: "too small for the byte-level BPE tokenizer",
                            expected: "at least 257 (the 256 bytes and <|endoftext|>)", fix: "raise the model's vocabSize")
        }
        let key = tokenizerKey(sources: corpus.sources, vocabularySize: vocabularySize)
        let url = tokenizerURL(cacheDirectory: cacheDirectory, key: key)
        if FileManager.default.fileExists(atPath: url.path) {
            do {
                let tokenizer = try BPETokenizer.load(from: url)
                log("tokenizer: loaded cached \(url.path) (\(tokenizer.vocabularySize) ids)")
                return (tokenizer, url, key, true, 0)
            } catch {
                log("tokenizer: cached file unusable, retraining (\(error))")
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let (tokenizer, stats) = BPETrainer.trainWithStatistics(documents: corpus.train.map(\.text), vocabularySize: vocabularySize)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        log(String(format: "tokenizer: trained %d merges on %d documents (%d pieces, %d distinct) in %.2f s (counting %.2f s, merging %.2f s)",
                   stats.merges, stats.documents, stats.pieces, stats.distinctPieces, seconds, stats.countingSeconds, stats.mergingSeconds))
        try tokenizer.save(to: url)
        log("tokenizer: saved \(url.path)")
        return (tokenizer, url, key, false, seconds)
    }

    /// Loads the cached token file of a split, or encodes the split and caches it.
    public static func loadOrEncode(
        _ split: CorpusSplit, corpus: WebTextCorpus, tokenizer: BPETokenizer, key: String, cacheDirectory: URL,
        log: (String) -> Void = { _ in }
    ) throws -> (tokens: [Int32], cached: Bool, seconds: Double) {
        let url = tokenFileURL(cacheDirectory: cacheDirectory, key: key, split: split)
        if FileManager.default.fileExists(atPath: url.path) {
            do {
                let (tokens, vocab) = try TokenFile.read(from: url)
                guard vocab == tokenizer.vocabularySize else {
                    throw DataError(kind: .invalidTokenFile, path: url.path, problem: "vocabulary size \(vocab)",
                                    expected: "\(tokenizer.vocabularySize)", fix: "delete it")
                }
                log("tokens: loaded cached \(split.rawValue) split, \(tokens.count) tokens")
                return (tokens, true, 0)
            } catch {
                log("tokens: cached \(split.rawValue) file unusable, re-encoding (\(error))")
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let docs = corpus.documents(split)
        let tokens = tokenizer.encodeDocuments(docs.map(\.text))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let bytes = docs.reduce(0) { $0 + $1.text.utf8.count }
        log("tokens: encoded \(split.rawValue) split, \(docs.count) documents, \(bytes) bytes -> \(tokens.count) tokens"
            + String(format: " (%.2f bytes/token) in %.2f s", Double(bytes) / Double(max(1, tokens.count)), seconds))
        try TokenFile.write(tokens, vocabularySize: tokenizer.vocabularySize, to: url)
        return (tokens, false, seconds)
    }

    /// Everything the training CLI needs: verify files, load the web-text corpus, train or load the cached
    /// tokenizer, and encode or load both splits. Done once per data directory and vocabulary size
    /// in a process (and logged once): a figure that trains many runs shares the result.
    public static func prepare(
        directory: DataDirectory = .resolve(), vocabularySize: Int = 4096, verifyChecksums: Bool = false,
        log: (String) -> Void = { _ in }
    ) throws -> PreparedCorpus {
        try preparedCorpora.value(for: "\(directory.root.path)|\(vocabularySize)|\(verifyChecksums)") {
            let corpus = try WebTextCorpus.load(from: directory, verifyChecksums: verifyChecksums)
            log("corpus: \(corpus.documentCount) documents (\(corpus.train.count) train, \(corpus.heldOut.count) held out) from \(directory.root.path)"
                + (corpus.malformed.isEmpty ? "" : "; skipped \(corpus.malformed.count) malformed lines, first: \(corpus.malformed[0])"))
            return try prepare(corpus: corpus, cacheDirectory: directory.cacheDirectory, vocabularySize: vocabularySize, log: log)
        }
    }

    private static let preparedCorpora = ProcessMemo<PreparedCorpus>()

    /// As `prepare(directory:...)` for an already loaded corpus and any cache folder.
    public static func prepare(corpus: WebTextCorpus, cacheDirectory: URL, vocabularySize: Int = 4096,
                               log: (String) -> Void = { _ in }) throws -> PreparedCorpus {
        let tok = try trainOrLoadTokenizer(corpus: corpus, vocabularySize: vocabularySize, cacheDirectory: cacheDirectory, log: log)
        let train = try loadOrEncode(.train, corpus: corpus, tokenizer: tok.tokenizer, key: tok.key, cacheDirectory: cacheDirectory, log: log)
        let held = try loadOrEncode(.heldOut, corpus: corpus, tokenizer: tok.tokenizer, key: tok.key, cacheDirectory: cacheDirectory, log: log)
        return PreparedCorpus(tokenizer: tok.tokenizer, tokenizerURL: tok.url, tokenizerKey: tok.key, train: train.tokens,
                              heldOut: held.tokens, corpus: corpus, tokenizerWasCached: tok.cached,
                              tokensWereCached: train.cached && held.cached, trainingSeconds: tok.seconds,
                              encodingSeconds: train.seconds + held.seconds)
    }
}
