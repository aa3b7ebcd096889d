/// The conversions page (`conversions.html`) of a release's reference: for each conversion from
/// or to the release (`spec/conversions/*.yaml`), every place where the two releases differ, what
/// the generated conversion does there and why, and whether the direction loses information, so
/// that an integrator can see what a partner on the other release will not get.
extension DocsSite {
    /// The index's section: one line per conversion, with its count of lossy places.
    func conversionsIndex(_ writer: inout CodeWriter) {
        writer.line("<h2 id=\"conversions\">Conversions</h2>")
        writer.block("<ul>", close: "</ul>") { writer in
            for plan in conversions {
                let rows = Self.rows(plan)
                let lossy = rows.filter { $0.loss != nil }.count
                let link = "<a href=\"\(DocsRenderer.conversionsPath)#\(Self.anchor(plan))\">\(HTMLText.escape(plan.rules.from)) to \(HTMLText.escape(plan.rules.to))</a>"
                writer.line("<li>\(link): \(rows.count) place\(rows.count == 1 ? "" : "s") with a rule, \(lossy) losing information</li>")
            }
        }
    }

    func conversionsPage() -> String {
        var writer = CodeWriter()
        document(&writer, title: "Conversions · \(title)", source: "spec/conversions", current: DocsRenderer.conversionsPath) { writer in
            writer.line("<h1>Conversions</h1>")
            writer.line(
                "<p>The server keeps every object in one release and converts it for a partner on another. Where the two releases agree, a field is copied; "
                    + "where they differ, a rule of <code>spec/conversions/</code> says what happens. The column <em>Loses</em> names what a partner "
                    + "on the target release does not get; an empty cell means nothing is lost.</p>"
            )
            for plan in conversions { section(&writer, plan) }
        }
        return writer.text
    }

