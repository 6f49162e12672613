import Foundation

/// An append-only CSV file whose rows start with a step number. On resume from checkpoint K the
/// rows of steps >= K are dropped, so the file ends up byte-identical to an uninterrupted run's.
final class StepCSV {
    private let handle: FileHandle
    let url: URL

    init(url: URL, header: String, keepStepsBelow resumeStep: Int?) throws {
        self.url = url
        let fm = FileManager.default
        var content = header + "\n"
        if let resumeStep, let existing = try? String(contentsOf: url, encoding: .utf8) {
            let rows = existing.split(separator: "\n", omittingEmptySubsequences: true).dropFirst()
            for row in rows {
                guard let step = Int(row.prefix { $0 != "," }), step < resumeStep else { continue }
                content += row + "\n"
            }
        }
        try Data(content.utf8).write(to: url, options: .atomic)
        guard let h = FileHandle(forWritingAtPath: url.path) else { throw TrainingError.io("cannot open \(url.path)") }
        handle = h
        handle.seekToEndOfFile()
        _ = fm
    }

    func append(_ row: String) {
        handle.write(Data((row + "\n").utf8))
    }

    deinit { try? handle.close() }
}

/// Fixed formatting for floating-point log values: shortest round-trip representation, so logs
/// are deterministic and lossless.
@inline(__always)
func fmt(_ x: Float) -> String { "\(x)" }
@inline(__always)
func fmt(_ x: Double) -> String { "\(x)" }
