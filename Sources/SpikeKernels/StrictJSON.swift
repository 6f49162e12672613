import Foundation

/// Strict decoding of hand-written JSON (run configs, checkpoint metadata). Foundation's
/// `JSONDecoder` keeps the first of two equal keys, ignores unknown keys, and reports a number
/// that does not fit its field (seed -1, dModel 32.5, a Float overflow, 1e999) only as "The given
/// data was not valid JSON", with no path. `StrictJSON.decode` first parses the text itself
/// (syntax errors with line and column, duplicate keys and out-of-range numbers with their path),
/// then decodes, and names the field of a number that does not fit. Unknown keys are rejected by
/// each type's `init(from:)` with `Decoder.rejectUnknownKeys`.
public enum StrictJSON {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// Decodes `T` from `data`; every error is a `Failure` with a one-line message naming the path.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let tree = try parse(data)
        do { return try JSONDecoder().decode(T.self, from: data) } catch let error as DecodingError {
            if case .dataCorrupted(let c) = error, c.codingPath.isEmpty, let culprit = unfitNumber(T.self, in: tree) {
                throw Failure(message: culprit)
            }
            throw Failure(message: describe(error))
        }
    }

    /// A readable one-line description of a JSON decoding error, with its path.
    public static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ c: DecodingError.Context) -> String { pathString(c.codingPath.map { $0.intValue.map(Step.index) ?? .key($0.stringValue) }) }
        switch e {
        case .keyNotFound(let key, let c): return "missing key \"\(key.stringValue)\" at \(at(c))"
        case .typeMismatch(_, let c): return "wrong type at \(at(c)): \(c.debugDescription)"
        case .valueNotFound(_, let c): return "missing value at \(at(c)): \(c.debugDescription)"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? c.debugDescription : "invalid value at \(at(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    // MARK: the parsed tree

    enum Step { case key(String), index(Int) }

    static func pathString(_ path: [Step]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let k): out += out.isEmpty ? k : "." + k
            case .index(let i): out += "[\(i)]"
            }
        }
        return out.isEmpty ? "top level" : out
    }

    /// A JSON value; numbers keep their literal text, objects their key order.
    indirect enum Value {
        case literal(String)              // null, true, false, or a number's text
        case number(String)
        case string(String)
        case array([Value])
        case object([(String, Value)])
    }

    static func parse(_ data: Data) throws -> Value {
        var parser = Parser(bytes: Array(data))
        parser.skipWhitespace()
        let value = try parser.value(path: [], depth: 0)
        parser.skipWhitespace()
        if parser.i != parser.bytes.count { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ why: String) -> Failure {
            let before = bytes[..<min(i, bytes.count)]
            let line = before.filter { $0 == 0x0A }.count + 1
            let column = before.count - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
            return Failure(message: "invalid JSON at line \(line), column \(column): \(why)")
        }

        mutating func skipWhitespace() {
            while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
        }

        mutating func expect(_ c: Character) throws {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == c.asciiValue! else { throw fail("expected '\(c)'") }
            i += 1
        }

        mutating func value(path: [Step], depth: Int) throws -> Value {
            guard depth < 128 else { throw fail("nested too deeply") }
            skipWhitespace()
            guard i < bytes.count else { throw fail("unexpected end of the text") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, Value)] = []
                skipWhitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    let key = try string()
                    if members.contains(where: { $0.0 == key }) {
                        throw Failure(message: "duplicate key \"\(key)\" at \(StrictJSON.pathString(path))")
                    }
                    try expect(":")
                    members.append((key, try value(path: path + [.key(key)], depth: depth + 1)))
                    skipWhitespace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("}")
                    return .object(members)
                }
            case UInt8(ascii: "["):
                i += 1
                var elements: [Value] = []
                skipWhitespace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
                while true {
                    elements.append(try value(path: path + [.index(elements.count)], depth: depth + 1))
                    skipWhitespace()
                    if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    try expect("]")
                    return .array(elements)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            default:
                let start = i
                while i < bytes.count, !" \n\r\t,]}:".utf8.contains(bytes[i]) { i += 1 }
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                if ["null", "true", "false"].contains(text) { return .literal(text) }
                i = start
                guard text.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil,
                      let number = Double(text) else { throw fail("'\(text)' is not a JSON value") }
                guard number.isFinite else {
                    throw Failure(message: "number \(text) at \(StrictJSON.pathString(path)) is out of range (beyond a Double's)")
                }
                i = start + text.utf8.count
                return .number(text)
            }
        }

        /// A string literal, decoded by Foundation (escapes and UTF-8 checked there).
        mutating func string() throws -> String {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
            let start = i
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
            guard i < bytes.count else { throw fail("unterminated string") }
            i += 1
            guard let s = try? JSONDecoder().decode(String.self, from: Data(bytes[start..<i])) else { throw fail("invalid string") }
            return s
        }
    }

    // MARK: which number does not fit

    /// Foundation reports a number that does not fit its field without a path. Replacing the
    /// numbers one by one (in text order) with 1 finds the first whose replacement removes that
    /// error: the field that did not fit.
    static func unfitNumber<T: Decodable>(_ type: T.Type, in tree: Value) -> String? {
        var numbers: [([Step], String)] = []
        collect(tree, path: [], into: &numbers)
        for k in numbers.indices {
            let replaced = Set(numbers[...k].map { pathString($0.0) })
            let text = serialize(tree, path: [], replacing: replaced)
            if case .dataCorrupted(let c)? = decodingError(T.self, text), c.codingPath.isEmpty { continue }
            let (path, literal) = numbers[k]
            let value = Double(literal)!
            let why = value != value.rounded() ? "is not a whole number"
                : value < 0 ? "is negative, and the field cannot be"
                : abs(value) > Double(Float.greatestFiniteMagnitude) ? "is too large for the field (beyond a Float's range?)"
                : "is out of the field's range"
            return "\(pathString(path)): \(literal) \(why)"
        }
        return nil
    }

    private static func decodingError<T: Decodable>(_ type: T.Type, _ text: String) -> DecodingError? {
        do { _ = try JSONDecoder().decode(T.self, from: Data(text.utf8)); return nil } catch { return error as? DecodingError }
    }

    private static func collect(_ v: Value, path: [Step], into out: inout [([Step], String)]) {
        switch v {
        case .number(let text): out.append((path, text))
        case .array(let a): for (i, e) in a.enumerated() { collect(e, path: path + [.index(i)], into: &out) }
        case .object(let o): for (k, e) in o { collect(e, path: path + [.key(k)], into: &out) }
        case .literal, .string: break
        }
    }

    private static func serialize(_ v: Value, path: [Step], replacing: Set<String>) -> String {
        switch v {
        case .number(let text): return replacing.contains(pathString(path)) ? "1" : text
        case .literal(let text): return text
        case .string(let s): return jsonString(s)
        case .array(let a):
            return "[" + a.enumerated().map { serialize($1, path: path + [.index($0)], replacing: replacing) }.joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.map { jsonString($0) + ":" + serialize($1, path: path + [.key($0)], replacing: replacing) }.joined(separator: ",") + "}"
        }
    }
}

