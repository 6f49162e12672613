import Foundation

/// One web-text document.
public struct Document: Sendable, Equatable {
    /// The file it came from (path relative to the data directory for the standard corpus).
    public var source: String
    /// 1-based line in that file.
    public var line: Int
    public var text: String

    public init(source: String, line: Int, text: String) {
        self.source = source
        self.line = line
        self.text = text
    }
}

public enum CorpusSplit: String, Sendable, Codable, CaseIterable {
    case train
    case heldOut = "heldout"
}

/// The web-text pretraining corpus: JSON Lines files read in a fixed order, the `text` field of each line one
/// document, split deterministically into train and held-out.
///
/// Split rule (version `splitRuleVersion`): a document is held out iff
/// `StableHash.hash64(utf8(text)) % 1000 < heldOutPerMille` (30, i.e. about 3 %). The rule depends only on the
/// document text, so exact duplicates (the C4 realnewslike file repeats 30 C4-en documents) always land in the
/// same split and never leak from train into held-out. It is independent of file order and of other documents.
///
/// Malformed lines (invalid UTF-8, bad JSON, missing or non-string `text`) are skipped and listed in `malformed`
/// as `file:line: reason` (policy `.skip`, the default) or make loading fail (`.fail`), except in a file whose
/// SHA-256 differs from its manifest's: there they mean a damaged copy, and loading fails. Documents whose text
/// is empty are dropped and counted in `emptyDocumentCount`.
public struct WebTextCorpus: Sendable {
    public static let splitRuleVersion = 1
    public static let heldOutPerMille: UInt64 = 30

    public var train: [Document]
    public var heldOut: [Document]
    public var malformed: [MalformedLine]
    public var emptyDocumentCount: Int
    /// The files read, with the SHA-256 of the bytes read (what the caches are keyed on), in reading order.
    public var sources: [(path: String, sha256: String)]

    public init(train: [Document], heldOut: [Document], malformed: [MalformedLine], emptyDocumentCount: Int,
                sources: [(path: String, sha256: String)]) {
        self.train = train
        self.heldOut = heldOut
        self.malformed = malformed
        self.emptyDocumentCount = emptyDocumentCount
        self.sources = sources
    }

    public static func split(of text: String) -> CorpusSplit {
        StableHash.hash64(text.utf8) % 1000 < heldOutPerMille ? .heldOut : .train
    }

    public func documents(_ split: CorpusSplit) -> [Document] { split == .train ? train : heldOut }

    public var documentCount: Int { train.count + heldOut.count }

    /// Loads the standard web-text files from the data directory (checking presence and size first, and
    /// SHA-256 when `verifyChecksums`).
    public static func load(from directory: DataDirectory, files: [DataFile] = DataManifest.webText,
                            policy: MalformedLinePolicy = .skip, verifyChecksums: Bool = false) throws -> WebTextCorpus {
        var inputs: [(url: URL, name: String, sha256: String)] = []
        for file in files {
            let url = try directory.verify(file, checksum: verifyChecksums)
            inputs.append((url, file.relativePath, file.sha256))
        }
        return try load(files: inputs, policy: policy)
    }

    /// Loads JSON Lines files (the standard ones, tests, other corpora). `sha256` is the digest the file should
    /// have (the manifest's), or nil when there is none. Each file is read once and hashed from the same bytes
    /// it is parsed from, so `sources` (and the cache keys made from them) describe what was actually read.
    public static func load(files: [(url: URL, name: String, sha256: String?)], policy: MalformedLinePolicy = .skip) throws -> WebTextCorpus {
        var train: [Document] = []
        var heldOut: [Document] = []
        var malformed: [MalformedLine] = []
        var empty = 0
        var sources: [(path: String, sha256: String)] = []
        for input in files {
            let bytes = try JSONLinesReader.contents(of: input.url)
            let digest = SHA256.hex(bytes)
            let (records, bad) = try JSONLinesReader.readStringField("text", from: bytes, displayName: input.name, policy: policy)
            if let expected = input.sha256, expected != digest, let first = bad.first {
                // Skipping would train on whatever the damage left, silently.
                throw DataError(kind: .checksumMismatch, path: input.url.path,
                                problem: "\(bad.count) malformed lines (first: \(first)), and the file's sha256 is \(digest)",
                                expected: "the manifest's sha256 \(expected)",
                                fix: "the file is damaged: delete it and fetch it again (make data; see docs/DATA.md)")
            }
            malformed += bad
            for r in records {
                if r.text.isEmpty { empty += 1; continue }
                let doc = Document(source: input.name, line: r.line, text: r.text)
                if split(of: r.text) == .heldOut { heldOut.append(doc) } else { train.append(doc) }
            }
            sources.append((input.name, digest))
        }
        return WebTextCorpus(train: train, heldOut: heldOut, malformed: malformed, emptyDocumentCount: empty, sources: sources)
    }
}
