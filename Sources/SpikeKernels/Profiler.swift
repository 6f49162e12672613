/// Accumulates wall time per named section of a step when enabled; costs one branch when not.
/// The benchmark uses it for the per-layer time split.
public final class Profiler: @unchecked Sendable {
    public var enabled = false
    public private(set) var seconds: [String: Double] = [:]
    public private(set) var order: [String] = []

    public init() {}

    @inline(__always)
    public func measure<T>(_ section: String, _ body: () throws -> T) rethrows -> T {
        if !enabled { return try body() }
        let t0 = Clock.now()
        let result = try body()
        let dt = Clock.now() - t0
        if seconds[section] == nil { order.append(section) }
        seconds[section, default: 0] += dt
        return result
    }

    public func reset() { seconds = [:]; order = [] }
}
