"""PUCCH receivers: format 0/1 detection, format 2/3/4 decoding, DTX test.

TS 38.211 §6.3.2, §6.4.1.3; TS 38.213 §9.2.3, §9.2.5; TS 38.212 §6.3.1.
"""

import numpy as np
import pytest
import scipy.fft
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.rx.pucch import (
    _format0_noise_bins,
    _res_of,
    _smooth,
    dtx_threshold,
    pucch_format0_detect,
    pucch_format1_detect,
    pucch_uci_receive,
)
from nrlink.spec.ts38211.pucch import (
    PucchResource,
    format0_m_cs,
    pucch_e_tot,
    pucch_format0_grid,
    pucch_format1_grid,
    pucch_grid,
    pucch_masks,
)
from nrlink.spec.ts38212.uci import uci_encode


def _noise(rng, shape, nv):
    return (np.sqrt(nv / 2) * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
            ).astype(np.complex64)


def _rx(g, rng, nv, n_rx=2, fading=True):
    """y = h x + n with one random unit-modulus gain per slot and antenna (flat channel)."""
    shape = (g.shape[0], n_rx) + g.shape[1:]
    h = np.exp(2j * np.pi * rng.random((g.shape[0], n_rx, 1, 1))) if fading else 1
    return h * g[:, None] + _noise(rng, shape, nv)


def _rayleigh(g, rng, nv, n_rx=2):
    """y = h x + n with one CN(0, 1) gain per slot and antenna (flat Rayleigh channel)."""
    h = _noise(rng, (g.shape[0], n_rx, 1, 1), 1.0)
    return h * g[:, None] + _noise(rng, (g.shape[0], n_rx) + g.shape[1:], nv)


def _nv(estimate, nv):
    """The noise_var argument: None (estimated) or the true N0."""
    return None if estimate else nv


