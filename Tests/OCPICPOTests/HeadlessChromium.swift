import Foundation
import OCPITestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
/// the browser reads commands on its file descriptor 3 and writes answers and events on 4, each
/// a JSON text ended by a NUL byte). Unlike `--dump-dom`, this lets a test sign in through the
/// page's own form, so that the browser keeps the cookie as a person's browser would
/// (HttpOnly, SameSite=Strict), and then read the DOM and take a screenshot.
///
/// Everything here blocks; `visit` runs it on a thread of its own.
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let browser = InstalledChromium.executable
    static let onCI = InstalledChromium.isRequired

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var nextID = 0
    private var buffer: [UInt8] = []
    private var exited = false

    init(_ browser: URL, profile: URL, width: Int, height: Int) throws {
        // Both ends of both pipes well above 4 and closed on exec: the child gets exactly its
        // two ends, as 3 and 4, through dup2 (which clears close-on-exec on the copy).
        func pipePair() throws -> (reading: Int32, writing: Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed: \(errno)") }
            let reading = fcntl(fds[0], F_DUPFD_CLOEXEC, 10)
            let writing = fcntl(fds[1], F_DUPFD_CLOEXEC, 10)
            Glibc.close(fds[0])
            Glibc.close(fds[1])
            guard reading >= 0, writing >= 0 else { throw Failure(description: "fcntl failed: \(errno)") }
            return (reading, writing)
        }
        // A browser that dies must fail the write, not end the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let toBrowser = try pipePair()
        let fromBrowser = try pipePair()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, toBrowser.reading, 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser.writing, 4)
        Self.closeTheRest(from: 5, in: &actions)
        let arguments = [
            browser.path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank",
        ]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, browser.path, &actions, nil, argv, environ)
        Glibc.close(toBrowser.reading)
        Glibc.close(fromBrowser.writing)
        guard status == 0 else {
            Glibc.close(toBrowser.writing)
            Glibc.close(fromBrowser.reading)
            throw Failure(description: "cannot start \(browser.path): posix_spawn \(status)")
        }
        pid = child
        commands = toBrowser.writing
        answers = fromBrowser.reading
    }

    /// Closes every other descriptor in the child. SwiftNIO's sockets are not closed on exec,
    /// so without this the browser would hold copies of the listening sockets of every test
    /// running meanwhile, and a test that stops its server and starts another on the same port
    /// would find it taken. glibc 2.34 has `posix_spawn_file_actions_addclosefrom_np`, which
    /// Swift's Glibc module does not declare: it is looked up by name. Without it, the
    /// descriptors open now are listed and closed one by one.
    private static func closeTheRest(from lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor >= lowest {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    deinit {
        Glibc.close(commands)
        Glibc.close(answers)
        if !exited {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Sends a command; its result (events and other answers that come first are skipped).
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:], session: String? = nil, timeout: Duration = .seconds(30)) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "the browser stopped reading (\(method))") }
            written += count
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let answer = try nextMessage(before: deadline, waitingFor: method)
            guard answer["id"] as? Int == id else { continue }
            if let error = answer["error"] { throw Failure(description: "\(method) failed: \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    private func nextMessage(before deadline: ContinuousClock.Instant, waitingFor method: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let text = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                return try JSONSerialization.jsonObject(with: Data(text)) as? [String: Any] ?? [:]
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Failure(description: "no answer to \(method) in time") }
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            guard poll(&poller, 1, milliseconds) >= 0 else { continue }
            if poller.revents == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(answers, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "the browser closed its pipe (\(method))") }
            buffer += chunk[..<count]
        }
    }

    /// The value of a JavaScript expression in the page (by value: strings, numbers, booleans).
    func evaluate(_ expression: String, session: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression.prefix(80)) threw: \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `condition` (JavaScript) is true in the page.
    func wait(until condition: String, session: String, timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // A page being replaced may refuse the evaluation: try again.
            if (try? evaluate(condition, session: session)) as? Bool == true { return }
            usleep(50_000)
        }
        let location = (try? evaluate("location.href", session: session)) as? String ?? "?"
        throw Failure(description: "waited in vain for \(condition) (the page is at \(location))")
    }

    /// Closes the browser and waits for it to end.
    func close() {
        _ = try? call("Browser.close", timeout: .seconds(10))
        let deadline = ContinuousClock.now + .seconds(10)
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                return
            }
            usleep(50_000)
        }
    }

    /// What the browser made of the console after signing in through its form.
    struct Visit: Sendable {
        /// The DOM as the browser built it.
        var dom: String
        var screenshot: Data
        /// Where the browser ended up.
        var url: String
        /// What `document.cookie` shows scripts (nothing, for an HttpOnly cookie).
        var scriptCookies: String
        /// The console cookie as the browser keeps it: HttpOnly, SameSite, Secure, path.
        var cookie: (httpOnly: Bool, sameSite: String, secure: Bool, path: String)?
    }

    /// Opens `signInURL` in a new headless Chromium, signs in with `token` through the page's
    /// form, waits for the console, and reads it.
    static func signInAndRead(_ browser: URL, signInURL: String, token: String, width: Int = 1280, height: Int = 1600) async throws -> Visit {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("ocpi-console-chromium-\(UUID().uuidString)")
                    defer { try? FileManager.default.removeItem(at: profile) }
                    let chromium = try HeadlessChromium(browser, profile: profile, width: width, height: height)
                    defer { chromium.close() }
                    let target = try chromium.call("Target.createTarget", ["url": "about:blank"])
                    guard let targetID = target["targetId"] as? String else { throw Failure(description: "no target: \(target)") }
                    let attached = try chromium.call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
                    guard let session = attached["sessionId"] as? String else { throw Failure(description: "no session: \(attached)") }
                    try chromium.call(
                        "Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false], session: session
                    )
                    try chromium.call("Page.navigate", ["url": signInURL], session: session)
                    try chromium.wait(until: "document.readyState === 'complete' && document.getElementById('token') !== null", session: session)
                    // As a person would: the token typed into the form, the form sent.
                    let literal = String(decoding: try JSONSerialization.data(withJSONObject: [token]), as: UTF8.self)
                    _ = try chromium.evaluate(
                        "document.getElementById('token').value = \(literal)[0]; document.querySelector('form').submit(); true", session: session
                    )
                    try chromium.wait(
                        until: "location.pathname.endsWith('/admin') && document.readyState === 'complete' && document.getElementById('partners') !== null",
                        session: session
                    )
                    let dom = try chromium.evaluate("document.documentElement.outerHTML", session: session) as? String ?? ""
                    let url = try chromium.evaluate("location.href", session: session) as? String ?? ""
                    let scriptCookies = try chromium.evaluate("document.cookie", session: session) as? String ?? "?"
                    let cookies = try chromium.call("Network.getCookies", ["urls": [url]], session: session)["cookies"] as? [[String: Any]] ?? []
                    let cookie = cookies.first { $0["name"] as? String == "ocpi_console" }.map {
                        ($0["httpOnly"] as? Bool ?? false, $0["sameSite"] as? String ?? "", $0["secure"] as? Bool ?? false, $0["path"] as? String ?? "")
                    }
                    let shot = try chromium.call("Page.captureScreenshot", ["format": "png"], session: session)
                    guard let encoded = shot["data"] as? String, let screenshot = Data(base64Encoded: encoded) else {
                        throw Failure(description: "no screenshot")
                    }
                    return Visit(dom: dom, screenshot: screenshot, url: url, scriptCookies: scriptCookies, cookie: cookie)
                })
            }
        }
    }
}
