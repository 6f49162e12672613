import Foundation

/// Values computed at most once per key for the life of the process, safe to share across threads.
/// A caller that finds its key being computed waits for that value instead of computing it again;
/// a computation that throws caches nothing.
public final class ProcessMemo<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Value] = [:]

    public init() {}

    /// The value for `key`, from `make` on the first call with that key.
    public func value(for key: String, orMake make: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let cached = values[key] { return cached }
        let value = try make()
        values[key] = value
        return value
    }
}
