"""Control-channel campaign links (link/control.py, link/_control_common.py)."""

import numpy as np
import pytest

from nrlink.config.pdcch import CoresetConfig, PdcchConfig, SearchSpaceConfig
from nrlink.config.tdl import TdlConfig
from nrlink.errors import ConfigError
from nrlink.link._control_common import ControlResult, FrequencyChannel
from nrlink.link.control import (
    CONTROL_LINKS,
    PbchControlLink,
    PbchLinkConfig,
    PdcchControlLink,
    PdcchLinkConfig,
    PucchControlLink,
    PucchLinkConfig,
)
from nrlink.sim.campaign import Campaign
from nrlink.sim.engine import run_campaign
from nrlink.sim.stopping import binomial_interval
from nrlink.sim.store import ResultsStore

TDL = TdlConfig.from_name("TDLC300-100", num_rx=2)


# --------------------------------------------------------------------------- common


def test_control_result_counts_rates_and_sum():
    a = ControlResult({"first_transmissions": np.int64(10), "first_transmission_errors": 2,
                       "false_alarm_events": 1, "false_alarm_trials": 20})
    b = ControlResult({"first_transmissions": 10, "first_transmission_errors": 0})
    assert a.counts() == {"first_transmissions": 10, "first_transmission_errors": 2,
                          "false_alarm_events": 1, "false_alarm_trials": 20}
    assert all(type(v) is int for v in a.counts().values())
    assert a.bler == 0.2 and a.rate("false_alarm") == 0.05
    s = a + b
    assert s.bler == 0.1 and s.counters["false_alarm_trials"] == 20
    assert np.isnan(ControlResult({}).bler) and np.isnan(b.rate("false_alarm"))


def test_frequency_channel_awgn_and_tdl():
    awgn = FrequencyChannel(None, 3, mu=1, n_sc=24)
    assert not awgn.fading and awgn.draw(2, np.random.default_rng(0)) is None
    h = awgn.grid(None, 2, 5)
    assert h.shape == (2, 3, 14, 24) and np.all(h == 1)
    ch = FrequencyChannel(TDL, None, mu=1, n_sc=48)
    assert ch.num_rx == 2 and ch.fading
    real = ch.draw(200, np.random.default_rng(1))
    h0, h1 = ch.grid(real, 200, 0), ch.grid(real, 200, 1)
    assert h0.shape == (200, 2, 14, 48) and h0.dtype == np.complex64
    assert np.mean(np.abs(h0) ** 2) == pytest.approx(1.0, rel=0.15)  # unit average power
    assert not np.allclose(h0, h1)  # the channel evolves over the slots


def test_frequency_channel_raises():
    with pytest.raises(ConfigError, match="num_tx"):
        FrequencyChannel(TdlConfig.from_name("TDLC300-100", num_tx=2), None, mu=0, n_sc=12)
    with pytest.raises(ConfigError, match="num_rx=4"):
        FrequencyChannel(TDL, 4, mu=0, n_sc=12)
    with pytest.raises(ConfigError, match="num_rx"):
        FrequencyChannel(None, 0, mu=0, n_sc=12)
    with pytest.raises(ConfigError, match="channel="):
        FrequencyChannel("tdl", None, mu=0, n_sc=12)


def test_registry():
    assert set(CONTROL_LINKS) == {"pbch", "pdcch", "pucch"}
    assert all(hasattr(c, "config_type") and hasattr(c.config_type, "from_dict")
               for c in CONTROL_LINKS.values())


# --------------------------------------------------------------------------- PUCCH


def pucch(fmt, **kw):
    res = {0: {"format": 0, "num_symbols": 2}, 1: {"format": 1, "num_symbols": 14},
           2: {"format": 2, "num_prbs": 4}, 3: {"format": 3, "num_prbs": 2},
           4: {"format": 4}}[fmt]
    n_harq = kw.pop("n_harq", 2 if fmt < 2 else 4)
    n_csi = kw.pop("n_csi", 0 if fmt < 2 else 6)
    return PucchLinkConfig.from_dict({"resource": res, "n_harq": n_harq, "n_csi": n_csi, **kw})


@pytest.mark.parametrize("fmt", [0, 1, 2, 3, 4])
def test_pucch_high_snr_counts_are_consistent(fmt):
    link = PucchControlLink(pucch(fmt), num_rx=2)
    r = link.run(20.0, 2, batch_size=40, rng=np.random.default_rng(fmt))
    c = r.counts()
    n_harq = link.config.n_harq
    assert c["first_transmissions"] == 80 and c["first_transmission_errors"] == 0
    assert c["ack_miss_trials"] + c["nack_to_ack_trials"] == 80 * n_harq
    assert c["ack_miss_events"] == c["nack_to_ack_events"] == 0
    assert c["false_alarm_trials"] == c["dtx_to_ack_trials"] == 80
    assert c["dtx_to_ack_events"] <= c["false_alarm_events"] <= 8  # p_fa = 0.01


