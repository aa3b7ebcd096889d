import Foundation

/// Headless Chromium for the tests that look at a page as a browser builds it: where it is, and
/// whether its absence fails a test (on CI, where `.ci/run` installs it) or skips it.
public enum InstalledChromium {
    /// The first `chromium` or `chromium-browser` on the `PATH`.
    public static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }()

    /// The tests run on CI (`CI` set): a missing browser is a failure there.
    public static let isRequired = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false
}
