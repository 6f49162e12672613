import Foundation

/// Compact binary token files.
///
/// Layout (little-endian): 32-byte header then the tokens.
///
///     offset  size  field
///     0       8     magic "SPKTOKS\0"
///     8       4     version (1)
///     12      4     dtype: 1 = UInt16, 2 = UInt32
///     16      8     token count
///     24      8     vocabulary size
///     32      ...   count tokens of dtype
///
/// UInt16 is used whenever the vocabulary has at most 65,536 ids.
public enum TokenFile {
    public static let magic: [UInt8] = Array("SPKTOKS\0".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 32

    public enum DType: UInt32, Sendable { case uint16 = 1, uint32 = 2 }

    public static func encode(_ tokens: [Int32], vocabularySize: Int) -> Data {
        let dtype: DType = vocabularySize <= 65_536 ? .uint16 : .uint32
        var data = Data(capacity: headerSize + tokens.count * (dtype == .uint16 ? 2 : 4))
        data.append(contentsOf: magic)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        put(version)
        put(dtype.rawValue)
        put(UInt64(tokens.count))
        put(UInt64(vocabularySize))
        switch dtype {
        case .uint16:
            var body = [UInt16](repeating: 0, count: tokens.count)
            for (i, t) in tokens.enumerated() { body[i] = UInt16(truncatingIfNeeded: t).littleEndian }
            body.withUnsafeBytes { data.append(contentsOf: $0) }
        case .uint32:
            var body = [UInt32](repeating: 0, count: tokens.count)
            for (i, t) in tokens.enumerated() { body[i] = UInt32(bitPattern: t).littleEndian }
            body.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    public static func write(_ tokens: [Int32], vocabularySize: Int, to url: URL) throws {
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < vocabularySize }, "token id out of range")
        try AtomicWrite.write(encode(tokens, vocabularySize: vocabularySize), to: url)
    }

    /// Reads a token file, checking magic, version, dtype and that the size matches the count.
    public static func read(from url: URL) throws -> (tokens: [Int32], vocabularySize: Int) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(kind: .io, path: url.path, problem: "cannot read (\(error.localizedDescription))",
                            expected: "a token file", fix: "delete it to rebuild the cache")
        }
        return try decode(data, path: url.path)
    }

    public static func decode(_ data: Data, path: String = "<token file>") throws -> (tokens: [Int32], vocabularySize: Int) {
        func bad(_ p: String) -> DataError {
            DataError(kind: .invalidTokenFile, path: path, problem: p,
                      expected: "a SpikeLab token file (magic SPKTOKS, version \(version))", fix: "delete it to rebuild the cache")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else { throw bad("bad magic or short header") }
        func get<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            var v: T = 0
            for k in 0..<MemoryLayout<T>.size { v |= T(bytes[offset + k]) << (8 * k) }
            return v
        }
        guard get(8, UInt32.self) == version else { throw bad("unsupported version \(get(8, UInt32.self))") }
        guard let dtype = DType(rawValue: get(12, UInt32.self)) else { throw bad("unknown dtype \(get(12, UInt32.self))") }
        let count = Int(get(16, UInt64.self))
        let vocab = Int(get(24, UInt64.self))
        let width = dtype == .uint16 ? 2 : 4
        guard bytes.count == headerSize + count * width else {
            throw bad("size \(bytes.count) bytes does not match \(count) tokens of \(width) bytes (truncated?)")
        }
        var tokens = [Int32](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let body = raw.baseAddress! + headerSize
            for i in 0..<count {
                if width == 2 {
                    tokens[i] = Int32(UInt16(littleEndian: body.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                } else {
                    tokens[i] = Int32(bitPattern: UInt32(littleEndian: body.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
        }
        return (tokens, vocab)
    }
}
