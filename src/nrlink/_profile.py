"""Stage timing for profiling runs (used by the links and receivers with ``timings=``)."""

from __future__ import annotations

import time

__all__ = ["lap"]


def lap(timings: dict | None, name: str, t0: float) -> float:
    """Add the seconds since ``t0`` to ``timings[name]`` (when profiling); return now.

    Examples
    --------
    >>> t = {}; t0 = lap(t, "stage", time.perf_counter()); sorted(t)
    ['stage']
    """
    t = time.perf_counter()
    if timings is not None:
        timings[name] = timings.get(name, 0.0) + (t - t0)
    return t
