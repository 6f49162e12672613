import Foundation

/// WikiText-2 (raw, v1) test split.
public enum WikiText2 {
    /// The whole `wiki.test.raw` as one string (1,290,590 UTF-8 bytes). Checks presence and size first.
    public static func loadTest(from directory: DataDirectory, verifyChecksum: Bool = false) throws -> String {
        let url = try directory.verify(DataManifest.wikiText2Test, checksum: verifyChecksum)
        return try readUTF8(url)
    }

    static func readUTF8(_ url: URL) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot read (\(error.localizedDescription))",
                            expected: "a readable file", fix: "check permissions")
        }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            if let bad = UTF8Validation.firstInvalidOffset(bytes) {
                throw DataError(kind: .invalidContent, path: url.path, problem: "invalid UTF-8 at byte \(bad + 1)",
                                expected: "UTF-8 text", fix: "the file is damaged; re-fetch it (see docs/DATA.md)")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// One LAMBADA passage, split the way lm-evaluation-harness does (`text.rsplit(" ", 1)`):
/// `context` is everything before the last space, `target` is `" " + last word`, so `context + target == text`.
public struct LambadaPassage: Sendable, Equatable {
    /// 0-based index in the file.
    public var index: Int
    public var text: String
    public var context: String
    public var target: String

    public init?(index: Int, text: String) {
        guard let space = text.lastIndex(of: " ") else { return nil }
        self.index = index
        self.text = text
        self.context = String(text[..<space])
        self.target = String(text[space...])
    }
}

/// LAMBADA, OpenAI's detokenised test set (`lambada_test.jsonl`, 5153 passages, field `text`).
public enum Lambada {
    /// Loads and checks the standard file (presence, size, SHA-256 on request, exactly 5153 passages).
    /// Any malformed line is fatal: an evaluation set must be complete.
    public static func loadTest(from directory: DataDirectory, verifyChecksum: Bool = false) throws -> [LambadaPassage] {
        let file = DataManifest.lambadaTest
        let url = try directory.verify(file, checksum: verifyChecksum)
        let passages = try load(url: url, displayName: file.relativePath)
        if passages.count != DataManifest.lambadaPassageCount {
            throw DataError(kind: .invalidContent, path: url.path, problem: "\(passages.count) passages",
                            expected: "\(DataManifest.lambadaPassageCount) passages",
                            fix: DataError.fetchAdvice(dataRoot: directory.root))
        }
        return passages
    }

    /// Loads any LAMBADA-format JSON Lines file. A line with no space in its text is malformed.
    public static func load(url: URL, displayName: String? = nil) throws -> [LambadaPassage] {
        let name = displayName ?? url.path
        let (records, _) = try JSONLinesReader.readStringField("text", from: url, displayName: name, policy: .fail)
        var passages: [LambadaPassage] = []
        passages.reserveCapacity(records.count)
        for r in records {
            guard let p = LambadaPassage(index: passages.count, text: r.text) else {
                throw DataError(kind: .malformedLine, path: "\(name):\(r.line)", problem: "passage has no space to split off a target word",
                                expected: "context, a space, and the target word", fix: "re-fetch the file (see docs/DATA.md)")
            }
            passages.append(p)
        }
        return passages
    }
}
