import Foundation
import OCPI221

/// Which side of a session a period is priced on: the reservation before it, or the charging
/// session itself (charging and parking).
enum SessionPart: Hashable, Sendable {
    case charging
    case reservation(expired: Bool)
}

/// The price component in force for one dimension, with the element it was found in.
public struct ActiveComponent: Hashable, Sendable {
    public var elementIndex: Int
    public var component: PriceComponent
}

extension Tariff {
    /// The first element, in list order, that has a component for `dimension` and whose
    /// restrictions hold. Each dimension is looked up on its own, so different dimensions may
    /// come from different elements.
    ///
    /// Elements with a `reservation` restriction price only reservations, the others only the
    /// charging session. For an expired reservation both kinds of reservation element apply,
    /// and the RESERVATION_EXPIRES ones are tried first: the tariff chapter gives them
    /// precedence for TIME, and we give it to FLAT as well, since the expiry element is the more
    /// specific description of what happened.
    func activeComponent(_ dimension: TariffDimensionType, part: SessionPart, at moment: Moment) -> ActiveComponent? {
        for index in candidateElements(for: part) {
            let element = elements[index]
            guard let component = element.priceComponents.first(where: { $0.type == dimension }) else { continue }
            if element.restrictions?.holds(at: moment) ?? true {
                return ActiveComponent(elementIndex: index, component: component)
            }
        }
        return nil
    }

    private func candidateElements(for part: SessionPart) -> [Int] {
        let indices = Array(elements.indices)
        switch part {
        case .charging:
            return indices.filter { elements[$0].restrictions?.reservation == nil }
        case .reservation(expired: false):
            return indices.filter { elements[$0].restrictions?.reservation == .reservation }
        case .reservation(expired: true):
            return indices.filter { elements[$0].restrictions?.reservation == .reservationExpires }
                + indices.filter { elements[$0].restrictions?.reservation == .reservation }
        }
    }

    /// A FLAT fee counts as a parking fee when it sits in an element that otherwise prices only
    /// parking; the CDR keeps parking's fixed fees out of `total_fixed_cost`.
    func isParkingElement(_ index: Int) -> Bool {
        let others = elements[index].priceComponents.filter { $0.type != .flat }
        return !others.isEmpty && others.allSatisfy { $0.type == .parkingTime }
    }

    /// Every wall-clock minute at which an element's time-of-day restriction can change.
    var timeOfDayMinutes: Set<Int> {
        elements.reduce(into: Set<Int>()) { $0.formUnion($1.restrictions?.timeOfDayMinutes ?? []) }
    }
}
