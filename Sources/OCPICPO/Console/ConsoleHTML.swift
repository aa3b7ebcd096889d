import Foundation
import OCPIRuntime
import OCPIServer

/// The console's HTML: one escaping function that every value printed into a page goes through,
/// and the frame of a page (its CSS inline, as in the generated docs; no script at all).
enum ConsoleHTML {
    /// `text` as HTML text or a double-quoted attribute value (`HTMLText.escape`).
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// A whole page: `title` and `body` (HTML, whose values were escaped by whoever wrote it).
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --soft: #f4f6f9; --link: #0b5cad; --accent: #0f7b6c; --bad: #b42318; --warn: #9a4b00; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: #fff; }
        header.top { background: var(--ink); color: #fff; padding: 10px 24px; display: flex; align-items: center; gap: 16px; }
        header.top .home { font-weight: 700; font-size: 16px; }
        header.top form { margin-left: auto; }
        main { max-width: 1240px; margin: 0 auto; padding: 8px 24px 48px; }
        h1 { font-size: 24px; margin: 18px 0 6px; }
        h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
        a { color: var(--link); }
        code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 3px; word-break: break-all; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 13px; }
        th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
        th { background: var(--soft); font-weight: 600; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        .muted, .note { color: var(--muted); }
        .bad { color: var(--bad); font-weight: 600; }
        .good { color: var(--accent); font-weight: 600; }
        .error { color: var(--bad); max-width: 360px; overflow-wrap: anywhere; }
        .status { display: inline-block; padding: 0 6px; border-radius: 3px; font: 600 11px/1.8 ui-monospace, Menlo, Consolas, monospace; background: var(--soft); }
        .status.AVAILABLE { background: #d8f3e6; color: #0b5c3a; } .status.CHARGING { background: #dbe8fb; color: #173f7a; }
        .status.OUTOFORDER, .status.INOPERATIVE { background: #fde2df; color: #8a1c12; } .status.RESERVED, .status.BLOCKED { background: #fdf0d5; color: #7a4a00; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 12px; }
        .card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 110px; }
        .card b { display: block; font-size: 20px; }
        form.inline { display: inline; margin: 0; }
        button { font: inherit; font-size: 12.5px; padding: 2px 9px; border: 1px solid #9aa3b2; border-radius: 4px; background: #fff; cursor: pointer; }
        button.danger { border-color: var(--bad); color: var(--bad); }
        header.top button { background: transparent; color: #fff; border-color: #8893a7; }
        input[type=text], input[type=password], select { font: inherit; padding: 3px 6px; border: 1px solid #9aa3b2; border-radius: 4px; }
        .panel { border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin: 14px 0; background: var(--soft); }
        .pages { display: flex; gap: 14px; align-items: center; }
        footer { max-width: 1240px; margin: 0 auto; padding: 16px 24px 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>
        """
    }

    /// The headers of every console page: no caching (a page may hold a token A), no framing
    /// (its buttons change things), no script, forms only to this server.
    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name(token: "X-Frame-Options"): "DENY",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name(token: "Referrer-Policy"): "no-referrer",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ]

    static func response(status: HTTPResponse.Status, title: String, body: String) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headerFields: headers, body: Array(page(title: title, body: body).utf8))
    }

    /// A page that says why a request was refused, with a way back.
    static func refusal(status: HTTPResponse.Status, title: String, message: String, back: String, backLabel: String) -> HTTPServerResponse {
        response(status: status, title: title, body: """
            <header class="top"><span class="home">ocpi-cpo console</span></header>
            <main>
            <h1>\(escape(title))</h1>
            <p id="refusal">\(escape(message))</p>
            <p><a href="\(escape(back))">\(escape(backLabel))</a></p>
            </main>
            """)
    }
}
