"""Campaign engine: scaling over worker processes and engine overhead per work unit.

Usage: ``python bench/campaign.py [--json] [--quick] [--workers N]``

Rows:

* ``scaling_w1`` / ``scaling_wN``: a compute-bound campaign (the ``pusch-awgn-mcs`` preset
  restricted to MCS 14 around its waterfall, ≈ 50 ms work units) run to completion in
  process (1 worker) and on a pool of N worker processes (default 2, warmed up first);
  TBs (transmissions) per second and the speed-up over one worker. The per-point counts
  of the two runs are checked to be identical.
  With the pool, the coordinator's own time per unit (submitting, pickling the task,
  SQLite commit, stopping rule) is reported as its overhead.
* ``engine_overhead``: the coordinator's time per work unit — submitting, committing the
  unit to SQLite, stopping-rule evaluation, progress — measured as (wall − Σ unit compute)
  / units on a campaign of tiny units (transport blocks of 100 bits), in process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _bench import emit, metadata

from nrlink.sim.campaign import Campaign, load_campaign
from nrlink.sim.engine import run_campaign
from nrlink.sim.executors import make_executor
from nrlink.sim.store import ResultsStore

SEED = 2026

TINY = """
name = "overhead"
seed = 1
[link]
type = "tb"
[link.tb]
tbs = 100
target_code_rate = 0.5
g = 200
qm = 2
[snr]
values_db = [20.0]
[stopping]
target_errors = 1
max_tbs = {max_tbs}
[run]
batch_size = 1
slots_per_unit = 1
"""


def scaling_campaign(max_tbs: int) -> Campaign:
    doc = load_campaign("pusch-awgn-mcs").to_dict()
    doc["name"] = "scaling"
    doc["sweep"] = {}
    doc["link"]["pusch"]["mcs_index"] = 14
    doc["snr"] = {"values_db": [6.0, 6.5, 7.0, 7.5, 8.0]}
    doc["stopping"] = {"target_errors": max_tbs + 1, "max_tbs": max_tbs}  # max_tbs rules
    return Campaign(doc)


def run(camp: Campaign, workers: int, tmp: Path):
    db = tmp / f"{camp.name}-{workers}-{time.monotonic_ns()}.db"
    with ResultsStore(db) as st, make_executor(workers=workers) as (ex, n):
        if ex is not None:  # start and warm the workers (imports, Numba cache) first
            warm = Campaign({**camp.to_dict(), "name": "warm-up",
                             "snr": {"values_db": [8.0]},
                             "stopping": {"target_errors": 1, "max_tbs": 64 * n}})
            run_campaign(warm, st, executor=ex, workers=n)
        t0 = time.perf_counter()
        r = run_campaign(camp, st, executor=ex, workers=n)
        wall = time.perf_counter() - t0
    tx = sum(p.totals().get("transmissions", 0) for p in r.points)
    return r, wall, tx


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--quick", action="store_true", help="short runs (for the tests)")
    ap.add_argument("--workers", type=int, default=2, help="workers of the parallel run")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        camp = scaling_campaign(320 if args.quick else 3200)
        base, wall1, tx1 = run(camp, 1, tmp)
        par, wall_n, tx_n = run(camp, args.workers, tmp)
        same = [p.totals() for p in base.points] == [p.totals() for p in par.points]
        desc = "PUSCH 52 PRB MCS 14 AWGN, 5 SNRs, units of 8 links x 4 slots"
        rows.append({"name": "scaling_w1", "workers": 1, "tbs_per_s": tx1 / wall1,
                     "units": base.units_run, "wall_s": wall1, "speedup": 1.0,
                     "batch": desc})
        rows.append({"name": f"scaling_w{args.workers}", "workers": args.workers,
                     "tbs_per_s": tx_n / wall_n, "units": par.units_run, "wall_s": wall_n,
                     "speedup": (tx_n / wall_n) / (tx1 / wall1), "identical_counts": same,
                     "ms_per_unit": par.coordinator_s * 1e3 / par.units_run,
                     "batch": desc + "; overhead = coordinator time per unit"})
        n_units = 100 if args.quick else 1000
        tiny = Campaign.from_toml(TINY.format(max_tbs=n_units))
        r, wall, _ = run(tiny, 1, tmp)
        rows.append({"name": "engine_overhead", "workers": 1, "units": r.units_run,
                     "ms_per_unit": (r.wall_s - r.busy_s) * 1e3 / r.units_run,
                     "wall_s": wall, "batch": "in process, 1-TB units, SQLite commit per unit"})
    cols = [("name", "row", "s"), ("workers", "workers", "d"), ("units", "units", "d"),
            ("tbs_per_s", "TBs/s", ".0f"), ("speedup", "speed-up", ".2f"),
            ("ms_per_unit", "overhead ms/unit", ".2f"), ("wall_s", "wall s", ".1f"),
            ("batch", "configuration", "s")]
    emit(rows, metadata(SEED), args.json, cols)


if __name__ == "__main__":
    main()
