"""Tests of the campaign results database (nrlink.sim.store)."""

import builtins
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.sim.store import (
    SCHEMA_VERSION,
    ResultsStore,
    UnitRow,
    _add_counts,
    canonical_json,
    code_version,
)

DESC = {"name": "awgn", "snr_db": [0.0, 2.5, 5.0], "mcs": 10, "stop": {"max_units": 8}}
POINTS = [{"snr_db": 0.0, "label": "low"}, {"snr_db": 2.5, "label": "mid"},
          {"snr_db": 5.0, "label": "high"}]
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def db(tmp_path):
    with ResultsStore(tmp_path / "results.db") as store:
        yield store


@pytest.fixture
def cid(db):
    c = db.open_campaign("awgn", DESC, code_version="0.1.0 (git abc)")
    db.define_points(c, POINTS)
    return c


def rec(db, cid, point, unit, **counts):
    return db.record_unit(cid, point, unit, seed=f"s{point}.{unit}", counts=counts,
                          elapsed_s=0.01, worker="w0")


# ---------------------------------------------------------------- campaigns and points
def test_open_campaign_same_description_resumes(tmp_path):
    path = tmp_path / "r.db"
    with ResultsStore(path) as db:
        c1 = db.open_campaign("awgn", DESC, code_version="v1")
    reordered = {k: DESC[k] for k in reversed(list(DESC))}
    with ResultsStore(path) as db:
        c2 = db.open_campaign("awgn", reordered, code_version="v2")
        assert c2 == c1
        row = db.campaign(c1)
        assert row.code_version == "v1"  # the version of the first creation is kept
        assert row.name == "awgn" and len(row.hash) == 64
        assert row.updated >= row.created
        assert db.description(c1) == json.loads(canonical_json(DESC))


def test_open_campaign_different_description_is_new(db):
    c1 = db.open_campaign("awgn", DESC, code_version="v")
    c2 = db.open_campaign("awgn", {**DESC, "mcs": 11}, code_version="v")
    c3 = db.open_campaign("other", DESC, code_version="v")
    assert len({c1, c2, c3}) == 3
    assert [c.id for c in db.campaigns()] == [c1, c2, c3]
    assert db.open_campaign("awgn", {**DESC, "mcs": 11}, code_version="v") == c2