def _all_bits(n):
    return ((np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1).astype(np.uint8)


# ------------------------------------------------------------------------ DTX threshold


def test_dtx_threshold_is_the_gamma_quantile():
    assert dtx_threshold(1, np.exp(-3.0)) == pytest.approx(3.0)
    for k, p, h in ((1, 0.01, 1), (24, 0.001, 8), (96, 0.1, 4)):
        t = dtx_threshold(k, p, h)
        p1 = 1 - (1 - p) ** (1 / h)
        assert scipy.special.gammaincc(k, t) == pytest.approx(p1, rel=1e-9)


def test_dtx_threshold_with_estimated_noise_is_the_f_quantile():
    # one hypothesis: S M / U is K times an F(2K, 2M) variable
    for k, m, p in ((1, 4, 0.01), (2, 12, 0.1), (24, 100, 1e-3)):
        t = dtx_threshold(k, p, noise_dof=m)
        assert t / k == pytest.approx(scipy.stats.f.isf(p, 2 * k, 2 * m), rel=1e-8)
    # many noise dimensions: the known-N0 (Gamma) threshold
    assert dtx_threshold(4, 0.01, 8, noise_dof=10**7) == pytest.approx(
        dtx_threshold(4, 0.01, 8), rel=1e-3)


@pytest.mark.parametrize("k, m, h, p", [(2, 16, 4, 0.05), (1, 4, 8, 0.1), (4, 8, 8, 0.02)])
def test_dtx_threshold_with_estimated_noise_and_hypotheses(k, m, h, p):
    # the defining equation, by direct conditional probabilities on a grid of U
    t = dtx_threshold(k, p, h, noise_dof=m)
    q = (np.arange(200000) + 0.5) / 200000
    u = scipy.special.gammaincinv(m, q)
    p_fa = 1 - np.mean(scipy.special.gammainc(k, t * u / m) ** h)
    assert p_fa == pytest.approx(p, rel=1e-4)
    # and by Monte Carlo: H statistics sharing one noise estimate
    rng = np.random.default_rng(k + m + h)
    s, uu = rng.gamma(k, size=(100000, h)), rng.gamma(m, size=(100000, 1))
    rate = (s * m / uu > t).any(axis=1).mean()
    assert abs(rate - p) < 4 * np.sqrt(p * (1 - p) / 100000)
    # the common estimate makes the tests positively dependent: below the Šidák threshold
    assert dtx_threshold(k, p, 1, noise_dof=m) < t < dtx_threshold(
        k, 1 - (1 - p) ** (1 / h), 1, noise_dof=m)


@pytest.mark.parametrize("call, match", [
    (lambda: dtx_threshold(0, 0.1), "dof"),
    (lambda: dtx_threshold(1, 0.1, 1, noise_dof=0), "noise_dof"),
    (lambda: dtx_threshold(1, 0.1, 1, noise_dof=2.5), "noise_dof"),
    (lambda: dtx_threshold(1, 0.1, 0), "n_hypotheses"),
    (lambda: dtx_threshold(1, "x"), "p_fa"),
    (lambda: dtx_threshold(1, 1.0), "p_fa"),
])
def test_dtx_threshold_raises(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_smooth_matches_literal_twin():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((3, 12)) + 1j * rng.standard_normal((3, 12))
    for w in (1, 2, 3, 5, 12, 20):
        want = np.empty_like(h)
        for k in range(12):
            lo = min(max(k - w // 2, 0), 12)
            hi = min(lo + w, 12)
            want[:, k] = h[:, lo:hi].mean(axis=1)
        np.testing.assert_allclose(_smooth(h, w), want if w > 1 else h, atol=1e-12)


# ---------------------------------------------------------------------------- format 0


@pytest.mark.parametrize("estimate", [False, True])
@pytest.mark.parametrize("n_harq, sr_occasion", [(1, False), (2, False), (1, True),
                                                 (2, True), (0, True)])
def test_format0_detects_every_value(n_harq, sr_occasion, estimate):
    rng = np.random.default_rng(n_harq + 10 * sr_occasion)
    res = PucchResource(pucch_format=0, num_symbols=2, second_hop_prb=30, prb_start=3,
                        group_hopping="enable", n_id_hopping=700, initial_cyclic_shift=4,
                        start_symbol=12, n_slot=5)
    bits = _all_bits(n_harq)
    if sr_occasion and n_harq:  # every HARQ-ACK value with negative and positive SR
        bits = np.repeat(bits, 2, axis=0)
        sr = np.tile([False, True], bits.shape[0] // 2)
    else:
        sr = np.full(bits.shape[0], sr_occasion)
    bits, sr = np.tile(bits, (5, 1)), np.tile(sr, 5)
    nv = 0.05  # 13 dB
    y = _rx(pucch_format0_grid(res, format0_m_cs(bits, sr)), rng, nv)
    d = pucch_format0_detect(y, res, noise_var=_nv(estimate, nv), n_harq=n_harq,
                             sr_occasion=sr_occasion)
    assert not d.dtx.any() and d.llr is None
    np.testing.assert_array_equal(d.harq_ack, bits)
    np.testing.assert_array_equal(d.sr, sr)
    assert (d.metric > 10 * d.threshold).all()


@pytest.mark.parametrize("estimate", [False, True])
def test_format0_noise_only_is_dtx(estimate):
    rng = np.random.default_rng(1)
    res = PucchResource(pucch_format=0, num_symbols=1, n_size_grid=4)
    nv = 1e-3  # the SNR a transmission would have is high: 30 dB
    y = _noise(rng, (200, 2, 14, 48), nv)
    d = pucch_format0_detect(y, res, noise_var=_nv(estimate, nv), n_harq=2, sr_occasion=True,
                             p_fa=1e-3)
    assert d.dtx.mean() > 0.98
    assert not d.sr[d.dtx].any() and not d.harq_ack[d.dtx].any()


def test_format0_statistic_matches_correlation_twin():
    # the cyclic-shift (DFT) statistic equals the literal correlation with each hypothesis
    rng = np.random.default_rng(12)
    res = PucchResource(pucch_format=0, num_symbols=2, n_size_grid=4, second_hop_prb=2,
                        group_hopping="enable", initial_cyclic_shift=5, n_slot=7)
    y = _noise(rng, (20, 2, 14, 48), 1.0)
    d = pucch_format0_detect(y, res, noise_var=0.5, n_harq=2, sr_occasion=True, p_fa=0.5)
    bits = np.repeat(_all_bits(2), 2, axis=0)
    sr = np.tile([False, True], 4)
    m_cs = format0_m_cs(bits, sr)
    ref = _res_of(pucch_format0_grid(res, m_cs)[:, None], res, pucch_masks(res)[0], 12)[:, 0]
    yr = _res_of(y, res, pucch_masks(res)[0], 12)
    stat = np.zeros((20, 8))
    for b in range(20):
        for h in range(8):
            for r in range(2):
                for l in range(2):
                    stat[b, h] += abs(np.vdot(ref[h, l], yr[b, r, l])) ** 2 / (12 * 0.5)
    np.testing.assert_allclose(d.metric * 4, stat.max(axis=1), rtol=1e-4)
    best = stat.argmax(axis=1)
    np.testing.assert_array_equal(d.harq_ack[~d.dtx], bits[best][~d.dtx])
    np.testing.assert_array_equal(d.sr, sr[best] & ~d.dtx)
    np.testing.assert_array_equal(d.noise_var, np.full(20, 0.5))


@pytest.mark.parametrize("k_hyp, want", [
    ([0], [2, 3, 4, 5, 6, 7, 8, 9, 10]), ([0, 6], [2, 3, 4, 8, 9, 10]),
    ([0, 3, 6, 9], [1, 2, 4, 5, 7, 8, 10, 11]),
    ([0, 1, 3, 4, 6, 7, 9, 10], [2, 5, 8, 11]), ([5, 11], [1, 2, 3, 7, 8, 9]),
])
def test_format0_noise_bins(k_hyp, want):
    assert _format0_noise_bins(np.array(k_hyp)).tolist() == want


def test_format0_guard_bins_limit_delay_leakage():
    # a delay of 0.1 cyclic-shift bins (0.56 µs) leaks energy into the neighbouring shifts;
    # skipping them (the default) halves the N0 bias at 10 dB
    rng = np.random.default_rng(13)
    res = PucchResource(pucch_format=0, num_symbols=2, n_size_grid=4)
    n, nv = 1000, 0.1
    bits = rng.integers(0, 2, (n, 1)).astype(np.uint8)
    g = pucch_format0_grid(res, format0_m_cs(bits, np.zeros(n, bool)))
    y = np.exp(-2j * np.pi * 0.1 * np.arange(48) / 12) * g[:, None] + _noise(
        rng, (n, 1, 14, 48), nv)
    d = pucch_format0_detect(y, res, noise_var=None, n_harq=1)
    np.testing.assert_array_equal(d.harq_ack, bits)
    ref0 = _res_of(pucch_format0_grid(res, [0])[:, None], res, pucch_masks(res)[0], 12)[0, 0]
    e = np.abs(scipy.fft.fft(_res_of(y, res, pucch_masks(res)[0], 12) * ref0.conj(),
                             norm="ortho")) ** 2
    no_guard = e[..., _format0_noise_bins(np.array([0, 6]), guard=0)].mean() / nv
    guard = d.noise_var.mean() / nv
    assert guard == pytest.approx(e[..., [2, 3, 4, 8, 9, 10]].mean() / nv, rel=1e-5)
    assert 1 < guard < 1.3 and guard - 1 < 0.6 * (no_guard - 1)


def test_format0_batch_shape_and_per_slot_noise():
    rng = np.random.default_rng(2)
    res = PucchResource(pucch_format=0, num_symbols=2, n_size_grid=4)
    g = pucch_format0_grid(res, np.array([[6, 0], [0, -1]]))
    y = g[:, :, None] + _noise(rng, (2, 2, 1, 14, 48), 0.01)
    d = pucch_format0_detect(y, res, noise_var=np.full((2, 2), 0.01), n_harq=1)
    assert d.dtx.tolist() == [[False, False], [False, True]]
    assert d.harq_ack[..., 0].tolist() == [[1, 0], [0, 0]]
    e = pucch_format0_detect(y, res, noise_var=None, n_harq=1)
    assert e.dtx.tolist() == d.dtx.tolist() and e.noise_var.shape == (2, 2)


# ---------------------------------------------------------------------------- format 1


@pytest.mark.parametrize("kw", [
    {"num_symbols": 14},
    {"num_symbols": 9, "second_hop_prb": 40, "time_domain_occ": 1, "group_hopping": "disable",
     "n_id_hopping": 999},
    {"num_symbols": 4, "start_symbol": 10, "initial_cyclic_shift": 7, "n_slot": 3},
])
@pytest.mark.parametrize("n_harq", [1, 2])
@pytest.mark.parametrize("estimate", [False, True])
def test_format1_detects_every_value(kw, n_harq, estimate):
    rng = np.random.default_rng(n_harq)
    res = PucchResource(pucch_format=1, **kw)
    bits = np.tile(_all_bits(n_harq), (8, 1))
    nv = 0.1
    y = _rx(pucch_format1_grid(res, bits), rng, nv)
    d = pucch_format1_detect(y, res, noise_var=_nv(estimate, nv), n_harq=n_harq,
                             freq_window=3)
    assert not d.dtx.any()
    np.testing.assert_array_equal(d.harq_ack, bits)
    assert ((d.llr < 0) == bits.astype(bool)).all()


@pytest.mark.parametrize("estimate", [False, True])
def test_format1_sr_and_dtx(estimate):
    rng = np.random.default_rng(3)
    res = PucchResource(pucch_format=1, num_symbols=6, n_size_grid=4, second_hop_prb=3)
    nv = 1e-3
    g = pucch_format1_grid(res, np.zeros((100, 1), np.uint8))
    g[50:] = 0  # negative SR: nothing sent
    d = pucch_format1_detect(_rx(g, rng, nv), res, noise_var=_nv(estimate, nv), n_harq=0,
                             p_fa=1e-3)
    assert d.sr[:50].all() and not d.dtx[:50].any()
    assert d.dtx[50:].mean() > 0.95 and d.harq_ack.shape == (100, 0)


def test_format1_other_occ_user_is_not_detected():
    # a UE on the same PRB and cyclic shift but another time-domain OCC is invisible
    rng = np.random.default_rng(4)
    mine = PucchResource(pucch_format=1, num_symbols=14, time_domain_occ=0, n_size_grid=4)
    other = PucchResource(pucch_format=1, num_symbols=14, time_domain_occ=5, n_size_grid=4)
    nv = 1e-3
    y = _rx(pucch_format1_grid(other, np.ones((100, 1), np.uint8)), rng, nv, fading=False)
    d = pucch_format1_detect(y, mine, noise_var=nv, n_harq=1, p_fa=1e-3)
    assert d.dtx.mean() > 0.95


# ------------------------------------------------------------------------ formats 2-4


@st.composite
def uci_resources(draw):
    fmt = draw(st.integers(2, 4))
    hop = draw(st.booleans())
    num = draw(st.integers(1, 2) if fmt == 2 else st.integers(4, 14))
    kw = {}
    if fmt == 2:
        kw["n_prb"] = draw(st.integers(1, 6))
    if fmt == 3:
        kw["n_prb"] = draw(st.sampled_from([1, 2, 3, 4, 5, 6]))
    if fmt == 4:
        kw["occ_length"] = draw(st.sampled_from([2, 4]))
        kw["occ_index"] = draw(st.integers(0, kw["occ_length"] - 1))
    if fmt in (3, 4):
        kw["pi2_bpsk"] = draw(st.booleans())
        kw["additional_dmrs"] = draw(st.booleans())
    return PucchResource(
        pucch_format=fmt, num_symbols=num, n_size_grid=16,
        n_start_grid=draw(st.integers(0, 20)), n_slot=draw(st.integers(0, 9)),
        prb_start=draw(st.integers(0, 10)),
        second_hop_prb=draw(st.integers(0, 10)) if hop and num > 1 else None,
        start_symbol=draw(st.integers(0, 14 - num)),
        group_hopping=draw(st.sampled_from(["neither", "enable", "disable"])),
        n_id_hopping=draw(st.integers(0, 1023)), n_id=draw(st.integers(0, 1023)),
        n_rnti=draw(st.integers(0, 65535)), n_id_0=draw(st.integers(0, 65535)), **kw)


@given(res=uci_resources(), a_pick=st.integers(0, 3), seed=st.integers(0, 2**32 - 1),
       equalizer=st.sampled_from(["lmmse", "mrc"]))
@settings(max_examples=25, deadline=None)
def test_uci_round_trip(res, a_pick, seed, equalizer):
    rng = np.random.default_rng(seed)
    e = pucch_e_tot(res)
    # the (32, 11) Reed-Muller code cut to E = 16 bits is not one-to-one (TS 38.212
    # §5.3.3.3, §5.4.3): A = 11 needs E >= 32
    sizes = [a for a in (1, 2, 5, 11, 12, 20, 40)
             if a <= e and (a < 11 or (a == 11 and e >= 32) or a + 11 <= e // 2)]
    a_size = sizes[a_pick % len(sizes)]
    a = rng.integers(0, 2, (3, a_size)).astype(np.uint8)
    g = pucch_grid(res, uci_encode(a, e, qm=res.qm))
    nv = 1e-4
    r = pucch_uci_receive(_rx(g, rng, nv), res, noise_var=nv, a_size=a_size,
                          equalizer=equalizer)
    np.testing.assert_array_equal(r.bits, a)
    assert r.crc_ok.all() and not r.dtx.any()
    assert r.llr.shape == (3, e)


@pytest.mark.parametrize("estimate", [False, True])
@pytest.mark.parametrize("res", [
    PucchResource(pucch_format=2, num_symbols=2, n_prb=4, n_size_grid=8, second_hop_prb=4),
    PucchResource(pucch_format=3, num_symbols=10, n_prb=2, n_size_grid=8, additional_dmrs=True),
    PucchResource(pucch_format=3, num_symbols=4, n_prb=3, n_size_grid=8, second_hop_prb=5),
    PucchResource(pucch_format=4, num_symbols=14, n_size_grid=8, occ_length=4, occ_index=1),
])
def test_uci_at_moderate_snr_and_dtx(res, estimate):
    rng = np.random.default_rng(res.pucch_format)
    e = pucch_e_tot(res)
    a = rng.integers(0, 2, (40, 7)).astype(np.uint8)
    g = pucch_grid(res, uci_encode(a, e, qm=res.qm))
    nv = 0.1  # 10 dB, 2 antennas
    r = pucch_uci_receive(_rx(g, rng, nv), res, noise_var=_nv(estimate, nv), a_size=7,
                          freq_window=3)
    np.testing.assert_array_equal(r.bits, a)
    assert not r.dtx.any()
    r0 = pucch_uci_receive(_rx(0 * g, rng, nv), res, noise_var=_nv(estimate, nv), a_size=7,
                           p_fa=1e-3)
    assert r0.dtx.mean() > 0.9


def test_uci_frequency_selective_channel():
    rng = np.random.default_rng(5)
    res = PucchResource(pucch_format=3, num_symbols=14, n_prb=4, n_size_grid=8)
    e = pucch_e_tot(res)
    a = rng.integers(0, 2, (10, 30)).astype(np.uint8)
    g = pucch_grid(res, uci_encode(a, e))
    h = np.exp(-2j * np.pi * 0.01 * np.arange(96))  # a delay: linear phase across the band
    yy = h * g[:, None] + _noise(rng, (10, 1, 14, 96), 0.01)
    r = pucch_uci_receive(yy, res, noise_var=0.01, a_size=30)
    np.testing.assert_array_equal(r.bits, a)
    assert r.crc_ok.all()


# ----------------------------------------------------------------------------- raises

F0 = PucchResource(pucch_format=0, num_symbols=1, n_size_grid=4)
F1 = PucchResource(pucch_format=1, num_symbols=4, n_size_grid=4)
F2 = PucchResource(pucch_format=2, num_symbols=1, n_size_grid=4)
Y = np.zeros((1, 1, 14, 48), np.complex64)


@pytest.mark.parametrize("call, match", [
    (lambda: pucch_format0_detect(Y, F1, noise_var=1, n_harq=1), "res="),
    (lambda: pucch_format0_detect(Y[0, 0], F0, noise_var=1, n_harq=1), "y of shape"),
    (lambda: pucch_format0_detect(Y[..., :12], F0, noise_var=1, n_harq=1), "y of shape"),
    (lambda: pucch_format0_detect(Y.real.astype(int), F0, noise_var=1, n_harq=1), "y of shape"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=0, n_harq=1), "noise_var"),
    (lambda: pucch_format0_detect(Y, F0, noise_var="a", n_harq=1), "noise_var"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=[1, 2], n_harq=1), "noise_var"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=1, n_harq=3), "n_harq"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=1, n_harq=1, sr_occasion=1), "sr_occasion"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=1, n_harq=0), "n_harq=0"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=1, n_harq=1, p_fa=0), "p_fa"),
    (lambda: pucch_format0_detect(Y, F0, noise_var=1, n_harq=1, p_fa=None), "p_fa"),
    (lambda: pucch_format1_detect(Y, F0, noise_var=1, n_harq=1), "res="),
    (lambda: pucch_format1_detect(Y, F1, noise_var=1, n_harq=3), "n_harq"),
    (lambda: pucch_format1_detect(Y, F1, noise_var=1, n_harq=1, freq_window=13),
     "freq_window"),
    (lambda: pucch_uci_receive(Y, F1, noise_var=1, a_size=3), "res="),
    (lambda: pucch_uci_receive(Y, F2, noise_var=1, a_size=0), "a_size"),
    (lambda: pucch_uci_receive(Y, F2, noise_var=1, a_size=3, equalizer="zf"), "equalizer"),
    (lambda: pucch_uci_receive(Y, F2, noise_var=1, a_size=3, freq_window=0), "freq_window"),
])
def test_raises(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


# ------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("res, kind", [
    (F0, 0), (PucchResource(pucch_format=1, num_symbols=14, n_size_grid=4), 1),
    (PucchResource(pucch_format=3, num_symbols=14, n_prb=2, n_size_grid=4), 3),
])
def test_false_alarm_rate_matches_target(res, kind):
    rng = np.random.default_rng(kind)
    n, p_fa, nv = 3000, 0.1, 0.5
    y = _noise(rng, (n, 2, 14, 48), nv)
    if kind == 0:
        d = pucch_format0_detect(y, res, noise_var=nv, n_harq=2, p_fa=p_fa)
    elif kind == 1:
        d = pucch_format1_detect(y, res, noise_var=nv, n_harq=1, p_fa=p_fa)
    else:
        d = pucch_uci_receive(y, res, noise_var=nv, a_size=5, p_fa=p_fa)
    rate = 1 - d.dtx.mean()
    assert abs(rate - p_fa) < 4 * np.sqrt(p_fa * (1 - p_fa) / n)


