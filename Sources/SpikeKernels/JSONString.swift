import Foundation

/// `s` as a JSON string literal (RFC 8259), quotes included: `"` and backslash escaped, the
/// control characters U+0000-U+001F as \b, \f, \n, \r, \t or \u00xx, everything else (DEL and
/// non-ASCII included) as is, as JSON.stringify and Python's json.dumps write it.
///
/// SpikeData, which depends on no module, has the same escaper (`JSONWriter.appendString`);
/// `JSONEscapingTests` keeps the two byte-identical.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}
