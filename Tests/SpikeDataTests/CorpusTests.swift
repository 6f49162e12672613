import Foundation
import Testing
@testable import SpikeData

@Suite struct JSONLinesTests {
    @Test func malformedLinesAreSkippedAndReportedAsFileLine() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        var bytes: [UInt8] = []
        bytes += Array("{\"text\": \"first\"}\n".utf8)                 // 1 ok
        bytes += Array("{\"text\": \"bad json\"\n".utf8)               // 2 bad JSON
        bytes += Array("{\"title\": \"no text\"}\n".utf8)              // 3 missing field
        bytes += Array("\n".utf8)                                      // 4 blank: ignored
        bytes += Array("{\"text\": 42}\n".utf8)                        // 5 not a string
        bytes += Array("{\"text\": \"caf".utf8) + [0xE9] + Array("\"}\n".utf8)  // 6 invalid UTF-8 (Latin-1 é)
        bytes += Array("[1, 2]\r\n".utf8)                              // 7 not an object
        bytes += Array("{\"text\": \"last, no newline\", \"url\": \"u\"}".utf8)  // 8 ok
        let url = try tmp.write("docs.jsonl", bytes)
        let (records, malformed) = try JSONLinesReader.readStringField("text", from: url, displayName: "docs.jsonl", policy: .skip)
        #expect(records.map(\.text) == ["first", "last, no newline"])
        #expect(records.map(\.line) == [1, 8])
        #expect(malformed.map(\.line) == [2, 3, 5, 6, 7])
        #expect(malformed[0].description.hasPrefix("docs.jsonl:2: invalid JSON"))
        #expect(malformed[1].reason == "missing field \"text\"")
        #expect(malformed[2].reason == "field \"text\" is not a string")
        #expect(malformed[3].reason.contains("invalid UTF-8"))
        do {
            _ = try JSONLinesReader.readStringField("text", from: url, displayName: "docs.jsonl", policy: .fail)
            Issue.record("expected an error")
        } catch let e as DataError {
            #expect(e.kind == .malformedLine)
            #expect(e.path == "docs.jsonl:2")
        }
    }

    @Test func corpusSkipsMalformedAndEmptyDocuments() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let a = try tmp.write("a.jsonl", "{\"text\": \"alpha\"}\n{\"text\": \"\"}\nnot json\n")
        let b = try tmp.write("b.jsonl", "{\"text\": \"beta\"}\n")
        let corpus = try WebTextCorpus.load(files: [(a, "a.jsonl", nil), (b, "b.jsonl", "given")])
        #expect(corpus.documentCount == 2)
        #expect(corpus.emptyDocumentCount == 1)
        #expect(corpus.malformed.map(\.description) == ["a.jsonl:3: invalid JSON at byte 1: invalid literal"])
        // The digests of the bytes read, whatever digest the caller expected.
        #expect(corpus.sources.map(\.sha256) == [SHA256.hex(Array("{\"text\": \"alpha\"}\n{\"text\": \"\"}\nnot json\n".utf8)),
                                                 SHA256.hex(Array("{\"text\": \"beta\"}\n".utf8))])
        #expect(throws: DataError.self) { _ = try WebTextCorpus.load(files: [(a, "a.jsonl", nil)], policy: .fail) }
    }
}

/// A damaged corpus file (logged only as "skipped 8 malformed lines") built a tokenizer and token cache
/// keyed on the manifest's sha256, which later runs reused after the file was repaired.
@Suite struct DamagedCorpusTests {
    static let good = (0..<60).map { "{\"text\": \"document \($0): the quick brown fox jumps over the lazy dog \($0 % 7)\"}\n" }.joined()

    /// One data file whose manifest entry describes `good`, holding `contents` (same size).
    func dataDirectory(_ tmp: TempDir, holding contents: String) throws -> (DataDirectory, DataFile) {
        #expect(contents.utf8.count == Self.good.utf8.count)
        let file = DataFile(relativePath: "webtext/corpus.jsonl", byteCount: Self.good.utf8.count,
                            sha256: SHA256.hex(Array(Self.good.utf8)), role: .webText)
        _ = try tmp.write("data/webtext/corpus.jsonl", contents)
        return (DataDirectory(root: tmp.file("data")), file)
    }

    @Test func malformedLinesAreAnErrorUnlessTheChecksumMatches() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        // A byte lost in transit breaks line 3's JSON; the size is unchanged.
        let damaged = Self.good.replacingOccurrences(of: "{\"text\": \"document 2:", with: "{\"text\"  \"document 2:")
        let (directory, file) = try dataDirectory(tmp, holding: damaged)
        #expect {
            _ = try WebTextCorpus.load(from: directory, files: [file])
        } throws: { error in
            let e = error as? DataError
            return e?.kind == .checksumMismatch && e!.path.hasSuffix("webtext/corpus.jsonl")
                && e!.problem.contains("1 malformed lines (first: webtext/corpus.jsonl:3:") && e!.expected.contains(file.sha256)
        }
        // When the bytes are the manifest's, malformed lines are part of the canonical corpus: skipped.
        var canonical = file
        canonical.sha256 = SHA256.hex(Array(damaged.utf8))
        let corpus = try WebTextCorpus.load(from: directory, files: [canonical])
        #expect(corpus.malformed.count == 1 && corpus.documentCount == 59)
    }

    @Test func theCacheIsKeyedOnTheBytesRead() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        // Damage that still parses: other text, same size, no malformed line.
        let damaged = Self.good.replacingOccurrences(of: "quick brown", with: "quick_brown")
        let (directory, file) = try dataDirectory(tmp, holding: damaged)
        let cache = tmp.file("cache")
        let poisoned = try DataPipeline.prepare(corpus: WebTextCorpus.load(from: directory, files: [file]), cacheDirectory: cache,
                                                vocabularySize: 300)
        #expect(!poisoned.tokenizerWasCached)
        // Repaired: the damaged copy's cache must not be reused.
        _ = try tmp.write("data/webtext/corpus.jsonl", Self.good)
        let repaired = try DataPipeline.prepare(corpus: WebTextCorpus.load(from: directory, files: [file]), cacheDirectory: cache,
                                                vocabularySize: 300)
        #expect(repaired.tokenizerKey != poisoned.tokenizerKey)
        #expect(!repaired.tokenizerWasCached && !repaired.tokensWereCached)
        let fresh = try DataPipeline.prepare(corpus: WebTextCorpus.load(from: directory, files: [file]), cacheDirectory: tmp.file("fresh"),
                                             vocabularySize: 300)
        #expect(repaired.train == fresh.train && repaired.heldOut == fresh.heldOut)
        // Intact data keeps the key it had when the manifest's digest was used (existing caches stay valid).
        #expect(repaired.tokenizerKey == DataPipeline.tokenizerKey(sources: [(file.relativePath, file.sha256)], vocabularySize: 300))
    }
}

