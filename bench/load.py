"""Load test: simulated call-centre operators, department staff and API clients (issue 9).

A small threaded client (stdlib ``http.client``, one keep-alive connection and a
cookie per virtual user), loopback only, bounded in time (``--minutes``,
default 10). HİM-CRM runs under gunicorn (gthread, 2 workers × 8 threads) on its
own PostgreSQL database (migrated and seeded by the ``flask`` CLI) with a
private redis-server; the per-key API rate limit is raised through
``Settings.extra`` (bench/bare_app.py), every other limit is production's.

Virtual users, each waiting ``--think`` seconds (uniform 0.5×–1.5×) between steps:

* ``--operators`` web operators (user ``operator``): the new-call form, the
  caller's card by phone, a new ticket by the form (CSRF token and all), the
  "created" page, a search by number and by phone, a ticket page;
* ``--staff`` web department staff (``fen.personel``): the inbox, a ticket of
  their department, an internal note on it (a write through the life cycle);
* ``--api`` API clients (one key each): create a ticket, list a page, read one.

Every request is classified by action; an error is a 5xx, a connection failure
or an unexpected status (e.g. a 400 on a valid form). Reported per action:
count, errors, p50 and p95 latency, and the totals.

    .venv/bin/python -m bench.load --minutes 3
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

from bench import servers
from bench.intake import PHONES, api_request, hammer, machine, ticket_body

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TICKET_LINK = re.compile(r'href="/tickets/(\d{4}-\d{6})"')
STAFF_USER = "fen.personel"
OPERATOR_USER = "operator"


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        #: per minute since ``start()``: latencies and errors (drift over the run)
        self.minutes: dict[int, list[float]] = defaultdict(list)
        self.minute_errors: dict[int, int] = defaultdict(int)
        self.started = time.monotonic()

    def start(self) -> None:
        self.started = time.monotonic()

    def record(self, action: str, ms: float, error: str | None) -> None:
        minute = int((time.monotonic() - self.started) // 60)
        with self.lock:
            self.times[action].append(ms)
            self.minutes[minute].append(ms)
            if error is not None:
                self.errors[action] += 1
                self.minute_errors[minute] += 1
                self.samples.setdefault(action, error)


class Browser:
    """One virtual user: a keep-alive connection, cookies, the page's CSRF token."""

    def __init__(self, base: str, stats: Stats) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.stats = stats

    def request(
        self,
        action: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        expect: Iterable[int] = (200,),
    ) -> tuple[int, dict[str, str], str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode({**form, "csrf_token": self.csrf}).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.stats.record(action, (time.perf_counter() - started) * 1000, type(error).__name__)
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            return 0, {}, ""
        ms = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if match := CSRF.search(text):
            self.csrf = match.group(1)
        status = response.status
        self.stats.record(action, ms, None if status in expect else f"HTTP {status}")
        return status, {k.lower(): v for k, v in response.getheaders()}, text

    def login(self, username: str) -> None:
        self.request("login form", "GET", "/login")
        status, _headers, _text = self.request(
            "login",
            "POST",
            "/login",
            form={"username": username, "password": servers.DEMO_PASSWORD},
            expect=(302, 303),
        )
        if status not in (302, 303):
            raise RuntimeError(f"{username} could not log in: {status}")


def think(rng: random.Random, mean: float, deadline: float) -> bool:
    time.sleep(min(max(0.0, deadline - time.monotonic()), mean * rng.uniform(0.5, 1.5)))
    return time.monotonic() < deadline


def operator(base: str, stats: Stats, n: int, deadline: float, mean: float) -> None:
    rng = random.Random(100 + n)
    b = Browser(base, stats)
    b.login(OPERATOR_USER)
    while think(rng, mean, deadline):
        body = ticket_body(rng)
        citizen: dict[str, str] = body["citizen"]  # type: ignore[assignment]
        phone = citizen["phone"]
        b.request("console form", "GET", "/console/")
        b.request("caller card", "GET", "/console/citizen?" + urlencode({"phone": phone}))
        if not think(rng, mean, deadline):
            break
        form = {
            "phone": phone,
            "full_name": citizen["full_name"],
            "type": "complaint",
            "description": str(body["description"]),
            "topic_code": str(body["topic_code"]),
            "district": str(body["district"]),
            "address": str(body["address"]),
            "kvkk_consent": "1",
        }
        status, headers, _ = b.request(
            "new ticket (web)", "POST", "/console/", form=form, expect=(302, 303)
        )
        location = headers.get("location", "")
        number = location.rstrip("/").rsplit("/", 1)[-1] if status in (302, 303) else ""
        if number:
            b.request("created page", "GET", f"/console/created/{number}")
            b.request("search number", "GET", "/search/?" + urlencode({"q": number}))
            b.request("ticket page", "GET", f"/tickets/{number}")
        b.request("search phone", "GET", "/search/?" + urlencode({"q": phone}))


def staff(base: str, stats: Stats, n: int, deadline: float, mean: float) -> None:
    rng = random.Random(200 + n)
    b = Browser(base, stats)
    b.login(STAFF_USER)
    while think(rng, mean, deadline):
        _status, _h, text = b.request("inbox", "GET", "/inbox/")
        numbers = TICKET_LINK.findall(text)
        if not numbers or not think(rng, mean, deadline):
            continue
        number = rng.choice(numbers)
        b.request("ticket page (staff)", "GET", f"/tickets/{number}")
        if not think(rng, mean, deadline):
            break
        b.request(
            "note (web)",
            "POST",
            f"/inbox/{number}/note",
            form={"note_text": "Ekip yönlendirildi, yarın yerinde bakılacak."},
            expect=(302, 303),
        )


def api_client(base: str, stats: Stats, key: str, n: int, deadline: float, mean: float) -> None:
    rng = random.Random(300 + n)
    b = Browser(base, stats)
    auth = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    while think(rng, mean, deadline):
        _s, _h, text = b.request(
            "API create",
            "POST",
            "/api/v1/tickets",
            body=json.dumps(ticket_body(rng)).encode(),
            headers={**auth, "Content-Type": "application/json"},
            expect=(201,),
        )
        b.request("API list", "GET", "/api/v1/tickets?limit=20", headers=auth)
        if text.startswith("{"):
            number = json.loads(text).get("number")
            if number:
                b.request("API read", "GET", f"/api/v1/tickets/{number}", headers=auth)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="himcrm_bench_load")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--operators", type=int, default=8)
    parser.add_argument("--staff", type=int, default=6)
    parser.add_argument("--api", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between steps")
    parser.add_argument("--prefill", type=int, default=20, help="seconds of API intake first")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    assert PHONES > 0

    print(machine())
    url = servers.recreate_database(args.server, args.database)
    stats = Stats()
    with (
        tempfile.TemporaryDirectory(prefix="himcrm-load-") as tmp,
        servers.private_redis() as redis_url,
    ):
        env = servers.app_env(url, redis_url, Path(tmp) / "instance")
        keys = [servers.prepare_app_database(env, client_name="load-0")]
        for n in range(1, max(1, args.api)):
            out = servers.flask_cli(
                env, "api-client", f"load-{n}", "--scope", "api", "--user", "operator"
            )
            keys.append(out.split("key: ", 1)[1].strip())
        with servers.gunicorn("bench.bare_app:make_full()", env) as (base, _):
            if args.prefill:
                filled = hammer(base, api_request(keys[0]), clients=4, seconds=args.prefill)
                print(f"prefill: {filled.ok()} tickets by the API in {args.prefill:.0f}s")
            deadline = time.monotonic() + args.minutes * 60
            threads = [
                threading.Thread(target=operator, args=(base, stats, n, deadline, args.think))
                for n in range(args.operators)
            ]
            threads += [
                threading.Thread(target=staff, args=(base, stats, n, deadline, args.think))
                for n in range(args.staff)
            ]
            threads += [
                threading.Thread(
                    target=api_client,
                    args=(base, stats, keys[n % len(keys)], n, deadline, args.think),
                )
                for n in range(args.api)
            ]
            print(
                f"{args.operators} operators, {args.staff} staff, {args.api} API clients, "
                f"think {args.think}s, {args.minutes} min"
            )
            started = time.monotonic()
            stats.start()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        with psycopg.connect(f"{args.server}/{args.database}") as conn:
            tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]  # type: ignore[index]
    if not args.keep:
        servers.drop_database(args.server, args.database)

    print()
    print("| action | requests | errors | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    everything: list[float] = []
    errors = 0
    for action in sorted(stats.times):
        values = stats.times[action]
        everything += values
        errors += stats.errors[action]
        print(
            f"| {action} | {len(values)} | {stats.errors[action]} | "
            f"{statistics.median(values):.0f} | "
            f"{pct(values, 0.95):.0f} | {max(values):.0f} |"
        )
    print(
        f"| **all** | {len(everything)} | {errors} | {statistics.median(everything):.0f} | "
        f"{pct(everything, 0.95):.0f} | {max(everything):.0f} |"
    )
    print(
        f"\n{len(everything) / elapsed:.1f} requests/s over {elapsed / 60:.1f} min; "
        f"{tickets} tickets at the end"
    )
    print("\n| minute | requests | errors | p50 ms | p95 ms |")
    print("|---:|---:|---:|---:|---:|")
    for minute in sorted(stats.minutes):
        values = stats.minutes[minute]
        print(
            f"| {minute + 1} | {len(values)} | {stats.minute_errors[minute]} | "
            f"{statistics.median(values):.0f} | {pct(values, 0.95):.0f} |"
        )
    for action, sample in stats.samples.items():
        print(f"first error of {action}: {sample}")


if __name__ == "__main__":
    main()
