import Foundation

public enum AtomicFile {
    /// Writes `data` to `url` through a temporary file in the same directory and a rename, so a
    /// reader (or a resumed run after a kill) sees either the old file or the complete new one.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw KernelError.io("cannot rename \(tmp.path) to \(url.path): \(String(cString: strerror(code)))")
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
