"""Medians, intervals, ratios and geomeans: the figures the tables are made of."""
from __future__ import annotations

import math
import random
import statistics

from .common import NATIVE_LABELS


def median(xs):
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def median_interval(xs, resamples: int = 2000) -> tuple[float, float]:
    """A 95% interval for the median of xs: the 2.5th and 97.5th percentiles of the
    medians of resamples of xs (a bootstrap; seeded, so a run's tables are repeatable)."""
    if not xs:
        return float("nan"), float("nan")
    rng = random.Random(0)
    medians = sorted(median(rng.choices(xs, k=len(xs))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def paired_difference(xs: list[float], ys: list[float]) -> tuple[float, tuple[float, float]]:
    """The median of x - y over the pairs of runs made in the same round, and its interval."""
    diffs = [x - y for x, y in zip(xs, ys)]
    return median(diffs), median_interval(diffs)


def geomean(xs):
    xs = [x for x in xs if x == x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


def round_ratios(a: dict, b: dict) -> dict:
    """{round: a's figure over b's in the same round}, for the rounds both have."""
    return {r: a[r] / b[r] for r in a if r in b}


def ratio_of_rounds(per_round: dict, a: str, b: str, name: str) -> float:
    """The median over the rounds of a's time over b's in the same round."""
    return median(round_ratios(per_round[(a, name)], per_round[(b, name)]).values())


def fastest_native(med: dict, name: str) -> float:
    """The faster native build's median of `name` ({(who, name): seconds}), nan if none."""
    return min((med[(n, name)] for n in NATIVE_LABELS if (n, name) in med), default=float("nan"))
