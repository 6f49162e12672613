import Foundation

/// A CSV file with a known header line, split into fields (no quoting: the run logs never need it).
struct CSVRows {
    let url: URL
    var rows: [(line: Int, fields: [Substring])] = []

    /// The header line found and its number of columns.
    var headerLine = ""
    var columns: Int { headerLine.split(separator: ",").count }

    /// Reads `url`, whose first line must be `header` (or `orHeader`, an older format).
    init(url: URL, header: String, orHeader: String? = nil) throws {
        self.url = url
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first == header || (orHeader != nil && first == orHeader!) else {
            throw RunError("\(url.path): expected the header '\(header)'")
        }
        headerLine = String(first)
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            rows.append((i + 1, line.split(separator: ",", omittingEmptySubsequences: false)))
        }
    }

    func double(_ field: Substring, line: Int) throws -> Double {
        if let v = Double(field) { return v }
        switch field.lowercased() {
        case "nan", "-nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: throw RunError("\(url.path) line \(line): '\(field)' is not a number")
        }
    }

    /// The rows of a file whose first column is the step and every other column a number: the
    /// steps and the columns after it, each as an array indexed like the steps.
    func stepsAndNumbers() throws -> (steps: [Int], columns: [[Double]]) {
        var steps: [Int] = [], columns = [[Double]](repeating: [], count: self.columns - 1)
        for (line, f) in rows {
            guard f.count == self.columns, let s = Int(f[0]) else {
                throw RunError("\(url.path) line \(line): expected \(self.columns) fields (\(headerLine))")
            }
            steps.append(s)
            for c in columns.indices { columns[c].append(try double(f[c + 1], line: line)) }
        }
        return (steps, columns)
    }
}
