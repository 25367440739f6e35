public import Foundation
public import HeraldModel

/// The compiled rule-set file written by `herald compile` (SPEC §10.2): a
/// header (magic, format version, Herald version) followed by the checked
/// `RuleSet` as JSON. Loading refuses a file from another format or Herald
/// version, so a stale bundle is never evaluated with different semantics.
public enum RuleBundle {
    /// The first bytes of every bundle.
    public static let magic: [UInt8] = Array("HERALD-BUNDLE\u{0}".utf8)
    /// Version of the file layout.
    public static let formatVersion: UInt32 = 1
    /// The Herald version that writes and accepts bundles.
    public static let heraldVersion = "0.1.0"

    /// Why a bundle could not be loaded.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        /// One-line reason.
        public var description: String
    }

    /// Whether `data` starts like a bundle.
    public static func isBundle(_ data: Data) -> Bool {
        data.count >= magic.count && data.prefix(magic.count).elementsEqual(magic)
    }

    /// Whether the file at `path` starts like a bundle (false for directories
    /// and unreadable files).
    public static func isBundle(atPath path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let handle = FileHandle(forReadingAtPath: path)
        else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: magic.count)) ?? Data()
        return isBundle(head)
    }

    /// Encodes a rule set as a bundle.
    public static func encode(_ ruleSet: RuleSet) throws -> Data {
        var data = Data(magic)
        withUnsafeBytes(of: formatVersion.littleEndian) { data.append(contentsOf: $0) }
        let version = Array(heraldVersion.utf8)
        withUnsafeBytes(of: UInt16(version.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: version)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        data.append(try encoder.encode(ruleSet))
        return data
    }

    /// Decodes a bundle, refusing other formats and Herald versions.
    public static func decode(_ data: Data) -> Result<RuleSet, LoadError> {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count, bytes[0..<magic.count].elementsEqual(magic) else {
            return .failure(LoadError(description: "not a compiled Herald rule set"))
        }
        var p = magic.count
        guard bytes.count >= p + 6 else { return .failure(LoadError(description: "truncated compiled rule set")) }
        let format = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
        p += 4
        let length = Int(UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8)
        p += 2
        guard bytes.count >= p + length else { return .failure(LoadError(description: "truncated compiled rule set")) }
        let version = String(decoding: bytes[p..<(p + length)], as: UTF8.self)
        p += length
        guard format == formatVersion, version == heraldVersion else {
            return .failure(
                LoadError(
                    description:
                        "compiled by Herald \(version) (bundle format \(format)); this is Herald \(heraldVersion) (format \(formatVersion)): recompile it with `herald compile`"
                ))
        }
        do {
            return .success(try JSONDecoder().decode(RuleSet.self, from: Data(bytes[p...])))
        } catch {
            return .failure(LoadError(description: "damaged compiled rule set: \(ErrorText.describe(error))"))
        }
    }
}
