import Foundation

/// A line of a JSON Lines file that could not be used.
public struct MalformedLine: Sendable, Equatable, CustomStringConvertible, Codable {
    /// The file as given to the reader (relative to the data directory for corpus files).
    public var file: String
    /// 1-based line number.
    public var line: Int
    public var reason: String
    public var description: String { "\(file):\(line): \(reason)" }
}

/// What to do with a malformed line (bad JSON, invalid UTF-8, missing or non-string field).
public enum MalformedLinePolicy: Sendable {
    /// Skip the line and record it (the default for the training corpus).
    case skip
    /// Throw a `DataError` naming `file:line` (the default for evaluation sets, which must be complete).
    case fail
}

/// One usable line.
public struct JSONLinesRecord: Sendable {
    public var line: Int
    public var text: String
}

public enum JSONLinesReader {
    /// Reads the string field `field` of every line of a JSON Lines file.
    ///
    /// Lines holding only whitespace are ignored (no record, not malformed). A final line without a
    /// trailing newline is read like any other. `displayName` is used in `MalformedLine` and errors.
    public static func readStringField(
        _ field: String = "text", from url: URL, displayName: String? = nil, policy: MalformedLinePolicy
    ) throws -> (records: [JSONLinesRecord], malformed: [MalformedLine]) {
        try readStringField(field, from: contents(of: url), displayName: displayName ?? url.path, policy: policy)
    }

    /// The bytes of a JSON Lines file, or a `DataError` naming it.
    public static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot read (\(error.localizedDescription))",
                            expected: "a readable JSON Lines file", fix: "check the path and permissions")
        }
    }

    public static func readStringField(
        _ field: String, from data: Data, displayName: String, policy: MalformedLinePolicy
    ) throws -> (records: [JSONLinesRecord], malformed: [MalformedLine]) {
        try data.withUnsafeBytes { raw in
            try readStringField(field, from: raw.bindMemory(to: UInt8.self), displayName: displayName, policy: policy)
        }
    }

    public static func readStringField(
        _ field: String, from bytes: UnsafeBufferPointer<UInt8>, displayName: String, policy: MalformedLinePolicy
    ) throws -> (records: [JSONLinesRecord], malformed: [MalformedLine]) {
        var records: [JSONLinesRecord] = []
        var malformed: [MalformedLine] = []
        var lineNumber = 0
        var start = 0
        let n = bytes.count
        while start < n {
            lineNumber += 1
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            var reason: String?
            if let bad = UTF8Validation.firstInvalidOffset(line) {
                reason = "invalid UTF-8 at byte \(bad + 1) of the line"
            } else {
                do {
                    let value = try JSONParser.parse(line)
                    guard case .object(let object) = value else { throw LineProblem("not a JSON object") }
                    guard let fieldValue = object[field] else { throw LineProblem("missing field \"\(field)\"") }
                    guard case .string(let text) = fieldValue else { throw LineProblem("field \"\(field)\" is not a string") }
                    records.append(JSONLinesRecord(line: lineNumber, text: text))
                } catch let e as JSONParseError {
                    reason = e.description
                } catch let e as LineProblem {
                    reason = e.message
                }
            }
            if let reason {
                let bad = MalformedLine(file: displayName, line: lineNumber, reason: reason)
                if policy == .fail {
                    throw DataError(kind: .malformedLine, path: "\(displayName):\(lineNumber)", problem: reason,
                                    expected: "one JSON object per line with a string field \"\(field)\"",
                                    fix: "the file is damaged or not the expected one; re-fetch it (see docs/DATA.md)")
                }
                malformed.append(bad)
            }
        }
        return (records, malformed)
    }

    struct LineProblem: Error { let message: String; init(_ m: String) { message = m } }
}
