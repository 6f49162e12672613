import Foundation
import Testing
@testable import SpikeData

@Suite struct PreTokenizerTests {
    @Test func gpt2Pieces() {
        #expect(GPT2PreTokenizer.pieces("Hello world") == ["Hello", " world"])
        #expect(GPT2PreTokenizer.pieces("I'm can't we'll they're you've he'd it's") ==
                ["I", "'m", " can", "'t", " we", "'ll", " they", "'re", " you", "'ve", " he", "'d", " it", "'s"])
        #expect(GPT2PreTokenizer.pieces("'S 'sa ''s") == ["'", "S", " '", "sa", " ''", "s"])
        #expect(GPT2PreTokenizer.pieces("  hi") == [" ", " hi"])
        #expect(GPT2PreTokenizer.pieces("a\n\nb") == ["a", "\n", "\n", "b"])
        #expect(GPT2PreTokenizer.pieces("a  \n b") == ["a", "  \n", " b"])
        #expect(GPT2PreTokenizer.pieces("end   ") == ["end", "   "])
        #expect(GPT2PreTokenizer.pieces("x 123 4.5 !? ...") == ["x", " 123", " 4", ".", "5", " !?", " ..."])
        #expect(GPT2PreTokenizer.pieces("naïve café 東京😀😀 Ⅻ²") == ["naïve", " café", " 東京", "😀😀", " Ⅻ²"])
        #expect(GPT2PreTokenizer.pieces("a\u{00A0}b\u{3000}c") == ["a", "\u{00A0}", "b", "\u{3000}", "c"])
        #expect(GPT2PreTokenizer.pieces("") == [])
    }

    @Test func invalidBytesAreOtherCharactersAndPiecesTile() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xFE, 0x62, 0x20, 0xC3, 0x20, 0x80, 0x41]
        #expect(GPT2PreTokenizer.pieces(bytes) == [[0x61], [0xFF, 0xFE], [0x62], [0x20, 0xC3], [0x20, 0x80], [0x41]])
        var rng = SplitMix(seed: 11)
        for _ in 0..<300 {
            let b = (0..<Int.random(in: 0...60, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(GPT2PreTokenizer.pieces(b).flatMap { $0 } == b)
        }
    }
}

@Suite struct BPETrainingTests {
    @Test func handCheckableTraining() {
        // Pieces: "ab" x1, " ab" x2, " abc" x1. Pair counts: (a,b)=4, (" ",a)=3, (b,c)=1.
        // Merges: a+b -> 256 "ab"; " "+ab -> 257 " ab" (count 3); " ab"+c -> 258 " abc" (count 1); then none left.
        let tok = BPETrainer.train(documents: ["ab ab ab abc"], vocabularySize: 300)
        #expect(tok.merges.map { [$0.left, $0.right, $0.merged] } == [[97, 98, 256], [32, 256, 257], [257, 99, 258]])
        #expect(tok.vocabularySize == 260)
        #expect(tok.endOfTextId == 259)
        #expect(tok.encode("ab abc") == [256, 258])
        #expect(tok.encode("ba") == [98, 97])
        #expect(tok.tokenString(257) == "Ġab")
    }

    @Test func tiesGoToTheSmallestPairOfIds() {
        // All pairs have count 1: (32," "+c) < (97,98) < (99,100); then (97,98) < (256,100).
        let tok = BPETrainer.train(documents: ["ab cd"], vocabularySize: 300)
        #expect(tok.merges.map { [$0.left, $0.right] } == [[32, 99], [97, 98], [256, 100]])
        #expect(tok.decode([Int32(258)]) == " cd")
    }

    @Test func vocabularySizeIsRespected() {
        let tok = BPETrainer.train(documents: [sampleText, sampleText.uppercased()], vocabularySize: 300)
        #expect(tok.vocabularySize == 300)
        #expect(tok.merges.count == 300 - 257)
        #expect(tok.endOfTextId == 299)
        #expect(Set(tok.tokenBytes.dropLast()).count == 299, "every token has distinct bytes")
    }

