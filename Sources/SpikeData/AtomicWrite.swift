import Foundation
import SpikeKernels

/// SpikeData's atomic file writes: SpikeKernels' `AtomicFile` (the one implementation), with
/// failures reported as `DataError`s.
enum AtomicWrite {
    static func write(_ data: Data, to url: URL) throws {
        do { try AtomicFile.write(data, to: url) } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot write (\(error))",
                            expected: "a writable directory", fix: "check permissions and free space")
        }
    }
}