def test_open_campaign_accepts_numpy_values(db):
    c1 = db.open_campaign("np", {"snr": np.arange(3.0), "k": np.int64(4)}, code_version="v")
    assert db.open_campaign("np", {"snr": [0.0, 1.0, 2.0], "k": 4}, code_version="v") == c1


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "", "description": DESC, "code_version": "v"}, "name"),
    ({"name": "a", "description": [1], "code_version": "v"}, "description"),
    ({"name": "a", "description": {"x": float("nan")}, "code_version": "v"}, "description"),
    ({"name": "a", "description": {"x": object()}, "code_version": "v"}, "description"),
    ({"name": "a", "description": DESC, "code_version": 3}, "code_version"),
])
def test_open_campaign_validation(db, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        db.open_campaign(kwargs.pop("name"), kwargs.pop("description"), **kwargs)


def test_define_points_idempotent_and_mismatch(db, cid):
    db.define_points(cid, [dict(reversed(list(p.items()))) for p in POINTS])  # same points
    pts = db.point_results(cid)
    assert [p.params for p in pts] == POINTS
    assert all(p.status == "pending" and p.stats == {} and p.n_units == 0 for p in pts)
    with pytest.raises(ConfigError, match=r"points\[1\]"):
        db.define_points(cid, [POINTS[0], {"snr_db": 2.6, "label": "mid"}, POINTS[2]])
    with pytest.raises(ConfigError, match="points has 2 entries"):
        db.define_points(cid, POINTS[:2])
    with pytest.raises(ConfigError, match="points"):
        db.define_points(cid, {"snr_db": 1})
    with pytest.raises(ConfigError, match=r"points\[0\]"):
        db.define_points(cid, [1.0])
    with pytest.raises(ConfigError, match="campaign_id"):
        db.define_points(99, POINTS)
    assert db.campaign(cid).n_points == 3


# ---------------------------------------------------------------- units
def test_record_unit_duplicates_ignored(db, cid):
    assert rec(db, cid, 0, 0, blocks=10, errors=3)
    assert not rec(db, cid, 0, 0, blocks=10, errors=3)
    assert not rec(db, cid, 0, 0, blocks=99, errors=99)  # first write wins
    assert rec(db, cid, 1, 0, blocks=10, errors=1)
    assert rec(db, cid, 0, 1, blocks=10, errors=0)
    n = db._db.execute("SELECT count(*) FROM units").fetchone()[0]
    assert n == 3 and db.campaign(cid).n_units == 3
    rows = db.units(cid)
    assert [(r.point, r.unit) for r in rows] == [(0, 0), (0, 1), (1, 0)]
    assert rows[0].counts == {"blocks": 10, "errors": 3}
    assert isinstance(rows[0], UnitRow) and rows[0].seed == "s0.0" and rows[0].worker == "w0"
    assert db.units(cid, 1) == [rows[2]]
    assert db.unit_indices(cid, 0) == {0, 1} and db.unit_indices(cid, 2) == set()


def test_record_unit_numpy_counts(db, cid):
    assert db.record_unit(cid, 0, 0, seed="x", counts={"n": np.int64(5),
                          "hist": np.array([1, 2], dtype=np.uint32)}, elapsed_s=np.float32(1))
    assert db.units(cid)[0].counts == {"n": 5, "hist": [1, 2]}


@pytest.mark.parametrize("kwargs, match", [
    ({"point": 3}, "point"),
    ({"point": -1}, "point"),
    ({"unit": -1}, "unit"),
    ({"unit": 1.0}, "unit"),
    ({"seed": 5}, "seed"),
    ({"counts": [1]}, "counts"),
    ({"counts": {"n": -1}}, "counts"),
    ({"counts": {"n": 1.5}}, "counts"),
    ({"counts": {"n": True}}, "counts"),
    ({"counts": {"n": [1, -2]}}, "counts"),
    ({"counts": {3: 1}}, "counts"),
    ({"elapsed_s": -1.0}, "elapsed_s"),
    ({"elapsed_s": float("inf")}, "elapsed_s"),
    ({"worker": None}, "worker"),
    ({"campaign_id": 42}, "campaign_id"),
])
def test_record_unit_validation(db, cid, kwargs, match):
    args = {"campaign_id": cid, "point": 0, "unit": 0, "seed": "s", "counts": {"n": 1},
            "elapsed_s": 0.0, "worker": ""} | kwargs
    with pytest.raises(ConfigError, match=match):
        db.record_unit(args.pop("campaign_id"), args.pop("point"), args.pop("unit"), **args)
    assert db._db.execute("SELECT count(*) FROM units").fetchone()[0] == 0
    assert not db._db.in_transaction


def test_point_totals_padding_and_upto(db, cid):
    assert db.point_totals(cid, 0) == {}
    rec(db, cid, 0, 0, blocks=10, errors=2, delivered_at=[5, 2])
    rec(db, cid, 0, 2, blocks=10, errors=1, delivered_at=[7, 0, 1, 1])
    rec(db, cid, 0, 1, blocks=10, errors=0, delivered_at=[9])
    rec(db, cid, 1, 0, blocks=10, errors=9, delivered_at=[1])
    assert db.point_totals(cid, 0) == {"blocks": 30, "errors": 3, "delivered_at": [21, 2, 1, 1]}
    assert db.point_totals(cid, 0, upto_unit=1) == {"blocks": 20, "errors": 2,
                                                    "delivered_at": [14, 2]}
    assert db.point_totals(cid, 0, upto_unit=0)["delivered_at"] == [5, 2]
    with pytest.raises(ConfigError, match="upto_unit"):
        db.point_totals(cid, 0, upto_unit=-1)
    rec(db, cid, 2, 0, x=1)
    rec(db, cid, 2, 1, x=[1])
    with pytest.raises(ConfigError, match="'x'"):
        db.point_totals(cid, 2)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1000), max_size=6), max_size=8))
def test_add_counts_matches_padded_sum(lists):
    total: dict = {}
    for v in lists:
        _add_counts(total, {"h": v})
    width = max((len(v) for v in lists), default=0)
    expected = [sum(v[i] for v in lists if i < len(v)) for i in range(width)]
    assert total.get("h", []) == expected


