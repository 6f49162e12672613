import Foundation

/// Errors of the figure pipeline. Every message names the file, setting or command involved.
public struct FigureError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}
