import Foundation
import SpikeData

/// Perplexity of a text under a model, in the three usual units.
public struct PerplexityResult: Codable, Sendable, Equatable {
    /// Which text (e.g. "wikitext-2-raw-v1 test").
    public var dataset: String
    /// Tokens predicted (each exactly once).
    public var tokens: Int
    /// Whitespace-separated words of the scored text.
    public var words: Int
    /// UTF-8 bytes of the scored text.
    public var bytes: Int
    /// Total negative log-likelihood in nats.
    public var totalNLL: Double
    /// exp(totalNLL / tokens).
    public var tokenPerplexity: Double
    /// exp(totalNLL / words) (lm-evaluation-harness `word_perplexity`).
    public var wordPerplexity: Double
    /// totalNLL / ln 2 / bytes (lm-evaluation-harness `bits_per_byte`).
    public var bitsPerByte: Double
    public var contextLength: Int
    /// Tokens newly predicted per window after the first (see `RollingPerplexity`).
    public var stride: Int
    public var windows: Int
    /// Token prepended as context for the first prediction.
    public var prefix: String
    /// How the text was tokenised.
    public var tokenization: String
}

/// WikiText-2 perplexity.
///
/// Tokenisation: the whole `wiki.test.raw` file is one stream (no splitting into articles, no
/// detokenisation: the raw file is scored as is), encoded with the byte-level BPE tokenizer, literal
/// `<|endoftext|>` text treated as text. `<|endoftext|>` is prepended as context, so every token of the file,
/// the first included, is predicted once (`RollingPerplexity`). Words = maximal runs of non-White_Space
/// characters in the text; bytes = its UTF-8 length.
public enum WikiTextPerplexity {
    public static func evaluate(text: String, tokenizer: BPETokenizer, scorer: some TokenScorer, stride: Int? = nil,
                                batchSize: Int = 8, maxTokens: Int? = nil,
                                dataset: String = "wikitext-2-raw-v1 test (wiki.test.raw)") throws -> PerplexityResult {
        var tokens = tokenizer.encode(text)
        var scoredText = text
        if let maxTokens, maxTokens < tokens.count {
            tokens = Array(tokens.prefix(max(0, maxTokens)))
            scoredText = tokenizer.decode(tokens)
        }
        return try evaluate(tokens: tokens, text: scoredText, endOfText: tokenizer.endOfTextId, scorer: scorer,
                            stride: stride, batchSize: batchSize, dataset: dataset)
    }

    /// As above for an already tokenised text; `text` is the text the tokens encode (for words and bytes).
    public static func evaluate(tokens: [Int32], text: String, endOfText: Int32, scorer: some TokenScorer, stride: Int? = nil,
                                batchSize: Int = 8, dataset: String = "text") throws -> PerplexityResult {
        guard !tokens.isEmpty else { throw EvaluationError("no tokens to score") }
        let r = try RollingPerplexity.score(tokens: tokens, prefix: endOfText, scorer: scorer, stride: stride, batchSize: batchSize)
        let nll = r.totalNLL
        let words = wordCount(text)
        let bytes = text.utf8.count
        return PerplexityResult(
            dataset: dataset, tokens: tokens.count, words: words, bytes: bytes, totalNLL: nll,
            tokenPerplexity: exp(nll / Double(tokens.count)),
            wordPerplexity: words > 0 ? exp(nll / Double(words)) : .nan,
            bitsPerByte: bytes > 0 ? nll / log(2.0) / Double(bytes) : .nan,
            contextLength: r.contextLength, stride: r.stride, windows: r.windows, prefix: BPETokenizer.endOfText,
            tokenization: "whole text as one stream after an <|endoftext|> prefix (byte-level BPE)")
    }

    /// Number of maximal runs of non-whitespace (Unicode White_Space) characters.
    public static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for s in text.unicodeScalars {
            let space: Bool
            if s.value < 0x80 {
                space = s.value == 0x20 || (s.value >= 0x09 && s.value <= 0x0D)
            } else {
                space = s.properties.isWhitespace
            }
            if space { inWord = false } else if !inWord { inWord = true; count += 1 }
        }
        return count
    }
}
