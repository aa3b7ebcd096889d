import OCPIGenerator
import Testing

@Suite struct PathTemplateTests {
    @Test func optionalSegmentsExpandLongestFirst() {
        let template = PathTemplate("/locations/{location_id}[/{evse_uid}[/{connector_id}]]")
        #expect(template.expansions == [
            "/locations/{location_id}/{evse_uid}/{connector_id}",
            "/locations/{location_id}/{evse_uid}",
            "/locations/{location_id}",
        ])
        #expect(template.parameterNames == ["location_id", "evse_uid", "connector_id"])
    }

    @Test func aPathWithoutBracketsHasOneForm() {
        #expect(PathTemplate("/tokens/{token_uid}/authorize").expansions == ["/tokens/{token_uid}/authorize"])
    }

    @Test(arguments: ["/a[/{b}", "/a/{b", "/a]/[b", "/a/{b[}]"])
    func unbalancedPathsHaveNoForms(_ path: String) {
        #expect(PathTemplate(path).expansions == nil)
    }

    @Test func segments() {
        #expect(PathTemplate.segments(of: "/commands/{command}") == [.literal("commands"), .parameter("command")])
    }
}
