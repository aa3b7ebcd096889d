/// The order of OCPI release numbers (`2.1.1` < `2.2` < `2.2.1` < `2.3.0`): number by number,
/// the shorter first where one is the other's start.
public enum OCPIVersionOrder {
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        numbers(lhs).lexicographicallyPrecedes(numbers(rhs))
    }

    private static func numbers(_ version: String) -> [Int] {
        version.split(separator: ".").compactMap { Int($0) }
    }
}
