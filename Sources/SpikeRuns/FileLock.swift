import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, held until `unlock()` or deinit. Separate
/// `FileLock` values conflict with each other even inside one process (each opens the file anew),
/// so the lock serialises threads as well as processes (`make -j2`).
public final class FileLock {
    public let url: URL
    private var fd: Int32

    /// Opens (creating it when needed) `url` and blocks until the exclusive lock is held.
    /// `onWait` is called once, before blocking, when another holder has the lock.
    public init(url: URL, onWait: () -> Void = {}) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        fd = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError("cannot open lock file \(url.path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
        guard errno == EWOULDBLOCK || errno == EINTR else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw RunError("cannot lock \(url.path): \(message)")
        }
        onWait()
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(fd)
            throw RunError("cannot lock \(url.path): \(message)")
        }
    }

    /// Releases the lock (idempotent).
    public func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}