@Suite struct SplitTests {
    @Test func splitIsDeterministicContentBasedAndAboutThreePercent() {
        var held = 0
        let n = 20_000
        for i in 0..<n {
            let text = "document number \(i) with some text"
            let s = WebTextCorpus.split(of: text)
            #expect(WebTextCorpus.split(of: text) == s)
            if s == .heldOut { held += 1 }
        }
        let fraction = Double(held) / Double(n)
        #expect(fraction > 0.02 && fraction < 0.04, "held-out fraction \(fraction)")
        // Fixed values: changing the rule must be deliberate (bump splitRuleVersion).
        #expect(StableHash.hash64(Array("hello".utf8)) == StableHash.hash64("hello".utf8))
        #expect(WebTextCorpus.split(of: "Beginners BBQ Class Taking Place in Missoula!") == .train)
    }

    @Test func duplicatesLandInTheSameSplit() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        var lines = ""
        for i in 0..<400 { lines += "{\"text\": \"doc \(i)\"}\n" }
        let a = try tmp.write("a.jsonl", lines)
        let b = try tmp.write("b.jsonl", lines)
        let corpus = try WebTextCorpus.load(files: [(a, "a", nil), (b, "b", nil)])
        let heldTexts = Set(corpus.heldOut.map(\.text))
        #expect(!heldTexts.isEmpty)
        #expect(corpus.train.allSatisfy { !heldTexts.contains($0.text) })
        #expect(corpus.heldOut.count % 2 == 0)
    }
}

@Suite struct EvaluationSetTests {
    @Test func lambadaSplitsAtLastSpace() throws {
        let p = try #require(LambadaPassage(index: 0, text: "He said \"hello\" to his friend Harlin"))
        #expect(p.context == "He said \"hello\" to his friend")
        #expect(p.target == " Harlin")
        #expect(p.context + p.target == p.text)
        #expect(LambadaPassage(index: 0, text: "nospace") == nil)
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let url = try tmp.write("l.jsonl", "{\"text\": \"a b c\"}\n{\"text\": \"x\\ny z\"}\n")
        let ps = try Lambada.load(url: url)
        #expect(ps.map(\.target) == [" c", " z"])
        #expect(ps.map(\.context) == ["a b", "x\ny"])
        let bad = try tmp.write("bad.jsonl", "{\"text\": \"a b\"}\n{\"text\": \"single\"}\n")
        #expect { try Lambada.load(url: bad, displayName: "bad.jsonl") } throws: { "\($0)".contains("bad.jsonl:2") }
    }
}

/// Tests on the real files; skipped when the data directory is not filled (`make data DATA_MIRROR=...`).
@Suite struct RealDataTests {
    @Test(.enabled(if: RealData.lambadaAvailable, "LAMBADA not in the data directory (run make data)"))
    func lambadaHas5153Passages() throws {
        let passages = try Lambada.loadTest(from: RealData.directory)
        #expect(passages.count == 5153)
        #expect(passages[0].target == " signs")
        #expect(passages.allSatisfy { $0.context + $0.target == $0.text && $0.target.hasPrefix(" ") })
    }

    @Test(.enabled(if: RealData.wikiAvailable, "WikiText-2 not in the data directory (run make data)"))
    func wikiTextTestIsComplete() throws {
        let text = try WikiText2.loadTest(from: RealData.directory)
        #expect(text.utf8.count == 1_290_590)
        #expect(text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } == 4358)
        #expect(text.hasPrefix(" \n = Robert Boulter = \n"))
    }

    @Test(.enabled(if: RealData.available, "data directory not filled (run make data)"))
    func checksumsOfSmallFiles() throws {
        try RealData.directory.verify(DataManifest.all)  // sizes of everything
        try RealData.directory.verify(DataManifest.lambadaTest, checksum: true)
    }

    @Test(.enabled(if: RealData.webTextAvailable, "web text not in the data directory (run make data)"))
    func webTextCorpusLoads() throws {
        let corpus = try WebTextCorpus.load(from: RealData.directory)
        #expect(corpus.documentCount == 5408)
        #expect(corpus.malformed.isEmpty)
        let fraction = Double(corpus.heldOut.count) / Double(corpus.documentCount)
        #expect(fraction > 0.02 && fraction < 0.05)
        #expect(corpus.train.first?.text.hasPrefix("Beginners BBQ Class Taking Place in Missoula!") == true)
    }
}