# ------------------------------------------------------------------ noise estimation

F3_HOP = PucchResource(pucch_format=3, num_symbols=14, n_prb=2, n_size_grid=4,
                       second_hop_prb=2)
NOISE_CASES = [  # (resource, receiver keyword arguments)
    (PucchResource(pucch_format=0, num_symbols=2, n_size_grid=4, second_hop_prb=2),
     {"n_harq": 1}),
    (PucchResource(pucch_format=0, num_symbols=1, n_size_grid=4), {"n_harq": 0,
                                                                   "sr_occasion": True}),
    (PucchResource(pucch_format=0, num_symbols=2, n_size_grid=4), {"n_harq": 2,
                                                                   "sr_occasion": True}),
    (PucchResource(pucch_format=1, num_symbols=14, n_size_grid=4), {"n_harq": 2}),
    (PucchResource(pucch_format=1, num_symbols=4, n_size_grid=4, second_hop_prb=3),
     {"n_harq": 1}),
    (PucchResource(pucch_format=1, num_symbols=9, n_size_grid=4, time_domain_occ=2),
     {"n_harq": 0}),
    (PucchResource(pucch_format=2, num_symbols=2, n_prb=3, n_size_grid=4, second_hop_prb=1),
     {"a_size": 5}),
    (F3_HOP, {"a_size": 5}),
    (PucchResource(pucch_format=3, num_symbols=10, n_prb=1, n_size_grid=4,
                   additional_dmrs=True, pi2_bpsk=True), {"a_size": 5}),
    (PucchResource(pucch_format=4, num_symbols=4, n_size_grid=4, occ_length=2, occ_index=1),
     {"a_size": 5}),
]


