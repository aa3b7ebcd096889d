extension OCPIDateTime {
    /// The instant `duration` later (earlier when negative), to the microsecond: what the store
    /// keeps, and the precision a timestamp compared against stored ones needs.
    public func adding(_ duration: Duration) -> OCPIDateTime {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int64(nanoseconds) + attoseconds / 1_000_000_000
        let carry = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        return OCPIDateTime(
            secondsSince1970: secondsSince1970 + seconds + carry, nanoseconds: Int32(nanoseconds - carry * 1_000_000_000), fractionDigits: 6
        )
    }
}