def test_pucch_low_snr_loses_and_false_alarm_rate_matches_p_fa():
    link = PucchControlLink(pucch(0, p_fa=0.1))
    r = link.run(-15.0, 10, batch_size=100, rng=np.random.default_rng(3))
    assert r.bler > 0.5 and r.rate("ack_miss") > 0.3
    lo, hi = binomial_interval(r.counters["false_alarm_events"],
                               r.counters["false_alarm_trials"], confidence=0.999)
    assert lo <= 0.1 <= hi


def test_pucch_sr_occasion_and_tdl_and_determinism():
    link = PucchControlLink(pucch(0, n_harq=1, sr_occasion=True), channel=TDL)
    r1 = link.run(15.0, 3, batch_size=30, rng=np.random.default_rng(5))
    r2 = link.run(15.0, 3, batch_size=30, rng=np.random.default_rng(5))
    assert r1.counts() == r2.counts()
    assert r1.counters["sr_miss_trials"] > 0 and r1.rate("sr_miss") < 0.2
    sr_only = PucchControlLink(pucch(1, n_harq=0, sr_occasion=True, false_alarm=False))
    c = sr_only.run(20.0, 2, batch_size=50, rng=np.random.default_rng(2)).counts()
    assert 0 < c["first_transmissions"] < 100  # format 1 sends only on a positive SR
    assert c["sr_miss_events"] == 0 and "false_alarm_trials" not in c


def test_pucch_config_raises():
    with pytest.raises(ConfigError, match="n_harq"):
        pucch(0, n_harq=3)
    with pytest.raises(ConfigError, match="equalizer"):
        pucch(2, equalizer="zf")
    with pytest.raises(ConfigError, match="resource.nope"):
        PucchLinkConfig.from_dict({"resource": {"format": 0, "nope": 1}})
    with pytest.raises(ConfigError, match="unknown key"):
        PucchLinkConfig.from_dict({"resource": {"format": 0}, "n_harqs": 1})
    with pytest.raises(ConfigError, match="resource="):
        PucchLinkConfig(resource={"format": 0})
    with pytest.raises(ConfigError, match="config="):
        PucchControlLink({"resource": {"format": 0}})
    with pytest.raises(ConfigError, match="snr_db"):
        PucchControlLink(pucch(0)).run("x", 1, rng=np.random.default_rng(0))
    with pytest.raises(ConfigError, match="num_slots"):
        PucchControlLink(pucch(0)).run(0.0, 0, rng=np.random.default_rng(0))
    with pytest.raises(ConfigError, match="rng"):
        PucchControlLink(pucch(0)).run(0.0, 1, rng=1)


# --------------------------------------------------------------------------- PDCCH


def pdcch_cfg(**kw):
    pd = PdcchConfig(coreset=CoresetConfig(frequency_domain_resources="1111", duration=2),
                     search_space=SearchSpaceConfig(candidates=(0, 2, 2, 1, 0)))
    return PdcchLinkConfig(pdcch=pd, **kw)


def test_pdcch_high_snr_no_miss_and_low_snr_misses():
    link = PdcchControlLink(pdcch_cfg(aggregation_level=4), num_rx=2)
    hi = link.run(15.0, 2, batch_size=16, rng=np.random.default_rng(0)).counts()
    assert hi["first_transmissions"] == 32 and hi["first_transmission_errors"] == 0
    assert hi["wrong_dci_events"] == 0 and hi["false_alarm_trials"] == 32
    assert hi["false_alarm_events"] <= 1
    lo = link.run(-12.0, 1, batch_size=16, rng=np.random.default_rng(0))
    assert lo.bler > 0.5


def test_pdcch_over_tdl_and_payload_size():
    cfg = pdcch_cfg(aggregation_level=8, payload_size=60, false_alarm=False, other_rntis=2)
    assert cfg.a_size == 60
    link = PdcchControlLink(cfg, channel=TDL)
    c = link.run(20.0, 2, batch_size=8, rng=np.random.default_rng(4)).counts()
    assert c["first_transmission_errors"] <= 1 and "false_alarm_trials" not in c
    assert pdcch_cfg().a_size == 39  # format 1_0 in a 52-RB BWP (TS 38.212 §7.3.1.2.1)


