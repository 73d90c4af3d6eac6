"""What a figure reports: a measured value against its target, and the numbers behind it."""

import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    measured: str
    target: str
    details: list[str] = field(default_factory=list)

    def lines(self):
        """The detail lines first, indented, then the figure line itself."""
        return [f"  {detail}" for detail in self.details] + [
            f"{self.name}: {self.measured} (target {self.target})"
        ]


def median_ms(call, samples, warm=False):
    """The median time of `samples` calls of `call()`, in milliseconds (after one untimed call
    when `warm`: connections and caches)."""
    if warm:
        call()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
