public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Words for a user from an error thrown by Foundation or a decoder.
///
/// Foundation's own texts ("The operation could not be completed. (NSCocoaErrorDomain
/// error 4.)") and `DecodingError`'s dumps of coding keys name types a user
/// never sees. Every message Herald prints about a file goes through here:
/// the operating system's reason (`no such file or directory`, `permission
/// denied`) or, for data, what is wrong and where, in plain words.
public enum ErrorText {
    /// A short reason, lower case, without a trailing period.
    public static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        if error is EncodingError { return "the data could not be written as JSON" }
        if let posixError = error as? POSIXError { return posix(posixError.code.rawValue) }
        if let cocoaError = error as? CocoaError { return describe(cocoaError as NSError) }
        if type(of: error) is NSError.Type { return describe(error as NSError) }
        return String(describing: error)
    }

    private static func describe(_ ns: NSError) -> String {
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain { return cocoa(ns.code) }
        return "an unexpected system error (\(ns.domain) \(ns.code))"
    }

    /// `strerror` in lower case: `no such file or directory`.
    public static func posix(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "system error \(code)" }
        let s = String(cString: text)
        guard let first = s.first else { return "system error \(code)" }
        return first.lowercased() + s.dropFirst()
    }

    private static func cocoa(_ code: Int) -> String {
        switch CocoaError.Code(rawValue: code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileWriteFileExists: return "the file already exists"
        case .fileReadTooLarge: return "the file is too large"
        case .fileReadCorruptFile, .propertyListReadCorrupt: return "the contents are damaged"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding:
            return "the text is not valid UTF-8"
        case .fileLocking: return "the file is locked"
        default: return "the file could not be read or written (error \(code))"
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            guard !path.isEmpty else { return "" }
            let dotted = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return " at \(dotted.replacingOccurrences(of: ".[", with: "["))"
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "a value\(at(context.codingPath)) is not valid"
        case .keyNotFound(let key, let context):
            return "'\(key.stringValue)' is missing\(at(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "a value\(at(context.codingPath)) is not \(plain(type))"
        case .valueNotFound(let type, let context):
            return "a value\(at(context.codingPath)) is null where \(plain(type)) is expected"
        @unknown default:
            return "the data could not be read"
        }
    }

    private static func plain(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is UInt32.Type, is UInt64.Type, is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of the expected kind"
        }
    }
}
