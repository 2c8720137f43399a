"""Pure statistics for the evaluator: pass@k, 95% intervals, percentiles. No I/O, no numpy.

Intervals (docs/EVAL.md explains the choice):
- A rate of resolved episodes gets a Wilson score interval computed over *tasks*: p is the mean of
  the per-task resolve rates and n the number of tasks. With one try per task this is the textbook
  Wilson interval. With K tries it is conservative: tries of one task are not independent draws
  from the benchmark, and a per-task rate (a value in [0, 1] with mean p) varies no more than a
  Bernoulli outcome with the same mean. Wilson stays honest at 0% and 100%, where a bootstrap
  collapses to a zero-width interval.
- A mean score gets a percentile bootstrap over tasks (a cluster bootstrap: tasks are resampled,
  each carrying its own tries), 2,000 resamples with a fixed seed so a report is reproducible.
  Scores are continuous, so the Bernoulli bound would be needlessly wide. With a single task there
  is nothing to resample and the interval is left empty (None).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240605


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% interval and how many units (tasks) it rests on."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    method: str

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n, "method": self.method}


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimator of pass@k from n tries with c successes: 1 - C(n-c, k) / C(n, k)
    (Chen et al. 2021), the chance that k tries drawn without replacement include a success.

    Computed as a product so it stays exact-ish for large n instead of dividing huge binomials."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    failure = 1.0
    for i in range(n - c + 1, n + 1):
        failure *= 1.0 - k / i
    return 1.0 - failure


def mean_pass_at_k(per_task: Sequence[tuple[int, int]], k: int) -> tuple[float | None, int]:
    """pass@k averaged over the tasks with at least k scored tries; returns (value, tasks used)."""
    usable = [(n, c) for n, c in per_task if n >= k]
    if not usable:
        return None, 0
    return sum(pass_at_k(n, c, k) for n, c in usable) / len(usable), len(usable)


def ks_to_report(max_tries: int) -> list[int]:
    """Every k up to 10, then a few round ones, then K itself: a readable row, not K columns."""
    ks = list(range(1, min(max_tries, 10) + 1))
    ks += [k for k in (20, 50, 100, 200, 500, 1000) if k < max_tries]
    if max_tries > 10:
        ks.append(max_tries)
    return ks


def wilson(p: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion p observed over n units."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Clamped, and never excluding p itself: rounding can leave a bound a hair inside at 0 and 1.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def rate_over_tasks(per_task_rates: Sequence[float]) -> Estimate:
    """The mean of per-task rates with the Wilson interval over tasks (see the module docstring)."""
    n = len(per_task_rates)
    if n == 0:
        return Estimate(None, None, None, 0, "wilson over tasks")
    p = sum(per_task_rates) / n
    low, high = wilson(p, n)
    return Estimate(p, low, high, n, "wilson over tasks")


def mean_over_tasks(per_task_values: Sequence[Sequence[float]], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Estimate:
    """The mean of per-task means, with a percentile cluster-bootstrap interval over tasks."""
    means = [sum(values) / len(values) for values in per_task_values if values]
    n = len(means)
    if n == 0:
        return Estimate(None, None, None, 0, "bootstrap over tasks")
    value = sum(means) / n
    if n < 2:
        return Estimate(value, None, None, n, "bootstrap over tasks")  # one task: no spread to resample
    rng = random.Random(seed)
    draws = sorted(sum(rng.choice(means) for _ in range(n)) / n for _ in range(resamples))
    return Estimate(value, percentile(draws, 2.5, presorted=True), percentile(draws, 97.5, presorted=True), n, "bootstrap over tasks")


def percentile(values: Sequence[float], q: float, *, presorted: bool = False) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = values if presorted else sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100.0
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower))


def distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    """count, mean, p50, p90, p99 and max: the shape of steps or latencies in one line."""
    ordered = sorted(values)
    if not ordered:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    return {
        "count": len(ordered),
        "mean": sum(ordered) / len(ordered),
        "p50": percentile(ordered, 50, presorted=True),
        "p90": percentile(ordered, 90, presorted=True),
        "p99": percentile(ordered, 99, presorted=True),
        "max": float(ordered[-1]),
    }
