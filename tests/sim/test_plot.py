"""Campaign figures and table rows read back from a results database (nrlink.sim.plot)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.sim.plot import _curves, _log_limits, campaign_table_rows, plot_campaign
from nrlink.sim.store import ResultsStore


def _stats(errors: int, tbs: int, tput: float) -> dict:
    from nrlink.sim.stopping import binomial_interval

    lo, hi = binomial_interval(errors, tbs)
    tlo, thi = binomial_interval(round(tput * tbs), tbs)
    return {"tbs": tbs, "errors": errors, "bler": errors / tbs, "bler_lo": float(lo),
            "bler_hi": float(hi), "residual_bler": 0.0, "throughput": tput,
            "throughput_lo": float(tlo), "throughput_hi": float(thi), "ber": errors / tbs / 50,
            "ber_lo": None, "ber_hi": None, "mean_iterations": 4.5}


@pytest.fixture
def db(tmp_path):
    """Two configurations × 4 SNRs: done points (one with 0 errors), skipped, pending with
    units (an interrupted run) and pending without units."""
    path = tmp_path / "r.db"
    with ResultsStore(path) as s:
        cid = s.open_campaign("demo", {"stopping": {"confidence": 0.9}}, code_version="t")
        labels = ("mcs=4", "mcs=14")
        points = [{"config": c, "label": labels[c], "snr_db": snr}
                  for c in range(2) for snr in (0.0, 1.0, 2.0, 3.0)]
        s.define_points(cid, points)
        done = {0: (80, 100, 0.2), 1: (9, 120, 0.9), 2: (0, 500, 1.0),
                4: (100, 100, 0.0), 5: (50, 100, 0.5)}
        for p, (e, n, t) in done.items():
            s.set_point_result(cid, p, status="done", last_unit=0, stats=_stats(e, n, t),
                               reason="target_errors")
        s.set_point_result(cid, 3, status="skipped", last_unit=None, stats={},
                           reason="below_floor")
        for u in range(2):  # point 6: two units, no result yet
            s.record_unit(cid, 6, u, seed=f"0/6/{u}", elapsed_s=0.1, counts={
                "first_transmissions": 16, "first_transmission_errors": 3,
                "transmissions": 16, "tbs_delivered": 13, "tbs_failed": 0,
                "bits_delivered": 13 * 100, "bits_max": 16 * 100,
                "first_transmission_bits": 1600, "first_transmission_bit_errors": 20,
                "iterations_milli": 16 * 5000, "decodings": 16})
    return path, cid


def test_plot_png_size_and_content(db, tmp_path):
    from matplotlib.image import imread

    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        out = plot_campaign(s, cid, tmp_path / "f.png")
    assert out == tmp_path / "f.png"
    img = imread(out)
    assert img.shape[:2] == (675, 1500)  # 10 x 4.5 in at 150 dpi
    rgb = img[..., :3]
    assert rgb.std() > 0.05 and np.mean(rgb < 0.9) > 0.005


def test_plot_one_subplot_per_metric(db, tmp_path):
    from matplotlib.image import imread

    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        one = plot_campaign(s, cid, tmp_path / "a.png", metrics=("bler",))
        four = plot_campaign(s, cid, tmp_path / "b.png",
                             metrics=("bler", "residual_bler", "ber", "throughput"))
    assert imread(one).shape[:2] == (675, 750)
    assert imread(four).shape[:2] == (675, 3000)


def test_plot_other_formats(db, tmp_path):
    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        svg = plot_campaign(s, cid, tmp_path / "f.svg")
        pdf = plot_campaign(s, cid, str(tmp_path / "f.pdf"))
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_plot_does_not_touch_pyplot(db, tmp_path):
    import sys

    path, cid = db
    before = "matplotlib.pyplot" in sys.modules
    with ResultsStore(path, readonly=True) as s:
        plot_campaign(s, cid, tmp_path / "f.png")
    assert ("matplotlib.pyplot" in sys.modules) == before


def test_plot_of_a_campaign_without_results(tmp_path):
    from matplotlib.image import imread

    with ResultsStore(tmp_path / "e.db") as s:
        cid = s.open_campaign("empty", {}, code_version="t")
        s.define_points(cid, [{"config": 0, "label": "x", "snr_db": 0.0}])
        out = plot_campaign(s, cid, tmp_path / "e.png")
    assert imread(out).shape[:2] == (675, 1500)


def test_skipped_and_pending_points_are_omitted(db):
    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        curves = _curves(s, cid)
    assert list(curves) == [0, 1]
    assert curves[0][0] == "mcs=4" and curves[1][0] == "mcs=14"
    assert [snr for snr, _ in curves[0][1]] == [0.0, 1.0, 2.0]  # 3.0 skipped
    assert [snr for snr, _ in curves[1][1]] == [0.0, 1.0]  # 2.0 partial, 3.0 pending


@pytest.mark.parametrize("metrics", [(), "bler", ("bler", "nope"), ("bler", "bler"), None])
def test_bad_metrics(db, tmp_path, metrics):
    path, cid = db
    with ResultsStore(path, readonly=True) as s, pytest.raises(ConfigError, match="metrics"):
        plot_campaign(s, cid, tmp_path / "f.png", metrics=metrics)


def test_unknown_campaign(db, tmp_path):
    path, _ = db
    with ResultsStore(path, readonly=True) as s, pytest.raises(ConfigError,
                                                               match="campaign_id"):
        plot_campaign(s, 42, tmp_path / "f.png")
    with ResultsStore(path, readonly=True) as s, pytest.raises(ConfigError,
                                                               match="campaign_id"):
        campaign_table_rows(s, 42)


@given(st.lists(st.floats(1e-9, 1.0), min_size=1, max_size=20),
       st.lists(st.floats(1e-9, 1.0), max_size=20))
def test_log_limits_hold_every_value_and_put_zeros_below(values, highs):
    bottom, top, zero_y = _log_limits(values, highs)
    assert 0 < bottom < zero_y < min(values + highs)
    assert top > max(values + highs)
    assert math.log10(min(values + highs) / zero_y) >= math.log10(3) - 1e-9


def test_log_limits_of_a_bler_axis_reach_one():
    assert _log_limits([1e-3], [2e-3], probability=True)[1] >= 1.0
    assert _log_limits([1e-3], [2e-3])[1] < 1.0


def test_log_limits_without_positive_values():
    bottom, top, zero_y = _log_limits([], [])
    assert 0 < bottom < zero_y < top


# --------------------------------------------------------------------------- table rows
def test_table_rows(db):
    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        rows = campaign_table_rows(s, cid)
    assert [r["point"] for r in rows] == list(range(8))
    keys = {"point", "config", "label", "snr_db", "status", "n_units", "tbs", "errors",
            "bler", "bler_lo", "bler_hi", "residual_bler", "throughput", "ber",
            "mean_iterations", "rates", "reason", "partial"}
    assert all(set(r) == keys and r["rates"] == {} for r in rows)
    r0 = rows[0]
    assert (r0["label"], r0["snr_db"], r0["status"], r0["tbs"], r0["errors"]) == \
        ("mcs=4", 0.0, "done", 100, 80)
    assert r0["bler"] == 0.8 and r0["bler_lo"] < 0.8 < r0["bler_hi"]
    assert r0["reason"] == "target_errors" and not r0["partial"]
    assert rows[2]["bler"] == 0.0 and rows[2]["bler_hi"] > 0
    skipped = rows[3]
    assert skipped["status"] == "skipped" and skipped["reason"] == "below_floor"
    assert skipped["tbs"] is None and skipped["bler"] is None and not skipped["partial"]
    pending = rows[7]
    assert pending["status"] == "pending" and pending["tbs"] is None
    assert not pending["partial"] and pending["n_units"] == 0


def test_table_rows_partial_point_sums_its_units(db):
    from nrlink.sim.stopping import binomial_interval

    path, cid = db
    with ResultsStore(path, readonly=True) as s:
        r = campaign_table_rows(s, cid)[6]
    assert r["status"] == "pending" and r["partial"] and r["n_units"] == 2
    assert (r["tbs"], r["errors"]) == (32, 6)
    assert r["bler"] == pytest.approx(6 / 32)
    lo, hi = binomial_interval(6, 32, confidence=0.9)  # the campaign's confidence
    assert (r["bler_lo"], r["bler_hi"]) == pytest.approx((lo, hi))
    assert r["throughput"] == pytest.approx(13 / 16)
    assert r["mean_iterations"] == pytest.approx(5.0)


def test_default_metrics_of_shared_and_control_campaigns(tmp_path):
    from nrlink.sim.campaign import Campaign
    from nrlink.sim.engine import run_campaign
    from nrlink.sim.plot import default_metrics

    doc = {"name": "f0", "seed": 1, "link": {"type": "pucch", "pucch": {
        "n_harq": 1, "resource": {"format": 0, "num_symbols": 2}}},
        "snr": {"values_db": [0.0]}, "stopping": {"target_errors": 5, "max_tbs": 40},
        "run": {"batch_size": 20, "slots_per_unit": 1}}
    with ResultsStore(tmp_path / "c.db") as st:
        run_campaign(Campaign(doc), st)
        cid = st.campaigns()[0].id
        assert default_metrics(st, cid) == ("bler", "ack_miss_rate", "dtx_to_ack_rate",
                                            "false_alarm_rate")
        out = plot_campaign(st, cid, tmp_path / "c.png", metrics=default_metrics(st, cid))
        assert out.stat().st_size > 0
