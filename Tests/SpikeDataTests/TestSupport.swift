import Foundation
@testable import SpikeData

/// A fresh temporary folder, removed by the caller with `cleanup()`.
struct TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("spikedata-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let u = file(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: u)
        return u
    }
    func write(_ name: String, _ text: String) throws -> URL { try write(name, Array(text.utf8)) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// Deterministic generator for property tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 1
        return StableHash.mix(state)
    }
}

enum RealData {
    static let directory = DataDirectory.resolve()
    static var available: Bool { directory.isAvailable(DataManifest.all) }
    static var lambadaAvailable: Bool { directory.isAvailable([DataManifest.lambadaTest]) }
    static var wikiAvailable: Bool { directory.isAvailable([DataManifest.wikiText2Test]) }
    static var webTextAvailable: Bool { directory.isAvailable(DataManifest.webText) }
    static let repositoryRoot: URL? = DataDirectory.repositoryRoot(startingAt: URL(fileURLWithPath: #filePath).deletingLastPathComponent())
}

/// A small English-ish training text with some Unicode.
let sampleText = """
The quick brown fox jumps over the lazy dog. The dog didn't care; it's a lazy dog, and they're all lazy.
We'll see 123 foxes and 4567 dogs in 2024 — naïve café façade, Straße, 東京 and 日本語 text, emoji 😀🎉.
   Indented line with    multiple   spaces.\n\nNew paragraph\tafter a tab. I'm sure you've seen it; I'd say so.
"""

func randomUnicodeString<G: RandomNumberGenerator>(_ rng: inout G, maxLength: Int = 40) -> String {
    let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x00...0x20, 0x7F...0xA0, 0x4E00...0x9FFF, 0x1F300...0x1F6FF,
                                         0x0300...0x036F, 0x2000...0x206F, 0x3000...0x3003, 0x0600...0x06FF, 0xAC00...0xD7A3,
                                         0x10000...0x10FFFF, 0xFFF0...0xFFFF]
    let snippets = ["'s", "'ll", "'re", " ", "  ", "\n", "\r\n", "\t", "<|endoftext|>", " 42", "don't", "😀", "👩‍👩‍👧", "é", "e\u{301}"]
    var s = ""
    let n = Int.random(in: 0...maxLength, using: &rng)
    for _ in 0..<n {
        if Int.random(in: 0..<4, using: &rng) == 0 { s += snippets.randomElement(using: &rng)!; continue }
        let r = ranges.randomElement(using: &rng)!
        var v = UInt32.random(in: r, using: &rng)
        while Unicode.Scalar(v) == nil { v = UInt32.random(in: r, using: &rng) }
        s.unicodeScalars.append(Unicode.Scalar(v)!)
    }
    return s
}