    @Test func trainingIsDeterministic() {
        var rng = SplitMix(seed: 5)
        var docs = (0..<60).map { _ in randomUnicodeString(&rng, maxLength: 80) + " " + sampleText }
        let a = BPETrainer.train(documents: docs, vocabularySize: 700, workers: 1)
        let b = BPETrainer.train(documents: docs, vocabularySize: 700, workers: 2)
        docs.shuffle(using: &rng)
        let c = BPETrainer.train(documents: docs, vocabularySize: 700, workers: 3)
        let key = { (t: BPETokenizer) in t.merges.map { [$0.left, $0.right, $0.merged] } }
        #expect(key(a) == key(b))
        #expect(key(a) == key(c))
        #expect(a.huggingFaceJSON() == c.huggingFaceJSON())
    }
}

@Suite struct BPEEncodingTests {
    static let tokenizer: BPETokenizer = {
        var rng = SplitMix(seed: 1)
        let docs = [sampleText] + (0..<40).map { _ in randomUnicodeString(&rng, maxLength: 60) }
        return BPETrainer.train(documents: docs, vocabularySize: 600)
    }()

    @Test func roundTripsRandomUnicode() {
        let tok = Self.tokenizer
        var rng = SplitMix(seed: 99)
        for _ in 0..<400 {
            let s = randomUnicodeString(&rng, maxLength: 60)
            let ids = tok.encode(s)
            #expect(tok.decode(ids) == s)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabularySize && $0 != tok.endOfTextId })
        }
    }

    @Test func roundTripsArbitraryBytes() {
        let tok = Self.tokenizer
        var rng = SplitMix(seed: 42)
        for i in 0..<400 {
            var b = (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 2 == 0 { b = Array(sampleText.utf8.prefix(40)) + b + [0xF0, 0x9F, 0x98] + Array("end".utf8) }  // truncated emoji
            #expect(tok.decodeBytes(tok.encode(bytes: b)) == b)
        }
    }

    @Test func specialTokenHandling() {
        let tok = Self.tokenizer
        let plain = tok.encode("a<|endoftext|>b")
        #expect(!plain.contains(tok.endOfTextId))
        #expect(tok.decode(plain) == "a<|endoftext|>b")
        let special = tok.encode("a<|endoftext|>b", allowSpecialTokens: true)
        #expect(special == tok.encode("a") + [tok.endOfTextId] + tok.encode("b"))
        #expect(tok.decode(special) == "a<|endoftext|>b")
    }

    @Test func documentStreamMatchesPerDocumentEncoding() {
        let tok = Self.tokenizer
        var rng = SplitMix(seed: 8)
        let docs = (0..<50).map { _ in randomUnicodeString(&rng, maxLength: 50) }
        var expected: [Int32] = []
        for d in docs { expected += tok.encode(d) + [tok.endOfTextId] }
        #expect(tok.encodeDocuments(docs, workers: 1) == expected)
        #expect(tok.encodeDocuments(docs, workers: 3) == expected)
        #expect(tok.encodeDocuments(docs, appendEndOfText: false, workers: 2) == expected.filter { $0 != tok.endOfTextId })
    }

    @Test func longPiecesAreEncodedWithoutCache() {
        let tok = Self.tokenizer
        let long = String(repeating: "thequickbrownfox", count: 40)  // one 640-byte letter piece
        #expect(tok.decode(tok.encode(long)) == long)
        #expect(tok.encode(long).count < long.utf8.count)
    }
}

@Suite struct TokenizerJSONTests {
    @Test func jsonRoundTrip() throws {
        let tok = BPEEncodingTests.tokenizer
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let url = tmp.file("tokenizer.json")
        try tok.save(to: url)
        let loaded = try BPETokenizer.load(from: url)
        #expect(loaded.vocabularySize == tok.vocabularySize)
        #expect(loaded.endOfTextId == tok.endOfTextId)
        #expect(loaded.merges.map { [$0.left, $0.right, $0.merged] } == tok.merges.map { [$0.left, $0.right, $0.merged] })
        #expect(loaded.huggingFaceJSON() == tok.huggingFaceJSON())
        var rng = SplitMix(seed: 4)
        for _ in 0..<100 {
            let s = randomUnicodeString(&rng)
            #expect(loaded.encode(s, allowSpecialTokens: true) == tok.encode(s, allowSpecialTokens: true))
        }
        let json = try JSONParser.parse(Array(tok.huggingFaceJSON().utf8))
        #expect(json["model"]?["type"]?.stringValue == "BPE")
        #expect(json["model"]?["vocab"]?["Ġ"]?.intValue == 32)
        #expect(json["model"]?["vocab"]?["<|endoftext|>"]?.intValue == Int(tok.endOfTextId))
        #expect(json["pre_tokenizer"]?["type"]?.stringValue == "ByteLevel")
        #expect(json["added_tokens"]?.arrayValue?.first?["special"]?.boolValue == true)
    }

