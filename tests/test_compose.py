"""docker-compose.yml, the Dockerfile and .env.example describe the stack DESIGN.md names.

There is no Docker engine on the CI machine, so this reads the files: PostgreSQL, Redis, a
one-off migrate, gunicorn web, Celery worker and exactly one Celery beat, all three app services
with the same settings. scripts/stack_check.sh runs the same processes natively.
"""

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command(service: dict) -> list[str]:
    value = service.get("command", [])
    return value.split() if isinstance(value, str) else [str(part) for part in value]


def test_the_stack_has_its_services(services):
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    assert command(services["web"])[:2] == ["gunicorn", "itam.wsgi"]
    assert command(services["worker"])[:4] == ["celery", "-A", "itam", "worker"]
    assert command(services["beat"])[:4] == ["celery", "-A", "itam", "beat"]
    assert command(services["migrate"]) == ["python", "manage.py", "migrate", "--noinput"]


def test_exactly_one_beat(services):
    runs_beat = [
        name
        for name, service in services.items()
        if "beat" in command(service) or {"-B", "--beat"} & set(command(service))
    ]
    assert runs_beat == ["beat"], "only the beat service may schedule (no worker -B)"
    assert services["beat"].get("deploy", {}).get("replicas") == 1
    # Its schedule file is kept in a volume, writable by the image's user (see the Dockerfile).
    beat = command(services["beat"])
    schedule = beat[beat.index("-s") + 1]
    mounts = [volume.split(":")[1] for volume in services["beat"].get("volumes", [])]
    assert any(schedule.startswith(mount.rstrip("/") + "/") for mount in mounts)


def test_app_services_share_one_configuration(services):
    environments = {name: services[name]["environment"] for name in APP_SERVICES}
    assert all(env == environments["web"] for env in environments.values())
    env_files = {name: services[name].get("env_file") for name in APP_SERVICES}
    assert all(files == env_files["web"] for files in env_files.values())
    images = {services[name]["image"] for name in APP_SERVICES}
    assert images == {"itam:latest"}
    env = environments["web"]
    assert env["DEBUG"] == "0"
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert re.fullmatch(r"postgres://itam:.+@postgres:5432/itam", env["DATABASE_URL"])
    for name in ("SECRET_KEY", "EMAIL_URL", "ITAM_BASE_URL", "TIME_ZONE", "ITAM_REMINDER_TIME"):
        assert name in env, name


def test_reminder_time_default_matches_the_settings(services):
    settings = (ROOT / "itam" / "settings.py").read_text()
    default = re.search(r'"ITAM_REMINDER_TIME", default="([^"]+)"', settings)[1]
    assert services["beat"]["environment"]["ITAM_REMINDER_TIME"] == (
        f"${{ITAM_REMINDER_TIME:-{default}}}"
    )


def test_start_order_and_health(services):
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["restart"] == "no"
    assert "migrate" not in services["migrate"]["depends_on"]


def test_every_variable_is_in_env_example(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_][A-Z0-9_]*)=", example, re.M))
    assert used - listed == set(), "document these in .env.example"


def test_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, source


def test_dockerfile_installs_what_the_processes_need():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[2-9]", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "run as a non-root user"
    assert "/app/var" in dockerfile and "/app/media" in dockerfile
    pyproject = (ROOT / "pyproject.toml").read_text()
    for requirement in ("gunicorn", "celery[redis]", "psycopg[binary]", "whitenoise", "redis"):
        assert f'"{requirement}' in pyproject, requirement
