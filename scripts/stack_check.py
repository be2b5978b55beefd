"""The production stack, natively, end to end (run by scripts/stack_check.sh; CI runs that).

Starts gunicorn (2 workers), two Celery workers and one Celery beat against PostgreSQL and Redis
with production settings (DEBUG=0), then through the web API creates a licence that expires in 7
days, queues the daily licence job twice so both workers run it at once, and checks that exactly
one reminder was recorded and delivered: one e-mail (file backend), one inbox row. Every process
it starts is stopped and its database dropped, pass or fail. Exit status 0 only when all holds.
Static files are collected into staticfiles/ (as in production; git ignores it).

Settings (environment, all optional):
  STACK_DB           database to create and drop        (itam_stack)
  STACK_PG_URL       PostgreSQL server, no database     (postgres://postgres@127.0.0.1:5432)
  STACK_REDIS_URL    Redis database to use and flush    (redis://127.0.0.1:6379/5)
  STACK_KEEP=1       keep the temporary directory (logs, mail, beat schedule) after a pass too;
                     after a failure it is always kept, and the logs' ends are printed
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import email
import email.policy
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get("STACK_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_NAME = os.environ.get("STACK_DB", "itam_stack")
REDIS_URL = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379/5")
KEEP = os.environ.get("STACK_KEEP", "") == "1"
JOB = "license_renewals"
DEADLINE = 240  # seconds for the whole check, whatever happens (normally ~30 s)
LOCK = Path(tempfile.gettempdir()) / "itam-stack-check.lock"
# Process groups of the current run, so a run killed with SIGKILL is cleaned up by the next one.
GROUPS = Path(tempfile.gettempdir()) / "itam-stack-check.groups"

started = time.monotonic()
timings: list[tuple[str, float]] = []


class CheckFailed(Exception):
    pass


class Stopped(Exception):
    """Out of time, or a signal: stop, clean up, fail."""


def say(text: str) -> None:
    print(f"==> [{time.monotonic() - started:5.1f} s] {text}", flush=True)


def fail(text: str) -> None:
    raise CheckFailed(text)


def timed(label: str):
    class _Timer:
        def __enter__(self):
            self.t = time.monotonic()

        def __exit__(self, *exc):
            timings.append((label, time.monotonic() - self.t))

    return _Timer()


def wait_until(what: str, predicate, timeout: float, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


# --- processes --------------------------------------------------------------------------------


class Proc:
    """A long-running process in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        self.handle = log.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its children too
            preexec_fn=_die_with_parent,
        )
        with GROUPS.open("a") as groups:
            groups.write(f"{self.popen.pid}\n")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True


