import pytest

# Browser tests' fixtures (page, browser, chromium_args); Playwright loads only when one runs.
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing with the default hasher costs ~0.3 s a user; tests do not need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_in_process():
    """Unit tests run tasks in-process even when REDIS_URL points at a broker (as in CI).

    The real worker, beat and broker are exercised by the stack test, not here.
    """
    from itam.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: in CI it is Redis, shared across tests and runs."""
    from django.core.cache import cache

    cache.clear()
