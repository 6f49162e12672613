import Foundation

/// An append-only CSV file of a run directory whose rows start with a step number. When a run
/// resumes at update K, the rows of steps below K are kept and the rest dropped, so the file ends
/// up byte-identical to an uninterrupted run's. A kept part that is not provably intact (unreadable
/// bytes, a cut row, a missing step) is an error naming the file, never silently rewritten.
final class StepCSV {
    private let handle: FileHandle
    let url: URL

    /// - `resumeStep`: the first update this call will log (0: a new file).
    /// - `inheritFrom`: a rewound run's parent file: the rows below `resumeStep` are taken from it
    ///   when this run has no file of its own yet.
    /// - `oneRowPerStep`: the kept rows must be exactly steps 0..<resumeStep, one each.
    init(url: URL, header: String, resumeStep: Int, inheritFrom parent: URL? = nil, oneRowPerStep: Bool) throws {
        self.url = url
        let fm = FileManager.default
        var content = header + "\n"
        if resumeStep > 0 {
            let source = fm.fileExists(atPath: url.path) ? url : parent.flatMap { fm.fileExists(atPath: $0.path) ? $0 : nil }
            if let source {
                content += try StepCSV.rows(of: source, header: header, below: resumeStep, oneRowPerStep: oneRowPerStep)
            } else if oneRowPerStep {
                throw RunError("\(url.path) is missing, but the run has a checkpoint at step \(resumeStep): the log of steps "
                               + "0..<\(resumeStep) is lost; delete the run directory to retrain it")
            }
        }
        do { try Data(content.utf8).write(to: url, options: .atomic) } catch {
            throw RunError("cannot write \(url.path): \(error.localizedDescription)")
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else { throw RunError("cannot open \(url.path) for writing") }
        handle = h
        do { try handle.seekToEnd() } catch { throw RunError("cannot write \(url.path): \(error.localizedDescription)") }
    }

    /// An optional observer's file `name` in the run directory (several rows a step allowed),
    /// inheriting a rewound run's rows from the same file of its parent.
    convenience init(observerFile name: String, header: String, runDirectory: URL, resumeStep: Int, parentDirectory: URL?) throws {
        try self.init(url: runDirectory.appendingPathComponent(name), header: header, resumeStep: resumeStep,
                      inheritFrom: parentDirectory?.appendingPathComponent(name), oneRowPerStep: false)
    }

    /// The rows of `file` for steps below `step`, checked.
    private static func rows(of file: URL, header: String, below step: Int, oneRowPerStep: Bool) throws -> String {
        let repair = "restore it from a backup or delete the run directory to retrain the run"
        guard let data = FileManager.default.contents(atPath: file.path) else { throw RunError("cannot read \(file.path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw RunError("\(file.path) is damaged (not UTF-8 text); \(repair)") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == header else { throw RunError("\(file.path): expected the header '\(header)'; \(repair)") }
        // Only a final line ended by a newline is complete; an interrupted write leaves a cut one.
        if lines.last == "" { lines.removeLast() } else if lines.count > 1 { lines.removeLast() }
        let columns = header.split(separator: ",").count
        var kept = "", expected = 0, previous = -1
        for (number, line) in lines.enumerated().dropFirst() {
            guard let s = Int(line.prefix { $0 != "," }), line.split(separator: ",", omittingEmptySubsequences: false).count == columns,
                  s >= previous else {
                throw RunError("\(file.path) line \(number + 1) is damaged ('\(line.prefix(60))'); \(repair)")
            }
            previous = s
            guard s < step else { continue }
            if oneRowPerStep {
                guard s == expected else { throw RunError("\(file.path) line \(number + 1): expected step \(expected), found \(s); \(repair)") }
                expected += 1
            }
            kept += line + "\n"
        }
        if oneRowPerStep && expected != step {
            throw RunError("\(file.path) ends at step \(expected - 1), but the run resumes at step \(step); \(repair)")
        }
        return kept
    }

    func append(_ row: String) throws {
        do { try handle.write(contentsOf: Data((row + "\n").utf8)) } catch {
            throw RunError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }
}

/// Fixed formatting for floating-point log values: shortest round-trip representation, so logs
/// are deterministic and lossless.
@inline(__always)
func fmt(_ x: Float) -> String { "\(x)" }
@inline(__always)
func fmt(_ x: Double) -> String { "\(x)" }
