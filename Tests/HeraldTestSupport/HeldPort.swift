public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP port bound and listened on by this process for as long as
/// the value lives: a port another server cannot take. Once the value is
/// gone the port is closed again, so `try HeldPort().port` is a loopback
/// port nothing listens on (what a stopped server looks like).
public final class HeldPort: Sendable {
    /// The socket holding the port.
    public let descriptor: Int32
    /// The port number.
    public let port: Int

    /// Binds a free loopback port and listens on it.
    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        guard bound else { throw CocoaError(.fileWriteUnknown) }
    }

    deinit { close(descriptor) }
}
