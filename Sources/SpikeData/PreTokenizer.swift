import Foundation

/// GPT-2's pre-tokenisation, implemented by hand over UTF-8 bytes:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// `\s` is the Unicode `White_Space` property, `\p{L}` the letter categories (Lu Ll Lt Lm Lo), `\p{N}` the
/// number categories (Nd Nl No). Bytes that do not start a well-formed UTF-8 sequence are treated one at a time
/// as characters of the "other" class (`[^\s\p{L}\p{N}]`), so any byte sequence is split into pieces that
/// concatenate back to it exactly.
public enum GPT2PreTokenizer {
    static let other: UInt8 = 0, letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 3

    static func classify(_ v: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(v) else { return other }
        let p = s.properties
        if p.isWhitespace { return space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return other
        }
    }

    /// Character classes of the Basic Multilingual Plane, computed once.
    static let bmpClasses: [UInt8] = (0..<0x10000).map { classify(UInt32($0)) }

    /// Class and byte length of the character at `i`.
    @inline(__always)
    static func characterClass(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ table: UnsafeBufferPointer<UInt8>) -> (UInt8, Int) {
        let c = b[i]
        if c < 0x80 { return (table[Int(c)], 1) }
        let len = ByteScalarDecoder.validSequenceLength(b, at: i)
        if len == 0 { return (other, 1) }
        let v = ByteScalarDecoder.scalarValue(b, at: i, length: len)
        return (v < 0x10000 ? table[Int(v)] : classify(v), len)
    }

    /// Calls `body(start, end)` for each piece of `bytes`, in order; the pieces tile the input.
    @inline(__always)
    public static func forEachPiece(_ b: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) throws -> Void) rethrows {
        try bmpClasses.withUnsafeBufferPointer { table in
            let n = b.count
            var i = 0
            while i < n {
                let start = i
                let c0 = b[i]
                // Contractions: 's 't 're 've 'm 'll 'd (ASCII apostrophe, case-sensitive).
                if c0 == 0x27 && i + 1 < n {
                    let c1 = b[i + 1]
                    if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 {  // s t m d
                        try body(i, i + 2); i += 2; continue
                    }
                    if i + 2 < n {
                        let c2 = b[i + 2]
                        if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) {  // re ve ll
                            try body(i, i + 3); i += 3; continue
                        }
                    }
                }
                var (cls, len) = characterClass(b, i, table)
                var j = i + len
                if c0 == 0x20 && j < n {
                    // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" with the optional leading space.
                    let (c1, len1) = characterClass(b, j, table)
                    if c1 != space { cls = c1; j += len1 }
                }
                if cls == space {
                    // "\s+(?!\S)" then "\s+": a whitespace run followed by a non-space gives up its last character
                    // (when that leaves at least one) to the next piece.
                    var k = i, lastStart = i
                    while k < n {
                        let (ck, lk) = characterClass(b, k, table)
                        if ck != space { break }
                        lastStart = k
                        k += lk
                    }
                    let end = (k == n || lastStart == i) ? k : lastStart
                    try body(start, end)
                    i = end
                    continue
                }
                while j < n {
                    let (cj, lj) = characterClass(b, j, table)
                    if cj != cls { break }
                    j += lj
                }
                try body(start, j)
                i = j
            }
        }
    }

    /// The pieces of a byte sequence (convenience for tests and tools).
    public static func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        bytes.withUnsafeBufferPointer { b in forEachPiece(b) { s, e in out.append(Array(b[s..<e])) } }
        return out
    }

    public static func pieces(_ text: String) -> [String] {
        pieces(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}
