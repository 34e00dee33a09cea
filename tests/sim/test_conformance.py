"""TS 38.104 PUSCH conformance cases (sim/conformance.py): data, FRCs, verdicts, margins."""

import math
from importlib.resources import files

import pytest

from nrlink.errors import ConfigError
from nrlink.sim import conformance as conf
from nrlink.sim.campaign import Campaign
from nrlink.sim.conformance import (
    CasePoint,
    case_document,
    crossing,
    load_suite,
    run_case,
    select_cases,
    tbs_for_half_width,
    verdict,
)


def test_packaged_requirements_equal_the_shared_file(shared_dir):
    packaged = (files("nrlink.spec.tables") / "requirements" / "ts38104_pusch.json").read_bytes()
    assert packaged == (shared_dir / "requirements" / "ts38104_pusch.json").read_bytes()


def test_every_row_is_a_case_with_a_valid_configuration():
    suite = load_suite()
    assert len(suite) == 24
    assert len({r.case_id for r in suite}) == 24
    for r in suite:
        cfg = r.frc.config()
        assert cfg.carrier.scs_khz == r.scs_khz == r.frc.scs_khz
        assert len(cfg.resources.prbs) == r.frc.n_prb and cfg.num_layers == r.frc.layers
        assert r.fraction == 0.7 and r.n_tx == r.frc.layers
        Campaign(case_document(r, r.required_snr_db))  # the whole case validates


@pytest.mark.parametrize(("frc", "mcs", "qm", "r1024", "tbs"), [
    # TBS recomputed by hand (TS 38.214 §5.1.3.2): N_RE = 25 · (12·14 − 24) = 3600;
    # QPSK 193/1024: N_info = 1357.0 → N_info' = 16·floor(1357/16) = 1344 → Table 5.1.3.2-1
    # gives 1352; 16QAM 658/1024: N_info = 9253.1 → n = 8, N_info' = 256·36 = 9216, C = 2,
    # TBS = 16·ceil(9240/16) − 24 = 9224.
    ("G-FR1-A3-8", 2, 2, 193, 1352),
    ("G-FR1-A4-8", 16, 4, 658, 9224),
])
def test_frc_mcs_and_tbs(frc, mcs, qm, r1024, tbs):
    (req,) = [r for r in load_suite() if r.frc.name == frc][:1]
    cfg = req.frc.config()
    assert req.frc.mcs_index == mcs and cfg.resources.mcs.qm == qm
    assert round(cfg.resources.mcs.r * 1024) == r1024
    assert cfg.resources.dmrs_symbols == (2, 11)  # pos1 at dmrs-TypeA-Position 2
    assert cfg.resources.n_dmrs_prb == 24 and not cfg.resources.ptrs_symbols
    assert cfg.resources.tbs == (tbs,)


def test_64qam_frc_tbs_by_hand():
    """64QAM 567/1024 on 25 PRB: N_info = 3600·(567/1024)·6 = 11960.2; n = floor(log2(
    11936.2)) − 5 = 8; N_info' = max(3840, 256·round(11936.2/256)) = 12032; R > 1/4 and
    N_info' > 8424 → C = ceil(12056/8424) = 2; TBS = 8·2·ceil(12056/16) − 24 = 12040."""
    (req,) = [r for r in load_suite() if r.frc.name == "G-FR1-A5-8"][:1]
    n_info = 3600 * 567 / 1024 * 6
    n = math.floor(math.log2(n_info - 24)) - 5
    n_info_p = max(3840, 2**n * round((n_info - 24) / 2**n))
    c = math.ceil((n_info_p + 24) / 8424)
    want = 8 * c * math.ceil((n_info_p + 24) / (8 * c)) - 24
    assert req.frc.mcs_index == 20 and req.frc.config().resources.tbs == (want,)


def test_transform_precoding_frc():
    (req,) = [r for r in load_suite() if r.frc.name == "G-FR1-A3-31"][:1]
    cfg = req.frc.config()
    assert cfg.transform_precoding and cfg.mcs_table == "tp-qam64"
    assert cfg.resources.mcs.qm == 2 and round(cfg.resources.mcs.r * 1024) == 193


def test_two_layer_frc_uses_two_ports_tpmi_0():
    (req,) = [r for r in load_suite() if r.frc.name == "G-FR1-A3-22"][:1]
    cfg = req.frc.config()
    assert cfg.num_layers == 2 and cfg.precoding_matrix.shape == (2, 2)
    assert abs(abs(cfg.precoding_matrix[0, 0]) - 2**-0.5) < 1e-6


def test_select_cases():
    assert len(select_cases("8.2.1.2-1")) == 10
    assert [r.case_id for r in select_cases("G-FR1-A3-8 1x2")] == ["G-FR1-A3-8 1x2 TDLB100-400"]
    with pytest.raises(ConfigError, match="matches no case"):
        select_cases("nothing")


