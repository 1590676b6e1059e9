"""Repetitions, interleaving and percentiles: how every figure of the harness is taken.

The machine is shared, so absolute times drift while a run goes on. Each case
is therefore measured *interleaved* with what it is compared to: repetition
``i`` of every engine runs before repetition ``i + 1`` of any, in an order
rotated each time, so a slow minute hurts all of them alike and the ratios
hold even when the absolute figures move.

>>> summarise([0.003, 0.001, 0.002, 0.004])["p50_ms"]
2.5
>>> summarise([])["n"]
0
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Case",
    "Measured",
    "TimedOut",
    "interleaved",
    "percentile",
    "ratio",
    "summarise",
    "time_limit",
]


SLOW_S = 1.0
"""A warm-up longer than this counts as the first sample (caches matter at milliseconds)."""


@dataclass(frozen=True)
class Measured:
    """A result that timed itself (in another process): its own seconds count, not ours."""

    seconds: float
    rows: int | None = None

    def __len__(self) -> int:
        return self.rows or 0


class TimedOut(Exception):
    """A measured call ran past its limit (see :func:`time_limit`)."""


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of sorted values, linearly interpolated.

    >>> percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95)
    4.8
    """
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(seconds: Sequence[float]) -> dict[str, Any]:
    """``n``, ``min``, ``p50``, ``p95``, ``max`` and ``mean`` of durations, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return {"n": 0}

    def ms(x: float) -> float:
        return round(x * 1000, 4)

    return {
        "n": len(ordered),
        "min_ms": ms(ordered[0]),
        "p50_ms": ms(percentile(ordered, 50)),
        "p95_ms": ms(percentile(ordered, 95)),
        "max_ms": ms(ordered[-1]),
        "mean_ms": ms(sum(ordered) / len(ordered)),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to 3 significant digits; ``None`` if either is missing.

    >>> ratio(3.0, 2.0), ratio(1.0, None), ratio(1.0, 0.0)
    (1.5, None, None)
    """
    if numerator is None or denominator is None or denominator <= 0 or numerator != numerator:
        return None
    value = numerator / denominator
    return float(f"{value:.3g}")


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimedOut` in the main thread after ``seconds`` (pure-Python work only).

    rdflib evaluates queries in Python, so an alarm interrupts it between two
    bytecodes; pyoxigraph runs in Rust and is never given a limit here.
    """
    if not seconds:
        yield
        return

    def _fire(signum: int, frame: object) -> None:
        raise TimedOut(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Case:
    """One engine's way of answering a question, with how much time it may take."""

    run: Callable[[], Any]
    max_reps: int | None = None
    """At most this many timed repetitions (default: as many as the others)."""
    limit_s: float | None = None
    """A single repetition longer than this stops the case (see :func:`time_limit`)."""
    budget_s: float | None = None
    """Stop repeating once the case has used this much time in total."""
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    rows: int | None = None


def _elapsed(result: Any, t0: float) -> float:
    now = time.perf_counter()
    return result.seconds if isinstance(result, Measured) else now - t0


def _size(result: Any) -> int | None:
    try:
        return len(result)
    except TypeError:
        return None


def interleaved(cases: Mapping[str, Case], reps: int, warmup: int = 1) -> dict[str, Case]:
    """Time every case ``reps`` times, interleaved, after ``warmup`` untimed runs each.

    A case that raises, or exceeds its ``limit_s``, is dropped from later rounds
    and keeps its ``error``; one that has used up its ``budget_s`` or
    ``max_reps`` stops while the others go on.
    """
    names = list(cases)
    for name in names:
        case = cases[name]
        for _ in range(warmup):
            try:
                with time_limit(case.limit_s):
                    t0 = time.perf_counter()
                    result = case.run()
                    elapsed = _elapsed(result, t0)
                    case.rows = _size(result)
            except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                case.error = f"{type(exc).__name__}: {exc}"[:300]
                break
            if elapsed > SLOW_S:
                case.samples.append(elapsed)  # slow enough that warming up changes nothing
                break
    for i in range(reps):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            case = cases[name]
            if case.error or (case.max_reps is not None and len(case.samples) >= case.max_reps):
                continue
            if case.budget_s is not None and sum(case.samples) >= case.budget_s:
                continue
            try:
                with time_limit(case.limit_s):
                    t0 = time.perf_counter()
                    result = case.run()
                    case.samples.append(_elapsed(result, t0))
                case.rows = _size(result)
            except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                case.error = f"{type(exc).__name__}: {exc}"[:300]
    return dict(cases)
