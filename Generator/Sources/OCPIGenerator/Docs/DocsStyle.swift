/// The stylesheet every page carries inline, so that a page works on its own, from a file or
/// behind any server, without a second request.
enum DocsStyle {
    static let css = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --soft: #f4f6f9; --link: #0b5cad; --accent: #0f7b6c; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: #fff; }
        header.top { background: var(--ink); color: #fff; padding: 10px 24px; }
        header.top a { color: #fff; text-decoration: none; margin-right: 14px; white-space: nowrap; }
        header.top a.home { font-weight: 700; }
        header.top a.current { text-decoration: underline; }
        main { max-width: 1180px; margin: 0 auto; padding: 8px 24px 48px; }
        h1 { font-size: 30px; margin: 18px 0 6px; }
        h2 { font-size: 22px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
        h3 { font-size: 18px; margin: 28px 0 6px; }
        a { color: var(--link); }
        code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 3px; }
        a code { color: var(--link); }
        table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
        th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
        th { background: var(--soft); font-weight: 600; }
        td p { margin: 0 0 4px; }
        td p:last-child { margin-bottom: 0; }
        tr:target, section:target > h3 { background: #fff6d6; }
        .kind { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; margin-left: 8px; }
        .note, .errata, .since { color: var(--muted); }
        .note strong, .errata strong { color: var(--ink); }
        .errata strong { color: #9a4b00; }
        .ref { font-size: 12px; color: var(--muted); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        .method { display: inline-block; min-width: 64px; text-align: center; font: 700 12px/1.8 ui-monospace, Menlo, Consolas, monospace; color: #fff; border-radius: 4px; margin-right: 8px; }
        .method.GET { background: #2f6fb5; } .method.POST { background: #2e8b57; } .method.PUT { background: #b7791f; }
        .method.PATCH { background: #7b4fb5; } .method.DELETE { background: #c0392b; }
        ul.toc { columns: 3 220px; padding-left: 18px; }
        footer { max-width: 1180px; margin: 0 auto; padding: 16px 24px 32px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
        """
}
