import Foundation
import Testing
@testable import SpikeRuns
import SpikeTestSupport
import SpikeTraining

/// Issue 15, items 2 and 4: staging directories of dead writers are removed on start (live ones
/// kept), and a failing log write is a thrown error, not a trap.
struct LeftoverAndWriteErrorTests {
    /// The id of a process that has exited (so no live process owns it).
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func abandonedStagingIsRemovedAndLiveStagingKept() throws {
        let dir = temporaryDirectory("staging")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = CheckpointStore(runDirectory: dir)
        let fm = FileManager.default
        let dead = store.directory.appendingPathComponent(".staging_4_\(try deadPID())")
        let own = store.directory.appendingPathComponent(".staging_8_\(getpid())")
        let live = store.directory.appendingPathComponent(".staging_12_1")   // pid 1 is always alive
        for d in [dead, own, live] {
            try fm.createDirectory(at: d, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: d.appendingPathComponent("model.safetensors"))
        }
        store.removeAbandonedStaging()
        #expect(!fm.fileExists(atPath: dead.path))
        #expect(!fm.fileExists(atPath: own.path))
        #expect(fm.fileExists(atPath: live.path))
    }

    @Test func aFailingLogWriteThrowsNamingTheFile() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let dir = temporaryDirectory("devfull")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("log.csv")
        let csv = try StepCSV(url: url, header: "step,loss", resumeStep: 0, oneRowPerStep: true)
        // Point the log's open descriptor at /dev/full, whose every write fails with ENOSPC.
        let full = open("/dev/full", O_WRONLY)
        defer { close(full) }
        let target = url.resolvingSymlinksInPath().path
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        let fd = try #require(fds.first { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == target
        })
        #expect(dup2(full, fd) == fd)
        #expect { try csv.append("0,1.5") } throws: { "\($0)".contains(url.path) }
    }
}