def _die_with_parent() -> None:
    """SIGTERM this process when the check dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_leftovers() -> None:
    """Stop the process groups a killed earlier run left behind (only ours: by id, checked)."""
    if not GROUPS.exists():
        return
    for line in GROUPS.read_text().split():
        pgid = int(line)
        try:
            command = Path(f"/proc/{pgid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"itam" in command and (b"gunicorn" in command or b"celery" in command):
            print(f"    stopping a leftover process group {pgid}: {command.decode()[:100]}")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
    GROUPS.unlink()


def stop_all(procs: list[Proc]) -> None:
    """TERM every group, wait up to 15 s for them all, then KILL what is left."""
    for proc in procs:
        proc.signal_group(signal.SIGTERM)
    end = time.monotonic() + 15
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=max(0.1, end - time.monotonic()))
    for proc in procs:
        # The group leader may be gone while a child lingers: check the group, not the leader.
        while proc.group_alive() and time.monotonic() < end:
            time.sleep(0.1)
        if proc.group_alive():
            print(f"    {proc.name} did not stop within 15 s: killing it", flush=True)
            proc.signal_group(signal.SIGKILL)
        if proc.popen.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=5)
        proc.handle.close()


def run(label: str, args: list[str], env: dict, timeout: float = 120) -> str:
    """A short command; its output, or a failure that shows it."""
    with timed(label):
        try:
            done = subprocess.run(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            fail(f"{label}: still running after {timeout:.0f} s")
    if done.returncode != 0:
        fail(f"{label} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def django(label: str, code: str, env: dict) -> dict:
    """Run ``code`` in ``manage.py shell``; it prints one JSON object as its last line."""
    out = run(label, [str(BIN / "python"), "manage.py", "shell", "--no-imports", "-c", code], env)
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (IndexError, ValueError):
        fail(f"{label}: expected JSON, got:\n{out}")


# --- services ---------------------------------------------------------------------------------


def database(action: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=10, socket_connect_timeout=10)
    client.flushdb()
    client.close()


# --- HTTP -------------------------------------------------------------------------------------


def http(method: str, url: str, data: dict | None = None, token: str = "") -> tuple[int, str]:
    headers = {"Accept": "application/json"} if "/api/" in url else {}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


# --- what the logs say ------------------------------------------------------------------------

SUCCEEDED = re.compile(
    r"^\[(?P<when>[\d-]+ [\d:,]+): \w+/[\w-]+\] Task (?P<task>[\w.]+)\[(?P<id>[\w-]+)\] "
    r"succeeded in (?P<secs>[\d.]+)s: (?P<result>.*)$",
    re.M,
)
RECEIVED = re.compile(
    r"^\[(?P<when>[\d-]+ [\d:,]+): \w+/[\w-]+\] Task (?P<task>[\w.]+)\[(?P<id>[\w-]+)\] received",
    re.M,
)
TROUBLE = re.compile(r"Traceback|\] Task .* raised|ERROR/|CRITICAL/")


def stamp(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f")


def task_runs(workers: list[Proc]) -> list[dict]:
    runs = []
    for proc in workers:
        text = proc.text()
        received = {m["id"]: stamp(m["when"]) for m in RECEIVED.finditer(text)}
        for m in SUCCEEDED.finditer(text):
            try:
                result = ast.literal_eval(m["result"])
            except (ValueError, SyntaxError):
                result = m["result"]
            end = stamp(m["when"])
            runs.append(
                {
                    "worker": proc.name,
                    "task": m["task"],
                    "result": result,
                    "received": received.get(m["id"], end),
                    "seconds": float(m["secs"]),
                    "end": end,
                }
            )
    return runs


def job_runs(runs: list[dict]) -> list[dict]:
    return [
        r
        for r in runs
        if r["task"] == "itam.tasks.run_reminder_job"
        and isinstance(r["result"], dict)
        and r["result"].get("job") == JOB
    ]


def deliveries(runs: list[dict]) -> list[dict]:
    return [r for r in runs if r["task"] == "itam.tasks.deliver_notification"]


def mail_messages(directory: Path) -> list[email.message.EmailMessage]:
    """Every message the file backend wrote (it may append several to one file)."""
    messages = []
    if not directory.is_dir():
        return messages
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in sorted(directory.iterdir()):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


# --- the check --------------------------------------------------------------------------------


def check(tmp: Path, procs: list[Proc]) -> list[str]:
    summary = []
    mail_dir = tmp / "mail"
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the caller's app settings leaks in (CI exports its own DATABASE_URL).
        if not key.startswith(
            ("DJANGO_", "CELERY_", "ITAM_", "EMAIL_", "SECURE_", "SESSION_", "CSRF_", "AXES_")
        )
        and key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "itam.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on the loopback: no redirect to https. The session and CSRF cookies stay
            # Secure (the production defaults); the checks below never need them.
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
            "REDIS_URL": REDIS_URL,
            "EMAIL_URL": f"filemail://{mail_dir}",
            "DEFAULT_FROM_EMAIL": "itam@stack-check.invalid",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    time_zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE") or "UTC")
    if os.environ.get("TIME_ZONE"):
        env["TIME_ZONE"] = os.environ["TIME_ZONE"]
    # Beat's daily time half a day away, so it never fires its own runs during the check.
    later = datetime.datetime.now(time_zone) + datetime.timedelta(hours=12)
    env["ITAM_REMINDER_TIME"] = later.strftime("%H:%M")

    say(f"Fresh database {DB_NAME} and Redis {REDIS_URL} (flushed)")
    with timed("database and Redis"):
        try:
            database("create")
        except Exception as error:
            fail(f"PostgreSQL at {PG_URL}: {error}")
        try:
            flush_redis()
        except Exception as error:
            fail(f"Redis at {REDIS_URL}: {error}")

    say("migrate; collectstatic (DEBUG=0: WhiteNoise serves the manifest's files)")
    run("migrate", [str(BIN / "python"), "manage.py", "migrate", "--noinput"], env, 300)
    run(
        "collectstatic",
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env,
        300,
    )

    password = secrets.token_urlsafe(16)
    product = f"Stack Check Suite {secrets.token_hex(3)}"
    say("One IT staff member with an e-mail address (the only person in the database)")
    person = django(
        "create IT user",
        f"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
User = get_user_model()
assert not User.objects.exists(), "a fresh database has nobody in it"
user = User.objects.create_user("stack-it", "stack-it@example.com", {password!r},
                                first_name="Stack", last_name="Check")
user.groups.add(Group.objects.get(name="IT staff"))
print(json.dumps({{"id": user.pk, "email": user.email}}))
""",
        env,
    )

    # --- the processes ---
    say("Starting gunicorn (2 workers), Celery workers w1 and w2, Celery beat")
    gunicorn = [str(BIN / "gunicorn"), "itam.wsgi", "-w", "2", "-b", "127.0.0.1:0"]
    gunicorn += ["--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "30"]
    if "--no-control-socket" in run("gunicorn --help", [str(BIN / "gunicorn"), "--help"], env):
        gunicorn.append("--no-control-socket")  # gunicorn 24+: else a shared ~/.gunicorn socket
    with timed("processes ready"):
        web = Proc("gunicorn", gunicorn, env, tmp / "gunicorn.log")
        procs.append(web)
        workers = []
        for name in ("w1", "w2"):
            worker = Proc(
                name,
                [
                    *(str(BIN / "celery"), "-A", "itam", "worker", "-n", f"{name}@%h"),
                    *("-c", "1", "--prefetch-multiplier", "1", "-l", "info"),
                ],
                env,
                tmp / f"{name}.log",
            )
            procs.append(worker)
            workers.append(worker)
        (tmp / "beat").mkdir()
        beat = Proc(
            "beat",
            [
                *(str(BIN / "celery"), "-A", "itam", "beat", "-l", "debug"),
                *("-s", str(tmp / "beat" / "celerybeat-schedule")),
                *("--pidfile", str(tmp / "beat" / "beat.pid")),
            ],
            env,
            tmp / "beat.log",
        )
        procs.append(beat)

        def logged(proc: Proc, pattern: str):
            """What ``proc`` logged matching ``pattern``; fails at once if any process died."""
            for each in procs:
                if not each.alive():
                    fail(f"{each.name} exited early (status {each.popen.returncode})")
            return re.search(pattern, proc.text())

        port = wait_until(
            "gunicorn listening", lambda: logged(web, r"Listening at: http://[\d.]+:(\d+)"), 30
        )[1]
        base = f"http://127.0.0.1:{port}"
        for worker in workers:
            wait_until(
                f"Celery worker {worker.name} ready",
                lambda w=worker: logged(w, rf"{w.name}@\S+ ready\."),
                60,
            )
        wait_until("beat started", lambda: logged(beat, r"beat: Starting\.\.\."), 30)
    summary.append(f"gunicorn on {base}; workers w1, w2 ready; beat started")

    # --- the web answers ---
    say(f"GET {base}/accounts/login/")
    with timed("HTTP checks"):
        status, page = wait_until(
            "login page",
            lambda: (r := http("GET", f"{base}/accounts/login/"))[0] and r,
            30,
        )
        if status != 200:
            fail(f"GET /accounts/login/ answered {status}, not 200:\n{page[:2000]}")
        sheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
        if sheets:
            status, _ = http("GET", base + sheets[0])
            if status != 200:
                fail(f"GET {sheets[0]} (WhiteNoise) answered {status}, not 200")
        summary.append(
            "web: login page 200" + (f", {sheets[0]} 200 (WhiteNoise)" if sheets else "")
        )

        say("API token, then a licence that expires in 7 days (POST /api/v1/licenses/)")
        status, body = http(
            "POST", f"{base}/api/v1/auth/token/", {"username": "stack-it", "password": password}
        )
        if status != 200:
            fail(f"POST /api/v1/auth/token/ answered {status}, not 200: {body[:1000]}")
        token = json.loads(body)["token"]
        expires = datetime.datetime.now(time_zone).date() + datetime.timedelta(days=7)
        status, body = http(
            "POST",
            f"{base}/api/v1/licenses/",
            {
                "product": product,
                "seats": 5,
                "expires_on": expires.isoformat(),
                "key": "STACK-CHECK-0000",
            },
            token,
        )
        if status != 201:
            fail(
                f"POST /api/v1/licenses/ answered {status}, not 201 Created: the licence API "
                f"(issue 5) must create a licence from "
                f'{{"product", "seats", "expires_on", "key"}}.\n{body[:2000]}'
            )
        license_id = json.loads(body)["id"]
        summary.append(f"API: token, licence #{license_id} {product!r} expiring {expires}")

    # --- the daily job, twice at once ---
    say(f"send_reminders --job {JOB} --enqueue --times 2 (both workers take one)")
    enqueued = time.monotonic()
    run(
        "enqueue",
        [
            *(str(BIN / "python"), "manage.py", "send_reminders", "--job", JOB),
            *("--enqueue", "--times", "2"),
        ],
        env,
    )

    def finished():
        for proc in procs:
            if not proc.alive():
                fail(f"{proc.name} exited (status {proc.popen.returncode})")
        runs = task_runs(workers)
        return len(job_runs(runs)) >= 2 and len(deliveries(runs)) >= 1

    wait_until("two job runs and a delivery", finished, 60)
    timings.append(("job runs and delivery", time.monotonic() - enqueued))
    time.sleep(2)  # anything sent twice would show now

    runs = task_runs(workers)
    jobs, sent = job_runs(runs), deliveries(runs)
    for worker in workers:
        trouble = [line for line in worker.text().splitlines() if TROUBLE.search(line)]
        if trouble:
            fail(f"{worker.name} logged errors:\n" + "\n".join(trouble[:20]))
    if len(jobs) != 2:
        fail(f"expected 2 runs of {JOB}, the workers logged {len(jobs)}")
    by_worker = sorted(run["worker"] for run in jobs)
    recorded = sorted(run["result"].get("recorded") for run in jobs)
    if recorded != [0, 1]:
        fail(f"expected one run to record 1 reminder and the other 0, got {recorded}")
    if by_worker != ["w1", "w2"]:
        # Which worker takes which message is Redis's and Celery's business; one recording is
        # what matters. Say so rather than fail: the race itself is tested in the suite.
        summary.append(f"note: both runs went to {by_worker[0]} this time")
    if len(sent) != 1 or sent[0]["result"] != 1:
        fail(f"expected one deliver_notification telling 1 person, got {sent}")
    first, second = sorted(jobs, key=lambda run: run["received"])
    overlap = (first["end"] - second["received"]).total_seconds()
    summary.append(
        "jobs: "
        + ", ".join(
            f"{r['worker']} recorded {r['result']['recorded']} ({r['seconds'] * 1000:.0f} ms)"
            for r in sorted(jobs, key=lambda run: run["worker"])
        )
        + f"; started {(second['received'] - first['received']).total_seconds() * 1000:.0f} ms"
        + " apart"
        + (", ran concurrently" if overlap >= 0 else "")
        + f"; deliver_notification on {sent[0]['worker']}"
    )

    # --- what was recorded and delivered ---
    state = django(
        "read the database",
        """
import json
from django.conf import settings
from itam.models import Notification, Reminder
print(json.dumps({
    "reminders": list(Reminder.objects.values("kind", "object_id", "due_on")),
    "notifications": list(Notification.objects.values("recipient_id", "kind", "subject")),
    "schedule": sorted(settings.CELERY_BEAT_SCHEDULE),
}, default=str))
""",
        env,
    )
    reminders, notes = state["reminders"], state["notifications"]
    want = {"kind": "license_renewal_7", "object_id": license_id, "due_on": expires.isoformat()}
    if reminders != [want]:
        fail(f"expected exactly one Reminder {want}, found {reminders}")
    if len(notes) != 1 or notes[0]["recipient_id"] != person["id"]:
        fail(f"expected one inbox Notification for the IT user, found {notes}")
    if product not in notes[0]["subject"]:
        fail(f"the inbox subject does not name the licence: {notes[0]['subject']!r}")
    messages = mail_messages(mail_dir)
    if len(messages) != 1:
        fail(f"expected exactly one e-mail in {mail_dir}, found {len(messages)}")
    subject, to = str(messages[0]["Subject"]).strip(), str(messages[0]["To"])
    if product not in subject or to != person["email"]:
        fail(f"the e-mail is not about {product!r} to {person['email']}: {subject!r} to {to}")
    summary.append(f"recorded: 1 Reminder {want['kind']}; 1 inbox row; 1 e-mail to {to}")
    summary.append(f"e-mail subject: {subject!r}")

    # --- beat ---
    names = [name for name in state["schedule"] if name.startswith("reminders-")]
    if len(names) != 6:
        fail(f"CELERY_BEAT_SCHEDULE should hold six reminder jobs, it holds {names}")
    text = beat.text()
    missing = [name for name in names if f"<ScheduleEntry: {name} " not in text]
    if not beat.alive():
        fail(f"beat exited (status {beat.popen.returncode})")
    if missing:
        fail(f"beat's log does not list {missing} in its schedule")
    trouble = [line for line in text.splitlines() if TROUBLE.search(line)]
    if trouble:
        fail("beat logged errors:\n" + "\n".join(trouble[:20]))
    summary.append(f"beat: alive, schedule lists {len(names)} jobs ({', '.join(names)})")
    for proc in procs:
        if not proc.alive():
            fail(f"{proc.name} exited (status {proc.popen.returncode})")
    return summary


def main() -> int:
    def stop(signum, frame):
        if signum == signal.SIGALRM:
            raise Stopped(f"the stack check took more than {DEADLINE} s")
        raise Stopped(f"stopped by signal {signal.Signals(signum).name}")

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGALRM):
        signal.signal(sig, stop)

    if not (BIN / "gunicorn").exists() or not (BIN / "celery").exists():
        print(f"error: {BIN} has no gunicorn or celery: run scripts/stack_check.sh", flush=True)
        return 2
    lock = LOCK.open("w")
    if not _try_lock(lock):
        say(f"Another stack check is running: waiting for it ({LOCK})")
        try:
            wait_until("the lock", lambda: _try_lock(lock), 180, 0.5)
        except (CheckFailed, Stopped) as error:
            print(f"error: {error}: another stack check is running", flush=True)
            return 1
    signal.alarm(DEADLINE)
    stop_leftovers()
    tmp = Path(tempfile.mkdtemp(prefix="itam-stack-"))
    procs: list[Proc] = []
    status, summary = 1, []
    try:
        summary = check(tmp, procs)
        status = 0
    except (CheckFailed, Stopped) as error:
        print(f"\nSTACK CHECK FAILED: {error}\n", flush=True)
    except Exception as error:
        print(f"\nSTACK CHECK FAILED: {type(error).__name__}: {error}\n", flush=True)
        import traceback

        traceback.print_exc()
    finally:
        signal.alarm(0)
        # Cleanup must finish even if a second signal arrives.
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        if status != 0:
            for proc in procs:
                lines = proc.text().splitlines()
                print(f"----- {proc.name} log, last 60 of {len(lines)} lines -----")
                print("\n".join(lines[-60:]), flush=True)
        say(f"Stopping {len(procs)} processes")
        with timed("stop"):
            stop_all(procs)
        GROUPS.unlink(missing_ok=True)
        for what, cleanup in ((DB_NAME, lambda: database("drop")), (REDIS_URL, flush_redis)):
            try:
                cleanup()
            except Exception as error:
                print(f"warning: cleaning up {what}: {error}", flush=True)
                status = status or 1
        if KEEP or status != 0:
            print(f"Logs, mail and beat schedule kept in {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        lock.close()
    total = time.monotonic() - started
    if status == 0:
        print("\nStack check passed:")
        for line in summary:
            print(f"  {line}")
    print("Timings: " + ", ".join(f"{label} {secs:.1f} s" for label, secs in timings))
    print(f"Stack check {'passed' if status == 0 else 'FAILED'} in {total:.1f} s", flush=True)
    return status


def _try_lock(lock) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
