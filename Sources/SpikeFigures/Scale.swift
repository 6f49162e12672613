import Foundation

/// How large the replication runs are, chosen by the environment variable `SCALE`:
/// - `ci`: seconds per figure, for the numbers regression (`make check`); shapes need not show.
/// - `default`: the scaled-down replication of the papers (what `make figures` runs).
/// - `large`: bigger models / longer runs where a claim needs them.
public enum Scale: String, CaseIterable, Codable, Sendable {
    case ci
    case `default`
    case large

    /// The name of the environment variable that selects the scale.
    public static let environmentVariable = "SCALE"

    /// Parses a scale name, with the valid names in the error.
    public init(name: String) throws {
        guard let scale = Scale(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
            throw FigureError("invalid scale '\(name)' (SCALE must be one of: \(Scale.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = scale
    }

    /// The scale named by `SCALE` in `environment`; `default` when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Scale {
        guard let value = environment[environmentVariable], !value.isEmpty else { return .default }
        return try Scale(name: value)
    }

    /// The value for this scale.
    public func pick<T>(ci: T, default defaultValue: T, large: T) -> T {
        switch self {
        case .ci: return ci
        case .default: return defaultValue
        case .large: return large
        }
    }
}
