#!/usr/bin/env python3
"""The partner's side of the scale benchmark (scripts/bench-scale.sh), and its plot.

    scale-client.py latency URL TOKEN COUNT      # median and p90 ms of COUNT requests of URL
    scale-client.py next URL TOKEN               # the page's Link (rel="next") URL, or nothing
    scale-client.py first-id URL TOKEN           # the id of the page's first location
    scale-client.py crawl URL TOKEN              # follows Link to the end: "seconds pages objects last-URL"
    scale-client.py plot RESULTS OUT.svg         # the SVG of RESULTS (lines "backend size metric value")

Requests go one after another over one kept-alive connection, as one partner's crawler sends
them; every answer must be HTTP 200 with OCPI status 1000, or the script stops with an error.
Objects are counted by their `"evses"` member (every generated location has one, nothing else
in a page does), which is much cheaper than decoding 120 KB of JSON per page.
"""
import http.client
import re
import statistics
import sys
import time
import urllib.parse

LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class Partner:
    def __init__(self, token):
        self.headers = {"Authorization": token}
        self.connection = None
        self.origin = None

    def get(self, url):
        """The answer's (body, headers) for URL; one connection per origin, reopened if closed."""
        parts = urllib.parse.urlsplit(url)
        origin = (parts.hostname, parts.port)
        if self.connection is None or origin != self.origin:
            if self.connection is not None:
                self.connection.close()
            self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            self.origin = origin
        target = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in (0, 1):
            try:
                self.connection.request("GET", target, headers=self.headers)
                answer = self.connection.getresponse()
                body = answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if attempt:
                    raise
                self.connection.close()
                self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        if answer.status != 200 or b'"status_code":1000' not in body:
            sys.exit("scale-client: %s answered %d: %s" % (url, answer.status, body[:300].decode(errors="replace")))
        return body, answer.headers


def next_url(headers):
    match = LINK.search(headers.get("Link") or "")
    return match.group(1) if match else None


def latency(url, token, count):
    partner = Partner(token)
    partner.get(url)  # the connection is open before the first measured request
    times = []
    for _ in range(count):
        start = time.perf_counter()
        partner.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print("%.3f %.3f" % (statistics.median(times), times[int(len(times) * 0.9) - 1]))


def crawl(url, token):
    partner = Partner(token)
    pages = objects = 0
    start = time.perf_counter()
    while url:
        body, headers = partner.get(url)
        pages += 1
        objects += body.count(b'"evses"')
        last, url = url, next_url(headers)
    print("%.3f %d %d %s" % (time.perf_counter() - start, pages, objects, last))


def once(url, token):
    """The time of one request (a new connection's included), in ms."""
    partner = Partner(token)
    start = time.perf_counter()
    partner.get(url)
    print("%.3f" % ((time.perf_counter() - start) * 1000))


def first_id(url, token):
    body, _ = Partner(token).get(url)
    match = re.search(rb'"id":"(LOC-[0-9]+)"', body)
    print(match.group(1).decode() if match else "")


