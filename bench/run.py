"""``make bench``: fresh PostgreSQL database, bulk data, gunicorn, the client, a table and JSON.

Environment: ``BENCH_PG_URL`` (default ``postgres://postgres@127.0.0.1:5432``), ``BENCH_DB``
(default ``itam_bench``, dropped and recreated), ``BENCH_WORKERS`` (gunicorn workers, default 3),
``BENCH_REDIS_URL`` (the server's cache, as in production; emptied first; default Redis database 7
on 127.0.0.1, ``""`` for none).
``--small`` builds 5,000 assets and 50,000 history rows for a quick run while developing.
``--reuse`` measures the database a previous run of the same size left (migrated first, so new
indexes apply), without rebuilding it: for trying a change to the code against the same data.
"""

import argparse
import datetime
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def database(pg_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def environment(database_url: str, mail_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "ITAM_", "EMAIL_", "SECURE_", "SESSION_", "CSRF_"))
        and key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "itam.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url,
            "EMAIL_URL": f"filemail://{mail_dir}",
            "ITAM_BENCH_SQL": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def fresh_cache(redis_url: str) -> str:
    """``redis_url`` emptied, for the server's cache as in production; "" if Redis is not there."""
    if not redis_url:
        return ""
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.flushdb()
    except Exception as error:
        say(f"No Redis at {redis_url} ({error}): each gunicorn worker keeps its own cache")
        return ""
    return redis_url


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"failed: {' '.join(args)}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 assets, for development.")
    parser.add_argument(
        "--reuse", action="store_true", help="Measure the data the last run built; no rebuild."
    )
    options = parser.parse_args()
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    if not pg_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            f"error: the benchmark runs on PostgreSQL only; BENCH_PG_URL={pg_url!r} is not a "
            "postgres:// URL (SQLite's numbers would say nothing about production). Point "
            "BENCH_PG_URL at a server, e.g. postgres://postgres@127.0.0.1:5432."
        )
    name = os.environ.get("BENCH_DB", "itam_bench")
    workers = os.environ.get("BENCH_WORKERS", "3")
    database_url = f"{pg_url}/{name}"
    sizes = (
        ["--assets", "5000", "--history", "50000", "--people", "500", "--licenses", "1000"]
        if options.small
        else []
    )
    tmp = Path(tempfile.mkdtemp(prefix="itam-bench-"))
    env = environment(database_url, tmp / "mail")
    redis_url = fresh_cache(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    # The server only: the reminder run below delivers in-process (without a broker, tasks run
    # eagerly), so its time includes writing every notification and e-mail.
    server_env = {**env, "REDIS_URL": redis_url} if redis_url else env
    python = str(BIN / "python")

    size = "small" if options.small else "full"
    kept = OUT / f"built-{size}.json"
    built_file = tmp / "built.json"
    started = time.perf_counter()
    if options.reuse:
        if not kept.exists():
            raise SystemExit(f"error: --reuse needs a previous {size} run ({kept} is missing).")
        say(f"Reusing database {name} (built by the last {size} run)")
    else:
        say(f"Fresh database {name} on {pg_url}")
        try:
            database(pg_url, name)
        except Exception as error:
            raise SystemExit(f"error: PostgreSQL at {pg_url}: {error}") from None
    say("migrate; collectstatic")
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)

    reminders = []
    build_seconds = 0.0
    if options.reuse:
        say("VACUUM (ANALYZE): the last run's imports left dead rows, as autovacuum would clear")
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute("VACUUM (ANALYZE)")
        built_file.write_text(kept.read_text())
        say("Nightly reminder run skipped: the reused data's reminders were sent by its first run")
    else:
        say("Building the data (bulk inserts)")
        build_started = time.perf_counter()
        print(run([python, "-m", "bench.build", *sizes, "--out", str(built_file)], env), end="")
        build_seconds = time.perf_counter() - build_started
        OUT.mkdir(parents=True, exist_ok=True)
        kept.write_text(built_file.read_text())
        say("Nightly reminder run (in-process, all jobs) twice: first sends, second finds all sent")
        reminders = [
            json.loads(run([python, "-m", "bench.reminders"], env).strip().splitlines()[-1])
            for _ in range(2)
        ]

    say(f"gunicorn, {workers} workers")
    log = open(tmp / "gunicorn.log", "w+")  # noqa: SIM115 (open while gunicorn runs)
    command = [str(BIN / "gunicorn"), "itam.wsgi", "-w", workers, "-b", "127.0.0.1:0"]
    command += ["--timeout", "120", "--graceful-timeout", "5"]
    helped = subprocess.run([command[0], "--help"], capture_output=True, text=True).stdout
    if "--no-control-socket" in helped:
        command.append("--no-control-socket")
    web = subprocess.Popen(command, env=server_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(300):
            log.seek(0)
            found = re.search(r"Listening at: http://[\d.]+:(\d+)", log.read())
            if found:
                port = found.group(1)
                break
            if web.poll() is not None:
                break
            time.sleep(0.1)
        if port is None:
            log.seek(0)
            print(log.read()[-3000:])
            raise SystemExit("error: gunicorn did not start")
        time.sleep(1)
        say(f"Measuring from a separate process against http://127.0.0.1:{port}")
        client_out = tmp / "client.json"
        client = [python, "-m", "bench.client", "--base", f"http://127.0.0.1:{port}"]
        client += ["--built", str(built_file), "--database-url", database_url]
        client += ["--redis-url", redis_url]
        client += ["--out", str(client_out)] + (["--small"] if options.small else [])
        subprocess.run(client, env=env, cwd=ROOT, check=True)
    finally:
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()

    from bench.client import print_table

    results = json.loads(client_out.read_text())["cases"]
    for label, figures in zip(
        ("reminder run (first)", "reminder run (repeat)"), reminders, strict=False
    ):
        results.append(
            {
                "name": label,
                "n": 1,
                "median_ms": round(figures["ms"], 1),
                "p95_ms": round(figures["ms"], 1),
                "queries": (figures["queries"], figures["queries"]),
                "sql_ms": round(figures["sql_ms"], 1),
                "ratio": round(figures["ms"] / figures["sql_ms"], 1) if figures["sql_ms"] else None,
                "target_median_ms": 30000,
                "target_p95_ms": None,
                "statuses": [],
                "pass": figures["ms"] < 30000,
            }
        )
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    built = json.loads(built_file.read_text())
    report = {
        "when": stamp,
        "size": size,
        "reused": options.reuse,
        "database": name,
        "gunicorn_workers": int(workers),
        "build_seconds": round(build_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "long_tag": built["long_tag"],
        "cases": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for path in (OUT / f"results-{stamp}.json", OUT / "latest.json"):
        path.write_text(json.dumps(report, indent=2) + "\n")
    print()
    built_how = "reused" if options.reuse else f"built in {build_seconds:.0f} s"
    print(f"Data {built_how} ({size}); times in ms; ratio = page / SQL")
    print_table(results)
    misses = [r["name"] for r in results if not r["pass"]]
    print(f"\nWritten to {OUT / 'latest.json'}; {len(misses)} miss(es)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
