#!/usr/bin/env bash
# schemathesis against the running app, once per role: no 500 ever, and every response as the
# OpenAPI schema says (status code documented, body, headers and content type conforming).
#
#   ./scripts/fuzz_api.sh            (test.sh runs it after pytest; ITAM_SKIP_FUZZ=1 skips it there,
#                                     except in CI)
#
# Makes its own database beside DATABASE_URL's (PostgreSQL: "<name>_fuzz", dropped and made again;
# SQLite or no DATABASE_URL: a temporary file), migrates it, seeds the demo organisation, starts
# gunicorn with production settings (DEBUG=0) but plain HTTP on a free loopback port, gets a token
# for one demo person per role through POST /api/v1/auth/token/, then runs schemathesis over
# /api/v1/schema/ as Employees, Managers, Auditors and IT staff in turn (IT staff last but one:
# they may change the most), then as an administrator on what only administrators may do. The checks and phases are in scripts/fuzz_api.toml. Everything it starts is
# stopped, and its database dropped, pass or fail. Exit status 0 only when every role passed.
#
# Not fuzzed, on purpose:
# - /api/v1/auth/... (token login, and any token logout): every fuzzed login is a failed sign-in
#   that django-axes counts, so the run would lock itself out; the tokens it uses are taken from
#   that endpoint, and its lockout (429) is tested in the suite.
#
# Settings (environment, all optional):
#   FUZZ_SECONDS     time budget per role for schemathesis      (IT staff 70, Employees and
#                    Managers 32, Auditors 28, Administrators 20; the whole script ~3.7 min).
#                    A deeper look before a release:
#                    FUZZ_SECONDS=300 FUZZ_SEED=random ./scripts/fuzz_api.sh
#   FUZZ_SEED        schemathesis's seed; "random" for a new one  (a fixed seed: CI is repeatable)
#   FUZZ_WORKERS     schemathesis workers per role                (2)
#   FUZZ_ROLES       which roles, comma-separated  (Employees,Managers,Auditors,IT staff,Administrators)
#   FUZZ_ASSETS      demo assets to seed                          (80)
#   FUZZ_KEEP=1      keep the temporary directory (logs, reports) after a pass too
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

started=$SECONDS
# IT staff may write almost everything, so they get the most time; the other roles mostly meet
# their 403s and what they may see.
declare -A ROLE_SECONDS=(
    [Employees]=32 [Managers]=32 [Auditors]=28 ["IT staff"]=70 [Administrators]=20
)
# Administrators (superusers, not a group) only on what only they may do: budgets, and deleting
# catalogue entries; the rest they share with IT staff.
declare -A ROLE_ONLY=(
    [Administrators]='^/api/v1/(budgets|categories|manufacturers|asset-models|vendors|locations|departments)/'
)
SEED="${FUZZ_SEED:-20260801}"
WORKERS="${FUZZ_WORKERS:-2}"
ROLES="${FUZZ_ROLES:-Employees,Managers,Auditors,IT staff,Administrators}"
ASSETS="${FUZZ_ASSETS:-80}"
declare -A DEMO_USER=(
    [Employees]=sam.taylor
    [Managers]=maria.garcia
    [Auditors]=olivia.reed
    ["IT staff"]=priya.shah
    [Administrators]=admin
)
DEMO_PASSWORD=itam-demo  # README, "Demo logins": every demo person's password

ensure_venv
PY="$VENV/bin/python"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/itam-fuzz.XXXXXX")"
GUNICORN_PID=""
FUZZ_DB_URL=""
status=1

# --- the database: PostgreSQL beside DATABASE_URL's, else a SQLite file in $TMP --------------
case "${DATABASE_URL:-}" in
    postgres://* | postgresql://* | pgsql://*)
        FUZZ_DB_URL="$("$PY" -c '
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
name = url.path.lstrip("/") or "itam"
print(url._replace(path="/" + name + "_fuzz").geturl())
' "$DATABASE_URL")"
        ;;
    *) FUZZ_DB_URL="sqlite:///$TMP/fuzz.sqlite3" ;;
esac

