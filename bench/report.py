"""The table `bench.versus` prints: each path's app and bare figures, their ratio and its goal.

A figure is the median of its rounds. The ratio is app/bare: for a rate (higher is better) the
goal is a floor (`>= 0.60`: the app does at least 60% of the bare baseline's requests per
second), for a latency, a time or a size a ceiling (`<= 2.00`: the app's p99 is at most twice
the baseline's). The spread column is (max - min) / median of each arm's rounds: how much the
rounds disagreed, i.e. how noisy the machine was.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass
class Figure:
    label: str
    unit: str  # "req/s", "/s", "ms" (values in seconds), "s", "MB"
    app_rounds: list[float]
    bare_rounds: list[float]
    goal: str | None  # ">= 0.60", "<= 2.00" or None (reported only)
    higher_is_better: bool

    @property
    def app(self) -> float:
        return statistics.median(self.app_rounds)

    @property
    def bare(self) -> float:
        return statistics.median(self.bare_rounds)

    @property
    def ratio(self) -> float:
        return self.app / self.bare if self.bare else float("nan")

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        sign, bound = self.goal.split()
        ok = self.ratio >= float(bound) if sign == ">=" else self.ratio <= float(bound)
        return "PASS" if ok else "FAIL"

    def show(self, value: float) -> str:
        if self.unit == "ms":
            return f"{value * 1000:,.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"
        if self.unit == "s":
            return f"{value:.1f} s"
        if self.unit == "MB":
            return f"{value:,.0f} MB"
        return f"{value:,.0f} {self.unit}"


def spread(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    middle = statistics.median(values)
    return f"{(max(values) - min(values)) / middle:.0%}" if middle else "-"


def print_table(figures: list[Figure], *, rounds: int) -> int:
    """Print the table; returns how many goals were missed."""
    head = f"{'path':<42}{'app':>14}{'bare':>14}{'app/bare':>10}  {'goal':<9}{'':<6}spread"
    print()
    print(f"app vs bare, medians of {rounds} round(s) each, interleaved")
    print(head)
    print("-" * len(head))
    missed = 0
    for f in figures:
        verdict = f.verdict
        missed += verdict == "FAIL"
        print(
            f"{f.label:<42}{f.show(f.app):>14}{f.show(f.bare):>14}{f.ratio:>10.2f}  "
            f"{f.goal or '':<9}{verdict:<6}"
            f"{spread(f.app_rounds)}/{spread(f.bare_rounds)}"
        )
    print()
    return missed
