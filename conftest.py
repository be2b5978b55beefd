import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing with the default hasher costs ~0.3 s a user; tests do not need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
