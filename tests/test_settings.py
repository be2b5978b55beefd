"""Settings from the environment, checked in fresh processes (settings are read once, at import).

Each test starts ``python`` with a chosen environment, so what it sees is what a production
process with that environment would see: no leftovers from the test run's own settings.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "port": str(db.get("PORT", "")), "user": db.get("USER", ""),
    "broker": s.CELERY_BROKER_URL, "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "cache": s.CACHES["default"]["BACKEND"], "debug": s.DEBUG,
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", False),
    "allowed_hosts": s.ALLOWED_HOSTS, "tag_prefix": s.ITAM_TAG_PREFIX,
    "email_backend": s.MAILERS["default"]["BACKEND"],
}))
"""


def production_env(**overrides: str) -> dict[str, str]:
    """A production-like environment: no DEBUG, a real secret key, a host name."""
    key = "".join(
        secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50)
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="itam.settings",
        DEBUG="0",
        SECRET_KEY=key,
        ALLOWED_HOSTS="itam.example.com",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_under(env: dict[str, str]) -> dict:
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_check_deploy_with_no_warnings() -> None:
    # given a production environment; when Django's deployment checks run
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    # then there is nothing to fix
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start() -> None:
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


def test_defaults_run_on_one_laptop() -> None:
    # given nothing configured but the settings module
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "itam.settings"
    got = settings_under(env)
    # then: SQLite in the project folder, eager Celery, DEBUG on, console mail
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(ROOT / "db.sqlite3")
    assert got["eager"] is True
    assert got["debug"] is True
    assert got["email_backend"].endswith("console.EmailBackend")


def test_database_url_and_redis_url_are_parsed() -> None:
    env = production_env(
        DATABASE_URL="postgres://itam:s3cret@db.internal:5433/itam_prod",
        REDIS_URL="redis://cache.internal:6380/2",
        ITAM_TAG_PREFIX="ACME",
    )
    got = settings_under(env)
    assert got["engine"] == "django.db.backends.postgresql"
    assert (got["name"], got["host"], got["port"], got["user"]) == (
        "itam_prod",
        "db.internal",
        "5433",
        "itam",
    )
    # a broker means tasks go to workers, and the cache is shared between processes
    assert got["broker"] == "redis://cache.internal:6380/2"
    assert got["eager"] is False
    assert got["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert got["tag_prefix"] == "ACME"


def test_ssl_redirect_on_by_default_in_production_and_off_behind_a_proxy() -> None:
    assert settings_under(production_env())["ssl_redirect"] is True
    assert settings_under(production_env(SECURE_SSL_REDIRECT="0"))["ssl_redirect"] is False


@pytest.mark.parametrize("hosts", ["itam.example.com", "itam.example.com,intranet.local"])
def test_allowed_hosts_is_a_list(hosts: str) -> None:
    assert settings_under(production_env(ALLOWED_HOSTS=hosts))["allowed_hosts"] == hosts.split(",")


def test_compose_file_describes_the_production_stack() -> None:
    # given the compose file users run (no Docker engine here: check what it says)
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name], name
    # then the app services wait for healthy services and a finished migration
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["DEBUG"] == "0"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DATABASE_URL"].startswith("postgres://")
    assert services["web"]["command"][:2] == ["gunicorn", "itam.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "itam", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "itam", "beat"]
    assert services["web"]["environment"]["SECURE_SSL_REDIRECT"].endswith("0}")
    assert "ITAM_BASE_URL" in services["web"]["environment"]
