// A run directory reached through a symlink must take the same lock as the directory itself:
// the lock was named from the path string, so `r` and a link to it trained at once.

import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeRuns

@Suite struct FileLockTests {
    @Test func everyPathToADirectoryNamesTheSameLock() throws {
        let root = temporaryDirectory("lock-names")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let real = root.appendingPathComponent("runs/r"), link = root.appendingPathComponent("r-link")
        try fm.createDirectory(at: real, withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: link, withDestinationURL: real)
        let expected = FileLock.url(forDirectory: real)
        #expect(expected.lastPathComponent == "r.lock")
        #expect(FileLock.url(forDirectory: link) == expected)
        #expect(FileLock.url(forDirectory: root.appendingPathComponent("runs/../r-link")) == expected)
        // A run directory not created yet, under a symlinked runs folder.
        let runsLink = root.appendingPathComponent("runs-link")
        try fm.createSymbolicLink(at: runsLink, withDestinationURL: root.appendingPathComponent("runs"))
        #expect(FileLock.url(forDirectory: runsLink.appendingPathComponent("new"))
                == FileLock.url(forDirectory: root.appendingPathComponent("runs/new")))
    }

    @Test func aSymlinkToALockedDirectoryWaits() throws {
        let root = temporaryDirectory("lock-symlink")
        defer { try? FileManager.default.removeItem(at: root) }
        let real = root.appendingPathComponent("r"), link = root.appendingPathComponent("link")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let held = try FileLock(directory: real)
        let waiting = DispatchSemaphore(value: 0), acquired = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let lock = try? FileLock(directory: link) { waiting.signal() }
            acquired.signal()
            lock?.unlock()
        }
        #expect(waiting.wait(timeout: .now() + 10) == .success, "the link's lock did not conflict with the directory's")
        #expect(acquired.wait(timeout: .now() + 0.2) == .timedOut)
        held.unlock()
        #expect(acquired.wait(timeout: .now() + 10) == .success)
    }
}