def test_half_width_rule():
    n = tbs_for_half_width()
    assert n == 2401
    assert 1.96 * math.sqrt(0.25 / n) <= 0.02 < 1.96 * math.sqrt(0.25 / (n - 20))


def _pt(snr, thr, n=2401):
    from nrlink.sim.stopping import binomial_interval

    lo, hi = binomial_interval(round(thr * n), n)
    return CasePoint(snr_db=snr, throughput=thr, lo=lo, hi=hi, tbs=n, transmissions=n,
                     bler=1 - thr)


def test_verdicts():
    assert verdict(_pt(0, 0.8), 0.7) == "pass"
    assert verdict(_pt(0, 0.6), 0.7) == "fail"
    assert verdict(_pt(0, 0.705), 0.7) == "inconclusive"


def test_crossing_interpolates_and_bounds():
    pts = [_pt(-1, 0.5), _pt(0, 0.6), _pt(1, 0.8), _pt(2, 0.9)]
    x, bound = crossing(pts, 0.7)
    assert bound == "" and x == pytest.approx(0.5)
    assert crossing([_pt(0, 0.8), _pt(1, 0.9)], 0.7) == (0, "<")
    assert crossing([_pt(0, 0.1), _pt(1, 0.2)], 0.7) == (1, ">")


def test_run_case_sweeps_until_the_crossing_is_bracketed(monkeypatch):
    """With a synthetic throughput curve crossing 70 % at required − 2.6 dB, the case
    measures required ± 1 dB, extends downwards 1 dB at a time until bracketed, and reports
    the interpolated margin and the verdict at the required SNR."""
    req = select_cases("G-FR1-A3-8 1x2")[0]
    s0 = req.required_snr_db
    calls = []

    def fake(req_, snr, store, **kw):
        calls.append(round(snr - s0, 6))
        thr = min(1.0, max(0.0, 0.7 + 0.1 * (snr - (s0 - 2.6))))
        return _pt(snr, thr)

    monkeypatch.setattr(conf, "_measure", fake)
    res = run_case(req, store=None)
    assert calls == [-1.0, 0.0, 1.0, -2.0, -3.0]
    assert res.verdict == "pass" and res.margin_bound == ""
    assert res.margin_db == pytest.approx(-2.6, abs=1e-9)
    assert [p.snr_db - s0 for p in res.points] == pytest.approx([-3, -2, -1, 0, 1])
    assert res.half_width_ok and not res.notes


def test_run_case_flags_a_short_run(monkeypatch):
    req = select_cases("G-FR1-A3-8 1x2")[0]
    monkeypatch.setattr(conf, "_measure",
                        lambda req_, snr, store, **kw: _pt(snr, 0.75, n=300))
    res = run_case(req, store=None, max_extra=1)
    assert res.verdict == "inconclusive" and "half-width" in res.notes[0]
    assert res.margin_bound == "<"


def test_select_by_bandwidth():
    five = select_cases("5 MHz")
    assert len(five) == 12 and {r.channel_bandwidth_mhz for r in five} == {5}
    assert len(select_cases("100mhz")) == 6


def test_unit_interval_widens_for_correlated_units():
    """Independent outcomes: the between-unit interval matches the binomial one. Units
    whose slots all succeed or all fail together (a channel frozen over a unit): the
    interval is much wider than the binomial one over transmissions."""
    import numpy as np

    from nrlink.sim.conformance import unit_interval
    from nrlink.sim.stopping import binomial_interval

    rng = np.random.default_rng(3)
    t = np.full(60, 40)
    d = rng.binomial(40, 0.8, 60)
    r, lo, hi = unit_interval(d, t)
    wl, wh = binomial_interval(int(d.sum()), int(t.sum()))
    assert r == d.sum() / t.sum() and lo <= wl and hi >= wh
    assert (hi - lo) < 1.5 * (wh - wl)
    frozen = 40 * (rng.random(60) < 0.8)
    r2, lo2, hi2 = unit_interval(frozen, t)
    wl2, wh2 = binomial_interval(int(frozen.sum()), int(t.sum()))
    assert (hi2 - lo2) > 4 * (wh2 - wl2)
    assert unit_interval([], []) == (0.0, 0.0, 1.0)


def test_frcs_are_presets():
    from nrlink.sim.campaign import load_campaign
    from nrlink.sim.conformance import frc_names

    assert len(frc_names()) == 15 and frc_names()[0] == "G-FR1-A3-8"  # those with a row
    camp = load_campaign("G-FR1-A4-8")
    assert camp.name == "G-FR1-A4-8" and camp.snr_db[0] == pytest.approx(10.1 - 4)
    assert len(camp.snr_db) == 7 and camp.link(0).config.resources.tbs == (9224,)
    assert camp.link(0).num_rx == 2 and camp.link(0).harq.max_transmissions == 4
    with pytest.raises(ConfigError, match="did you mean 'G-FR1-A4-8'"):
        load_campaign("G-FR1-A4-88")
