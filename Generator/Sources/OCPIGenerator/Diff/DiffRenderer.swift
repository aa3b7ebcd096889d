/// Writes a `SpecDiff` for people (text), for tools (JSON) or for a changelog (Markdown).
public struct DiffRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
        case markdown
    }

    public init() {}

    public func render(_ diff: SpecDiff, as format: Format) -> String {
        switch format {
        case .text: text(diff)
        case .json: json(diff)
        case .markdown: markdown(diff)
        }
    }

    private func summary(_ diff: SpecDiff) -> String {
        let count = diff.changes.count
        return "\(count) change\(count == 1 ? "" : "s"): \(diff.count(\.sender, .breaking)) breaking for senders, \(diff.count(\.receiver, .breaking)) breaking for receivers"
    }

    /// Modules in the order their first change appears.
    private func groups(_ diff: SpecDiff) -> [(module: String, changes: [SpecChange])] {
        var order: [String] = []
        var byModule: [String: [SpecChange]] = [:]
        for change in diff.changes {
            if byModule[change.module] == nil { order.append(change.module) }
            byModule[change.module, default: []].append(change)
        }
        return order.map { ($0, byModule[$0] ?? []) }
    }

    // MARK: Text

    private func text(_ diff: SpecDiff) -> String {
        var lines = ["OCPI \(diff.oldLabel) -> \(diff.newLabel): \(summary(diff))"]
        for (module, changes) in groups(diff) {
            lines.append("")
            lines.append("\(module):")
            for change in changes {
                lines.append("  \(symbol(change.kind)) \(change.subject.rawValue) \(change.item)\(packageNote(change))\(details(change))  [\(verdict(change))]")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func symbol(_ kind: SpecChange.Kind) -> String {
        switch kind {
        case .added: "+"
        case .removed: "-"
        case .changed: "~"
        }
    }

    private func packageNote(_ change: SpecChange) -> String {
        change.package.map { " (package \($0))" } ?? ""
    }

    private func details(_ change: SpecChange) -> String {
        switch (change.aspect, change.old, change.new) {
        case (let aspect?, let old?, let new?): ": \(aspect) \(old) -> \(new)"
        case (let aspect?, _, _): ": \(aspect)"
        case (nil, let old?, let new?): ": \(old) -> \(new)"
        case (nil, let old?, nil): ": \(old)"
        case (nil, nil, let new?): ": \(new)"
        default: ""
        }
    }

    private func verdict(_ change: SpecChange) -> String {
        func word(_ compatibility: SpecChange.Compatibility) -> String {
            compatibility == .breaking ? "BREAKING" : "compatible"
        }
        return "sender \(word(change.sender)), receiver \(word(change.receiver))"
    }

    // MARK: JSON

    private func json(_ diff: SpecDiff) -> String {
        var lines = ["{"]
        lines.append("  \"old\": \(jsonString(diff.oldVersion)),")
        lines.append("  \"new\": \(jsonString(diff.newVersion)),")
        lines.append("  \"old_edition\": \(jsonString(diff.oldEdition)),")
        lines.append("  \"new_edition\": \(jsonString(diff.newEdition)),")
        lines.append("  \"old_packages\": [\(diff.oldPackages.map(jsonString).joined(separator: ", "))],")
        lines.append("  \"new_packages\": [\(diff.newPackages.map(jsonString).joined(separator: ", "))],")
        lines.append("  \"summary\": {\"changes\": \(diff.changes.count), \"breaking_for_senders\": \(diff.count(\.sender, .breaking)), \"breaking_for_receivers\": \(diff.count(\.receiver, .breaking))},")
        if diff.changes.isEmpty {
            lines.append("  \"changes\": []")
        } else {
            lines.append("  \"changes\": [")
            for (index, change) in diff.changes.enumerated() {
                let members: [(String, String)] = [
                    ("kind", jsonString(change.kind.rawValue)),
                    ("subject", jsonString(change.subject.rawValue)),
                    ("module", jsonString(change.module)),
                    ("item", jsonString(change.item)),
                    ("aspect", change.aspect.map(jsonString) ?? "null"),
                    ("old", change.old.map(jsonString) ?? "null"),
                    ("new", change.new.map(jsonString) ?? "null"),
                    ("sender", jsonString(change.sender.rawValue)),
                    ("receiver", jsonString(change.receiver.rawValue)),
                    ("reason", jsonString(change.reason)),
                    ("package", change.package.map(jsonString) ?? "null"),
                ]
                let object = "{" + members.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
                lines.append("    " + object + (index == diff.changes.count - 1 ? "" : ","))
            }
            lines.append("  ]")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    // MARK: Markdown

    private func markdown(_ diff: SpecDiff) -> String {
        var lines = ["# OCPI \(diff.oldLabel) → \(diff.newLabel)", "", summary(diff) + "."]
        for (module, changes) in groups(diff) {
            lines.append("")
            lines.append("## \(module)")
            lines.append("")
            lines.append("| change | item | details | sender | receiver |")
            lines.append("|---|---|---|---|---|")
            for change in changes {
                let detail = String(details(change).dropFirst(2))
                let cells = [
                    "\(change.kind.rawValue) \(change.subject.rawValue)",
                    "`\(change.item)`" + packageNote(change),
                    detail,
                    change.sender == .breaking ? "**breaking**" : "compatible",
                    change.receiver == .breaking ? "**breaking**" : "compatible",
                ]
                lines.append("| " + cells.map(markdownCell).joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func markdownCell(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "|": result += "\\|"
            case "\n": result += " "
            default: result.append(character)
            }
        }
        return result
    }
}
