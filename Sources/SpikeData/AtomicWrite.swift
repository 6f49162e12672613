import Foundation

/// SpikeData's atomic file writes, failures as `DataError`s: the same Foundation `.atomic` write
/// as SpikeKernels' `AtomicFile` (SpikeData depends on no module, so it cannot call that one).
enum AtomicWrite {
    static func write(_ data: Data, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot write (\(error.localizedDescription))",
                            expected: "a writable directory", fix: "check permissions and free space")
        }
    }
}