# The plot: one panel per measure, cost per unit against size (both axes logarithmic, so that a
# flat line is a cost that does not grow), one line per backend.
PANELS = [
    ("import", "import, µs per location"),
    ("first_page", "first page of 50, ms"),
    ("last_page", "last page of 50, its Link, ms"),
    ("last_page_other", "last page, Link to another instance, ms"),
    ("cold_offset", "last page, client's offset cold, ms"),
    ("crawl", "crawl following Link, µs per location"),
]
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def plot(results_path, out_path):
    import math

    values = {}  # (metric, backend) -> {size: value}
    backends = []
    with open(results_path) as results:
        for line in results:
            fields = line.split()
            if len(fields) != 4:
                continue
            backend, size, metric, value = fields[0], int(fields[1]), fields[2], float(fields[3])
            values.setdefault((metric, backend), {})[size] = value
            if backend not in backends:
                backends.append(backend)
    sizes = sorted({size for series in values.values() for size in series})
    panels = [(metric, title) for metric, title in PANELS if any((metric, b) in values for b in backends)]
    if not sizes or not panels:
        sys.exit("scale-client: nothing to plot in %s" % results_path)

    width, height, columns = 300, 220, min(3, len(panels))
    rows = (len(panels) + columns - 1) // columns
    left, right, top, bottom = 58, 14, 30, 36
    legend = 26
    svg = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">'
        % (width * columns, height * rows + legend),
        '<rect width="100%" height="100%" fill="white"/>',
    ]

    def x_of(size, x0):
        if len(sizes) == 1:
            return x0 + left + (width - left - right) / 2
        span = math.log10(sizes[-1]) - math.log10(sizes[0])
        return x0 + left + (math.log10(size) - math.log10(sizes[0])) / span * (width - left - right)

    for index, (metric, title) in enumerate(panels):
        x0, y0 = (index % columns) * width, (index // columns) * height
        series = [(b, values.get((metric, b), {})) for b in backends]
        found = [v for _, s in series for v in s.values() if v > 0]
        low, high = min(found), max(found)
        # Decades around the values, at least one: the eye reads growth as slope.
        lo = 10 ** math.floor(math.log10(low))
        hi = 10 ** math.ceil(math.log10(high))
        if hi <= lo:
            hi = lo * 10

        def y_of(value):
            frac = (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
            return y0 + height - bottom - frac * (height - top - bottom)

        svg.append('<text x="%.1f" y="%.1f" font-weight="bold">%s</text>' % (x0 + left, y0 + 18, title))
        svg.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>'
                   % (x0 + left, y0 + top, width - left - right, height - top - bottom))
        decade = lo
        while decade <= hi * 1.0001:
            y = y_of(decade)
            svg.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (x0 + left, x0 + width - right, y, y))
            svg.append('<text x="%.1f" y="%.1f" text-anchor="end">%s</text>' % (x0 + left - 4, y + 4, "%g" % decade))
            decade *= 10
        for size in sizes:
            x = x_of(size, x0)
            label = "%dk" % (size // 1000) if size < 1000000 else "%gM" % (size / 1e6)
            svg.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>' % (x, y0 + height - bottom + 14, label))
        svg.append('<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">locations</text>'
                   % (x0 + left + (width - left - right) / 2, y0 + height - 6))
        for number, (backend, points) in enumerate(series):
            colour = COLOURS[number % len(COLOURS)]
            coordinates = [(x_of(s, x0), y_of(points[s])) for s in sizes if points.get(s, 0) > 0]
            if len(coordinates) > 1:
                svg.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                           % (colour, " ".join("%.1f,%.1f" % c for c in coordinates)))
            for (x, y), s in zip(coordinates, [s for s in sizes if points.get(s, 0) > 0]):
                svg.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %g</title></circle>'
                           % (x, y, colour, backend, s, points[s]))
    y = height * rows + 16
    for number, backend in enumerate(backends):
        x = 10 + number * 120
        colour = COLOURS[number % len(COLOURS)]
        svg.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>' % (x, x + 20, y - 4, y - 4, colour))
        svg.append('<text x="%d" y="%d">%s</text>' % (x + 26, y, backend))
    svg.append("</svg>")
    with open(out_path, "w") as out:
        out.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "latency":
        latency(arguments[0], arguments[1], int(arguments[2]))
    elif command == "next":
        _, headers = Partner(arguments[1]).get(arguments[0])
        print(next_url(headers) or "")
    elif command == "once":
        once(arguments[0], arguments[1])
    elif command == "first-id":
        first_id(arguments[0], arguments[1])
    elif command == "crawl":
        crawl(arguments[0], arguments[1])
    elif command == "plot":
        plot(arguments[0], arguments[1])
    else:
        sys.exit("scale-client: unknown command %s" % command)