/// A coding key for any name: lists every key of a JSON object, known or not.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Throws if this JSON object has a key outside `known`, naming its path and the nearest known
    /// key (a typo must not train silently with the default).
    public func rejectUnknownKeys(_ known: [String]) throws {
        let keys = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        guard let unknown = keys.first(where: { !known.contains($0) }) else { return }
        let path = StrictJSON.pathString(codingPath.map { $0.intValue.map(StrictJSON.Step.index) ?? .key($0.stringValue) })
        var message = "unknown key \"\(unknown)\" at \(path)"
        if let near = nearestName(to: unknown, in: known) { message += "; did you mean \"\(near)\"?" }
        throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: message))
    }

    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type) throws {
        try rejectUnknownKeys(K.allCases.map(\.stringValue))
    }

    /// An enum as Swift synthesises its coding (`{"case": {fields}}`): the one case name, checked
    /// against `cases`, and a decoder for its fields.
    public func singleCase(of cases: [String]) throws -> (name: String, fields: Decoder) {
        try rejectUnknownKeys(cases)
        let c = try container(keyedBy: AnyCodingKey.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath,
                debugDescription: "expected exactly one of \(cases.map { "\"\($0)\"" }.joined(separator: ", ")), got \(c.allKeys.count) keys"))
        }
        return (key.stringValue, try c.superDecoder(forKey: key))
    }

    /// Field `name` of this JSON object.
    public func field<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try container(keyedBy: AnyCodingKey.self).decode(T.self, forKey: AnyCodingKey(stringValue: name))
    }
}

/// The name in `names` closest to `name` (edit distance, case and `_` ignored), when it is close
/// enough to be a likely typo; nil otherwise.
public func nearestName(to name: String, in names: [String]) -> String? {
    func fold(_ s: String) -> [Character] { Array(s.lowercased().filter { $0 != "_" && $0 != "-" }) }
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var previous = row[0]
            row[0] = i + 1
            for (j, cb) in b.enumerated() {
                let next = min(row[j + 1] + 1, row[j] + 1, previous + (ca == cb ? 0 : 1))
                previous = row[j + 1]
                row[j + 1] = next
            }
        }
        return row[b.count]
    }
    let target = fold(name)
    // An abbreviation ("tensorStats" for "tensorStatistics": same start, letters in order) is far in edit distance.
    func abbreviates(_ long: [Character]) -> Bool {
        guard target.count >= 4, long.starts(with: target.prefix(4)) else { return false }
        var rest = long[...]
        for c in target { guard let i = rest.firstIndex(of: c) else { return false }; rest = rest[(i + 1)...] }
        return true
    }
    if let long = names.first(where: { abbreviates(fold($0)) }) { return long }
    guard let best = names.min(by: { distance(target, fold($0)) < distance(target, fold($1)) }) else { return nil }
    let close = distance(target, fold(best)) <= max(2, target.count / 3)
    return close ? best : nil
}
