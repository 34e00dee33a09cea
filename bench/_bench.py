"""Shared helpers of the benchmark scripts: run metadata and timing."""

from __future__ import annotations

import json
import math
import platform
import time

import numba
import numpy as np

import nrlink
from nrlink.spec import SPEC_VERSIONS


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo where available)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def metadata(seed: int) -> dict:
    """Versions, CPU, threads and seed carried by every benchmark row."""
    return {
        "nrlink": nrlink.__version__,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "spec_versions": SPEC_VERSIONS,
        "seed": seed,
    }


def best_time(fn, repeats: int = 5) -> float:
    """Best wall time of ``repeats`` calls of ``fn`` after one warm-up call (JIT excluded)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def emit(rows: list[dict], meta: dict, as_json: bool, columns: list[tuple[str, str, str]]):
    """Print one JSON object per row (``as_json``) or a table of ``columns``
    given as (key, header, format); text columns left-aligned, numbers right-aligned."""
    if as_json:
        for r in rows:
            print(json.dumps({**r, **meta}))
        return
    cells = [[("-" if r.get(k) is None else format(r[k], fmt)) for k, _, fmt in columns]
             for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, (_, h, _) in enumerate(columns)]
    numeric = [all(isinstance(r.get(k), int | float) for r in rows) for k, _, _ in columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    print(line([h for _, h, _ in columns]))
    for c in cells:
        print(line(c))


def bler_crossing(points, target: float = 1e-2):
    """x (Eb/N0 or SNR) where log10(BLER) crosses log10(target) along ``points`` of
    (x, BLER, blocks): linear interpolation between the last point above and the first at
    or below the target (a zero BLER counts as 0.5 / blocks). None when the sweep does not
    bracket the target."""
    for (x0, b0, _), (x1, b1, n1) in zip(points, points[1:], strict=False):
        if b0 > target >= b1:
            l0, l1 = math.log10(b0), math.log10(max(b1, 0.5 / n1))
            return x0 + (x1 - x0) * (math.log10(target) - l0) / (l1 - l0)
    return None
