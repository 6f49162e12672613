// AtomicFile.write renames a temporary file over the target: that must not turn a symlink, FIFO
// or device node into a regular file (as root, `eval --out /dev/null` replaced /dev/null).

import Foundation
import Testing
import SpikeKernels

@Suite struct AtomicFileTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// The file type bits of `url` itself (a link is not followed).
    func type(_ url: URL) -> mode_t {
        var info = stat()
        return lstat(url.path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    @Test func replacesARegularFileAndCreatesAMissingOne() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sub/out.json")
        try AtomicFile.write(Data("one".utf8), to: file)
        try AtomicFile.write(Data("two".utf8), to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == ["out.json"])
    }

    @Test func followsASymbolicLink() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.json"), link = dir.appendingPathComponent("link.json")
        try Data("old".utf8).write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try AtomicFile.write(Data("new".utf8), to: link)
        #expect(type(link) == S_IFLNK)
        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
    }

    @Test func writesThroughAFIFO() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        // A reader that does not block on open, so the writer's open finds it.
        let reader = open(fifo.path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try AtomicFile.write(Data("through".utf8), to: fifo)
        #expect(type(fifo) == S_IFIFO)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(reader, &buffer, buffer.count)
        #expect(n == 7 && String(decoding: buffer.prefix(max(0, n)), as: UTF8.self) == "through")
    }

    @Test func writesThroughACharacterDevice() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        // /dev/null itself is never renamed over: a link to it shows what the write does.
        let link = dir.appendingPathComponent("null")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/dev/null")
        try AtomicFile.write(Data("discarded".utf8), to: link)
        #expect(type(link) == S_IFLNK)
        #expect(type(URL(fileURLWithPath: "/dev/null")) == S_IFCHR)
    }

    @Test func refusesADirectoryAndADanglingLink() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        #expect { try AtomicFile.write(Data("x".utf8), to: sub) } throws: { "\($0)".contains("not a regular file (a directory)") }
        let dangling = dir.appendingPathComponent("dangling")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: dir.appendingPathComponent("nowhere").path)
        #expect { try AtomicFile.write(Data("x".utf8), to: dangling) } throws: { "\($0)".contains("symbolic link to nothing") }
        #expect(type(dangling) == S_IFLNK)
    }
}
