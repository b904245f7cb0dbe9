public import HTTPTypes

extension BTAuthVerifier {
    /// ``checkHeaders(_:now:)`` on a request's HTTP fields, read in one pass: a look-up per
    /// header name would scan every field six times. A repeated header's values are joined
    /// with ", ", as `HTTPFields`' own look-up joins them.
    public func checkHeaders(_ fields: HTTPFields, now: Int64 = BTAuth.now()) throws(BTAuthRejection) -> Pending {
        var values = [String?](repeating: nil, count: Self.headerNames.count)
        for field in fields {
            let name = field.name.canonicalName
            guard name.utf8.count > Self.headerPrefix.utf8.count, name.hasPrefix(Self.headerPrefix),
                let index = Self.fieldNames.firstIndex(of: name)
            else { continue }
            if let earlier = values[index] {
                values[index] = earlier + ", " + field.value
            } else {
                values[index] = field.value
            }
        }
        return try checkHeaders({ name in Self.headerNames.firstIndex(of: name).flatMap { values[$0] } }, now: now)
    }

    /// The btauth/1 header names as ``checkHeaders(_:now:)`` asks for them.
    private static let headerNames = [
        BTAuth.Header.version, BTAuth.Header.hotkey, BTAuth.Header.nonce, BTAuth.Header.crypto,
        BTAuth.Header.signature, BTAuth.Header.receiver,
    ]
    /// The same, as HTTP field names compare (lowercased).
    private static let fieldNames = headerNames.map { $0.lowercased() }
    private static let headerPrefix = "x-bittensor-"
}
