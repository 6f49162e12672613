import Dispatch
import Foundation

/// A byte-level BPE tokenizer in the GPT-2 style.
///
/// * Pre-tokenisation: `GPT2PreTokenizer` (GPT-2's regex, by hand).
/// * Base symbols: the 256 byte values. A tokenizer trained here gives byte `b` the id `b`, merge `r` (0-based)
///   the id `256 + r`, and `<|endoftext|>` the last id. Loaded tokenizers may use any id layout.
/// * Each piece is encoded by repeatedly merging the adjacent pair of lowest merge rank (all its occurrences,
///   left to right) — the same result as GPT-2's `bpe()` and Hugging Face `tokenizers`.
/// * Any byte sequence round-trips: `decode(encode(bytes: b)) == b`.
public final class BPETokenizer: @unchecked Sendable {
    public static let endOfText = "<|endoftext|>"

    /// Bytes of each token id (the special token's entry holds its text, for display).
    public let tokenBytes: [[UInt8]]
    /// Id of each single byte.
    public let byteIds: [Int32]
    /// Merges in rank order: (left id, right id, merged id).
    public let merges: [(left: Int32, right: Int32, merged: Int32)]
    /// Id of `<|endoftext|>`, the document separator.
    public let endOfTextId: Int32
    /// Number of token ids (the largest id + 1), special token included.
    public var vocabularySize: Int { tokenBytes.count }

    /// Pair -> merge rank.
    let mergeRanks: PairIndexMap

    public init(tokenBytes: [[UInt8]], byteIds: [Int32], merges: [(left: Int32, right: Int32, merged: Int32)], endOfTextId: Int32) {
        precondition(byteIds.count == 256)
        self.tokenBytes = tokenBytes
        self.byteIds = byteIds
        self.merges = merges
        self.endOfTextId = endOfTextId
        var ranks = PairIndexMap(capacity: max(16, merges.count))
        for (rank, m) in merges.enumerated() {
            _ = ranks.findOrInsert(pairKey(m.left, m.right)) { Int32(rank) }
        }
        self.mergeRanks = ranks
    }

    // MARK: Encoding

    /// Encodes text. With `allowSpecialTokens`, literal `<|endoftext|>` in the text becomes the special token
    /// (as Hugging Face `tokenizers` does for added tokens); without it (the default) it is ordinary text.
    public func encode(_ text: String, allowSpecialTokens: Bool = false) -> [Int32] {
        var encoder = WordEncoder(self)
        var out: [Int32] = []
        var s = text
        s.withUTF8 { encoder.encode($0, allowSpecialTokens: allowSpecialTokens, into: &out) }
        return out
    }

    /// Encodes raw bytes (need not be valid UTF-8). Special-token text is not recognised.
    public func encode(bytes: [UInt8]) -> [Int32] {
        var encoder = WordEncoder(self)
        var out: [Int32] = []
        bytes.withUnsafeBufferPointer { encoder.encode($0, allowSpecialTokens: false, into: &out) }
        return out
    }

