import Foundation
import SpikeData

/// How a number is printed in a table (the JSON keeps the full value).
public enum NumberFormat: Equatable, Sendable {
    /// `d` digits after the point: 20.64
    case fixed(Int)
    /// Scientific with `d` digits after the point: 1.00e-03
    case scientific(Int)
    /// `d` significant digits, %g style: 0.000312, 1.2e+06
    case significant(Int)
    /// Rounded to an integer: 35075
    case integer
    /// A fraction shown as a percentage with `d` decimals: 0.126 -> 12.6%
    case percent(Int)

    public func format(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        switch self {
        case .fixed(let d): return String(format: "%.\(max(0, d))f", x)
        case .scientific(let d): return String(format: "%.\(max(0, d))e", x)
        case .significant(let d): return String(format: "%.\(max(1, d))g", x)
        case .integer:
            let r = x.rounded()
            return abs(r) < 9.0e18 ? String(Int64(r)) : String(format: "%.0f", r)
        case .percent(let d): return String(format: "%.\(max(0, d))f%%", x * 100)
        }
    }
}

/// One table cell: text, a number, a value with its spread ("20.64 (0.52)"), or nothing.
public enum TableCell: Equatable, Sendable, ExpressibleByStringLiteral {
    case text(String)
    case number(Double, NumberFormat)
    /// A mean and its spread (standard deviation), printed "mean (spread)".
    case measurement(Double, spread: Double, NumberFormat)
    case empty

    public init(stringLiteral value: String) { self = .text(value) }

    /// The cell as shown in Markdown, CSV and LaTeX.
    public var text: String {
        switch self {
        case .text(let s): return s
        case .number(let x, let f): return f.format(x)
        case .measurement(let x, let s, let f): return "\(f.format(x)) (\(f.format(s)))"
        case .empty: return ""
        }
    }

    var isNumeric: Bool {
        switch self {
        case .number, .measurement: return true
        default: return false
        }
    }

    var json: JSONValue {
        switch self {
        case .text(let s): return .string(s)
        case .number(let x, _): return CanonicalJSON.number(x)
        case .measurement(let x, let s, _): return .object(["value": CanonicalJSON.number(x), "spread": CanonicalJSON.number(s)])
        case .empty: return .null
        }
    }

    init(json: JSONValue) {
        switch json {
        case .null: self = .empty
        case .bool(let b): self = .text(b ? "yes" : "no")
        case .object(let o):
            self = .measurement(CanonicalJSON.double(o["value"]) ?? .nan, spread: CanonicalJSON.double(o["spread"]) ?? .nan, .significant(6))
        default:
            if let x = CanonicalJSON.double(json) { self = .number(x, .significant(6)) }
            else { self = .text(json.stringValue ?? "") }
        }
    }
}

/// A table of a figure's result: written into `<name>.json` and rendered to Markdown, CSV and
/// LaTeX from this one value.
public struct Table: Equatable, Sendable {
    /// Stable identifier (letters, digits, '-', '_'): the file suffix when a figure has several tables.
    public var id: String
    public var title: String
    public var columns: [String]
    public var rows: [[TableCell]]
    /// Footnotes printed under the table.
    public var notes: [String]

    public init(id: String, title: String, columns: [String], rows: [[TableCell]] = [], notes: [String] = []) {
        self.id = id; self.title = title; self.columns = columns; self.rows = rows; self.notes = notes
    }

    public mutating func append(_ row: [TableCell]) { rows.append(row) }

    /// Rows padded (or cut) to the number of columns.
    var normalizedRows: [[TableCell]] {
        rows.map { row in
            row.count >= columns.count ? Array(row.prefix(columns.count)) : row + Array(repeating: .empty, count: columns.count - row.count)
        }
    }

    /// Whether column `j` holds numbers (right-aligned).
    func isNumericColumn(_ j: Int) -> Bool {
        let cells = normalizedRows.map { $0[j] }.filter { $0 != .empty }
        return !cells.isEmpty && cells.allSatisfy(\.isNumeric)
    }

    // MARK: Markdown

    public func markdown() -> String {
        func cell(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "\n", with: " ")
        }
        var out = "**\(title)**\n\n"
        out += "| " + columns.map(cell).joined(separator: " | ") + " |\n"
        out += "|" + columns.indices.map { isNumericColumn($0) ? "---:|" : "---|" }.joined() + "\n"
        for row in normalizedRows {
            out += "| " + row.map { cell($0.text) }.joined(separator: " | ") + " |\n"
        }
        for note in notes { out += "\n" + note + "\n" }
        return out
    }

    // MARK: CSV (RFC 4180)

    public func csv() -> String {
        func field(_ s: String) -> String {
            guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || s.hasPrefix(" ") || s.hasSuffix(" ") else { return s }
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for row in normalizedRows {
            out += row.map { field($0.text) }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    // MARK: LaTeX (booktabs)

    public static func latexEscape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "<": out += "\\textless{}"
            case ">": out += "\\textgreater{}"
            case "\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }

    /// A `table` environment with a booktabs `tabular` (needs `\usepackage{booktabs}`); `label`
    /// becomes `\label{...}`.
    public func latex(label: String? = nil) -> String {
        let spec = columns.indices.map { isNumericColumn($0) ? "r" : "l" }.joined()
        var out = "% \(title.replacingOccurrences(of: "\n", with: " "))\n"
        out += "% Generated by SpikeLab's figure pipeline; requires \\usepackage{booktabs}.\n"
        out += "\\begin{table}[t]\n\\centering\n"
        out += "\\caption{\(Table.latexEscape(title))}\n"
        if let label { out += "\\label{\(label)}\n" }
        out += "\\begin{tabular}{\(spec)}\n\\toprule\n"
        out += columns.map(Table.latexEscape).joined(separator: " & ") + " \\\\\n\\midrule\n"
        for row in normalizedRows {
            out += row.map { Table.latexEscape($0.text) }.joined(separator: " & ") + " \\\\\n"
        }
        out += "\\bottomrule\n\\end{tabular}\n"
        for note in notes { out += "\\par\\smallskip{\\footnotesize \(Table.latexEscape(note))}\n" }
        out += "\\end{table}\n"
        return out
    }

    // MARK: JSON

    var json: JSONValue {
        .object(["id": .string(id), "title": .string(title), "columns": .array(columns.map { .string($0) }),
                 "rows": .array(normalizedRows.map { .array($0.map(\.json)) }), "notes": .array(notes.map { .string($0) })])
    }

    init(json: JSONValue, file: String) throws {
        guard let id = json["id"]?.stringValue, let columns = json["columns"]?.arrayValue, let rows = json["rows"]?.arrayValue else {
            throw FigureError("\(file): a table lacks id, columns or rows")
        }
        self.id = id
        title = json["title"]?.stringValue ?? id
        self.columns = columns.map { $0.stringValue ?? "" }
        self.rows = rows.map { ($0.arrayValue ?? []).map(TableCell.init(json:)) }
        notes = (json["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
