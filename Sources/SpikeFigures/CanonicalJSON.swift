import Foundation
import SpikeKernels
import SpikeData

/// Deterministic JSON text: keys sorted, two-space indentation, arrays of scalars on one line,
/// integers without a fraction, other numbers in Swift's shortest round-trip form, non-finite
/// numbers as the strings "NaN", "Infinity", "-Infinity" (plain JSON has no such numbers).
///
/// The suite's one canonical JSON text, for everything it writes and compares (figure results,
/// expected numbers). Two older encodings are frozen because identities are made of their bytes:
/// `RunConfig.canonicalJSON` (the run cache hash) and `ModelConfig.canonicalJSON` (checkpoint
/// metadata, and inside the run config). Moving them here would rename every cached run.
public enum CanonicalJSON {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        out += "\n"
        return out
    }

    public static func data(_ value: JSONValue) -> Data { Data(string(value).utf8) }

    /// Any Encodable value as a `JSONValue` (through `JSONEncoder`; non-finite floats as strings).
    public static func value<T: Encodable>(_ encodable: T) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let data = try encoder.encode(encodable)
        return try JSONParser.parse([UInt8](data))
    }

    /// Reads a JSON file into a `JSONValue`, with the path in every error.
    public static func read(_ url: URL) throws -> JSONValue {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FigureError("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard String(data: data, encoding: .utf8) != nil else { throw FigureError("\(url.path) is not UTF-8") }
        do { return try JSONParser.parse([UInt8](data)) } catch {
            throw FigureError("\(url.path): \(error)")
        }
    }

    /// A number as JSON: non-finite values become the strings "NaN", "Infinity", "-Infinity".
    public static func number(_ x: Double) -> JSONValue {
        if x.isNaN { return .string("NaN") }
        if x.isInfinite { return .string(x > 0 ? "Infinity" : "-Infinity") }
        return .number(x)
    }

    /// The number a JSON value holds, accepting the non-finite spellings of `number(_:)`.
    public static func double(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let d)?: return d
        case .string("NaN")?: return .nan
        case .string("Infinity")?: return .infinity
        case .string("-Infinity")?: return -.infinity
        default: return nil
        }
    }

    /// Shortest round-trip text of a finite double; integral values below 2^53 without ".0".
    public static func numberText(_ x: Double) -> String {
        if x.isNaN { return "\"NaN\"" }
        if x.isInfinite { return x > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
            return x == 0 ? "0" : String(Int64(x))
        }
        return "\(x)"
    }

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .array, .object: return false
        default: return true
        }
    }

    static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += numberText(d)
        case .string(let s): out += quote(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy(isScalar) {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += ", " }
                    write(item, indent: indent, into: &out)
                }
                out += "]"
                return
            }
            let pad = String(repeating: "  ", count: indent + 1)
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            let pad = String(repeating: "  ", count: indent + 1)
            out += "{\n"
            let keys = fields.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += pad + quote(key) + ": "
                write(fields[key]!, indent: indent + 1, into: &out)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += String(repeating: "  ", count: indent) + "}"
        }
    }

    public static func quote(_ s: String) -> String { jsonString(s) }
}
