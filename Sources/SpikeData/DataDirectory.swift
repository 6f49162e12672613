import Foundation

/// Where the data files live: `$SPIKELAB_DATA` when set and non-empty, otherwise `<repo>/data`.
///
/// `<repo>` is found by walking up from the current directory to the first folder holding `Package.swift` and
/// `Sources/SpikeData`; failing that, from this source file's location; failing that, `./data`.
public struct DataDirectory: Sendable, CustomStringConvertible {
    public enum Origin: String, Sendable, Codable { case environment, repositoryDefault, explicit }

    public static let environmentVariable = "SPIKELAB_DATA"

    public let root: URL
    public let origin: Origin

    public init(root: URL, origin: Origin = .explicit) {
        self.root = root.standardizedFileURL
        self.origin = origin
    }

    public init(path: String) { self.init(root: URL(fileURLWithPath: path, isDirectory: true)) }

    /// Resolves the data directory from the environment (or the repository default).
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) -> DataDirectory {
        let cwd = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        if let value = environment[environmentVariable], !value.isEmpty {
            let url = value.hasPrefix("/") ? URL(fileURLWithPath: value, isDirectory: true)
                                           : cwd.appendingPathComponent(value, isDirectory: true)
            return DataDirectory(root: url, origin: .environment)
        }
        if let repo = repositoryRoot(startingAt: cwd) ?? repositoryRoot(startingAt: URL(fileURLWithPath: #filePath).deletingLastPathComponent()) {
            return DataDirectory(root: repo.appendingPathComponent("data", isDirectory: true), origin: .repositoryDefault)
        }
        return DataDirectory(root: cwd.appendingPathComponent("data", isDirectory: true), origin: .repositoryDefault)
    }

    /// The first ancestor of `start` (itself included) that holds `Package.swift` and `Sources/SpikeData`.
    public static func repositoryRoot(startingAt start: URL) -> URL? {
        let fm = FileManager.default
        var dir = start.standardizedFileURL
        for _ in 0..<64 {
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
               fm.fileExists(atPath: dir.appendingPathComponent("Sources/SpikeData").path) {
                return dir
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
        return nil
    }

    public var description: String { "\(root.path) (\(origin.rawValue))" }

    /// Folder for derived artefacts (trained tokenizers, token files): `<data>/cache`.
    public var cacheDirectory: URL { root.appendingPathComponent("cache", isDirectory: true) }

    public func url(for file: DataFile) -> URL { url(forRelativePath: file.relativePath) }

    public func url(forRelativePath path: String) -> URL {
        var url = root
        for part in path.split(separator: "/") { url.appendPathComponent(String(part)) }
        return url
    }

    /// Checks that `file` exists with the expected size and, when `checksum` is true, the expected SHA-256.
    /// Returns its URL; throws a `DataError` naming the path, the expectation and the fix.
    @discardableResult
    public func verify(_ file: DataFile, checksum: Bool = false) throws -> URL {
        let url = url(for: file)
        let advice = DataError.fetchAdvice(dataRoot: root)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DataError(kind: .missingFile, path: url.path, problem: "file is missing (data directory \(description))",
                            expected: "\(file.byteCount) bytes, sha256 \(file.sha256)", fix: advice)
        }
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot read file attributes (\(error))",
                            expected: "a readable file of \(file.byteCount) bytes", fix: advice)
        }
        if size != file.byteCount {
            let what = size < file.byteCount ? "truncated: \(size) bytes" : "wrong size: \(size) bytes"
            throw DataError(kind: .sizeMismatch, path: url.path, problem: what,
                            expected: "\(file.byteCount) bytes (sha256 \(file.sha256))", fix: advice)
        }
        if checksum {
            let digest: String
            do { digest = try SHA256.hex(fileAt: url) } catch {
                throw DataError(kind: .io, path: url.path, problem: "cannot read file (\(error))",
                                expected: "a readable file", fix: advice)
            }
            if digest != file.sha256 {
                throw DataError(kind: .checksumMismatch, path: url.path, problem: "corrupt: sha256 \(digest)",
                                expected: "sha256 \(file.sha256)", fix: "delete the file and " + advice)
            }
        }
        return url
    }

    /// Verifies every file in `files`, reporting the first problem.
    public func verify(_ files: [DataFile], checksum: Bool = false) throws {
        for file in files { try verify(file, checksum: checksum) }
    }

    /// True when every file is present with the right size (no checksum). Handy for skipping tests.
    public func isAvailable(_ files: [DataFile]) -> Bool {
        files.allSatisfy { (try? verify($0, checksum: false)) != nil }
    }
}
