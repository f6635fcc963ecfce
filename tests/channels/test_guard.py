"""bot/channels/guard.py: any body a channel cannot read is an UnreadableBody (a 400, never a
500), and one sender's flood is cut off while the others go on."""
from __future__ import annotations

import pytest

from bot.channels.guard import SenderRateLimiter, UnreadableBody, read_json


def test_read_json_reads_ordinary_bodies():
    assert read_json(b'{"sender": "a", "message": "my legs shake"}') == {"sender": "a", "message": "my legs shake"}
    assert read_json("[1, 2]".encode()) == [1, 2]


@pytest.mark.parametrize("raw", [None, b"", b"{", b"not json", b"\xff\xfe\x00", b'{"a": NaN'])
def test_unreadable_bodies_are_unreadable_body(raw):
    with pytest.raises(UnreadableBody):
        read_json(raw)


@pytest.mark.parametrize("opening, closing", [(b"[", b"]"), (b'{"a":', b"}")])
def test_json_nested_100000_deep_is_unreadable_not_a_crash(opening, closing):
    deep = opening * 100_000 + b"1" + closing * 100_000
    with pytest.raises(UnreadableBody) as unreadable:
        read_json(deep)
    assert "RecursionError" in str(unreadable.value)
    assert read_json(opening * 50 + b"1" + closing * 50)  # moderately nested JSON is still fine


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_gets_its_burst_then_the_sustained_rate():
    clock = FakeClock()
    limiter = SenderRateLimiter(per_second=2.0, burst=3, clock=clock)
    assert [limiter.allow("flood") for _ in range(5)] == [True, True, True, False, False]
    clock.now += 0.5  # one message's worth of time at 2 per second
    assert [limiter.allow("flood") for _ in range(2)] == [True, False]
    clock.now += 10  # long idle: the bucket is full again, but no fuller than the burst
    assert [limiter.allow("flood") for _ in range(4)] == [True, True, True, False]


def test_one_sender_flooding_does_not_limit_another():
    clock = FakeClock()
    limiter = SenderRateLimiter(per_second=1.0, burst=2, clock=clock)
    for _ in range(100):
        limiter.allow("flood")
    assert limiter.allow("quiet") and limiter.allow("quiet")


def test_slow_down_is_said_once_per_burst_of_refusals():
    clock = FakeClock()
    limiter = SenderRateLimiter(per_second=1.0, burst=1, clock=clock)
    assert limiter.allow("a")
    refusals = [limiter.allow("a") or limiter.should_warn("a") for _ in range(5)]
    assert refusals == [True, False, False, False, False]  # warned once, then silent
    clock.now += 1.0
    assert limiter.allow("a")  # allowed again: the next refusal warns again
    assert not limiter.allow("a") and limiter.should_warn("a")


def test_the_number_of_senders_remembered_is_bounded():
    clock = FakeClock()
    limiter = SenderRateLimiter(per_second=1.0, burst=1, max_senders=100, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        assert limiter.allow(f"sender-{i}")
    assert len(limiter._buckets) <= 100