    @Test func loadsOtherLayoutsAndArrayMerges() throws {
        // GPT-2-like layout: ids follow bytes_to_unicode order, merges in the newer [a, b] form.
        var vocab: [String] = []
        for b in 0..<256 { vocab.append(String(ByteLevelAlphabet.byteToScalar[b])) }
        vocab.shuffle(using: &SplitMixBox.rng)
        var entries = vocab.enumerated().map { "\(JSONWriter.quoted($0.element)): \($0.offset)" }
        entries.append("\"ab\": 256")
        entries.append("\"<|endoftext|>\": 257")
        let json = """
        {"model": {"type": "BPE", "vocab": {\(entries.joined(separator: ", "))}, "merges": [["a", "b"]]},
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
         "added_tokens": [{"id": 257, "content": "<|endoftext|>", "special": true}]}
        """
        let tok = try BPETokenizer.load(json: Array(json.utf8))
        #expect(tok.encode("abc") == [256, Int32(vocab.firstIndex(of: "c")!)])
        #expect(tok.decode(tok.encode("xyz ab")) == "xyz ab")
        #expect(tok.endOfTextId == 257)
    }

    @Test func rejectsBrokenFiles() {
        #expect(throws: DataError.self) { _ = try BPETokenizer.load(json: Array("{\"model\": {\"type\": \"WordPiece\"}}".utf8)) }
        #expect(throws: DataError.self) { _ = try BPETokenizer.load(json: Array("{not json".utf8)) }
        #expect(throws: DataError.self) { _ = try BPETokenizer.load(json: [0xFF]) }
    }
}

enum SplitMixBox { nonisolated(unsafe) static var rng = SplitMix(seed: 12) }

@Suite struct TokenFileTests {
    @Test func roundTripUInt16AndUInt32() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let small: [Int32] = [0, 1, 4095, 65535, 7]
        try TokenFile.write(small, vocabularySize: 65536, to: tmp.file("a.bin"))
        let a = try TokenFile.read(from: tmp.file("a.bin"))
        #expect(a.tokens == small && a.vocabularySize == 65536)
        #expect(try Data(contentsOf: tmp.file("a.bin")).count == TokenFile.headerSize + 2 * small.count)
        let big: [Int32] = [0, 65536, 100_000]
        try TokenFile.write(big, vocabularySize: 100_001, to: tmp.file("b.bin"))
        #expect(try TokenFile.read(from: tmp.file("b.bin")).tokens == big)
        #expect(try Data(contentsOf: tmp.file("b.bin")).count == TokenFile.headerSize + 4 * big.count)
        #expect(try TokenFile.read(from: tmp.file("a.bin")).tokens == small)  // no temp files left behind
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path).sorted() == ["a.bin", "b.bin"])
    }

    @Test func truncatedOrForeignFilesAreRejected() throws {
        let data = TokenFile.encode([1, 2, 3], vocabularySize: 10)
        #expect(throws: DataError.self) { _ = try TokenFile.decode(data.dropLast()) }
        var bad = data; bad[0] = 0x58
        #expect(throws: DataError.self) { _ = try TokenFile.decode(bad) }
        #expect(throws: DataError.self) { _ = try TokenFile.decode(Data([1, 2, 3])) }
        #expect(try TokenFile.decode(data).tokens == [1, 2, 3])
    }
}