postgres_db() {  # postgres_db create|drop: the fuzz database, through psycopg (no psql needed)
    "$PY" - "$1" "$FUZZ_DB_URL" <<'EOF'
import sys, urllib.parse
import psycopg

action, url = sys.argv[1], urllib.parse.urlsplit(sys.argv[2])
name = url.path.lstrip("/")
server = url._replace(path="/postgres").geturl()
with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if action == "create":
        conn.execute(f'CREATE DATABASE "{name}"')
EOF
}

cleanup() {
    local code=$?
    trap - EXIT INT TERM HUP
    if [ -n "$GUNICORN_PID" ]; then
        # gunicorn runs in its own session: stop its whole group (master and workers), by id.
        kill -TERM -- "-$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 -- "-$GUNICORN_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$GUNICORN_PID" 2>/dev/null || true
    fi
    if [[ "$FUZZ_DB_URL" == postgres* ]]; then
        postgres_db drop || echo "warning: could not drop the fuzz database" >&2
    fi
    if [ "${FUZZ_KEEP:-}" = 1 ] || [ "$status" != 0 ]; then
        echo "Logs and reports kept in $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Production settings (DEBUG=0) on plain HTTP: nothing of the caller's app settings leaks in.
while IFS= read -r name; do
    case "$name" in
        DJANGO_* | CELERY_* | ITAM_* | EMAIL_* | SECURE_* | SESSION_* | CSRF_* | AXES_*) unset "$name" ;;
    esac
done < <(compgen -e)
export DJANGO_SETTINGS_MODULE=itam.settings
export DEBUG=0
export SECRET_KEY="fuzz-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(40))')"
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=0
export DATABASE_URL="$FUZZ_DB_URL"
export REDIS_URL=""  # Celery tasks run in-process: what they do is fuzzed too, and nothing queues
export EMAIL_URL="filemail://$TMP/mail"
export PYTHONUNBUFFERED=1

say "API fuzz: database $(describe_database), seed $SEED"
if [[ "$FUZZ_DB_URL" == postgres* ]]; then
    postgres_db create
fi
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo --assets "$ASSETS" >"$TMP/seed.log"
"$PY" manage.py collectstatic --noinput -v 0  # DEBUG=0: WhiteNoise serves the manifest's files

# --- gunicorn on a free port (port 0: the kernel picks; its log says which) -------------------
# Two workers as in production; one on SQLite, which lets one writer in at a time (a second
# would wait, then fail with "database is locked": a limit of the quick start's database).
GUNICORN_WORKERS=2
[[ "$FUZZ_DB_URL" == postgres* ]] || GUNICORN_WORKERS=1
gunicorn_args=(itam.wsgi -w "$GUNICORN_WORKERS" -b 127.0.0.1:0 --timeout 30 --graceful-timeout 5)
# No length limit on the request line or a header (0): schemathesis makes URLs of several KB, which
# gunicorn would answer itself (414, in HTML) before the app sees them; the app must cope.
gunicorn_args+=(--limit-request-line 0 --limit-request-field_size 0)
gunicorn_args+=(--access-logfile "$TMP/access.log" --error-logfile "$TMP/gunicorn.log")
if "$VENV/bin/gunicorn" --help | grep -q -- --no-control-socket; then
    gunicorn_args+=(--no-control-socket)  # gunicorn 24+: else a shared ~/.gunicorn socket
fi
setsid "$VENV/bin/gunicorn" "${gunicorn_args[@]}" </dev/null >"$TMP/gunicorn.out" 2>&1 &
GUNICORN_PID=$!
PORT=""
for _ in $(seq 150); do
    PORT="$(sed -n 's/.*Listening at: http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/gunicorn.log" 2>/dev/null | head -1 || true)"
    [ -n "$PORT" ] && break
    kill -0 "$GUNICORN_PID" 2>/dev/null || break
    sleep 0.2
done
if [ -z "$PORT" ]; then
    echo "error: gunicorn did not start; its log:" >&2
    cat "$TMP/gunicorn.log" "$TMP/gunicorn.out" >&2 || true
    exit 1
fi
BASE="http://127.0.0.1:$PORT"
say "gunicorn on $BASE, workers: $GUNICORN_WORKERS"

token_for() {  # token_for USERNAME: an API token through the real login endpoint
    "$PY" - "$BASE/api/v1/auth/token/" "$1" "$DEMO_PASSWORD" <<'EOF'
import json, sys, urllib.request

url, username, password = sys.argv[1:]
body = json.dumps({"username": username, "password": password}).encode()
request = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    print(json.load(response)["token"])
EOF
}

