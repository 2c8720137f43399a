import pytest

from ratelimit import RateLimiter


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_limit_within_window():
    clock = FakeClock()
    limiter = RateLimiter(2, 10, clock)
    assert limiter.allow("alice")
    assert limiter.allow("alice")
    assert not limiter.allow("alice")
    assert limiter.allow("bob")


def test_request_expires_after_exactly_one_window():
    clock = FakeClock()
    limiter = RateLimiter(1, 10, clock)
    assert limiter.allow("alice")
    clock.now += 10
    assert limiter.allow("alice")


def test_remaining():
    clock = FakeClock()
    limiter = RateLimiter(3, 60, clock)
    limiter.allow("carol")
    assert limiter.remaining("carol") == 2


def test_invalid_arguments():
    with pytest.raises(ValueError):
        RateLimiter(0, 10)
