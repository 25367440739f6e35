public import Foundation
import HeraldModel

/// The file `herald eval --state FILE` keeps the runtime state in (README.md
/// "Command line"): a JSON object that says what it is, then the `RuntimeState`:
///
/// ```json
/// {"format": "herald-state", "version": 1, "state": {…}}
/// ```
///
/// Reading refuses anything else (another program's JSON, a rule file, a
/// truncated write), so a mistyped path is never overwritten with a state.
public enum StateFile {
    /// The `format` member of every state file.
    public static let format = "herald-state"
    /// The layout version this Herald writes and reads.
    public static let version = 1

    /// Why a file is not a Herald state.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        /// One-line reason.
        public var description: String
    }

    private struct Envelope: Codable {
        var format: String
        var version: Int
        var state: RuntimeState
    }

    private struct Header: Decodable {
        var format: String?
        var version: Int?
    }

    /// The file's bytes for `state` (deterministic: keys and ids sorted).
    public static func encode(_ state: RuntimeState) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(Envelope(format: format, version: version, state: state))
        data.append(0x0A)
        return data
    }

    /// The state in `data`, or why it is not a Herald state file.
    public static func decode(_ data: Data) -> Result<RuntimeState, LoadError> {
        guard let header = try? JSONDecoder().decode(Header.self, from: data), header.format == format else {
            return .failure(LoadError(description: "not a Herald state file (expected a JSON object with \"format\": \"\(format)\")"))
        }
        guard header.version == version else {
            return .failure(
                LoadError(
                    description: "Herald state file version \(header.version.map(String.init) ?? "missing"); this Herald reads version \(version)"
                ))
        }
        do {
            return .success(try JSONDecoder().decode(Envelope.self, from: data).state)
        } catch {
            return .failure(LoadError(description: "damaged Herald state file: \(ErrorText.describe(error))"))
        }
    }
}