def test_pdcch_config_raises():
    with pytest.raises(ConfigError, match="aggregation_level=16"):
        pdcch_cfg(aggregation_level=16)
    with pytest.raises(ConfigError, match="aggregation_level"):
        pdcch_cfg(aggregation_level=3)
    with pytest.raises(ConfigError, match="payload_size"):
        pdcch_cfg(payload_size=11)
    with pytest.raises(ConfigError, match="rnti"):
        pdcch_cfg(rnti=0)
    with pytest.raises(ConfigError, match="other_rntis"):
        pdcch_cfg(rnti=65519, other_rntis=1)
    with pytest.raises(ConfigError, match="pdcch="):
        PdcchLinkConfig(pdcch={})
    with pytest.raises(ConfigError, match="duration=4"):
        PdcchLinkConfig.from_dict({"pdcch": {"coreset": {"duration": 4}}})


# --------------------------------------------------------------------------- PBCH


def test_pbch_high_snr_recovers_every_mib():
    link = PbchControlLink(PbchLinkConfig())
    c = link.run(0.0, 1, batch_size=40, rng=np.random.default_rng(0)).counts()
    assert c == {"first_transmissions": 40, "first_transmission_errors": 0,
                 "cell_id_miss_events": 0, "cell_id_miss_trials": 40,
                 "undetected_events": 0, "undetected_trials": 40}


def test_pbch_low_snr_and_tdl_and_fixed_cell():
    link = PbchControlLink(PbchLinkConfig(n_id_cell=17, l_max=4, scs_khz=30,
                                          max_delay_samples=500), channel=TDL)
    r = link.run(10.0, 2, batch_size=20, rng=np.random.default_rng(1))
    assert r.bler <= 0.1
    low = PbchControlLink(PbchLinkConfig()).run(-13.0, 1, batch_size=40,
                                                rng=np.random.default_rng(2))
    assert low.bler > 0.8 and low.rate("cell_id_miss") > 0.5


def test_pbch_config_raises():
    with pytest.raises(ConfigError, match="n_id_cell"):
        PbchLinkConfig(n_id_cell=1008)
    with pytest.raises(ConfigError, match="scs_khz"):
        PbchLinkConfig(l_max=64, scs_khz=15)
    with pytest.raises(ConfigError, match="l_max"):
        PbchLinkConfig(l_max=16)
    with pytest.raises(ConfigError, match="max_cfo_hz"):
        PbchLinkConfig(max_cfo_hz=8000.0)
    with pytest.raises(ConfigError, match="fft_size"):
        PbchLinkConfig(fft_size=500)
    with pytest.raises(ConfigError, match="receiver"):
        PbchLinkConfig(receiver={"threshold": 3})
    with pytest.raises(ConfigError, match="receiver.thresh"):
        PbchLinkConfig.from_dict({"receiver": {"thresh": 3}})
    with pytest.raises(ConfigError, match="num_tx"):
        PbchControlLink(PbchLinkConfig(), channel=TdlConfig.from_name("TDLC300-100",
                                                                      num_tx=2))
    assert PbchLinkConfig(max_cfo_hz=1000.0).search_config.max_cfo_hz == 1000.0


# --------------------------------------------------------------------------- campaigns

PUCCH_CAMPAIGN = """
name = "pucch-tiny"
seed = 3
[link]
type = "pucch"
num_rx = 2
[link.pucch]
n_harq = 1
[link.pucch.resource]
format = 0
num_symbols = 2
[snr]
values_db = [-10.0, 10.0]
[stopping]
target_errors = 20
max_tbs = 400
[run]
batch_size = 50
slots_per_unit = 2
"""


def test_control_campaign_runs_and_stores_rates(tmp_path):
    camp = Campaign.from_toml(PUCCH_CAMPAIGN)
    assert isinstance(camp.link(0), PucchControlLink)
    with ResultsStore(tmp_path / "p.db") as st:
        run = run_campaign(camp, st)
        assert run.finished
        rows = st.point_results(st.campaigns()[0].id)
    low, high = (r.stats for r in rows)
    assert low["bler"] > 0.1 and low["errors"] >= 20
    assert high["tbs"] == 400 and high["bler"] < 0.02
    assert {"ack_miss_rate", "nack_to_ack_rate", "false_alarm_rate", "dtx_to_ack_rate",
            "false_alarm_rate_lo", "false_alarm_rate_hi"} <= set(high)
    # the same counts again from the stored seeds
    with ResultsStore(tmp_path / "q.db") as st:
        run_campaign(Campaign.from_toml(PUCCH_CAMPAIGN), st)
        again = [r.stats for r in st.point_results(st.campaigns()[0].id)]
    assert again == [low, high]


