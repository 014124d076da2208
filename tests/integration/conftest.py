import pytest


@pytest.fixture
def owner_env(fake):
    return fake.owner_env()


def secrets_in(text, secrets):
    return [s for s in secrets if s and s in text]


@pytest.fixture
def assert_no_leak(fake):
    """Fail if any secret the fake issued or received appears in the given texts."""
    def check(*texts, allowed=()):
        secrets = [s for s in fake.secrets() if s not in allowed]
        for text in texts:
            leaked = secrets_in(text, secrets)
            assert not leaked, 'secret leaked into output: %d hit(s)' % len(leaked)
    return check
