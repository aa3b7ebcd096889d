extension Duration {
    /// The duration in whole nanoseconds (what metrics backends record).
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// The duration in milliseconds, with microseconds as the fraction (for log lines).
    public var fractionalMilliseconds: Double {
        Double(nanoseconds / 1000) / 1000
    }
}