@pytest.mark.parametrize(("edit", "pattern"), [
    ('[receiver]\ndetector = "zf"\n', r"^receiver: not allowed with link.type='pucch'"),
    ('[harq]\nmax_transmissions = 2\n', r"^harq: not allowed with link.type='pucch'"),
    ('[channel]\ntype = "cdl"\n', r"^channel\.type: 'cdl' is not allowed with link\.type="
                                  r"'pucch': expected one of awgn, tdl$"),
])
def test_control_campaign_rejections(edit, pattern):
    from nrlink.sim.campaign import CampaignError

    with pytest.raises(CampaignError, match=pattern):
        Campaign.from_toml(PUCCH_CAMPAIGN + edit)


def test_control_campaign_rejects_waveform_and_bad_tables():
    from nrlink.sim.campaign import CampaignError

    text = PUCCH_CAMPAIGN.replace("num_rx = 2", "num_rx = 2\nwaveform = true")
    with pytest.raises(CampaignError, match=r"^link\.waveform: not allowed"):
        Campaign.from_toml(text)
    text = PUCCH_CAMPAIGN.replace("n_harq = 1", "n_harq = 7")
    with pytest.raises(CampaignError, match=r"^link\.pucch\.n_harq: n_harq=7 is not allowed"):
        Campaign.from_toml(text)


def test_pucch_dtx_detection_off_measures_the_code_alone():
    on = PucchControlLink(pucch(2, n_harq=0, n_csi=4, false_alarm=False), num_rx=2)
    off = PucchControlLink(pucch(2, n_harq=0, n_csi=4, false_alarm=False,
                                 dtx_detection=False), num_rx=2)
    r_on = on.run(-8.0, 4, batch_size=100, rng=np.random.default_rng(9))
    r_off = off.run(-8.0, 4, batch_size=100, rng=np.random.default_rng(9))
    assert r_off.bler < r_on.bler  # the DM-RS energy test no longer drops weak slots
    with pytest.raises(ConfigError, match="dtx_detection=False"):
        pucch(0, dtx_detection=False, false_alarm=False)


def test_pdcch_css_format_1_0_is_sized_by_coreset0():
    """TS 38.212 §7.3.1.2.1: in a CSS, N_RB^DL,BWP of format 1_0 is the size of CORESET 0."""
    from nrlink.config.carrier import CarrierConfig
    from nrlink.spec.ts38212.dci import dci_size
    from nrlink.spec.ts38212.dci_formats import DciSizeConfig

    coreset0 = CoresetConfig(coreset_id=0, frequency_domain_resources=None, n_rb=24,
                             configured_by_pbch=True, duration=2)
    css = SearchSpaceConfig(search_space_type="common", coreset_id=0,
                            candidates=(0, 0, 2, 1, 0))
    pd = PdcchConfig(carrier=CarrierConfig(n_size_grid=106), coreset=coreset0,
                     search_space=css)
    cfg = PdcchLinkConfig(pdcch=pd, aggregation_level=4)
    want = dci_size("1_0", DciSizeConfig(n_rb_dl_bwp=24, n_rb_ul_bwp=24),
                    search_space="common")
    assert cfg.a_size == want != dci_size("1_0", DciSizeConfig(n_rb_dl_bwp=106),
                                          search_space="common")
    c = PdcchControlLink(cfg).run(20.0, 1, batch_size=8, rng=np.random.default_rng(0))
    assert c.counts()["first_transmission_errors"] == 0


def test_pucch_false_alarm_needs_the_dtx_test():
    with pytest.raises(ConfigError, match="false_alarm=True is not allowed with dtx_detection"):
        pucch(2, dtx_detection=False)


def test_pucch_noise_estimation_option():
    est = PucchControlLink(pucch(0, n_harq=1, false_alarm=False))
    genie = PucchControlLink(pucch(0, n_harq=1, false_alarm=False, noise_estimation=False))
    assert est.link.noise_estimation and not genie.link.noise_estimation
    r_est = est.run(-3.0, 10, batch_size=200, rng=np.random.default_rng(4))
    r_gen = genie.run(-3.0, 10, batch_size=200, rng=np.random.default_rng(4))
    assert r_gen.bler < r_est.bler  # the genie knows N0; the estimate costs about 1.5 dB
    with pytest.raises(ConfigError, match="noise_estimation"):
        pucch(0, noise_estimation="yes")