# The demo has no loaner pools: IT staff put three in-stock assets in pools and book one for an
# employee, through the API, so the reservation and pool operations meet real data too.
"$PY" - "$BASE/api/v1" "$(token_for "${DEMO_USER["IT staff"]}")" "${DEMO_USER[Employees]}" <<'EOF'
import datetime, json, sys, urllib.request

base, token, employee = sys.argv[1:]


def call(method, path, body=None):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


stock = call("GET", "/assets/?status=in_stock&ordering=tag&page_size=3")["results"]
for asset in stock:
    call("POST", "/loaner-pools/add/", {"tag": asset["tag"], "reason": "API fuzz data"})
if stock:
    start = datetime.date.today() + datetime.timedelta(days=2)
    call("POST", "/reservations/", {
        "asset": stock[0]["tag"], "person": employee,
        "starts_on": str(start), "ends_on": str(start + datetime.timedelta(days=3)),
    })
print(f"    {len(stock)} assets put in loaner pools, one booked for {employee}")
EOF

# --- schemathesis, once per role ---------------------------------------------------------------
seed_args=()
[ "$SEED" = random ] || seed_args=(--seed "$SEED")
declare -a SUMMARY=()
failed_roles=()
IFS=, read -r -a roles <<<"$ROLES"
for role in "${roles[@]}"; do
    user="${DEMO_USER[$role]:-}"
    if [ -z "$user" ]; then
        echo "error: unknown role '$role' in FUZZ_ROLES (known: ${!DEMO_USER[*]})" >&2
        exit 2
    fi
    seconds="${FUZZ_SECONDS:-${ROLE_SECONDS[$role]}}"
    only=()
    if [ -n "${ROLE_ONLY[$role]:-}" ]; then
        only=(--include-path-regex "${ROLE_ONLY[$role]}")
    fi
    token="$(token_for "$user")"
    slug="${role// /-}"
    log="$TMP/$slug.log"
    say "schemathesis as $role ($user), $seconds s"
    role_started=$SECONDS
    role_status=0
    # Run from $TMP so nothing (reports, caches) lands in the checkout.
    (
        cd "$TMP"
        "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/fuzz_api.toml" run \
            "$BASE/api/v1/schema/" \
            --header "Authorization: Token $token" \
            --exclude-path-regex '^/api/v1/auth/' \
            "${only[@]}" \
            --max-time "$seconds" \
            --workers "$WORKERS" \
            --request-timeout 30 \
            --continue-on-failure \
            --no-color \
            --report junit --report-dir "$TMP/reports-$slug" \
            "${seed_args[@]}"
    ) >"$log" 2>&1 || role_status=$?
    took=$((SECONDS - role_started))
    tested="$(sed -n 's/^ *Tested: *//p' "$log" | head -1)"
    cases="$(grep -E '^ *[0-9]+ generated' "$log" | head -1 | sed 's/^ *//')"
    line="$role ($user): ${tested:-?} operations tested; ${cases:-no test cases reported}; ${took} s"
    if [ "$role_status" != 0 ]; then
        failed_roles+=("$role")
        line="FAILED $line"
        echo "----- schemathesis as $role: exit $role_status; its output -----"
        # The failures come first and can be long: the first 1,500 lines, then the summary.
        if [ "$(wc -l <"$log")" -gt 1600 ]; then
            head -n 1500 "$log"
            echo "[... cut; the whole output is in $log ...]"
            sed -n '/=== SUMMARY ===/,$p' "$log"
        else
            cat "$log"
        fi
    fi
    SUMMARY+=("$line")
    echo "    $line"
done

if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then
    echo "error: gunicorn died during the run; its log:" >&2
    tail -n 60 "$TMP/gunicorn.log" >&2
    failed_roles+=("gunicorn")
fi

echo
echo "API fuzz summary (schemathesis, seed $SEED):"
for line in "${SUMMARY[@]}"; do
    echo "  $line"
done
if [ "${#failed_roles[@]}" -eq 0 ]; then
    status=0
    echo "API fuzz passed in $((SECONDS - started)) s"
else
    echo "API fuzz FAILED for: ${failed_roles[*]} (in $((SECONDS - started)) s)"
fi
exit "$status"
