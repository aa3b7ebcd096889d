import Synchronization

/// IDs for `X-Request-ID` and `X-Correlation-ID`: the server's for requests that came without
/// one, the clients' for every call. UUID-shaped (version 4, lower case, as partners' tools
/// expect), unique within the process by a counter and across processes by a random start drawn
/// once. Foundation's `UUID()` opens `/dev/urandom` for each one on Linux (measured: one and a
/// half opens per push) and was then lower-cased.
public enum RequestID {
    private static let start: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        let (count, _) = counter.wrappingAdd(1, ordering: .relaxed)
        // Each half a bijection of the counter: no two requests of a process share an ID.
        let high = (mix(start.0 &+ count) & ~0xF000) | 0x4000  // version 4
        let low = (mix(start.1 ^ count) & ~(0xC << 60)) | (0x8 << 60)  // variant 10xx
        return format(high, low)
    }

    /// SplitMix64's finaliser: a bijection on 64 bits that spreads every input bit over the output.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `xxxxxxxx-xxxx-Mxxx-Nxxx-xxxxxxxxxxxx` of the 128 bits `high` then `low`.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func put(_ bits: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = digits.utf8Start[Int((bits >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put(high >> 16, nibbles: 4)
            dash()
            put(high, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low, nibbles: 12)
            return index
        }
    }
}