    /// Encodes documents into one stream, each document followed by `<|endoftext|>` (when
    /// `appendEndOfText`). Runs in parallel over contiguous blocks of documents, each worker with its own word
    /// cache; the output does not depend on the number of workers.
    public func encodeDocuments(_ texts: [String], appendEndOfText: Bool = true, workers: Int? = nil) -> [Int32] {
        let n = texts.count
        if n == 0 { return [] }
        let threads = max(1, min(workers ?? ProcessInfo.processInfo.activeProcessorCount, n))
        // More blocks than threads balances uneven documents; each block reuses a per-thread cache.
        let blocks = threads == 1 ? 1 : min(n, threads * 8)
        var results = [[Int32]](repeating: [], count: blocks)
        results.withUnsafeMutableBufferPointer { resultsPtr in
            let out = resultsPtr
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var encoder = WordEncoder(self)
                var b = t
                while b < blocks {
                    let lo = n * b / blocks, hi = n * (b + 1) / blocks
                    var tokens: [Int32] = []
                    for i in lo..<hi {
                        var s = texts[i]
                        s.withUTF8 { encoder.encode($0, allowSpecialTokens: false, into: &tokens) }
                        if appendEndOfText { tokens.append(endOfTextId) }
                    }
                    out[b] = tokens
                    b += threads
                }
            }
        }
        var total = 0
        for r in results { total += r.count }
        var all: [Int32] = []
        all.reserveCapacity(total)
        for r in results { all.append(contentsOf: r) }
        return all
    }

    // MARK: Decoding

    public func decodeBytes<C: Collection>(_ ids: C) -> [UInt8] where C.Element == Int32 {
        var out: [UInt8] = []
        for id in ids {
            let i = Int(id)
            if i >= 0 && i < tokenBytes.count { out.append(contentsOf: tokenBytes[i]) }
        }
        return out
    }

    /// Decodes to text; invalid UTF-8 (possible when a sequence is cut mid-character) becomes U+FFFD.
    public func decode<C: Collection>(_ ids: C) -> String where C.Element == Int32 {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// The byte-level string of a token, as in `tokenizer.json` (`Ġthe`).
    public func tokenString(_ id: Int32) -> String {
        if id == endOfTextId { return Self.endOfText }
        return ByteLevelAlphabet.encode(tokenBytes[Int(id)])
    }

    /// BPE of one pre-tokenised piece, without any cache.
    func bpe(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch syms: inout [Int32]) {
        syms.removeAll(keepingCapacity: true)
        for b in piece { syms.append(byteIds[Int(b)]) }
        while syms.count >= 2 {
            var bestRank = Int32.max
            var bestLeft: Int32 = 0, bestRight: Int32 = 0
            for k in 0..<(syms.count - 1) {
                if let r = mergeRanks.find(pairKey(syms[k], syms[k + 1])), r < bestRank {
                    bestRank = r
                    bestLeft = syms[k]
                    bestRight = syms[k + 1]
                }
            }
            if bestRank == Int32.max { break }
            let merged = merges[Int(bestRank)].merged
            var w = 0, r = 0
            let count = syms.count
            while r < count {
                if r + 1 < count && syms[r] == bestLeft && syms[r + 1] == bestRight {
                    syms[w] = merged
                    r += 2
                } else {
                    syms[w] = syms[r]
                    r += 1
                }
                w += 1
            }
            syms.removeLast(count - w)
        }
        out.append(contentsOf: syms)
    }
}

/// Encoder state with a cache from piece bytes to token ids (one per thread).
struct WordEncoder {
    let tokenizer: BPETokenizer
    var table = ByteStringTable(capacity: 1 << 14)
    var tokenStart: [Int32] = []
    var tokenCount: [Int32] = []
    var tokens: [Int32] = []
    var scratch: [Int32] = []
    static let maxCachedPieceLength = 256

    init(_ tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    mutating func encode(_ bytes: UnsafeBufferPointer<UInt8>, allowSpecialTokens: Bool, into out: inout [Int32]) {
        if allowSpecialTokens {
            let special = Array(BPETokenizer.endOfText.utf8)
            var segmentStart = 0
            var i = 0
            let n = bytes.count
            while i + special.count <= n {
                if bytes[i] == special[0] && special.indices.allSatisfy({ bytes[i + $0] == special[$0] }) {
                    encodePlain(UnsafeBufferPointer(rebasing: bytes[segmentStart..<i]), into: &out)
                    out.append(tokenizer.endOfTextId)
                    i += special.count
                    segmentStart = i
                } else {
                    i += 1
                }
            }
            encodePlain(UnsafeBufferPointer(rebasing: bytes[segmentStart..<n]), into: &out)
        } else {
            encodePlain(bytes, into: &out)
        }
    }

    mutating func encodePlain(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        GPT2PreTokenizer.forEachPiece(bytes) { s, e in
            let piece = UnsafeBufferPointer(rebasing: bytes[s..<e])
            encodePiece(piece, into: &out)
        }
    }

    @inline(__always)
    mutating func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if piece.count == 1 {
            out.append(tokenizer.byteIds[Int(piece[0])])
            return
        }
        if piece.count > Self.maxCachedPieceLength {
            tokenizer.bpe(piece, into: &out, scratch: &scratch)
            return
        }
        let (index, inserted) = table.intern(piece)
        if inserted {
            let start = tokens.count
            tokenizer.bpe(piece, into: &tokens, scratch: &scratch)
            tokenStart.append(Int32(start))
            tokenCount.append(Int32(tokens.count - start))
        }
        let s = Int(tokenStart[index]), c = Int(tokenCount[index])
        out.append(contentsOf: tokens[s..<(s + c)])
    }
}
