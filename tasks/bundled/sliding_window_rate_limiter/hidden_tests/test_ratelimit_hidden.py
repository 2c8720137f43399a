import random

import pytest

from ratelimit import RateLimiter


class FakeClock:
    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_limiters_are_independent():
    clock = FakeClock()
    login = RateLimiter(1, 60, clock)
    api = RateLimiter(5, 60, clock)
    assert login.allow("mallory")
    assert not login.allow("mallory")
    assert api.allow("mallory")
    assert api.remaining("mallory") == 4
    assert login.remaining("mallory") == 0
    login.reset()
    assert api.remaining("mallory") == 4


def test_boundary_with_fractional_window():
    clock = FakeClock(5.0)
    limiter = RateLimiter(2, 0.5, clock)
    assert limiter.allow("k") and limiter.allow("k")
    clock.now = 5.499
    assert not limiter.allow("k")
    assert limiter.retry_after("k") == pytest.approx(0.001)
    clock.now = 5.5
    assert limiter.remaining("k") == 2
    assert limiter.retry_after("k") == 0.0
    assert limiter.allow("k")


def test_remaining_reflects_expiry_without_new_requests():
    clock = FakeClock()
    limiter = RateLimiter(3, 10, clock)
    for step in range(3):
        clock.now = step
        assert limiter.allow("a")
    assert limiter.remaining("a") == 0
    clock.now = 10
    assert limiter.remaining("a") == 1
    clock.now = 12.5
    assert limiter.remaining("a") == 3
    assert limiter.remaining("never-seen") == 3


def test_refused_requests_do_not_count():
    clock = FakeClock()
    limiter = RateLimiter(1, 10, clock)
    assert limiter.allow("x")
    for step in range(1, 10):
        clock.now = step
        assert not limiter.allow("x")
    clock.now = 10
    assert limiter.allow("x")


def test_retry_after():
    clock = FakeClock(100)
    limiter = RateLimiter(2, 30, clock)
    assert limiter.retry_after("u") == 0.0
    limiter.allow("u")
    clock.now = 110
    limiter.allow("u")
    clock.now = 120
    assert limiter.retry_after("u") == 10
    clock.now = 131
    assert limiter.retry_after("u") == 0.0


def test_reset_one_key():
    clock = FakeClock()
    limiter = RateLimiter(1, 100, clock)
    limiter.allow("a")
    limiter.allow("b")
    limiter.reset("a")
    assert limiter.allow("a")
    assert not limiter.allow("b")
    limiter.reset("unknown")


def test_validation():
    for limit, window in [(-1, 5), (1.5, 5), (True, 5), (2, 0), (2, -3)]:
        with pytest.raises(ValueError):
            RateLimiter(limit, window)


def test_random_sequence_against_reference():
    rng = random.Random(42)
    clock = FakeClock()
    limiter = RateLimiter(3, 5, clock)
    accepted = {}
    for _ in range(3000):
        clock.now += rng.choice([0, 0.5, 1, 1.5, 2.5, 5])
        key = rng.choice("abc")
        counting = [t for t in accepted.get(key, []) if t > clock.now - 5]
        if rng.random() < 0.2:
            assert limiter.remaining(key) == 3 - len(counting)
            continue
        expected = len(counting) < 3
        assert limiter.allow(key) == expected
        if expected:
            counting.append(clock.now)
        accepted[key] = counting