# ---------------------------------------------------------------- point results
def test_set_point_result_upsert(db, cid):
    db.set_point_result(cid, 1, status="running", last_unit=3, stats={"bler": 0.5, "n": 40})
    db.set_point_result(cid, 1, status="done", last_unit=7,
                        stats={"bler": np.float32(0.25), "ci_lo": 0.1, "ci_hi": None, "n": 80},
                        reason="ci reached")
    db.set_point_result(cid, 2, status="skipped", last_unit=None, stats={}, reason="below")
    rows = db.point_results(cid)
    assert [r.status for r in rows] == ["pending", "done", "skipped"]
    assert rows[1].stats == {"bler": 0.25, "ci_lo": 0.1, "ci_hi": None, "n": 80}
    assert rows[1].last_unit == 7 and rows[1].reason == "ci reached"
    assert rows[2].last_unit is None and rows[0].updated is None
    assert db._db.execute("SELECT count(*) FROM point_results").fetchone()[0] == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"status": "finished"}, "status"),
    ({"last_unit": -2}, "last_unit"),
    ({"stats": {"bler": "low"}}, "stats"),
    ({"stats": [0.1]}, "stats"),
    ({"reason": 3}, "reason"),
    ({"point": 7}, "point"),
])
def test_set_point_result_validation(db, cid, kwargs, match):
    args = {"point": 0, "status": "done", "last_unit": 0, "stats": {}} | kwargs
    with pytest.raises(ConfigError, match=match):
        db.set_point_result(cid, args.pop("point"), **args)


# ---------------------------------------------------------------- export
def fill(db, cid):
    rec(db, cid, 0, 0, blocks=10, errors=4, delivered_at=[6, 0, 1])
    rec(db, cid, 0, 1, blocks=10, errors=2, delivered_at=[8])
    rec(db, cid, 1, 0, blocks=10, errors=0, delivered_at=[10])
    db.set_point_result(cid, 0, status="done", last_unit=1, stats={"bler": 0.3, "ci_hi": None},
                        reason="max units")
    db.set_point_result(cid, 1, status="running", last_unit=0, stats={"bler": 0.0})


def test_export_csv(db, cid, tmp_path):
    fill(db, cid)
    other = db.open_campaign("tdl", {"x": 1}, code_version="v")
    db.define_points(other, [{"snr_db": 9.0, "channel": {"model": "TDL-C", "ds": [30, 100]}}])
    rec(db, other, 0, 0, blocks=3, bler=1)  # count named like a stat: gets a prefix
    out = tmp_path / "all.csv"
    assert db.export_csv(out) == 4
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["campaign"], r["point"]) for r in rows] == [("awgn", "0"), ("awgn", "1"),
                                                           ("awgn", "2"), ("tdl", "0")]
    r0, r1, r2, r3 = rows
    assert r0["snr_db"] == "0.0" and r0["label"] == "low" and r0["status"] == "done"
    assert r0["bler"] == "0.3" and r0["ci_hi"] == "" and r0["reason"] == "max units"
    assert (r0["blocks"], r0["errors"], r0["n_units"]) == ("20", "6", "2")
    assert (r0["delivered_at_0"], r0["delivered_at_1"], r0["delivered_at_2"]) == ("14", "0", "1")
    assert r1["delivered_at_0"] == "10" and r1["delivered_at_2"] == ""
    assert r2["status"] == "pending" and r2["blocks"] == "" and r2["last_unit"] == ""
    assert r3["channel.model"] == "TDL-C" and json.loads(r3["channel.ds"]) == [30, 100]
    assert r3["count.bler"] == "1" and r3["bler"] == "" and r3["campaign_id"] == str(other)
    assert db.export_csv(tmp_path / "one.csv", other) == 1