@Suite struct PipelineTests {
    @Test func trainsOnceThenUsesTheCache() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        var lines = ""
        var rng = SplitMix(seed: 21)
        for i in 0..<120 { lines += "{\"text\": \(JSONWriter.quoted("Doc \(i): " + sampleText.prefix(80 + i) + randomUnicodeString(&rng, maxLength: 20)))}\n" }
        let url = try tmp.write("corpus.jsonl", lines)
        let corpus = try WebTextCorpus.load(files: [(url, "corpus.jsonl", nil)])
        let cache = tmp.file("cache")
        var log: [String] = []
        let first = try DataPipeline.prepare(corpus: corpus, cacheDirectory: cache, vocabularySize: 400) { log.append($0) }
        #expect(!first.tokenizerWasCached && !first.tokensWereCached)
        #expect(first.train.filter { $0 == first.tokenizer.endOfTextId }.count == corpus.train.count)
        #expect(first.heldOut.filter { $0 == first.tokenizer.endOfTextId }.count == corpus.heldOut.count)
        let second = try DataPipeline.prepare(corpus: corpus, cacheDirectory: cache, vocabularySize: 400) { log.append($0) }
        #expect(second.tokenizerWasCached && second.tokensWereCached)
        #expect(second.train == first.train && second.heldOut == first.heldOut)
        #expect(second.tokenizerURL == first.tokenizerURL)
        // Another vocabulary size is another cache entry.
        let other = try DataPipeline.prepare(corpus: corpus, cacheDirectory: cache, vocabularySize: 420)
        #expect(!other.tokenizerWasCached && other.tokenizerKey != first.tokenizerKey)
        // A damaged cache file is rebuilt, not trusted.
        let tokURL = DataPipeline.tokenFileURL(cacheDirectory: cache, key: first.tokenizerKey, split: .train)
        try Data([1, 2, 3]).write(to: tokURL)
        let third = try DataPipeline.prepare(corpus: corpus, cacheDirectory: cache, vocabularySize: 400) { log.append($0) }
        #expect(third.train == first.train && !third.tokensWereCached)
        #expect(log.contains { $0.contains("unusable") })
    }

    @Test func aVocabularyTooSmallForTheBytesIsAnError() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let corpus = try WebTextCorpus.load(files: [(try tmp.write("c.jsonl", "{\"text\": \"some text\"}\n"), "c.jsonl", nil)])
        #expect {
            _ = try DataPipeline.prepare(corpus: corpus, cacheDirectory: tmp.file("cache"), vocabularySize: 256)
        } throws: { "\($0)".hasPrefix("vocabSize 256: too small for the byte-level BPE tokenizer") }
    }
}

/// Writes a tokenizer and Swift-encoded cases for `scripts/check_tokenizer_hf.py` when SPIKELAB_HF_EXPORT is set.
@Test(.enabled(if: ProcessInfo.processInfo.environment["SPIKELAB_HF_EXPORT"] != nil, "set SPIKELAB_HF_EXPORT=/dir to export"))
func exportForHuggingFaceCheck() throws {
    let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SPIKELAB_HF_EXPORT"]!, isDirectory: true)
    var rng = SplitMix(seed: 2024)
    var texts: [String] = []
    let tok: BPETokenizer
    if RealData.webTextAvailable {
        let corpus = try WebTextCorpus.load(from: RealData.directory)
        tok = BPETrainer.train(documents: Array(corpus.train.prefix(400)).map(\.text), vocabularySize: 2048)
        texts += corpus.heldOut.prefix(60).map(\.text)
    } else {
        tok = BPEEncodingTests.tokenizer
    }
    for _ in 0..<1500 { texts.append(randomUnicodeString(&rng, maxLength: 60)) }
    try tok.save(to: folder.appendingPathComponent("tokenizer.json"))
    var out = ""
    for t in texts {
        out += "{\"text\": \(JSONWriter.quoted(t)), \"ids\": [\(tok.encode(t, allowSpecialTokens: true).map(String.init).joined(separator: ","))], \"special\": true}\n"
    }
    try AtomicWrite.write(Data(out.utf8), to: folder.appendingPathComponent("cases.jsonl"))
}
