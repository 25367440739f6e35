import Crypto
import Foundation
import Hummingbird

/// Console sign-in sessions without server-side state: the cookie holds an
/// expiry and a random nonce signed with a key derived from the API token,
/// so a session is valid on every instance that shares the token and
/// changing the token signs everybody out. The CSRF token of a session is
/// another MAC of its cookie (a synchronizer token bound to the session).
struct ConsoleSessions: Sendable {
    /// The cookie's name.
    static let cookieName = "herald_console"
    /// How long a sign-in lasts.
    static let lifetime: Double = 12 * 3600

    let key: SymmetricKey
    let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
        let digest = SHA256.hash(data: Array("herald console session key\u{0}".utf8) + Array(token.utf8))
        key = SymmetricKey(data: Array(digest))
    }

    /// Whether `candidate` is the API token (compared in constant time).
    func isToken(_ candidate: String) -> Bool {
        TokenMiddleware<BasicRequestContext>.equal(Array(candidate.utf8), token)
    }

    /// A new session cookie value.
    func newSession(now: Double = Date().timeIntervalSince1970) -> String {
        var nonce = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255, using: &rng) }
        let body = "\(Int64(now + Self.lifetime)).\(Self.hex(nonce))"
        return body + "." + mac("session." + body)
    }

    /// The session a cookie value stands for, if it is ours and not expired.
    func validate(_ value: String, now: Double = Date().timeIntervalSince1970) -> Session? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[0]), Double(expiry) > now else { return nil }
        let body = parts[0] + "." + parts[1]
        guard TokenMiddleware<BasicRequestContext>.equal(Array(mac("session." + body).utf8), Array(parts[2].utf8)) else {
            return nil
        }
        return Session(cookie: value, csrf: mac("csrf." + value))
    }

    /// The session of a request, from its cookie.
    func session(of request: Request) -> Session? {
        guard let value = request.cookies[Self.cookieName]?.value else { return nil }
        return validate(value)
    }

    /// `Set-Cookie` for a new session; `Secure` when the request came over TLS.
    func setCookie(_ value: String, secure: Bool) -> String {
        "\(Self.cookieName)=\(value); Path=/; Max-Age=\(Int(Self.lifetime)); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that ends the session in the browser.
    func clearCookie(secure: Bool) -> String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    private func mac(_ text: String) -> String {
        Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A signed-in browser.
    struct Session: Sendable {
        /// The cookie value.
        var cookie: String
        /// The token every form that changes something must carry.
        var csrf: String

        /// Whether a submitted form token is this session's.
        func accepts(csrf candidate: String?) -> Bool {
            guard let candidate else { return false }
            return TokenMiddleware<BasicRequestContext>.equal(Array(candidate.utf8), Array(csrf.utf8))
        }
    }
}
