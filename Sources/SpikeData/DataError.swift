import Foundation

/// Every failure of the data layer. Its `description` names the file, what was expected and how to fix it;
/// nothing in SpikeData traps on bad or missing data.
public struct DataError: Error, CustomStringConvertible, LocalizedError, Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case missingFile, sizeMismatch, checksumMismatch, malformedLine, invalidContent, invalidTokenizer, invalidTokenFile, io
    }
    public var kind: Kind
    /// The file concerned (absolute path, or `path:line` for a malformed line).
    public var path: String
    /// What was found wrong.
    public var problem: String
    /// What was expected instead.
    public var expected: String
    /// How to fix it.
    public var fix: String

    public init(kind: Kind, path: String, problem: String, expected: String, fix: String) {
        self.kind = kind
        self.path = path
        self.problem = problem
        self.expected = expected
        self.fix = fix
    }

    public var description: String {
        var s = "\(path): \(problem)"
        if !expected.isEmpty { s += "; expected \(expected)" }
        if !fix.isEmpty { s += ". Fix: \(fix)" }
        return s
    }

    public var errorDescription: String? { description }

    /// The standard advice for a missing or damaged data file.
    public static func fetchAdvice(dataRoot: URL) -> String {
        let root = dataRoot.standardizedFileURL.path
        return "run `make data DATA_MIRROR=/path/to/mirror` (copy from a local mirror such as ../shared/data) or `make data` "
            + "(download) from the repository root, with SPIKELAB_DATA=\(root) set if that is not <repo>/data; "
            + "or point SPIKELAB_DATA at a complete copy. See docs/DATA.md"
    }
}
