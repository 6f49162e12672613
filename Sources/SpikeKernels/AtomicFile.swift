import Foundation

public enum AtomicFile {
    /// Writes `data` to `url` through a temporary file in the same directory and a rename, so a
    /// reader (or a resumed run after a kill) sees either the old file or the complete new one.
    ///
    /// The rename would replace whatever is at `url` with a regular file, so other targets are
    /// handled first: a symbolic link is followed (the file it points to is replaced, the link
    /// stays), a character device or FIFO (`/dev/null`, `/dev/stdout`, a pipe) is written through,
    /// and anything else that is not a regular file (a directory, a block device, a socket, a
    /// dangling link) is refused.
    public static func write(_ data: Data, to url: URL) throws {
        var url = url
        var info = stat()
        if lstat(url.path, &info) == 0 {
            if info.st_mode & S_IFMT == S_IFLNK {
                guard stat(url.path, &info) == 0, let resolved = realpath(url.path, nil) else {
                    throw KernelError.io("\(url.path) is a symbolic link to nothing; refusing to replace it")
                }
                url = URL(fileURLWithPath: String(cString: resolved))
                free(resolved)
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFCHR, S_IFIFO: return try writeThrough(data, to: url)
            default: throw KernelError.io("\(url.path) is not a regular file (\(kind(info.st_mode))); refusing to replace it")
            }
        }
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

    /// Writes into an existing device or FIFO (no temporary file: renaming over it would replace it).
    private static func writeThrough(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KernelError.io("cannot open \(url.path) for writing: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw KernelError.io("cannot write \(url.path): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "mode \(String(mode, radix: 8))"
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
