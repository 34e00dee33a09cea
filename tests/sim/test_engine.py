"""The campaign engine (sim/engine.py, sim/executors.py): determinism, resume, stopping."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from nrlink.sim.campaign import Campaign
from nrlink.sim.engine import UnitTask, point_statistics, run_campaign, run_unit, unit_counts
from nrlink.sim.executors import make_executor
from nrlink.sim.stopping import binomial_interval
from nrlink.sim.store import ResultsStore, canonical_json

TINY = """
name = "tiny"
seed = 7
[link]
type = "tb"
[link.tb]
tbs = 200
target_code_rate = 0.3
g = 600
qm = 2
[sweep]
"link.tb.g" = [600, 400]
[snr]
values_db = [-4.0, -2.0, 0.0, 2.0, 6.0, 9.0]
[stopping]
target_errors = 10
max_tbs = 160
bler_floor = 0.02
[run]
batch_size = 8
slots_per_unit = 2
"""


def results(db) -> list[tuple]:
    with ResultsStore(db, readonly=True) as st:
        cid = st.campaigns()[0].id
        return [(r.point, r.status, r.last_unit, r.reason, canonical_json(r.stats))
                for r in st.point_results(cid)]


def run_tiny(db, **kw):
    camp = Campaign.from_toml(TINY)
    with ResultsStore(db) as st, make_executor(**kw) as (ex, n):
        return run_campaign(camp, st, executor=ex, workers=n)


def test_point_results_equal_the_sum_of_their_units(tmp_path):
    run = run_tiny(tmp_path / "a.db", workers=1)
    assert run.finished
    camp = run.campaign
    with ResultsStore(tmp_path / "a.db", readonly=True) as st:
        rows = st.point_results(run.campaign_id)
        units = st.units(run.campaign_id)
        for r, p in zip(rows, run.points, strict=True):
            assert r.status == p.status
            if r.status == "skipped":
                assert r.reason == "below_floor"
                continue
            t = st.point_totals(run.campaign_id, r.point, upto_unit=r.last_unit)
            used = [u.counts for u in units if u.point == r.point and u.unit <= r.last_unit]
            assert r.stats == pytest.approx(point_statistics(t, units=used), nan_ok=True)
            plain = point_statistics(t)  # binomial only: never wider than the stored one
            assert r.stats["bler"] == plain["bler"]
            if plain["bler_lo"] is not None:
                assert r.stats["bler_lo"] <= plain["bler_lo"] + 1e-12
                assert r.stats["bler_hi"] >= plain["bler_hi"] - 1e-12
            assert r.stats["tbs"] == t["first_transmissions"]
            # the stopping rule holds at last_unit and at no earlier unit
            e = [u.counts["first_transmission_errors"] for u in units if u.point == r.point]
            n = [u.counts["first_transmissions"] for u in units if u.point == r.point]
            ce, cn = np.cumsum(e), np.cumsum(n)
            assert camp.stopping.stop_reason(int(ce[r.last_unit]), int(cn[r.last_unit]))
            assert all(camp.stopping.stop_reason(int(a), int(b)) is None
                       for a, b in zip(ce[:r.last_unit], cn[:r.last_unit], strict=True))
        # each unit's seed is stored and reproduces its counts
        u = units[3]
        task = UnitTask(camp.to_dict(), "k", u.point, u.unit,
                        camp.points[u.point].config_index, camp.points[u.point].snr_db)
        assert u.seed == f"7/{u.point}/{u.unit}" and run_unit(task).counts == u.counts
    statuses = [p.status for p in run.points]
    assert "skipped" in statuses and statuses[0] == "done"
    # SNR order within each configuration: once skipped, always skipped
    for c in range(2):
        s = statuses[6 * c:6 * c + 6]
        assert s == sorted(s, key=lambda v: v == "skipped")


def test_statistics_and_intervals():
    st = point_statistics({"first_transmissions": 40, "first_transmission_errors": 4,
                           "transmissions": 50, "tbs_delivered": 45, "tbs_failed": 1,
                           "bits_delivered": 4500, "bits_max": 5000,
                           "first_transmission_bits": 4000,
                           "first_transmission_bit_errors": 40, "iterations_milli": 90_000,
                           "decodings": 50})
    assert st["bler"] == 0.1 and st["throughput"] == 0.9 and st["ber"] == 0.01
    assert (st["bler_lo"], st["bler_hi"]) == pytest.approx(binomial_interval(4, 40))
    assert st["residual_bler"] == 1 / 46 and st["mean_iterations"] == 1.8
    assert point_statistics({})["bler"] is None


def test_extra_event_rates_of_control_links():
    st = point_statistics({"first_transmissions": 100, "first_transmission_errors": 3,
                           "false_alarm_events": 2, "false_alarm_trials": 200,
                           "lonely_events": 1})
    assert st["bler"] == 0.03 and st["false_alarm_rate"] == 0.01
    assert (st["false_alarm_rate_lo"], st["false_alarm_rate_hi"]) == pytest.approx(
        binomial_interval(2, 200))
    assert "lonely_rate" not in st
    units = [{"false_alarm_events": 2, "false_alarm_trials": 100},
             {"false_alarm_events": 0, "false_alarm_trials": 100}]
    st = point_statistics({"false_alarm_events": 2, "false_alarm_trials": 200}, units=units)
    assert st["false_alarm_rate_lo"] <= 0.01 <= st["false_alarm_rate_hi"]


def test_unit_counts_of_a_result_with_counts():
    class R:
        def counts(self):
            return {"first_transmissions": np.int64(5), "first_transmission_errors": 1}
    assert unit_counts(R()) == {"first_transmissions": 5, "first_transmission_errors": 1}


def test_same_counts_for_any_number_of_workers_and_executors(tmp_path):
    """In process, a 2-process pool and a 2-worker Dask LocalCluster give identical
    per-point results (statuses, last units, counts)."""
    base = run_tiny(tmp_path / "one.db", workers=1)
    assert base.finished
    want = results(tmp_path / "one.db")
    run_tiny(tmp_path / "two.db", workers=2)
    assert results(tmp_path / "two.db") == want
    pytest.importorskip("distributed")
    run_tiny(tmp_path / "dask.db", workers=2, dask="local")
    assert results(tmp_path / "dask.db") == want


_CHILD = textwrap.dedent("""
    import sys
    from nrlink.sim.campaign import Campaign
    from nrlink.sim.engine import run_campaign
    from nrlink.sim.store import ResultsStore

    def progress(run):
        print("units", run.units_run, flush=True)

    if __name__ == "__main__":
        camp = Campaign.from_toml(open(sys.argv[1]).read())
        with ResultsStore(sys.argv[2]) as st:
            run_campaign(camp, st, progress=progress)
        print("finished", flush=True)
