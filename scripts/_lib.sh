# Shared by quickstart.sh and test.sh (sourced, not run): find Python >= 3.12, make .venv, install.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY_OK='import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'

say() { printf '==> %s\n' "$*"; }

# The database in words, without the password a DATABASE_URL may carry.
describe_database() {
    if [ -z "${DATABASE_URL:-}" ]; then
        echo "SQLite, $ROOT/db.sqlite3"
    else
        echo "${DATABASE_URL%%://*} from DATABASE_URL"
    fi
}

# Prints the path of a Python >= 3.12: on PATH first, then pyenv's versions.
find_python() {
    local candidate
    for candidate in python3.12 python3.13 python3.14 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "$PY_OK" 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    local root
    for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv; do
        [ -n "$root" ] && [ -d "$root/versions" ] || continue
        # Newest last in version order; take the first that runs.
        for candidate in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
            if [ -x "$candidate/bin/python" ] && "$candidate/bin/python" -c "$PY_OK" 2>/dev/null; then
                echo "$candidate/bin/python"
                return 0
            fi
        done
    done
    return 1
}

# Makes .venv (if missing or too old) and installs the project with its dev tools when
# pyproject.toml changed since the last install; quick when nothing changed.
ensure_venv() {
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "$PY_OK" 2>/dev/null; then
        local python
        if ! python="$(find_python)"; then
            echo "error: this project needs Python 3.12 or newer (Django 6.1), and none was found." >&2
            echo "       Install one, e.g. 'apt-get install python3.12 python3.12-venv'," >&2
            echo "       'brew install python@3.12', or 'pyenv install 3.12', then run this again." >&2
            exit 1
        fi
        say "Creating .venv with $python ($("$python" --version 2>&1))"
        "$python" -m venv --clear "$VENV"
        rm -f "$VENV/.itam-installed"
    fi
    local stamp
    stamp="$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' pyproject.toml)"
    if [ "$(cat "$VENV/.itam-installed" 2>/dev/null)" != "$stamp" ]; then
        say "Installing the project and its dependencies into .venv"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
        echo "$stamp" >"$VENV/.itam-installed"
    fi
}
