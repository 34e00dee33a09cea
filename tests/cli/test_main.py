"""The ``nrlink`` command line: presets, run (and resume), show, plot, export, errors."""

import csv
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from nrlink.cli.main import _db_name, app
from nrlink.sim.presets import preset_names
from nrlink.sim.store import ResultsStore

TINY = """\
name = "tiny"
description = "a tiny coding-chain campaign for the CLI tests"
seed = 7

[link]
type = "tb"

[link.tb]
tbs = 200
target_code_rate = 0.33
g = 600
qm = 2

[snr]
values_db = [0, 2, 8]

[stopping]
target_errors = 5
max_tbs = 64

[run]
batch_size = 8
slots_per_unit = 1
"""

# plain output whatever the environment of the test run (no forced colours / terminal)
ENV = {"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "COLUMNS": "160"}


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], env=ENV)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny campaign run once through ``nrlink run``: (dir, toml, db, first result)."""
    d = tmp_path_factory.mktemp("cli")
    toml = d / "tiny.toml"
    toml.write_text(TINY, encoding="utf-8")
    db = d / "x.db"
    res = invoke("run", toml, "--workers", 1, "--db", db)
    return d, toml, db, res


def unit_count(db) -> int:
    with ResultsStore(db, readonly=True) as s:
        return sum(len(s.units(c.id)) for c in s.campaigns())


# --------------------------------------------------------------------------- help, presets
def test_presets_lists_every_preset():
    res = invoke("presets")
    assert res.exit_code == 0, res.output
    for name in preset_names():
        assert name in res.output
    assert "quick" in res.output


@pytest.mark.parametrize("command", [[], ["run"], ["presets"], ["show"], ["plot"], ["export"]])
def test_help_has_an_example(command):
    res = invoke(*command, "--help")
    assert res.exit_code == 0, res.output
    assert "Example" in res.output


def test_version():
    res = invoke("--version")
    assert res.exit_code == 0
    assert res.output.startswith("nrlink ")


def test_python_dash_m_runs_the_app():
    out = subprocess.run([sys.executable, "-m", "nrlink.cli", "--help"], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "Usage: nrlink" in out.stdout


def test_help_does_not_import_the_simulator():
    code = ("import sys; from typer.testing import CliRunner; from nrlink.cli.main import app;"
            "CliRunner().invoke(app, ['--help']);"
            "print(any(m.startswith(('nrlink.sim', 'numba', 'matplotlib')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- run
def test_run_prints_the_table_and_writes_db_and_plot(tiny):
    d, _, db, res = tiny
    assert res.exit_code == 0, res.output
    out = res.output
    assert "campaign 1: tiny" in out
    for header in ("SNR (dB)", "TBs", "errors", "BLER", "throughput", "BER"):
        assert header in out
    assert "[3/3] tiny SNR 8 dB" in out  # one progress line per settled point
    assert "24 units run, 0 reused" in out
    assert db.is_file() and (d / "x.png").is_file()
    assert f"results: {db}" in out and f"plot:    {d / 'x.png'}" in out
    with ResultsStore(db, readonly=True) as s:
        (camp,) = s.campaigns()
        assert camp.name == "tiny" and camp.n_points == 3
        assert [r.status for r in s.point_results(camp.id)] == ["done"] * 3


def test_rerun_reuses_every_unit(tiny):
    _, toml, db, first = tiny
    assert first.exit_code == 0
    before = unit_count(db)
    assert before == 24  # 3 points x 8 units of 8 TBs (max_tbs 64)
    res = invoke("run", toml, "--workers", 1, "--db", db)
    assert res.exit_code == 0, res.output
    assert "0 units run, 24 reused" in res.output
    assert unit_count(db) == before
    with ResultsStore(db, readonly=True) as s:
        assert len(s.campaigns()) == 1


def test_run_default_db_is_the_campaign_name_in_the_cwd(tiny, tmp_path, monkeypatch):
    _, toml, _, _ = tiny
    monkeypatch.chdir(tmp_path)
    res = invoke("run", toml, "--workers", 1, "--quiet")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "tiny.db").is_file() and (tmp_path / "tiny.png").is_file()
    assert "SNR (dB)" not in res.output  # quiet: no table
    assert "plot:" in res.output


def test_db_name_is_file_name_safe():
    assert _db_name("tiny") == "tiny.db"
    assert _db_name("PUSCH / TDL-C 300ns") == "PUSCH_TDL-C_300ns.db"
    assert _db_name("../..") == "campaign.db"


def test_interrupted_run_exits_130_and_resumes(tiny, tmp_path, monkeypatch):
    _, toml, _, _ = tiny
    import nrlink.sim.engine as engine

    real = engine.run_campaign

    def interrupted(camp, store, **kw):
        def progress(run):
            if run.units_run >= 3:
                raise KeyboardInterrupt

        kw["progress"] = progress
        return real(camp, store, **kw)

    db = tmp_path / "i.db"
    monkeypatch.setattr(engine, "run_campaign", interrupted)
    res = invoke("run", toml, "--workers", 1, "--db", db)
    assert res.exit_code == 130, res.output
    assert "interrupted: rerun the same command to resume" in res.output
    assert "Traceback" not in res.output
    assert unit_count(db) == 3  # every finished unit was committed
    monkeypatch.setattr(engine, "run_campaign", real)
    res = invoke("run", toml, "--workers", 1, "--db", db)
    assert res.exit_code == 0, res.output
    assert "21 units run, 3 reused" in res.output


# --------------------------------------------------------------------------- errors
def test_unknown_key_is_a_one_line_error_naming_it(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace("qm = 2", "qm = 2\nfoo = 1"), encoding="utf-8")
    res = invoke("run", bad, "--workers", 1, "--db", tmp_path / "b.db")
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert lines[0].startswith("error: ") and "link.tb.foo" in lines[0]
    assert "unknown key" in lines[0]
    assert not (tmp_path / "b.db").exists()


def test_unknown_preset_and_missing_file(tmp_path):
    res = invoke("run", "no-such-preset", "--workers", 1)
    assert res.exit_code == 2 and "neither a campaign file nor a preset" in res.output
    res = invoke("run", tmp_path / "missing.toml", "--workers", 1)
    assert res.exit_code == 2 and "no such campaign file" in res.output


def test_bad_workers_is_a_usage_error(tiny):
    _, toml, _, _ = tiny
    assert invoke("run", toml, "--workers", 0).exit_code == 2


def test_run_creates_the_database_directory(tiny, tmp_path):
    """`make demo` writes into results/, which a fresh checkout does not have."""
    _, toml, _, _ = tiny
    res = invoke("run", toml, "--workers", 1, "--db", tmp_path / "new" / "dir" / "x.db")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "dir" / "x.db").is_file()
    assert (tmp_path / "new" / "dir" / "x.png").is_file()
    blocked = tmp_path / "file"
    blocked.write_text("")
    res = invoke("run", toml, "--workers", 1, "--db", blocked / "x.db")
    assert res.exit_code == 2 and "cannot create the directory" in res.output


def test_resume_with_another_code_version_warns(tiny, tmp_path):
    import sqlite3

    _, toml, _, _ = tiny
    db = tmp_path / "v.db"
    assert invoke("run", toml, "--workers", 1, "--db", db).exit_code == 0
    with sqlite3.connect(db) as con:
        (table,) = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%code_version%'")]
        con.execute(f"UPDATE {table} SET code_version = '0.0.1 (git 0000000)'")
    res = invoke("run", toml, "--workers", 1, "--db", db)
    assert res.exit_code == 0
    assert "warning: resuming campaign 1" in res.output and "0.0.1" in res.output


def test_show_missing_db_exits_2(tmp_path):
    res = invoke("show", tmp_path / "missing.db")
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and "does not exist" in res.output


def test_show_unknown_campaign_exits_2(tiny):
    res = invoke("show", tiny[2], "--campaign", 99)
    assert res.exit_code == 2 and "campaign_id=99" in res.output


# --------------------------------------------------------------------------- show, export, plot
def test_show(tiny):
    _, _, db, _ = tiny
    for args in ([], ["--campaign", "1"]):
        res = invoke("show", db, *args)
        assert res.exit_code == 0, res.output
        assert "campaign 1: tiny" in res.output
        assert res.output.count(" done ") == 3
        assert "max_tbs" in res.output or "target_errors" in res.output


def test_export_csv_one_row_per_point(tiny, tmp_path):
    _, _, db, _ = tiny
    out = tmp_path / "results.csv"
    res = invoke("export", db, "-o", out)
    assert res.exit_code == 0, res.output
    assert "exported 3 rows" in res.output
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert [float(r["snr_db"]) for r in rows] == [0.0, 2.0, 8.0]
    assert {r["status"] for r in rows} == {"done"}
    assert all(int(r["tbs"]) >= 64 and 0 <= float(r["bler"]) <= 1 for r in rows)


def test_export_parquet_or_a_clear_error(tiny, tmp_path):
    _, _, db, _ = tiny
    out = tmp_path / "results.parquet"
    res = invoke("export", db, "-o", out)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert res.exit_code == 2 and "pyarrow" in res.output
    else:
        assert res.exit_code == 0 and out.is_file()


def test_export_unknown_suffix_exits_2(tiny, tmp_path):
    res = invoke("export", tiny[2], "-o", tmp_path / "results.xlsx")
    assert res.exit_code == 2 and ".xlsx" in res.output


def test_plot_writes_a_readable_png(tiny, tmp_path):
    from matplotlib.image import imread

    _, _, db, _ = tiny
    out = tmp_path / "fig.png"
    res = invoke("plot", db, "-o", out, "--campaign", 1)
    assert res.exit_code == 0, res.output
    img = imread(out)
    h, w = img.shape[:2]
    assert w > 600 and h > 300
    rgb = img[..., :3]
    assert rgb.std() > 0.05  # not blank
    assert np.mean(rgb < 0.9) > 0.005  # not all white: curves, axes and text are drawn


def test_plot_default_output_and_metrics(tiny, tmp_path):
    import shutil

    _, _, db, _ = tiny
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    res = invoke("plot", copy, "-m", "ber")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "copy.png").is_file()
    res = invoke("plot", copy, "-m", "nope")
    assert res.exit_code == 2 and "metrics" in res.output


def test_two_workers_give_the_same_counts(tiny, tmp_path):
    _, toml, db1, _ = tiny
    db2 = tmp_path / "w2.db"
    res = invoke("run", toml, "--workers", 2, "--db", db2, "--quiet")
    assert res.exit_code == 0, res.output

    def counts(db):
        with ResultsStore(db, readonly=True) as s:
            return [(r.point, r.status, r.last_unit, r.stats["tbs"], r.stats["errors"])
                    for r in s.point_results(s.campaigns()[0].id)]

    assert counts(db2) == counts(db1)


# --------------------------------------------------------------------------- live display
def test_dashboard_renders_progress_and_an_eta(tiny):
    import io

    from rich.console import Console

    from nrlink.cli.main import _Dashboard
    from nrlink.sim.campaign import load_campaign
    from nrlink.sim.engine import run_campaign

    _, toml, _, _ = tiny
    camp = load_campaign(toml)
    board = _Dashboard(camp.name, len(camp.points))
    frames = []

    def progress(run):
        board.update(run)
        out = io.StringIO()
        Console(file=out, width=120, force_terminal=False).print(board)
        frames.append(out.getvalue())

    with ResultsStore(toml.parent / "dash.db") as s:
        run_campaign(camp, s, progress=progress)
    assert len(frames) == 24
    assert "running" in frames[0] and "0/3 points settled" in frames[0]
    assert "estimating" in frames[0]  # one sample: no rate yet
    assert "ETA ~" in frames[5] and "(estimate)" in frames[5]
    assert "3/3 points settled" in frames[-1] and "100.0 %" in frames[-1]
    assert "finished" in frames[-1]


def test_dashboard_eta_is_remaining_fraction_over_recent_rate():
    from nrlink.cli.main import _Dashboard

    board = _Dashboard("x", 10, window_s=60.0)
    assert board.eta(0.0) is None
    board.history.extend([(0.0, 0.0), (10.0, 0.1), (20.0, 0.2)])
    assert board.eta(20.0) == pytest.approx(80.0)  # 0.8 left at 0.01 / s
    assert board.eta(30.0) == pytest.approx(70.0)  # counts down between updates
    assert board.eta(500.0) == 0.0


# --------------------------------------------------------------------------- conformance
SMOKE_CASE = "G-FR1-A3-8 1x2 TDLB100-400"


def _report_counts(path) -> tuple[int, int]:
    """(rows of the report's cases table, embedded PNG images)."""
    import base64
    from html.parser import HTMLParser

    class P(HTMLParser):
        rows = images = 0
        in_cases = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "table":
                self.in_cases = a.get("class") == "cases"
            if self.in_cases and tag == "tr":
                self.rows += 1
            if tag == "img" and (a.get("src") or "").startswith("data:image/png;base64,"):
                data = base64.b64decode(a["src"].split(",", 1)[1])
                assert data.startswith(b"\x89PNG")
                self.images += 1

    p = P()
    p.feed(path.read_text(encoding="utf-8"))
    return p.rows - 1, p.images  # less the header row


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One short case (64 TBs per SNR) through ``nrlink conformance``, with a report."""
    d = tmp_path_factory.mktemp("conformance")
    args = ("conformance", "--filter", "G-FR1-A3-8 1x2", "--max-tbs", 64, "--workers", 1,
            "--db", d / "c.db", "--report", d / "r.html")
    return d, args, invoke(*args)


def test_conformance_smoke_prints_table_and_writes_report(smoke):
    import re

    d, _, res = smoke
    assert res.exit_code == 0, res.output
    out = res.output
    assert "TS 38.104 PUSCH conformance" in out
    row = next(line for line in out.splitlines() if SMOKE_CASE in line and "│" in line)
    assert re.search(r"\b(pass|fail|inconclusive)\b", row), row
    assert "-2.3 dB" in row and " dB" in row.split("│")[-2]  # required SNR, margin
    counts = re.search(r"^(\d+) pass, (\d+) fail, (\d+) inconclusive$", out, re.MULTILINE)
    assert counts and sum(map(int, counts.groups())) == 1
    assert f"[1/1] {SMOKE_CASE} · SNR -2.30 dB" in out  # a progress line per SNR
    assert (d / "c.db").is_file()
    assert f"report: {d / 'r.html'}" in out
    assert _report_counts(d / "r.html") == (1, 1)
    # the suite's practical receiver, as run and as reported
    assert "channel_estimation=lmmse" in (d / "r.html").read_text()
    with ResultsStore(d / "c.db", readonly=True) as s:
        names = [c.name for c in s.campaigns()]
    assert len(names) >= 3 and all(SMOKE_CASE in n for n in names)  # one per SNR
    assert all("channel_estimation=lmmse" in n for n in names)


def test_conformance_rerun_resumes_from_the_database(smoke):
    d, args, first = smoke
    assert first.exit_code == 0
    before = unit_count(d / "c.db")
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    assert unit_count(d / "c.db") == before  # every unit reused, none run

    def table(out):
        return [line for line in out.splitlines() if SMOKE_CASE in line and "│" in line]

    assert table(res.output) == table(first.output)


def test_conformance_list():
    from nrlink.sim.conformance import load_suite

    res = invoke("conformance", "--list")
    assert res.exit_code == 0, res.output
    assert "24 cases" in res.output
    for q in load_suite():
        assert q.case_id in res.output
    res = invoke("conformance", "--list", "--filter", "8.2.1.2-1")
    assert res.exit_code == 0 and "10 cases" in res.output


@pytest.mark.parametrize("receiver, words", [
    ("foo=1", ("--receiver foo", "unknown key")),
    ("detector", ("KEY=VALUE",)),
    ("detector=qr", ("detector='qr'",)),
])
def test_conformance_bad_receiver_is_one_line(tmp_path, receiver, words):
    res = invoke("conformance", "--filter", "G-FR1-A3-8 1x2", "--receiver", receiver,
                 "--db", tmp_path / "c.db")
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    for w in words:
        assert w in lines[0]
    assert not (tmp_path / "c.db").exists()


def test_conformance_receiver_a_case_cannot_use_exits_2_before_running(tmp_path):
    res = invoke("conformance", "--filter", "G-FR1-A5-8", "--receiver", "detector=ml",
                 "--db", tmp_path / "c.db")
    assert res.exit_code == 2, res.output
    assert "case G-FR1-A5-8" in res.output and "ml" in res.output
    assert not (tmp_path / "c.db").exists()


def test_conformance_filter_matching_nothing_exits_2(tmp_path):
    res = invoke("conformance", "--filter", "nothing", "--db", tmp_path / "c.db")
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "nothing" in lines[0] and lines[0].startswith("error: ")


def test_conformance_help_has_an_example():
    res = invoke("conformance", "--help")
    assert res.exit_code == 0, res.output
    assert "Example:" in res.output


def test_conformance_interrupted_exits_130(tmp_path, monkeypatch):
    import nrlink.sim.conformance as conformance

    real = conformance.run_campaign

    def interrupted(camp, store, **kw):
        def progress(run):
            raise KeyboardInterrupt

        kw["progress"] = progress
        return real(camp, store, **kw)

    monkeypatch.setattr(conformance, "run_campaign", interrupted)
    db = tmp_path / "i.db"
    res = invoke("conformance", "--filter", "G-FR1-A3-8 1x2", "--max-tbs", 64, "--workers", 1,
                 "--db", db)
    assert res.exit_code == 130, res.output
    assert "interrupted: rerun the same command to resume" in res.output
    assert "Traceback" not in res.output
    assert unit_count(db) == 1  # the finished unit was committed


def test_conformance_warns_about_units_of_another_version(smoke, tmp_path):
    import shutil
    import sqlite3

    d, args, first = smoke
    assert first.exit_code == 0 and "warning" not in first.output
    db = tmp_path / "old.db"
    shutil.copy(d / "c.db", db)
    with sqlite3.connect(db) as con:
        (table,) = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE '%code_version%'")]
        con.execute(f"UPDATE {table} SET code_version = '0.0.1 (git 0000000)'")
    args = [str(a) for a in args]
    args[args.index("--db") + 1] = str(db)
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "0.0.1 (git 0000000)" in res.output
