import Foundation

/// Errors of the runs layer (run directories, their files, the run cache). Every message names the
/// file or setting involved.
public struct RunError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}
