public import Foundation
public import HeraldModel

/// The compiled rule-set file written by `herald compile` (SPEC §10.2): a
/// header (magic, format version, Herald version), then the checked
/// `RuleSet` in a compact binary layout made for loading: a checksum, a
/// string table and the rule set written field by field (docs/runtime.md,
/// "Compiled bundles"). Loading refuses a file from another format or Herald
/// version, so a stale bundle is never evaluated with different semantics,
/// and a damaged one with a one-line reason, never a crash.
public enum RuleBundle {
    /// The first bytes of every bundle.
    public static let magic: [UInt8] = Array("HERALD-BUNDLE\u{0}".utf8)
    /// Version of the file layout: 1 was JSON after the header, 2 the binary
    /// layout of `BundleWriter`.
    public static let formatVersion: UInt32 = 2
    /// The Herald version that writes and accepts bundles.
    public static let heraldVersion = "0.1.0"

    /// Why a bundle could not be loaded: not a bundle at all, a bundle of
    /// another format or Herald version (recompile it), or a damaged one.
    /// Compare with the static values (`error == .damaged`) to tell them
    /// apart; `description` is the one-line reason to show.
    public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        private enum Kind: Sendable, Equatable {
            case notABundle
            case otherVersion
            case damaged
        }

        private let kind: Kind
        /// One-line reason.
        public let description: String

        private init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }

        /// The data does not start with `RuleBundle.magic`: it is not a
        /// compiled Herald rule set.
        public static let notABundle = LoadError(.notABundle, "not a compiled Herald rule set")
        /// A bundle written by another Herald version or in another bundle
        /// format: it must be compiled again with this `herald compile`.
        public static let otherVersion = LoadError(.otherVersion, "compiled by another Herald version: recompile it")
        /// A bundle of this format and version whose contents are truncated
        /// or damaged.
        public static let damaged = LoadError(.damaged, "damaged compiled rule set")

        static func otherVersion(format: UInt32, herald: String) -> LoadError {
            LoadError(
                .otherVersion,
                "compiled by Herald \(herald) (bundle format \(format)); this is Herald \(heraldVersion) (format \(formatVersion)): recompile it with `herald compile`"
            )
        }

        static func damaged(_ reason: String) -> LoadError {
            LoadError(.damaged, "damaged compiled rule set: \(reason); compile it again with `herald compile`")
        }

        /// Errors of the same kind are equal, whatever their description.
        public static func == (a: LoadError, b: LoadError) -> Bool { a.kind == b.kind }
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

    /// Encodes a rule set as a bundle. Throws only for a rule set the
    /// format cannot hold (an expression or template nested more than 256
    /// levels deep).
    public static func encode(_ ruleSet: RuleSet) throws -> Data {
        var writer = BundleWriter()
        do {
            try writer.ruleSet(ruleSet)
        } catch let error as BundleDamage {
            throw EncodeError(description: "cannot write the compiled rule set: \(error.reason)")
        }
        let payload = writer.payload
        var data = Data(capacity: magic.count + 32 + payload.count)
        data.append(contentsOf: magic)
        withUnsafeBytes(of: formatVersion.littleEndian) { data.append(contentsOf: $0) }
        let version = Array(heraldVersion.utf8)
        withUnsafeBytes(of: UInt16(version.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: version)
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { data.append(contentsOf: $0) }
        let checksum = payload.withUnsafeBytes { bundleChecksum($0) }
        withUnsafeBytes(of: checksum.littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: payload)
        return data
    }

    /// Why `encode(_:)` could not write a rule set.
    public struct EncodeError: Error, Sendable, CustomStringConvertible {
        /// One-line reason.
        public let description: String
    }

    /// Decodes a bundle, refusing other formats and Herald versions and
    /// damaged data (`LoadError`).
    ///
    /// The rule set keeps `data` and decodes each template text's segments
    /// from it when the text is first used (they are checked here, so a
    /// damaged one is refused now). `data` must therefore own bytes that do
    /// not change: not a no-copy view of memory freed later, nor a mapping
    /// of a file that may be rewritten in place (read files into memory, as
    /// Herald's own callers do).
    public static func decode(_ data: Data) -> Result<RuleSet, LoadError> {
        data.withUnsafeBytes { decode($0, verifyingChecksum: true, owner: data) }
    }

    /// Decodes the bundle in `bytes`. Without `verifyingChecksum` (tests of
    /// the reader's own checks only) a damaged body reaches the reader.
    /// Template segments stay in `owner` (the data `bytes` point into) until
    /// first used; without one they are copied out of `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer, verifyingChecksum: Bool, owner: Data? = nil) -> Result<RuleSet, LoadError> {
        guard bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) else {
            return .failure(.notABundle)
        }
        var p = magic.count
        guard bytes.count >= p + 6 else { return .failure(.damaged("truncated header")) }
        let format = bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian
        p += 4
        let length = Int(bytes.loadUnaligned(fromByteOffset: p, as: UInt16.self).littleEndian)
        p += 2
        guard bytes.count >= p + length else { return .failure(.damaged("truncated header")) }
        let version = String(decoding: bytes[p..<(p + length)], as: UTF8.self)
        p += length
        guard format == formatVersion, version == heraldVersion else {
            return .failure(.otherVersion(format: format, herald: version))
        }
        guard bytes.count >= p + 16 else { return .failure(.damaged("truncated header")) }
        let size = bytes.loadUnaligned(fromByteOffset: p, as: UInt64.self).littleEndian
        let checksum = bytes.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self).littleEndian
        p += 16
        let body = UnsafeRawBufferPointer(rebasing: bytes[p...])
        guard size == UInt64(body.count) else {
            return .failure(
                .damaged(
                    UInt64(body.count) < size
                        ? "truncated (\(body.count) of \(size) bytes)" : "\(UInt64(body.count) - size) bytes too many"))
        }
        if verifyingChecksum, bundleChecksum(body) != checksum { return .failure(.damaged("checksum mismatch")) }
        var reader = BundleReader(body, owner: (owner ?? Data(bytes), p))
        do {
            return .success(try reader.ruleSet())
        } catch {
            return .failure(.damaged("\(error.reason) at byte \(p + error.offset)"))
        }
    }
}