    private func section(_ writer: inout CodeWriter, _ plan: ConversionPlan) {
        let rules = plan.rules
        writer.line("<h2 id=\"\(Self.anchor(plan))\">From \(HTMLText.escape(rules.from)) to \(HTMLText.escape(rules.to))</h2>")
        writer.line(paragraphs(rules.doc))
        let roots = rules.roots.map { "<code>\(HTMLText.escape($0.name))</code>" }.joined(separator: ", ")
        // The file by its place in the repository, however the generator was pointed at it.
        let file = "spec/conversions/" + (rules.location.file.split(separator: "/").last.map(String.init) ?? rules.location.file)
        writer.line("<p class=\"ref\">Converts \(roots) and everything they hold · <code>\(HTMLText.escape(file))</code></p>")
        let rows = Self.rows(plan)
        guard !rows.isEmpty else {
            writer.line("<p>The releases agree on every field: everything is copied.</p>")
            return
        }
        writer.block("<table class=\"fields\">", close: "</table>") { writer in
            writer.line("<tr><th>Where</th><th>What happens</th><th>Loses</th><th>Why</th></tr>")
            for row in rows {
                // A field or value of this release links to its row in the reference.
                let release = row.inSource ? rules.from : rules.to
                let name = "<code>\(HTMLText.escape(row.type)).\(HTMLText.escape(row.member))</code>"
                let place = release == spec.version ? pageOfType[row.type].map { "<a href=\"\($0)#\(HTMLText.anchor(row.type + "." + row.member))\">\(name)</a>" } : nil
                let cells = [place ?? name, row.action, HTMLText.escape(row.loss ?? ""), paragraphs(row.reason)]
                writer.line("<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
            }
        }
    }

    private static func anchor(_ plan: ConversionPlan) -> String { HTMLText.anchor("\(plan.rules.from)-\(plan.rules.to)") }

    /// One place where the releases differ.
    struct ConversionRow: Equatable {
        /// The object or enum, and the field or value.
        var type: String
        var member: String
        /// Whether `type` names the source release's type (a dropped field, an enum value).
        var inSource: Bool
        /// What the conversion does, as HTML.
        var action: String
        /// What a partner on the target release does not get; nil when nothing is lost.
        var loss: String?
        var reason: String?
    }

    /// Every rule the conversion applies, by object and then enum, in the plan's order.
    static func rows(_ plan: ConversionPlan) -> [ConversionRow] {
        var rows: [ConversionRow] = []
        for object in plan.objects {
            for field in object.fields {
                guard let rule = field.rule else { continue }
                let (action, loss) = describe(rule, source: field.source, target: field.target)
                rows.append(ConversionRow(type: object.name, member: field.target.name, inSource: false, action: action, loss: loss, reason: rule.reason))
            }
            for rule in object.dropped {
                let (action, loss) = describe(rule, source: nil, target: nil)
                rows.append(ConversionRow(type: object.name, member: rule.field, inSource: true, action: action, loss: loss, reason: rule.reason))
            }
        }
        for enumeration in plan.enums {
            for rule in enumeration.rules {
                let action: String
                let loss: String
                switch rule.action {
                case .to(let value):
                    action = "becomes <code>\(HTMLText.escape(value))</code>"
                    loss = "the exact value"
                case .omit:
                    action = "left out of lists"
                    loss = "the value"
                case .keep:
                    action = "sent as it is, although the target does not define it"
                    loss = "validity: a strict partner refuses the object"
                case .refuse(let message):
                    action = "refused: the object is not converted (\(HTMLText.escape(message)))"
                    loss = "nothing: the writer is told"
                }
                rows.append(ConversionRow(type: enumeration.name, member: rule.value, inSource: true, action: action, loss: loss, reason: rule.reason))
            }
        }
        return rows
    }

    private static func describe(_ rule: FieldRule, source: FieldDefinition?, target: FieldDefinition?) -> (action: String, loss: String?) {
        switch rule.action {
        case .drop:
            return ("dropped", "the value")
        case .refuse(let message, let values):
            let refused = values.isEmpty ? "any value" : values.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
            return (
                "refused when it holds \(refused): the object is not converted (\(HTMLText.escape(message)))" + (values.isEmpty ? "" : "; any other value is dropped"),
                values.isEmpty ? nil : "the other values"
            )
        case .from(let name):
            let narrowed = source?.cardinality.isList == true && target?.cardinality.isList == false
            return ("taken from <code>\(HTMLText.escape(name))</code>" + (narrowed ? ", its first element" : ""), narrowed ? "all elements but the first" : nil)
        case .default(let value):
            return ("set to <code>\(HTMLText.escape(value))</code> where the source has none", nil)
        case .truncate:
            return ("cut to the target's length", "text past the length")
        case .decimals(let count):
            return ("written with \(count) decimal\(count == 1 ? "" : "s")", "digits past the \(count)th decimal")
        case .derive(let function, let reads):
            return ("made by <code>\(HTMLText.escape(function))</code> from " + codeList(reads), nil)
        case .given(let origin, let reads):
            return ("given by the caller: \(HTMLText.escape(origin))" + (reads.isEmpty ? "" : ", found by " + codeList(reads)), nil)
        case .map(let name, let values, let otherwise):
            var parts = values.map { "<code>\(HTMLText.escape($0.from))</code> becomes <code>\(HTMLText.escape($0.to))</code>" }
            parts.append("any other value keeps its name where the target has it")
            if let otherwise { parts.append("otherwise <code>\(HTMLText.escape(otherwise))</code>") }
            let merged = Set(values.map(\.to)).count < values.count || values.contains { $0.from != $0.to }
            return ("mapped from <code>\(HTMLText.escape(name))</code>: " + parts.joined(separator: "; "), merged ? "the exact value" : nil)
        case .asIs:
            return ("copied as it is: every source value is valid in the target", nil)
        }
    }

    private static func codeList(_ names: [String]) -> String {
        names.isEmpty ? "nothing" : names.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ")
    }
}
