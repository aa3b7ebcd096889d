import HTTPTypes
@testable import OCPIServer
import OCPITestSupport
import Testing

/// `HTTPRouter`'s matching, without sockets: which pattern a path takes, the values of its
/// `{name}` segments, and the 404 and 405 answers.
@Suite struct HTTPRouterTests {
    /// A router whose every route answers with its own name and its parameters, `name=value`.
    static func router(_ routes: [(HTTPRequest.Method, String)]) -> HTTPRouter {
        var router = HTTPRouter(logger: LiveServer.quietLogger)
        for (method, pattern) in routes {
            router.on(method, pattern) { _, parameters in
                let text = ([pattern] + parameters.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
                return HTTPServerResponse(status: .ok, contentType: "text/plain", body: Array(text.utf8))
            }
        }
        return router
    }

    static func answer(_ router: HTTPRouter, _ method: HTTPRequest.Method, _ target: String) async -> (status: Int, text: String, allow: String?) {
        let response = await router.respond(to: HTTPServerRequest(method: method, target: target))
        return (response.status.code, String(decoding: response.body, as: UTF8.self), response.headers[.allow])
    }

    @Test func aFixedSegmentWinsOverAParameterAndTheWalkBacktracks() async {
        let router = Self.router([
            (.get, "/docs/{page}"), (.get, "/docs/openapi.yaml"),
            (.get, "/a/b/c"), (.get, "/a/{x}/d"),
            (.get, "/ocpi/cpo/2.2.1/locations/{location_id}"), (.get, "/ocpi/cpo/2.1.1/locations/{location_id}"),
            (.get, "/ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}"),
        ])
        #expect(await Self.answer(router, .get, "/docs/openapi.yaml").text == "/docs/openapi.yaml")
        #expect(await Self.answer(router, .get, "/docs/locations.html").text == "/docs/{page} page=locations.html")
        #expect(await Self.answer(router, .get, "/a/b/c").text == "/a/b/c")
        // `b` is fixed in the first pattern, which ends in `c`: the walk comes back and takes `{x}`.
        #expect(await Self.answer(router, .get, "/a/b/d").text == "/a/{x}/d x=b")
        #expect(await Self.answer(router, .get, "/ocpi/cpo/2.1.1/locations/LOC-1").text == "/ocpi/cpo/2.1.1/locations/{location_id} location_id=LOC-1")
        #expect(
            await Self.answer(router, .get, "/ocpi/cpo/2.2.1/locations/LOC-1/EVSE-2").text
                == "/ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid} location_id=LOC-1 evse_uid=EVSE-2")
        // The query is not part of the path; empty segments are skipped; values are as sent.
        #expect(await Self.answer(router, .get, "//docs///x%20y?z=1").text == "/docs/{page} page=x%20y")
        #expect(await Self.answer(router, .get, "/docs/%C3%A9t%C3%A9").text == "/docs/{page} page=%C3%A9t%C3%A9")
        #expect(await Self.answer(router, .get, "/docs/été").text == "/docs/{page} page=été")
    }

    @Test func aPathOfNoPatternIs404AndAnotherMethodIs405WithEveryAllowedMethod() async {
        let router = Self.router([(.get, "/a/{x}"), (.put, "/a/b"), (.delete, "/a/b"), (.get, "/a/b/c")])
        for target in ["/", "/b", "/a", "/a/b/c/d", "/a/c/c", "/A/b"] {
            let answer = await Self.answer(router, .get, target)
            #expect(answer.status == 404, "\(target)")
            #expect(answer.text.contains("\"status_code\":2000"), "\(target): \(answer.text)")
        }
        // Both patterns match `/a/b`: the methods of both are allowed, HEAD with GET.
        let patch = await Self.answer(router, .patch, "/a/b")
        #expect(patch.status == 405)
        #expect(patch.allow == "DELETE, GET, HEAD, PUT")
        #expect(await Self.answer(router, .put, "/a/b").text == "/a/b")
        #expect(await Self.answer(router, .get, "/a/b").text == "/a/{x} x=b")
        #expect(await Self.answer(router, .head, "/a/b").text == "/a/{x} x=b", "HEAD is answered by GET's route")
        #expect(await Self.answer(router, .post, "/a/z").allow == "GET, HEAD")
    }

    @Test func aLaterRouteOnTheSameMethodAndPatternReplacesTheEarlierOne() async {
        var router = Self.router([(.get, "/a/{x}")])
        router.get("/a/{x}") { _, _ in HTTPServerResponse(status: .ok, contentType: "text/plain", body: Array("second".utf8)) }
        #expect(await Self.answer(router, .get, "/a/1").text == "second")
        // Two names at one place are two patterns: the first added is tried first.
        router.get("/a/{y}/z") { _, parameters in
            HTTPServerResponse(status: .ok, contentType: "text/plain", body: Array("y=\(parameters.first?.value ?? "")".utf8))
        }
        #expect(await Self.answer(router, .get, "/a/1/z").text == "y=1")
        #expect(await Self.answer(router, .get, "/a/1").text == "second")
    }
}
