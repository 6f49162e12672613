import Foundation

/// The safetensors file format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
/// then the raw little-endian tensor bytes. Only F32 and I32 are written; reading accepts those.
public struct SafetensorsFile {
    public enum DType: String, Sendable { case f32 = "F32", i32 = "I32" }

    public struct Entry: Sendable {
        public var dtype: DType
        public var shape: [Int]
        public var range: Range<Int>   // byte range within the data section
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [String: Entry] = [:]
    public private(set) var order: [String] = []   // names in file order (data offset order)
    public var metadata: [String: String] = [:]
    private var data = Data()                      // the data section

    public init() {}

    // MARK: building

    public mutating func add(_ name: String, shape: [Int], floats: UnsafeBufferPointer<Float>) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not match \(floats.count) values for \(name)")
        append(name, .f32, shape, UnsafeRawBufferPointer(floats))
    }

    public mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        floats.withUnsafeBufferPointer { add(name, shape: shape, floats: $0) }
    }

    public mutating func add(_ name: String, shape: [Int], ints: [Int32]) {
        precondition(shape.reduce(1, *) == ints.count)
        ints.withUnsafeBytes { append(name, .i32, shape, $0) }
    }

    private mutating func append(_ name: String, _ dtype: DType, _ shape: [Int], _ bytes: UnsafeRawBufferPointer) {
        precondition(entries[name] == nil, "duplicate tensor \(name)")
        let start = data.count
        data.append(contentsOf: bytes)
        entries[name] = Entry(dtype: dtype, shape: shape, range: start..<data.count)
        order.append(name)
    }

    /// The serialised file. Keys are written sorted, so identical contents give identical bytes.
    /// The metadata gets the checksum of the tensor bytes (`TensorChecksum`).
    public func serialized() -> Data {
        var header = "{"
        var parts: [String] = []
        var metadata = self.metadata
        if !entries.isEmpty { metadata[TensorChecksum.metadataKey] = TensorChecksum.of(data) }
        if !metadata.isEmpty {
            let meta = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(meta)}")
        }
        for name in entries.keys.sorted() {
            let e = entries[name]!
            parts.append("\(jsonString(name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(e.range.lowerBound),\(e.range.upperBound)]}")
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out = Data(capacity: 8 + headerBytes.count + data.count)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(data)
        return out
    }

    public func write(to url: URL) throws { try AtomicFile.write(serialized(), to: url) }

    // MARK: reading

    public init(contentsOf url: URL) throws {
        let file: Data
        do { file = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw KernelError.io("cannot read safetensors file \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: file, source: url.path)
    }

    public init(data file: Data, source: String = "<memory>") throws {
        func bad(_ why: String) -> KernelError { .format("\(source) is not a valid safetensors file: \(why)") }
        guard file.count >= 8 else { throw bad("only \(file.count) bytes") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(file[file.startIndex + i]) << UInt64(8 * i) }
        guard headerLength <= UInt64(file.count - 8) else { throw bad("header length \(headerLength) exceeds file size \(file.count)") }
        let headerData = file.subdata(in: 8..<(8 + Int(headerLength)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        data = file.subdata(in: (8 + Int(headerLength))..<file.count)
        for (name, value) in json {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("malformed entry for tensor \(name)")
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw bad("tensor \(name) has unsupported dtype \(dtypeName)") }
            let begin = offsets[0], end = offsets[1]
            guard begin >= 0, begin <= end, end <= data.count else {
                throw bad("tensor \(name) offsets \(offsets) outside the data section of \(data.count) bytes (truncated file?)")
            }
            guard SafetensorsFile.byteCount(shape) == end - begin else {
                throw bad("tensor \(name) shape \(shape) does not match its \(end - begin) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: begin..<end)
        }
        order = entries.keys.sorted { entries[$0]!.range.lowerBound < entries[$1]!.range.lowerBound }
        // Files written before the checksum was recorded have none and still load.
        if let expected = metadata[TensorChecksum.metadataKey], TensorChecksum.of(data) != expected {
            throw KernelError.format("\(source) is damaged: its tensor bytes do not match the checksum in its metadata "
                                     + "(\(expected)); restore it from a backup or retrain")
        }
    }

    /// 4 bytes per element of `shape`; nil for a negative size or an overflowing product (release
    /// builds wrap, and a wrapped product could match a tensor's byte count).
    static func byteCount(_ shape: [Int]) -> Int? {
        var bytes = 4
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            bytes = product
        }
        return bytes
    }

    /// Copies tensor `name` (F32) into `destination`, checking its shape.
    public func read(_ name: String, shape: [Int]? = nil, into destination: UnsafeMutablePointer<Float>) throws {
        guard let e = entries[name] else { throw KernelError.format("tensor \(name) missing from checkpoint") }
        guard e.dtype == .f32 else { throw KernelError.format("tensor \(name) has dtype \(e.dtype.rawValue), expected F32") }
        if let shape, shape != e.shape { throw KernelError.format("tensor \(name) has shape \(e.shape), expected \(shape)") }
        data.withUnsafeBytes { raw in
            let src = raw.baseAddress!.advanced(by: e.range.lowerBound)
            UnsafeMutableRawPointer(destination).copyMemory(from: src, byteCount: e.range.count)
        }
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let e = entries[name] else { throw KernelError.format("tensor \(name) missing") }
        var out = [Float](repeating: 0, count: e.count)
        try out.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!) }
        return out
    }

    public func ints(_ name: String) throws -> [Int32] {
        guard let e = entries[name] else { throw KernelError.format("tensor \(name) missing") }
        guard e.dtype == .i32 else { throw KernelError.format("tensor \(name) has dtype \(e.dtype.rawValue), expected I32") }
        var out = [Int32](repeating: 0, count: e.count)
        data.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[e.range])) }
        }
        return out
    }
}
