"""PUCCH link: UCI → PUCCH → AWGN / channel → receiver decisions (TS 38.213 §9.2)."""

import numpy as np
import pytest

from nrlink.config import CarrierConfig
from nrlink.config.pucch import (
    PucchFormat0Config,
    PucchFormat1Config,
    PucchFormat2Config,
    PucchFormat3Config,
    PucchFormat4Config,
)
from nrlink.errors import ConfigError
from nrlink.link.pucch import PucchLink

C = CarrierConfig(n_size_grid=8, n_id_cell=17, slot=3)

CASES = [
    (PucchFormat0Config(carrier=C, num_symbols=2, second_hop_prb=6), {"n_harq": 2,
                                                                      "sr_occasion": True}),
    (PucchFormat1Config(carrier=C, num_symbols=10, second_hop_prb=7, time_domain_occ=1),
     {"n_harq": 2}),
    (PucchFormat1Config(carrier=C, num_symbols=4), {"n_harq": 0, "sr_occasion": True}),
    (PucchFormat2Config(carrier=C, num_prbs=2, num_symbols=2), {"n_harq": 2, "n_csi": 6}),
    (PucchFormat3Config(carrier=C, num_prbs=3, group_hopping="enable"),
     {"n_harq": 4, "n_sr": 1, "n_csi": 20}),
    (PucchFormat4Config(carrier=C, occ_length=2, pi2_bpsk=True), {"n_harq": 1, "n_csi": 3}),
]


def _content(link, rng, b):
    harq = rng.integers(0, 2, (b, link.n_harq)).astype(np.uint8)
    if link.resource.pucch_format <= 1:
        sr = rng.random(b) < 0.5 if link.sr_occasion else None
        return {"harq_ack": harq, "sr": sr}
    return {"harq_ack": harq, "sr": rng.integers(0, 2, (b, link.n_sr)),
            "csi": rng.integers(0, 2, (b, link.n_csi))}


@pytest.mark.parametrize("noise_estimation", [True, False])
@pytest.mark.parametrize("cfg, kw", CASES)
def test_high_snr_no_errors_and_no_false_alarm(cfg, kw, noise_estimation):
    rng = np.random.default_rng(cfg.pucch_format)
    link = PucchLink(cfg, n_rx=2, p_fa=1e-3, noise_estimation=noise_estimation, **kw)
    tx = rng.random(60) < 0.7
    r = link.run(snr_db=20.0, rng=rng, transmit=tx, **_content(link, rng, 60))
    assert not r.uci_error.any()
    assert r.false_alarm.sum() <= 1
    assert (r.detected == r.transmitted).mean() > 0.98
    sent = r.transmitted
    np.testing.assert_array_equal(r.harq_ack_decided[sent], r.harq_ack[sent])
    if r.a is not None:
        np.testing.assert_array_equal(r.a_decided[sent], r.a[sent])
        assert r.a.shape[1] == link.a_size


def test_low_snr_has_errors_and_is_reproducible():
    cfg, kw = CASES[3]
    link = PucchLink(cfg, **kw)
    content = _content(link, np.random.default_rng(0), 100)
    r1 = link.run(snr_db=-12.0, rng=np.random.default_rng(7), **content)
    r2 = link.run(snr_db=-12.0, rng=np.random.default_rng(7), **content)
    assert r1.uci_error.sum() > 20
    np.testing.assert_array_equal(r1.a_decided, r2.a_decided)
    np.testing.assert_array_equal(r1.receiver.llr, r2.receiver.llr)


def test_frequency_domain_channel():
    cfg = PucchFormat3Config(carrier=C, num_prbs=4, num_symbols=14)
    link = PucchLink(cfg, n_harq=2, n_csi=10, n_rx=2, freq_window=3)
    rng = np.random.default_rng(9)
    h = np.exp(2j * np.pi * rng.random((20, 2, 1, 1))) * np.exp(
        -2j * np.pi * 0.005 * np.arange(96))
    r = link.run(snr_db=15.0, rng=rng, channel=h, **_content(link, rng, 20))
    assert not r.uci_error.any()


def test_format0_sr_and_harq_bookkeeping():
    link = PucchLink(PucchFormat0Config(carrier=C), n_harq=1, sr_occasion=True)
    harq = np.array([[0], [1], [1], [0]], np.uint8)
    sr = np.array([False, True, False, True])
    r = link.run(snr_db=25.0, rng=np.random.default_rng(1), harq_ack=harq, sr=sr,
                 transmit=np.array([True, True, False, True]))
    assert r.transmitted.tolist() == [True, True, False, True]
    assert r.detected.tolist() == [True, True, False, True]
    assert r.sr_decided.tolist() == [False, True, False, True]
    assert r.harq_ack_decided[:, 0].tolist() == [0, 1, 0, 0]


@pytest.mark.parametrize("cfg, kw", CASES[::2])
def test_noise_estimation_flag(cfg, kw):
    content = _content(PucchLink(cfg, **kw), np.random.default_rng(0), 200)
    est = PucchLink(cfg, **kw)
    genie = PucchLink(cfg, noise_estimation=False, **kw)
    assert est.noise_estimation and not genie.noise_estimation
    r_est = est.run(snr_db=3.0, rng=np.random.default_rng(1), **content)
    r_gen = genie.run(snr_db=3.0, rng=np.random.default_rng(1), **content)
    n0 = 10 ** (-3.0 / 10)
    np.testing.assert_allclose(r_gen.receiver.noise_var, n0)
    assert not np.allclose(r_est.receiver.noise_var, n0)
    assert r_est.receiver.noise_var.mean() == pytest.approx(n0, rel=0.1)


