import Foundation

/// One file of the data set, with the size and SHA-256 that `make data` checks
/// (the same values as `experiments/data/manifest.sha256`).
public struct DataFile: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Role: String, Sendable, Hashable, Codable { case webText, wikiTextTest, lambadaTest }
    /// Path relative to the data directory, `/`-separated, as in the mirror.
    public var relativePath: String
    public var byteCount: Int
    public var sha256: String
    public var role: Role

    public init(relativePath: String, byteCount: Int, sha256: String, role: Role) {
        self.relativePath = relativePath
        self.byteCount = byteCount
        self.sha256 = sha256
        self.role = role
    }

    public var description: String { relativePath }
}

/// The files SpikeLab uses. Keep in step with `experiments/data/manifest.sha256` (a test checks this).
public enum DataManifest {
    public static let lambadaTest = DataFile(
        relativePath: "lambada/lambada_test.jsonl", byteCount: 1_819_752,
        sha256: "4aa8d02cd17c719165fc8a7887fddd641f43fcafa4b1c806ca8abc31fabdb226", role: .lambadaTest)

    public static let wikiText2Test = DataFile(
        relativePath: "wikitext-2/raw/wiki.test.raw", byteCount: 1_290_590,
        sha256: "173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08", role: .wikiTextTest)

    /// The web-text pretraining sample, in the fixed order the corpus is read.
    public static let webText: [DataFile] = [
        DataFile(relativePath: "webtext/c4-en/c4-en-train.00000-of-01024.first1000.jsonl", byteCount: 2_358_289,
                 sha256: "cdd5b754119131d2934e3e799a059a9d64f53a6aac9e7e2ef79b43120bb01a32", role: .webText),
        DataFile(relativePath: "webtext/c4-en/c4-en-sample.olmo-test-fixture.jsonl", byteCount: 2_304_249,
                 sha256: "17f8203ba13f9fe0a9e71db9dafbce2eef34bcc665c856c10df284cfa92b0abf", role: .webText),
        DataFile(relativePath: "webtext/c4-realnewslike/c4-realnewslike-train.00000-of-00512.first1000.jsonl", byteCount: 2_863_078,
                 sha256: "69af1dd28da146141784d13b3fa23ba756d48e4f9dc7565ac11699beb2de7f1a", role: .webText),
        DataFile(relativePath: "webtext/openwebtext/openwebtext-10k.docs0000-0499.jsonl", byteCount: 2_534_552,
                 sha256: "fb669f3d24187917740bc1c7ad3539167f04a1d7afe55893094d15c58fe138d2", role: .webText),
        DataFile(relativePath: "webtext/openwebtext/openwebtext-10k.docs0500-0999.jsonl", byteCount: 2_185_684,
                 sha256: "dac2f6bc66c8bea7d77291ce8f9a4bc2e951ffc9aef058fa2fdd6eaa0ec8c164", role: .webText),
        DataFile(relativePath: "webtext/gpt2-webtext/webtext.train.first1408.jsonl", byteCount: 3_799_030,
                 sha256: "58685af1a66f35f6710da10a7c098895967275b5d7ebf752e19147679e05ffa2", role: .webText),
    ]

    /// Every file `make data` provides.
    public static let all: [DataFile] = webText + [wikiText2Test, lambadaTest]

    /// Number of passages in the OpenAI LAMBADA test set.
    public static let lambadaPassageCount = 5153
}
