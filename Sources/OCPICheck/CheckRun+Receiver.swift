import Foundation
import OCPIRuntime

/// The checks of a partner's RECEIVER interface: an unknown object under the checker's own
/// party, the token rule, and with `--write` a test object PUT, read back, patched, deleted
/// where the module allows, plus a body that is not JSON and one that breaks the rules.
extension CheckRun {
    func checkReceiver(subject: String, url: String, operations: [OperationCatalog.Operation]) async {
        // The objects a sender owns: PUT /module/{country_code}/{party_id}/{id}.
        guard let release, let catalog,
            let put = operations.filter({
                $0.method == "PUT" && $0.pathParameters.count >= 3 && Array($0.pathParameters.prefix(2)) == ["country_code", "party_id"]
            })
            .min(by: { $0.pathParameters.count < $1.pathParameters.count }),
            let typeName = put.bodyType, let model = release.models[typeName]
        else {
            skip(subject, .writePut, "the interface has no PUT of an object under the sender's party: nothing the checker may create and remove")
            return
        }
        let get = operations.first { $0.method == "GET" && $0.path == put.path }
        let patch = operations.first { $0.method == "PATCH" && $0.path == put.path }
        let delete = operations.first { $0.method == "DELETE" && $0.path == put.path }
        guard let countryCode = options.countryCode, let partyID = options.partyID else {
            skip(subject, .unknownID, "needs the checker's own party (--country-code, --party-id)")
            if options.write { skip(subject, .writePut, "needs the checker's own party (--country-code, --party-id)") }
            return
        }
        let connection = connection(url)
        let identifier = put.pathParameters[2]
        let idField = identifier.split(separator: "_").last.map(String.init) ?? "id"
        func objectURL(_ operation: OperationCatalog.Operation, id: String, object: JSONValue? = nil) -> String {
            let query = operation.queryParameters.compactMap { name in object?[name]?.string.map { (name, $0) } }
            return connection.url(for: operation.path, parameters: ["country_code": countryCode, "party_id": partyID, identifier: id], query: query)
        }
        if let get {
            let answer = await request(.get, objectURL(get, id: "OCPI-CHECK-UNKNOWN-\(runID)"))
            judgeUnknown(subject: subject, module: get.module, operation: get.name, answer: answer)
            await checkAuthentication(subject: subject, url: objectURL(get, id: "OCPI-CHECK-\(runID)"))
        }
        guard options.write else {
            skip(subject, .writePut, "needs --write (it changes the partner's data)")
            return
        }

        // A valid test object, as the release's validator judges it.
        let testID = "OCPI-CHECK-\(runID)"
        let now = OCPIDateTime(secondsSince1970: Int64(Date().timeIntervalSince1970))
        guard let object = catalog.testObject(of: typeName, countryCode: countryCode, partyID: partyID, id: testID, idField: idField, now: now) else {
            skip(subject, .writePut, "the OpenAPI document of \(release.version) has no schema of \(typeName)")
            return
        }
        let violations = Self.violations(of: object, as: model)
        guard violations.isEmpty else {
            skip(subject, .writePut, "no valid test \(typeName) could be built from its schema: " + Self.describe(violations))
            return
        }
        let name = "\(typeName) \(countryCode)/\(partyID)/\(testID)"
        let stored = await request(.put, objectURL(put, id: testID, object: object), body: object.jsonBytes())
        guard Self.succeeded(stored) else {
            fail(subject, .writePut, "PUT of a valid \(name) was refused", request: stored)
            return
        }
        noteCreated(objectURL(delete ?? put, id: testID, object: object), name: name, subject: subject, deletable: delete != nil)
        pass(subject, .writePut, "PUT \(name): HTTP \(stored.status ?? 0)")

        if let get {
            let (problem, exchange) = await compare(model, at: objectURL(get, id: testID, object: object), with: object)
            if let problem {
                fail(subject, .writeGet, "GET of \(name): \(problem)", request: exchange)
            } else {
                pass(subject, .writeGet, "\(name) read back equal")
            }
        } else {
            skip(subject, .writeGet, "the interface has no GET of \(typeName)")
        }
        if let patch {
            let later = OCPIDateTime(secondsSince1970: now.secondsSince1970 + 1)
            let body = JSONValue.object([.init(key: "last_updated", value: .string(later.description))])
            let patched = await request(.patch, objectURL(patch, id: testID, object: object), body: body.jsonBytes())
            if !Self.succeeded(patched) {
                fail(subject, .writePatch, "PATCH of \(name) with a new last_updated was refused", request: patched)
            } else if let get {
                let reread = await request(.get, objectURL(get, id: testID, object: object))
                if reread.data?.lastUpdated == later {
                    pass(subject, .writePatch, "PATCH of \(name) accepted and read back")
                } else {
                    fail(
                        subject, .writePatch, "after PATCH, \(name) has last_updated \(reread.data?["last_updated"]?.string ?? "none"), not \(later)",
                        request: reread)
                }
            } else {
                pass(subject, .writePatch, "PATCH of \(name) accepted")
            }
        } else {
            skip(subject, .writePatch, "the interface has no PATCH of \(typeName)")
        }

        // Bodies the partner must refuse: not JSON, and JSON that breaks the rules (without a
        // required field that the path does not give).
        let brokenID = "OCPI-CHECK-\(runID)-X"
        let malformed = await request(.put, objectURL(put, id: brokenID, object: object), body: Array(#"{"country_code": "#.utf8))
        judgeRefusal(subject: subject, rule: .malformedJSON, expectedHTTP: 400, what: "a body that is not JSON", answer: malformed)
        if Self.succeeded(malformed) {
            noteCreated(objectURL(delete ?? put, id: brokenID, object: object), name: "\(typeName) \(brokenID)", subject: subject, deletable: delete != nil)
        }
        let pathFields: Set<String> = ["country_code", "party_id", idField]
        if case .object(let members) = object, let dropped = members.last(where: { !pathFields.contains($0.key) }) {
            var broken = members.filter { $0.key != dropped.key }
            if let index = broken.firstIndex(where: { $0.key == idField }) { broken[index].value = .string(brokenID) }
            let invalid = await request(.put, objectURL(put, id: brokenID, object: object), body: JSONValue.object(broken).jsonBytes())
            judgeRefusal(subject: subject, rule: .invalidObject, expectedHTTP: 200, what: "a \(typeName) without \(dropped.key)", answer: invalid)
            if Self.succeeded(invalid) {
                noteCreated(objectURL(delete ?? put, id: brokenID, object: object), name: "\(typeName) \(brokenID)", subject: subject, deletable: delete != nil)
            }
        }

        if let delete {
            let deleted = await request(.delete, objectURL(delete, id: testID, object: object))
            if !Self.succeeded(deleted) {
                fail(subject, .writeDelete, "DELETE of \(name) was refused", request: deleted)
            } else if let get {
                created.removeAll { $0.url == objectURL(delete, id: testID, object: object) }
                let gone = await request(.get, objectURL(get, id: testID, object: object))
                if gone.status == 404 {
                    pass(subject, .writeDelete, "DELETE of \(name) accepted; GET then answers 404")
                } else {
                    fail(subject, .writeDelete, "after DELETE, GET of \(name) answers HTTP \(gone.status ?? 0), not 404", request: gone)
                }
            } else {
                created.removeAll { $0.url == objectURL(delete, id: testID, object: object) }
                pass(subject, .writeDelete, "DELETE of \(name) accepted")
            }
        } else {
            skip(subject, .writeDelete, "the interface has no DELETE of \(typeName)")
        }
    }

    /// The status that a refused body must get: `expectedHTTP` with 2001 (the status code judged
    /// only when the answer is an envelope; a missing one is the envelope check's).
    private func judgeRefusal(subject: String, rule: CheckRule, expectedHTTP: Int, what: String, answer: Exchange) {
        if answer.status != expectedHTTP {
            fail(subject, rule, "\(what) was answered with HTTP \(answer.status.map(String.init) ?? "nothing"), not \(expectedHTTP)", request: answer)
        } else if let code = answer.statusCode, code != 2001 {
            fail(subject, rule, "\(what) was answered with status \(code), not 2001", request: answer)
        } else {
            pass(subject, rule, "\(what) was refused with HTTP \(expectedHTTP)\(answer.statusCode.map { ", status \($0)" } ?? "")")
        }
    }

    /// Remembers an object created on the partner's side, to delete at the end or to name in
    /// the report as left behind.
    private func noteCreated(_ url: String, name: String, subject: String, deletable: Bool) {
        if deletable {
            created.append((url, name, subject))
        } else if !report.leftBehind.contains(name) {
            report.leftBehind.append(name)
        }
    }

    /// Deletes what the checks created and did not delete themselves; names what stays.
    func cleanUp() async {
        guard options.write else { return }
        var refused: [String] = []
        for (url, name, subject) in created {
            transport.purpose = subject
            let answer = await request(.delete, url)
            if !Self.succeeded(answer) {
                fail(subject, .cleanup, "DELETE of \(name) was refused: it is left on the partner's side", request: answer)
                refused.append(name)
            }
        }
        created.removeAll()
        let wrote = report.results.contains { $0.check == CheckRule.writePut.rawValue && $0.outcome == .passed }
        if !report.leftBehind.isEmpty {
            skip("write", .cleanup, "left on the partner's side, their modules having no DELETE: " + report.leftBehind.joined(separator: ", "))
        } else if wrote, refused.isEmpty {
            pass("write", .cleanup, "every object the checker created was removed")
        }
        report.leftBehind += refused
    }

    /// What a JSON value breaks as `T`.
    static func violations<T: OCPIModel>(of value: JSONValue, as _: T.Type) -> [Violation] {
        (try? T.decodeAndValidate(value.jsonBytes()))?.violations ?? [Violation(path: JSONPath(), message: "is not JSON")]
    }
}
