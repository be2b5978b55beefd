"""The benchmark's client: a separate process that times the served app over HTTP.

Reads what ``bench.build`` made (``--built``), measures each case after a warm-up, reads the
server's ``X-Bench-Queries`` / ``X-Bench-SQL-ms`` headers (the server runs with
``ITAM_BENCH_SQL=1``) and prints one table. Plain ``http.client``: no Django in this process.
"""

import argparse
import datetime
import http.client
import json
import re
import statistics
import time
import urllib.parse
import uuid
from dataclasses import asdict, dataclass, field


@dataclass
class Case:
    name: str
    target_median_ms: float | None
    target_p95_ms: float | None = None
    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        ordered = sorted(self.samples_ms)
        median = statistics.median(ordered) if ordered else None
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else None
        sql = statistics.median(self.sql_ms) if self.sql_ms else None
        passed = (
            median is not None
            and all(s < 400 for s in self.statuses)
            and (self.target_median_ms is None or median < self.target_median_ms)
            and (self.target_p95_ms is None or p95 < self.target_p95_ms)
        )
        return {
            "name": self.name,
            "n": len(ordered),
            "median_ms": round(median, 1) if median is not None else None,
            "p95_ms": round(p95, 1) if p95 is not None else None,
            "queries": (min(self.queries), max(self.queries)) if self.queries else None,
            "sql_ms": round(sql, 1) if sql is not None else None,
            "ratio": round(median / sql, 1) if median and sql else None,
            "target_median_ms": self.target_median_ms,
            "target_p95_ms": self.target_p95_ms,
            "statuses": sorted(set(self.statuses)),
            "pass": passed,
        }