def _receive(y, res, kw, **more):
    fn = {0: pucch_format0_detect, 1: pucch_format1_detect}.get(res.pucch_format,
                                                                pucch_uci_receive)
    return fn(y, res, noise_var=None, **kw, **more)


def _send(res, kw, rng, n):
    if res.pucch_format == 0:
        bits = rng.integers(0, 2, (n, kw["n_harq"])).astype(np.uint8)
        sr = rng.random(n) < 0.5 if kw.get("sr_occasion") else np.zeros(n, bool)
        return pucch_format0_grid(res, format0_m_cs(bits, sr | (kw["n_harq"] == 0)))
    if res.pucch_format == 1:
        # an SR-only resource (n_harq = 0) sends b(0) = 0 (TS 38.213 §9.2.5.1)
        return pucch_format1_grid(res, rng.integers(0, 2, (n, max(kw["n_harq"], 1)))
                                  * (kw["n_harq"] > 0))
    a = rng.integers(0, 2, (n, kw["a_size"])).astype(np.uint8)
    return pucch_grid(res, uci_encode(a, pucch_e_tot(res), qm=res.qm))


@pytest.mark.parametrize("res, kw", NOISE_CASES)
def test_noise_estimate_is_unbiased(res, kw):
    # AWGN and a flat Rayleigh channel (one gain per slot and antenna), PUCCH present
    rng = np.random.default_rng(res.pucch_format + 20)
    n, nv = 1000, 0.3
    r = _receive(_rayleigh(_send(res, kw, rng, n), rng, nv), res, kw)
    assert r.noise_var.shape == (n,) and r.noise_var.dtype == np.float64
    assert r.noise_var.mean() / nv == pytest.approx(1, abs=0.03)


