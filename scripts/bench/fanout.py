#!/usr/bin/env python3
"""The operator's and the partners' side of the fan-out part of scripts/bench-scale.sh.

    fanout.py write URL ADMIN_TOKEN FIRST COUNT RATE LOCATIONS OUT   # paced EVSE status PATCHes
    fanout.py slow PORT DELAY                                        # a receiver that answers late
    fanout.py count ARRIVALS FIRST COUNT PARTIES                     # pushes of the run received
    fanout.py report ARRIVALS WRITES FIRST COUNT PARTIES OTHERS RESULTS  # the run's figures
    fanout.py check-store URL TOKEN LOCATIONS WRITES...              # each EVSE as last written

Change number N (FIRST <= N < FIRST + COUNT) is a PATCH of the status of EVSE `N % 3 + 1` of
location `N // 3 % LOCATIONS + 1`, with `last_updated` 2027-01-01T00:00:00Z plus N seconds:
the receiver finds N in the pushed body, so it knows which write each push carries. Three
writers (one per EVSE number, so each EVSE's changes are written one after another, in order)
start a location's three changes at the same moment, RATE changes a second in all: on two
instances behind a load balancer, writes to one location meet. Each write's answer and the
time it came (`time.time()`) go to OUT, one line per write.

The receiver (nginx, scripts/bench/nginx-fanout.conf) logs one line per push: arrival time,
Authorization, method, URL, HTTP status, body. PARTIES and OTHERS are comma-separated parties
(B00, B01, ...): PARTIES are to receive every change exactly once, in order per EVSE, and their
lag is judged; OTHERS (slow or unreachable partners) are only described.
"""
import base64
import datetime
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EPOCH = datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)
STATUSES = ["CHARGING", "AVAILABLE", "BLOCKED", "OUTOFORDER"]
LAST_UPDATED = re.compile(r'"last_updated"\s*:\s*"([^"]+)"')
ENVELOPE = b'{"status_code":1000,"status_message":"Success","timestamp":"2026-12-01T00:00:00Z"}'


def change(number, locations):
    """(location id, EVSE uid, body) of change NUMBER."""
    location = "LOC-%05d" % (number // 3 % locations + 1)
    evse = "%s-%d" % (location, number % 3 + 1)
    stamp = (EPOCH + datetime.timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Each round over the locations sets every EVSE to the next status: every change is one.
    status = STATUSES[number // (3 * locations) % len(STATUSES)]
    body = json.dumps({"status": status, "last_updated": stamp}, separators=(",", ":"))
    return location, evse, body


def number_of(stamp):
    """The change number a pushed `last_updated` carries, or None."""
    try:
        moment = datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return int((moment - EPOCH).total_seconds())


def write(url, admin_token, first, count, rate, locations, out):
    parts = urllib.parse.urlsplit(url)
    lines = []
    lock = threading.Lock()
    failures = []
    start = time.time() + 0.2

    def writer(slot):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        for number in range(first + slot, first + count, 3):
            # A location's three changes are due at the same moment, RATE changes a second.
            due = start + (number - first) // 3 * 3 / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            location, evse, body = change(number, locations)
            sent = time.time()
            try:
                connection.request("PATCH", "%s/admin/2.2.1/locations/%s/%s" % (parts.path.rstrip("/"), location, evse), body=body,
                                   headers={"Authorization": "Bearer " + admin_token, "Content-Type": "application/json"})
                answer = connection.getresponse()
                data = answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                data, status = str(error).encode(), 0
            answered = time.time()
            ok = status == 200 and b'"status_code":1000' in data
            with lock:
                lines.append("%d %.6f %.6f %s %s %d\n" % (number, sent, answered, location, evse, 1 if ok else 0))
                if not ok:
                    failures.append("%d: HTTP %d %s" % (number, status, data[:200]))
        connection.close()

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines.sort(key=lambda line: int(line.split()[0]))
    with open(out, "w") as file:
        file.writelines(lines)
    took = max(float(line.split()[2]) for line in lines) - start
    print("%d %.1f %d" % (count, took, len(failures)))
    for failure in failures[:5]:
        print("fanout: write %s" % failure, file=sys.stderr)


def slow(port, delay):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *arguments):
            pass

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(ENVELOPE)))
            self.end_headers()
            self.wfile.write(ENVELOPE)

        do_GET = do_PUT = do_PATCH = do_POST = do_DELETE = answer

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def party_of(authorization):
    """The party of `Token <base64 of bench-emsp-token-c-PARTY>`."""
    value = authorization.split(" ", 1)[-1].strip()
    try:
        token = base64.b64decode(value, validate=True).decode()
    except ValueError:
        token = value
    return token.rsplit("-", 1)[-1]


def arrivals(path, first, count):
    """Per party, the pushes of changes FIRST.. in the order they were logged: (number, arrival,
    method, EVSE uid); and per party the other messages (PUTs of whole objects, refusals)."""
    pushes, others = {}, {}
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            fields = line.rstrip("\n").split("|", 5)
            if len(fields) < 6:
                continue
            moment, authorization, method, uri, status, body = fields
            party = party_of(authorization)
            try:
                body = json.loads('"' + body + '"')
            except ValueError:
                pass
            if method != "PATCH" or status != "200":
                others.setdefault(party, []).append((method, uri, status))
                continue
            found = LAST_UPDATED.search(body)
            number = number_of(found.group(1)) if found else None
            if number is None or not first <= number < first + count:
                if number is None:
                    others.setdefault(party, []).append((method, uri, status))
                continue
            pushes.setdefault(party, []).append((number, float(moment), uri.rsplit("/", 1)[-1]))
    return pushes, others