class Session:
    """One HTTP connection with a cookie jar of one site, or a token."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port, self.token = host, port, token
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        headers["Host"] = "127.0.0.1"
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
        return response, data, elapsed

    def login(self, username: str, password: str) -> None:
        response, data, _ = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data).group(1).decode()
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        response, _, _ = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": "http://127.0.0.1/accounts/login/",
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} failed: HTTP {response.status}")


def measure(
    case: Case,
    session: Session,
    method: str,
    path: str,
    *,
    n: int,
    warm: int = 2,
    body: bytes | None = None,
    headers=None,
    after=None,
    before=None,
) -> Case:
    for i in range(warm + n):
        if before:
            before()
        response, data, elapsed = session.request(method, path, body, headers)
        if after:
            after()
        if i < warm:
            continue
        case.samples_ms.append(elapsed)
        case.statuses.append(response.status)
        if response.status >= 400:
            print(f"    {case.name}: HTTP {response.status}: {data[:300]!r}")
        queries = response.getheader("X-Bench-Queries")
        if queries is not None:
            case.queries.append(int(queries))
            case.sql_ms.append(float(response.getheader("X-Bench-SQL-ms")))
    return case


def multipart(fields: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, (filename, content, kind) in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def import_csv(rows: int) -> bytes:
    lines = ["Asset Tag,Name,Category,Serial Number,Status,Purchase Date,Cost"]
    lines += [
        f"IMP-{i:06d},Imported laptop {i},Laptops,IMPSER{i:06d},In stock,2024-03-01,999.00"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def run(base: str, built: dict, *, small: bool, reset_import, forget_counts=None) -> list[Case]:
    parsed = urllib.parse.urlsplit(base)
    host, port = parsed.hostname, parsed.port
    page = Session(host, port)
    page.login(built["it_username"], built["password"])
    api = Session(host, port, token=built["token"])
    n = 20 if small else 40
    cases = []

    week_ago = (datetime.date.today() - datetime.timedelta(days=7)).isoformat()
    registers = [
        (
            "register: deployed, by purchase date desc",
            "/assets/?status=deployed&ordering=-purchase_date",
        ),
        ("register: laptops by name, page 20", "/assets/?category=laptops&ordering=name&page=20"),
        (
            "register: building + search, 100/page",
            f"/assets/?location={built['audit_location_ids'][0]}&q=Laptop&page_size=100",
        ),
        ("register: all by tag, page 500", "/assets/?ordering=tag&page=500"),
        ("register: part of a serial number", "/assets/?q=0054321"),
        ("register: as of 7 days ago, page 20", f"/assets/?as_of={week_ago}&page=20"),
    ]
    for name, path in registers:
        print(f"  {name}")
        cases.append(measure(Case(name, 60, 150), page, "GET", path, n=n))

    # The register as of a past day keeps its count (itam.paging): the case above reads it from
    # the cache; this one empties the cache before each request, as a first visit of a day.
    if forget_counts:
        print("  register as of 7 days ago, page 20, count not kept")
        cases.append(
            measure(
                Case("register: as of 7 days ago, first visit", 60, 150),
                page,
                "GET",
                f"/assets/?as_of={week_ago}&page=20",
                n=min(n, 20),
                warm=1,
                before=forget_counts,
            )
        )

    print("  asset page, 500 history entries")
    cases.append(
        measure(
            Case("asset page (500 history)", 100), page, "GET", f"/assets/{built['long_tag']}/", n=n
        )
    )
    print("  API list")
    cases.append(
        measure(Case("API list, page 10", 60, 150), api, "GET", "/api/v1/assets/?page=10", n=n)
    )

    print("  tag sheet, 1,000 labels")
    tags = "\n".join(f"IT-{i:06d}" for i in range(1, 1001))
    body = urllib.parse.urlencode({"tags": tags}).encode()
    cases.append(
        measure(
            Case("tag sheet PDF, 1,000 labels", 2000),
            api,
            "POST",
            "/audits/tag-sheet.pdf",
            n=3 if small else 5,
            warm=1,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    )

    print("  CSV import, 10,000 rows")
    payload, kind = multipart({"file": ("bench.csv", import_csv(10_000), "text/csv")})
    reset_import()
    cases.append(
        measure(
            Case("CSV import, 10,000 rows", 15000),
            api,
            "POST",
            "/api/v1/imports/assets/?create=1",
            n=2 if small else 3,
            warm=0,
            body=payload,
            headers={"Content-Type": kind},
            after=reset_import,
        )
    )

    print("  audit scans")
    audit = built["audit_ids"][0]
    scan_tags = iter(built["scan_tags"])
    case = Case("audit scan", 30)
    for i in range(n + 2):
        body = json.dumps({"tag": next(scan_tags)}).encode()
        one = measure(
            Case("scan", None),
            api,
            "POST",
            f"/api/v1/audits/{audit}/scans/",
            n=1,
            warm=0,
            body=body,
            headers={"Content-Type": "application/json"},
        )
        if i >= 2:
            for attr in ("samples_ms", "queries", "sql_ms", "statuses"):
                getattr(case, attr).extend(getattr(one, attr))
    cases.append(case)
    return cases


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'case':44} {'n':>3} {'median':>8} {'p95':>8} {'queries':>9} {'SQL ms':>8} "
        f"{'ratio':>6} {'target':>12}  result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        queries = row["queries"]
        q = (
            ""
            if not queries
            else (f"{queries[0]}" if queries[0] == queries[1] else f"{queries[0]}-{queries[1]}")
        )
        target = ""
        if row["target_median_ms"]:
            target = f"<{row['target_median_ms']:g}"
            if row.get("target_p95_ms"):
                target += f"/{row['target_p95_ms']:g}"
        print(
            f"{row['name']:44} {row['n']:>3} {row['median_ms'] or '':>8} {row['p95_ms'] or '':>8} "
            f"{q:>9} {row['sql_ms'] if row['sql_ms'] is not None else '':>8} "
            f"{row['ratio'] or '':>6} {target:>12}  {'pass' if row['pass'] else 'MISS'}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--built", required=True)
    parser.add_argument("--database-url", required=True, help="To remove the imports' assets.")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--redis-url", default="", help="The server's cache, to empty.")
    parser.add_argument("--out", required=True, help="Write the case summaries here (JSON).")
    args = parser.parse_args()
    import psycopg

    with open(args.built) as handle:
        built = json.load(handle)
    db = psycopg.connect(args.database_url, autocommit=True)

    def reset_import() -> None:
        """Remove what the import made so each run starts from the same register."""
        with db.cursor() as cursor:
            cursor.execute("DELETE FROM assets_historicalasset WHERE tag LIKE 'IMP-%%'")
            cursor.execute("DELETE FROM assets_asset WHERE tag LIKE 'IMP-%%'")

    forget_counts = None
    if args.redis_url:
        import redis

        cache = redis.Redis.from_url(args.redis_url)

        def forget_counts() -> None:
            """Empty the server's cache (only the benchmark's database uses it)."""
            cache.flushdb()

    cases = run(
        args.base, built, small=args.small, reset_import=reset_import, forget_counts=forget_counts
    )
    rows = [c.summary() for c in cases]
    with open(args.out, "w") as handle:
        json.dump({"cases": rows, "raw": [asdict(c) for c in cases]}, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