def test_export_parquet(db, cid, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    fill(db, cid)
    assert db.export_parquet(tmp_path / "r.parquet", cid) == 3
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert table[0]["blocks"] == 20 and table[0]["bler"] == 0.3 and table[2]["blocks"] is None


def test_export_parquet_without_pyarrow(db, cid, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(ImportError, match="pyarrow is not installed: pip install pyarrow"):
        db.export_parquet(tmp_path / "r.parquet", cid)
    assert not (tmp_path / "r.parquet").exists()


# ---------------------------------------------------------------- opening
def test_wal_mode_and_pragmas(db):
    assert db.journal_mode == "wal"
    assert db._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db._db.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert db._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_readonly(tmp_path, cid, db):
    rec(db, cid, 0, 0, blocks=1)
    with pytest.raises(ConfigError, match="missing.db"):
        ResultsStore(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    with ResultsStore(db.path, readonly=True) as ro:
        assert ro.point_totals(cid, 0) == {"blocks": 1}
        assert ro.export_csv(tmp_path / "ro.csv") == 3
        with pytest.raises(ConfigError, match="read-only"):
            rec(ro, cid, 0, 1, blocks=1)
    with pytest.raises(ConfigError, match="closed"):
        ro.campaigns()


def test_newer_schema_and_foreign_files(tmp_path):
    path = tmp_path / "r.db"
    ResultsStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    for readonly in (False, True):
        with pytest.raises(ConfigError, match="newer nrlink"):
            ResultsStore(path, readonly=readonly)
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(ConfigError, match="not an nrlink results database"):
        ResultsStore(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="junk.db"):
        ResultsStore(junk)
    with pytest.raises(ConfigError, match="path"):
        ResultsStore(tmp_path / "no" / "such" / "dir.db")
    with pytest.raises(ConfigError, match="timeout_s"):
        ResultsStore(path, timeout_s=-1)


def test_code_version():
    import nrlink

    v = code_version()
    assert v.startswith(nrlink.__version__)
    assert code_version() == v


def test_code_version_without_git(monkeypatch):
    import nrlink

    monkeypatch.setenv("PATH", "")
    assert code_version() == nrlink.__version__


# ---------------------------------------------------------------- crash safety
WRITER = textwrap.dedent("""
    import sys
    from nrlink.sim.store import ResultsStore
    path, start, stop, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    db = ResultsStore(path)
    cid = db.open_campaign("crash", {"k": 1}, code_version="test")
    db.define_points(cid, [{"snr_db": 0.0}, {"snr_db": 1.0}])
    inserted = 0
    for u in range(start, stop):
        for p in (0, 1):
            counts = {"blocks": 100, "errors": (u * 7 + p) % 13,
                      "delivered_at": [u % 5, p, 0, u % 3][: 1 + u % 4]}
            inserted += db.record_unit(cid, p, u, seed=f"{p}:{u}", counts=counts,
                                       elapsed_s=0.001, worker=f"pid{u}")
        if step and u % step == 0:
            print(u, flush=True)
    print("inserted", inserted, flush=True)
""")


def expected_counts(p, u):
    return {"blocks": 100, "errors": (u * 7 + p) % 13,
            "delivered_at": [u % 5, p, 0, u % 3][: 1 + u % 4]}


def run_writer(path, start, stop, step=0):
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start), str(stop),
                             str(step)], stdout=subprocess.PIPE, text=True, env=env)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_campaign_then_resume(tmp_path):
    path = tmp_path / "crash.db"
    proc = run_writer(path, 0, 10**6, step=1)
    seen = -1
    for line in proc.stdout:
        seen = int(line)
        if seen >= 20:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL and seen >= 20

    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = con.execute("SELECT point, unit, seed, counts FROM units").fetchall()
    dup = con.execute("SELECT count(*) FROM (SELECT 1 FROM units GROUP BY campaign_id, point,"
                      " unit HAVING count(*) > 1)").fetchone()[0]
    con.close()
    assert dup == 0
    for p, u, seed, counts in rows:  # every stored unit is complete
        assert seed == f"{p}:{u}" and json.loads(counts) == expected_counts(p, u)
    done = {(p, u) for p, u, _, _ in rows}
    assert {(p, u) for p in (0, 1) for u in range(seen + 1)} <= done  # all printed are in
    n_total = max(u for _, u in done) + 1 + 30

    proc = run_writer(path, 0, n_total)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out.split() == ["inserted", str(2 * n_total - len(done))]
    with ResultsStore(path, readonly=True) as db:
        (c,) = db.campaigns()
        assert c.n_units == 2 * n_total and c.n_points == 2
        for p in (0, 1):
            assert db.unit_indices(c.id, p) == set(range(n_total))
            totals = {}
            for u in range(n_total):
                _add_counts(totals, expected_counts(p, u))
            assert db.point_totals(c.id, p) == totals


def test_concurrent_writers_no_lock_errors_no_duplicates(tmp_path):
    path = tmp_path / "conc.db"  # both processes also race to create the schema
    procs = [run_writer(path, 0, 150) for _ in range(2)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sum(int(o.split()[1]) for o in outs) == 300
    with ResultsStore(path, readonly=True) as db:
        (c,) = db.campaigns()
        assert c.n_units == 300
        assert db.unit_indices(c.id, 1) == set(range(150))
