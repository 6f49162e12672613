import Foundation
import Testing
@testable import SpikeData

@Suite struct DataDirectoryTests {
    @Test func environmentVariableWins() {
        let d = DataDirectory.resolve(environment: ["SPIKELAB_DATA": "/some/where"], currentDirectory: "/tmp")
        #expect(d.root.path == "/some/where")
        #expect(d.origin == .environment)
        let rel = DataDirectory.resolve(environment: ["SPIKELAB_DATA": "rel/data"], currentDirectory: "/base")
        #expect(rel.root.path == "/base/rel/data")
    }

    @Test func defaultIsRepositoryData() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        _ = try tmp.write("repo/Package.swift", "// swift-tools-version:6.0")
        try FileManager.default.createDirectory(at: tmp.file("repo/Sources/SpikeData"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tmp.file("repo/Tests/X"), withIntermediateDirectories: true)
        let d = DataDirectory.resolve(environment: ["SPIKELAB_DATA": ""], currentDirectory: tmp.file("repo/Tests/X").path)
        #expect(d.root.standardizedFileURL.resolvingSymlinksInPath().path
                == tmp.file("repo/data").standardizedFileURL.resolvingSymlinksInPath().path)
        #expect(d.origin == .repositoryDefault)
        #expect(d.cacheDirectory.lastPathComponent == "cache")
    }

    @Test func missingFileErrorNamesPathExpectationAndFix() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let dir = DataDirectory(root: tmp.url)
        do {
            try dir.verify(DataManifest.lambadaTest)
            Issue.record("expected an error")
        } catch let e as DataError {
            #expect(e.kind == .missingFile)
            #expect(e.description.contains(tmp.url.appendingPathComponent("lambada/lambada_test.jsonl").path))
            #expect(e.description.contains("1819752 bytes"))
            #expect(e.description.contains("make data DATA_MIRROR="))
            #expect(e.description.contains("`make data`"))
        }
        #expect(!dir.isAvailable([DataManifest.lambadaTest]))
    }

    @Test func truncatedAndCorruptFilesAreReported() throws {
        let tmp = try TempDir(); defer { tmp.cleanup() }
        let file = DataFile(relativePath: "x/file.txt", byteCount: 5, sha256: SHA256.hex(Array("hello".utf8)), role: .webText)
        let dir = DataDirectory(root: tmp.url)
        _ = try tmp.write("x/file.txt", "hel")
        #expect { try dir.verify(file) } throws: { ($0 as? DataError)?.kind == .sizeMismatch && "\($0)".contains("truncated: 3 bytes") }
        _ = try tmp.write("x/file.txt", "hellO")
        try dir.verify(file)  // cheap check passes: same size
        #expect { try dir.verify(file, checksum: true) } throws: { ($0 as? DataError)?.kind == .checksumMismatch }
        _ = try tmp.write("x/file.txt", "hello")
        #expect(try dir.verify(file, checksum: true).lastPathComponent == "file.txt")
    }

    @Test func swiftManifestMatchesCommittedManifest() throws {
        guard let root = RealData.repositoryRoot else { Issue.record("repository root not found"); return }
        let text = try String(contentsOf: root.appendingPathComponent("experiments/data/manifest.sha256"), encoding: .utf8)
        var committed: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2 { committed[String(parts[1])] = String(parts[0]) }
        }
        #expect(committed.count == DataManifest.all.count)
        for f in DataManifest.all { #expect(committed[f.relativePath] == f.sha256, "\(f.relativePath)") }
    }
}