@pytest.mark.parametrize("res, kw", NOISE_CASES)
def test_false_alarm_rate_with_estimated_noise(res, kw):
    rng = np.random.default_rng(res.pucch_format + 30)
    n, p_fa, nv = 3000, 0.1, 2.0
    d = _receive(_noise(rng, (n, 2, 14, 48), nv), res, kw, p_fa=p_fa)
    rate = 1 - d.dtx.mean()
    assert abs(rate - p_fa) < 4 * np.sqrt(p_fa * (1 - p_fa) / n)
    assert d.noise_var.mean() / nv == pytest.approx(1, abs=0.03)


def test_estimated_noise_on_a_silent_input():
    y = np.zeros((3, 1, 14, 48), np.complex64)
    for res, kw in NOISE_CASES[::3]:
        r = _receive(y, res, kw)
        assert r.dtx.all() and (r.noise_var > 0).all() and np.isfinite(r.metric).all()


def test_format34_statistic_with_estimated_noise_uses_prb_means():
    # formats 3/4 with N0 estimated: K = n_rx N_hops N_PRB (the PRB means), not n_rx N_hops M
    rng = np.random.default_rng(40)
    y = _rx(_send(F3_HOP, {"a_size": 5}, rng, 4), rng, 1e-3)
    r = pucch_uci_receive(y, F3_HOP, noise_var=None, a_size=5)
    g = pucch_uci_receive(y, F3_HOP, noise_var=r.noise_var, a_size=5)
    np.testing.assert_array_equal(r.bits, g.bits)
    # a flat channel puts all DM-RS energy in the PRB means: the metrics are in the ratio
    # of the degrees of freedom 2 x 2 x 2 (estimated) and 2 x 2 x 24 (given)
    np.testing.assert_allclose(r.metric / g.metric, 12, rtol=0.02)
    assert r.threshold > g.threshold