def test_transmit_grid_energy():
    link = PucchLink(PucchFormat2Config(carrier=C, num_prbs=3), n_harq=3)
    grid, sent = link.transmit(harq_ack=np.ones((2, 3), np.uint8))
    assert grid.shape == (2, 14, 96) and sent["a"].tolist() == [[1, 1, 1]] * 2
    assert np.isclose((np.abs(grid[0]) ** 2).sum(), 12 * 3)


@pytest.mark.parametrize("make, match", [
    (lambda: PucchLink("cfg"), "config="),
    (lambda: PucchLink(PucchFormat0Config(), n_harq=3), "n_harq"),
    (lambda: PucchLink(PucchFormat0Config(), n_harq=1, n_csi=2), "n_csi"),
    (lambda: PucchLink(PucchFormat0Config(), n_harq=0), "n_harq=0"),
    (lambda: PucchLink(PucchFormat1Config(), n_harq=1, sr_occasion=True), "sr_occasion"),
    (lambda: PucchLink(PucchFormat0Config(), sr_occasion=1), "sr_occasion"),
    (lambda: PucchLink(PucchFormat0Config(), n_rx=0), "n_rx"),
    (lambda: PucchLink(PucchFormat0Config(), p_fa="x"), "p_fa"),
    (lambda: PucchLink(PucchFormat0Config(), p_fa=1.0), "p_fa"),
    (lambda: PucchLink(PucchFormat0Config(), noise_estimation=1), "noise_estimation"),
    (lambda: PucchLink(PucchFormat2Config(), n_harq=3, noise_estimation="yes"),
     "noise_estimation"),
    (lambda: PucchLink(PucchFormat2Config(), n_harq=3, window=3), "window"),
    (lambda: PucchLink(PucchFormat2Config(), n_harq=-1), "n_harq"),
    (lambda: PucchLink(PucchFormat2Config(), n_sr=-1), "n_sr"),
    (lambda: PucchLink(PucchFormat2Config(), n_csi=-1), "n_csi"),
    (lambda: PucchLink(PucchFormat2Config(), n_harq=0), "at least one bit"),
    (lambda: PucchLink(PucchFormat2Config(), sr_occasion=True), "sr_occasion"),
    (lambda: PucchLink(PucchFormat2Config(), n_harq=13), "e="),
])
def test_constructor_raises(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_run_raises():
    rng = np.random.default_rng(0)
    f0 = PucchLink(PucchFormat0Config(carrier=C), n_harq=1)
    f2 = PucchLink(PucchFormat2Config(carrier=C), n_harq=3)
    ok = np.zeros((2, 1), np.uint8)
    with pytest.raises(ConfigError, match="rng"):
        f0.run(snr_db=0.0, rng=1, harq_ack=ok)
    with pytest.raises(ConfigError, match="snr_db"):
        f0.run(snr_db="hi", rng=rng, harq_ack=ok)
    with pytest.raises(ConfigError, match="all None"):
        f0.run(snr_db=0.0, rng=rng)
    with pytest.raises(ConfigError, match="harq_ack of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=np.zeros((2, 2), np.uint8))
    with pytest.raises(ConfigError, match="harq_ack of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=np.zeros(2, np.uint8))
    with pytest.raises(ConfigError, match="transmit of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=ok, transmit=np.ones(3, bool))
    with pytest.raises(ConfigError, match="sr of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=ok, sr=np.ones(2, int))
    with pytest.raises(ConfigError, match="positive SR"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=ok, sr=np.ones(2, bool))
    with pytest.raises(ConfigError, match="channel of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=ok, channel=np.ones((3, 1, 1, 1)))
    with pytest.raises(ConfigError, match="channel of shape"):
        f0.run(snr_db=0.0, rng=rng, harq_ack=ok, channel=np.ones((2, 1, 1, 1), bool))
    with pytest.raises(ConfigError, match="sr of shape"):
        f2.run(snr_db=0.0, rng=rng, harq_ack=np.zeros((2, 3), np.uint8),
               sr=np.zeros((2, 1), np.uint8))


@pytest.mark.slow
@pytest.mark.parametrize("noise_estimation", [True, False])
@pytest.mark.parametrize("cfg, kw", CASES)
def test_false_alarm_rate_on_dtx(cfg, kw, noise_estimation):
    rng = np.random.default_rng(11)
    link = PucchLink(cfg, p_fa=0.05, noise_estimation=noise_estimation, **kw)
    n = 4000
    r = link.run(snr_db=0.0, rng=rng, transmit=np.zeros(n, bool), **_content(link, rng, n))
    rate = r.false_alarm.mean()
    # formats 2-4 also need the CRC (A >= 12) to pass: at most p_fa
    assert rate < 0.05 + 4 * np.sqrt(0.05 * 0.95 / n)
    if cfg.pucch_format <= 1:
        assert abs(rate - 0.05) < 4 * np.sqrt(0.05 * 0.95 / n)
