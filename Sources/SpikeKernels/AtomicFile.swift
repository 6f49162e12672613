import Foundation

/// The suite's atomic file write. The mechanism is Foundation's `.atomic` write (a uniquely named
/// temporary file in the destination folder, then `rename(2)`), so SpikeData's `AtomicWrite`, which
/// cannot import this module, shares it rather than copying it.
public enum AtomicFile {
    /// Writes `data` to `url` (creating its folder), so that a reader, or a run resumed after a
    /// kill, sees either the old file or the complete new one, never a partial one.
    public static func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do { try data.write(to: url, options: .atomic) } catch {
            throw KernelError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}

public enum KernelError: Error, CustomStringConvertible {
    case io(String)
    case format(String)

    public var description: String {
        switch self {
        case .io(let m): return "I/O error: \(m)"
        case .format(let m): return "format error: \(m)"
        }
    }
}