def count_received(path, first, count, parties):
    pushes, _ = arrivals(path, first, count)
    print(sum(len(pushes.get(party, [])) for party in parties))


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


def report(arrivals_path, writes_path, first, count, parties, others, results):
    answered, failed = {}, 0
    with open(writes_path) as file:
        for line in file:
            number, _, at, _, _, ok = line.split()
            answered[int(number)] = float(at)
            failed += ok != "1"
    pushes, other_messages = arrivals(arrivals_path, first, count)
    lags, per_party = [], {}
    missing = duplicates = disordered = 0
    for party in parties:
        received = pushes.get(party, [])
        numbers = [number for number, _, _ in received]
        unique = set(numbers)
        duplicates += len(numbers) - len(unique)
        missing += sum(1 for number in range(first, first + count) if number not in unique)
        last = {}
        for number, _, evse in received:
            if last.get(evse, -1) > number:
                disordered += 1
            last[evse] = max(last.get(evse, -1), number)
        own = [moment - answered[number] for number, moment, _ in received if number in answered]
        lags.extend(own)
        per_party[party] = (len(unique), percentile(own, 0.99))
    counts = [value[0] for value in per_party.values()]
    party_p99s = [value[1] for value in per_party.values()]
    slowest = max(per_party, key=lambda party: per_party[party][1])
    figures = {
        "writes_failed": failed, "missing": missing, "duplicates": duplicates, "disordered": disordered,
        "lag_p50": percentile(lags, 0.50), "lag_p99": percentile(lags, 0.99), "lag_max": max(lags) if lags else float("nan"),
        "received_min": min(counts), "received_max": max(counts),
        "party_p99_min": min(party_p99s), "party_p99_max": max(party_p99s),
        "other_messages": sum(len(other_messages.get(party, [])) for party in parties),
    }
    print("   %d partners x %d changes (%d writes refused): received per partner min %d, max %d; "
          "missing %d, duplicates %d, out of order %d, other messages %d"
          % (len(parties), count, failed, figures["received_min"], figures["received_max"], missing, duplicates, disordered,
             figures["other_messages"]))
    print("   lag, write answered -> push received: p50 %.3f s, p99 %.3f s, max %.3f s; per-partner p99 %.3f .. %.3f s (slowest %s)"
          % (figures["lag_p50"], figures["lag_p99"], figures["lag_max"], figures["party_p99_min"], figures["party_p99_max"], slowest))
    # How the lag went over the run: its p99 in each tenth of the changes (a backlog grows; a
    # stall shows in one tenth).
    tenths = [[] for _ in range(10)]
    for party in parties:
        for number, moment, _ in pushes.get(party, []):
            if number in answered:
                tenths[min(9, (number - first) * 10 // count)].append(moment - answered[number])
    print("   lag p99 by tenth of the run: %s s" % " ".join("%.2f" % percentile(tenth, 0.99) for tenth in tenths))
    if others:
        for party in others:
            received = pushes.get(party, [])
            kinds = {}
            for method, _, status in other_messages.get(party, []):
                kinds[method + " " + status] = kinds.get(method + " " + status, 0) + 1
            print("     %s: %d changes as PATCH, other messages: %s" % (party, len(set(n for n, _, _ in received)),
                                                                      ", ".join("%s x%d" % item for item in sorted(kinds.items())) or "none"))
    with open(results, "w") as file:
        for name, value in figures.items():
            file.write("%s %s\n" % (name, round(value, 3) if isinstance(value, float) else value))


def check_store(url, token, locations, writes):
    """Each EVSE written must be in the store as its last write left it."""
    last = {}
    for path in writes:
        with open(path) as file:
            for line in file:
                number, _, _, location, evse, ok = line.split()
                if ok == "1" and int(number) > last.get((location, evse), (-1,))[0]:
                    last[(location, evse)] = (int(number),)
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    wrong = 0
    for location in sorted({location for location, _ in last}):
        connection.request("GET", "%s/ocpi/cpo/2.2.1/locations/%s" % (parts.path.rstrip("/"), location), headers={"Authorization": token})
        answer = connection.getresponse()
        document = json.loads(answer.read())
        evses = {evse["uid"]: evse for evse in (document.get("data") or {}).get("evses", [])}
        for (at, uid), (number,) in last.items():
            if at != location:
                continue
            expected = json.loads(change(number, locations)[2])
            stored = evses.get(uid, {})
            if stored.get("last_updated", "")[:19] != expected["last_updated"][:19] or stored.get("status") != expected["status"]:
                wrong += 1
                if wrong <= 5:
                    print("fanout: %s is %s %s, its last write (%d) %s %s" % (uid, stored.get("status"), stored.get("last_updated"), number,
                                                                              expected["status"], expected["last_updated"]),
                          file=sys.stderr)
    print("%d %d" % (len(last), wrong))


def main():
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "write":
        url, admin_token, first, count, rate, locations, out = arguments
        write(url, admin_token, int(first), int(count), float(rate), int(locations), out)
    elif command == "slow":
        slow(int(arguments[0]), float(arguments[1]))
    elif command == "count":
        path, first, count, parties = arguments
        count_received(path, int(first), int(count), parties.split(","))
    elif command == "report":
        path, writes, first, count, parties, others, results = arguments
        report(path, writes, int(first), int(count), parties.split(","), [p for p in others.split(",") if p], results)
    elif command == "check-store":
        check_store(arguments[0], arguments[1], int(arguments[2]), arguments[3:])
    else:
        sys.exit("fanout.py: unknown command %s" % command)


if __name__ == "__main__":
    main()