""")


def test_resume_after_sigkill(tmp_path):
    """A campaign killed with SIGKILL mid-way and rerun ends with exactly the counts of an
    uninterrupted run, and no unit row is stored twice."""
    toml = tmp_path / "tiny.toml"
    toml.write_text(TINY)
    child = tmp_path / "child.py"
    child.write_text(_CHILD)
    db = tmp_path / "killed.db"
    proc = subprocess.Popen([sys.executable, str(child), str(toml), str(db)],
                            stdout=subprocess.PIPE, text=True)
    seen = 0
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if line.startswith("units"):
            seen = int(line.split()[1])
            if seen >= 15:
                break
        assert time.monotonic() < deadline
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and seen >= 15
    with ResultsStore(db, readonly=True) as st:
        stored = len(st.units(st.campaigns()[0].id))
    assert stored >= 15
    rerun = run_tiny(db, workers=1)
    assert rerun.units_reused == stored
    run_tiny(tmp_path / "clean.db", workers=1)
    assert results(db) == results(tmp_path / "clean.db")
    with ResultsStore(db, readonly=True) as st:
        cid = st.campaigns()[0].id
        keys = [(u.point, u.unit) for u in st.units(cid)]
    assert len(keys) == len(set(keys)) == stored + rerun.units_run
    # a third run finds everything done and runs nothing
    again = run_tiny(db, workers=1)
    assert again.units_run == 0 and again.finished


def test_rerun_of_a_finished_campaign_runs_nothing(tmp_path):
    first = run_tiny(tmp_path / "x.db", workers=1)
    second = run_tiny(tmp_path / "x.db", workers=1)
    assert second.units_run == 0 and second.units_reused == first.units_run
    assert [p.totals() for p in second.points] == [p.totals() for p in first.points]


def test_bad_arguments(tmp_path):
    from nrlink.errors import ConfigError

    with pytest.raises(ConfigError, match="campaign"), ResultsStore(tmp_path / "y.db") as st:
        run_campaign({"name": "x"}, st)
    with pytest.raises(ConfigError, match="workers=0"), make_executor(workers=0):
        pass
    with pytest.raises(ConfigError, match="dask=''"), make_executor(dask=""):
        pass


@pytest.mark.skipif(os.name != "posix", reason="spawned process pool")
def test_unit_failure_is_reported_not_swallowed(tmp_path, monkeypatch):
    import nrlink.sim.engine as eng

    def boom(task):
        raise RuntimeError("unit exploded")

    monkeypatch.setattr(eng, "run_unit", boom)
    with pytest.raises(RuntimeError, match="unit exploded"), ResultsStore(tmp_path / "z.db") as st:
        run_campaign(Campaign.from_toml(TINY), st)


def test_export_counts_do_not_depend_on_the_workers(tmp_path):
    """The exported count totals are those of units 0..last_unit (what the statistics use),
    not every unit the workers happened to run ahead."""
    import csv

    rows = {}
    for w in (1, 2):
        run_tiny(tmp_path / f"w{w}.db", workers=w)
        with ResultsStore(tmp_path / f"w{w}.db", readonly=True) as st:
            st.export_csv(tmp_path / f"w{w}.csv")
        with open(tmp_path / f"w{w}.csv") as f:
            rows[w] = [{k: v for k, v in r.items() if k not in ("n_units", "campaign_id")}
                       for r in csv.DictReader(f)]
    assert rows[1] == rows[2]
    for r in rows[1]:
        if r["status"] == "done":
            assert r["first_transmissions"] == r["tbs"]
        else:
            assert r["first_transmissions"] == ""
