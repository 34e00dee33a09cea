"""Tests of the polar decoders (rate recovery, SC, CA-SCL) of nrlink.rx.polar_decoder."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.rx import polar_decoder as pd
from nrlink.rx.polar_decoder import PolarDecodeResult, polar_decode, polar_rate_recover
from nrlink.spec.ts38212.polar import (
    parity_check_counts,
    polar_encode,
    polar_n,
    polar_transform,
    rate_match_indices,
)

_CRC = {"downlink": lambda a: 24, "uplink": lambda a: 6 if a <= 19 else 11}
_NMAX = {"downlink": 9, "uplink": 10}


def _bpsk_llr(f, amp=8.0):
    return (amp * (1.0 - 2.0 * f)).astype(np.float32)


def _regime(a, e, link):
    k_total = a + _CRC[link](a)
    n_len = 1 << polar_n(k_total, e, _NMAX[link])
    if e >= n_len:
        return "repetition"
    return "puncturing" if 16 * k_total <= 7 * e else "shortening"


# --------------------------------------------------------------------------- slow twins


def _slow_recover(llr_e, a, e, link):
    k_total = a + _CRC[link](a)
    n = polar_n(k_total, e, _NMAX[link])
    n_len = 1 << n
    idx = rate_match_indices(k_total, e, n, link)
    out = np.zeros((llr_e.shape[0], n_len), dtype=np.float64)
    for b in range(llr_e.shape[0]):
        for j in range(e):
            out[b, idx[j]] += float(llr_e[b, j])
        if _regime(a, e, link) == "shortening":
            for m in range(n_len):
                if m not in set(idx.tolist()):
                    out[b, m] = pd.LLR_SHORTENED
    return out.astype(np.float32)


def _f(x, y):
    m = np.minimum(np.abs(x), np.abs(y))
    return np.where((x < 0) != (y < 0), -m, m).astype(np.float32)


def _llr_u(y, u, i):
    """LLR of u_i given u_0..u_{i-1} for d = u·G_N (recursive definition, min-sum)."""
    if y.size == 1:
        return y[0]
    h = y.size // 2
    if i < h:
        return _llr_u(_f(y[:h], y[h:]), u[:i], i)
    u1 = np.asarray(u[:h], dtype=np.uint8)
    v1 = polar_transform(u1) if h > 1 else u1
    sg = (1.0 - 2.0 * v1).astype(np.float32)
    return _llr_u((y[h:] + sg * y[:h]).astype(np.float32), u[h:], i - h)


def _slow_scl(llr_d, kind, list_size):
    """Textbook SCL on one codeword: list of (info bits, metric), sorted by metric."""
    paths = [([], np.float32(0.0))]
    for i in range(llr_d.size):
        new = []
        for u, pm in paths:
            lam = _llr_u(llr_d, u, i)
            if kind[i] == pd._INFO:
                choices = (0, 1)
            elif kind[i] == pd._PC:
                choices = (int(np.bitwise_xor.reduce(
                    [u[m] for m in range(i) if m % 5 == i % 5] or [0])),)
            else:
                choices = (0,)
            for bit in choices:
                pen = np.float32(abs(lam)) if (lam < 0) != (bit == 1) else np.float32(0)
                new.append((u + [bit], np.float32(pm + pen)))
        if list_size == 1 and kind[i] == pd._INFO:
            lam = _llr_u(llr_d, paths[0][0], i)
            new = [new[1] if lam < 0 else new[0]]
        new.sort(key=lambda t: t[1])
        paths = new[:list_size]
    info = np.flatnonzero(kind == pd._INFO)
    return [(np.array(u, dtype=np.uint8)[info], pm) for u, pm in paths]


# --------------------------------------------------------------------------- rate recovery


@pytest.mark.parametrize("a,e,link", [
    (20, 110, "downlink"),   # puncturing
    (20, 60, "downlink"),    # shortening
    (64, 100, "downlink"),   # shortening
    (30, 700, "downlink"),   # repetition
    (12, 40, "uplink"),      # shortening, PC bits
    (40, 150, "uplink"),     # puncturing
    (19, 1300, "uplink"),    # repetition, coded-bit interleaver
])
def test_rate_recover_matches_slow_loop(a, e, link):
    rng = np.random.default_rng(a * 1000 + e)
    llr = rng.normal(0, 3, (3, e)).astype(np.float32)
    got = polar_rate_recover(llr, a, e, link)
    want = _slow_recover(llr, a, e, link)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)


def test_rate_recover_batch_shape():
    llr = np.ones((2, 3, 128), dtype=np.float32)
    assert polar_rate_recover(llr, 64, 128, "downlink").shape == (2, 3, 128)


# --------------------------------------------------------------------------- kernel vs twin


@pytest.mark.parametrize("a,e,link,list_size", [
    (12, 64, "downlink", 1),
    (12, 64, "downlink", 4),
    (12, 32, "uplink", 1),   # N = 32, PC bits
    (12, 32, "uplink", 4),
    (12, 40, "uplink", 2),   # shortening, PC bits
    (14, 40, "uplink", 4),
    (12, 64, "downlink", 8),
    (13, 50, "uplink", 8),
])
def test_kernel_matches_slow_scl(a, e, link, list_size):
    rng = np.random.default_rng(7 + e + list_size)
    poly, k_total, n, kind, *_ = pd._plan(a, e, link)
    msg = rng.integers(0, 2, (3, a), dtype=np.uint8)
    f = polar_encode(msg, a, e, link)
    llr = ((1.0 - 2.0 * f) + rng.normal(0, 0.9, f.shape)) * 2.5
    llr_d = polar_rate_recover(llr.astype(np.float32), a, e, link)
    bits = np.zeros((3, list_size, k_total), dtype=np.uint8)
    pm = np.zeros((3, list_size), dtype=np.float32)
    pd._scl_kernel(llr_d, n, kind, list_size, k_total, bits, pm)
    for b in range(3):
        ref = _slow_scl(llr_d[b], kind, list_size)
        if list_size > 1:
            np.testing.assert_allclose(pm[b], [p for _, p in ref], rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(bits[b, 0], ref[0][0])


# --------------------------------------------------------------------------- round trips


@st.composite
def _params(draw):
    link = draw(st.sampled_from(["downlink", "uplink"]))
    a = draw(st.integers(12, 140 if link == "downlink" else 300))
    k_total = a + _CRC[link](a)
    e = draw(st.integers(k_total, 1400))
    return a, e, link


def _round_trip(a, e, link, list_size, seed, batch=4):
    rng = np.random.default_rng(seed)
    msg = rng.integers(0, 2, (batch, a), dtype=np.uint8)
    f = polar_encode(msg, a, e, link)
    res = polar_decode(_bpsk_llr(f), a, e, link, list_size=list_size)
    assert isinstance(res, PolarDecodeResult)
    assert res.bits.dtype == np.uint8 and res.bits.shape == (batch, a)
    assert res.crc_ok.dtype == bool and res.crc_ok.shape == (batch,)
    np.testing.assert_array_equal(res.bits, msg)
    assert res.crc_ok.all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=_params(), list_size=st.sampled_from([1, 8]), seed=st.integers(0, 2**32 - 1))
def test_noiseless_round_trip(p, list_size, seed):
    a, e, link = p
    try:
        polar_encode(np.zeros((1, a), dtype=np.uint8), a, e, link)
    except ConfigError:  # too few unfrozen positions for K (strong puncturing)
        assume(False)
    _round_trip(a, e, link, list_size, seed)


@pytest.mark.parametrize("list_size", [1, 8])
@pytest.mark.parametrize("a,e,link,regime,n_pc_wm", [
    (40, 700, "downlink", "repetition", None),
    (20, 110, "downlink", "puncturing", None),
    (20, 60, "downlink", "shortening", None),
    (64, 100, "downlink", "shortening", None),
    (64, 128, "downlink", "repetition", None),   # E = N: every bit sent once
    (100, 1100, "uplink", "repetition", None),
    (40, 150, "uplink", "puncturing", None),
    (12, 40, "uplink", "shortening", 0),          # PC bits, n_PC^wm = 0
    (19, 230, "uplink", "puncturing", 1),         # PC bits, n_PC^wm = 1
    (15, 1200, "uplink", "repetition", 1),
])
def test_round_trip_regimes(a, e, link, regime, n_pc_wm, list_size):
    assert _regime(a, e, link) == regime
    if n_pc_wm is not None:
        k_total = a + _CRC[link](a)
        assert parity_check_counts(k_total, e, link) == (3, n_pc_wm)
    _round_trip(a, e, link, list_size, seed=a + e)


@pytest.mark.parametrize("list_size", [1, 2, 4, 16, 32])
def test_round_trip_list_sizes(list_size):
    _round_trip(64, 128, "downlink", list_size, seed=list_size)


def test_batch_dims_and_empty():
    rng = np.random.default_rng(3)
    msg = rng.integers(0, 2, (2, 3, 30), dtype=np.uint8)
    f = polar_encode(msg, 30, 90, "uplink")
    res = polar_decode(_bpsk_llr(f), 30, 90, "uplink", list_size=4)
    assert res.bits.shape == (2, 3, 30) and res.crc_ok.shape == (2, 3)
    np.testing.assert_array_equal(res.bits, msg)
    empty = polar_decode(np.zeros((0, 90), np.float32), 30, 90, "uplink")
    assert empty.bits.shape == (0, 30) and empty.crc_ok.shape == (0,)


def test_crc_fails_on_garbage():
    rng = np.random.default_rng(5)
    llr = rng.normal(0, 1, (20, 128)).astype(np.float32)
    res = polar_decode(llr, 64, 128, "downlink", list_size=8)
    assert res.crc_ok.mean() < 0.5  # CRC24 with L = 8: false passes ~ 8·2^-24


def test_scl_beats_sc_awgn():
    """(K, E) = (64, 128) downlink, BPSK-AWGN at Eb/N0 = 3 dB (per payload bit)."""
    a, e = 64, 128
    rng = np.random.default_rng(2024)
    msg = rng.integers(0, 2, (500, a), dtype=np.uint8)
    f = polar_encode(msg, a, e, "downlink")
    sigma2 = 1.0 / (2.0 * (a / e) * 10 ** (3.0 / 10))
    y = (1.0 - 2.0 * f) + rng.normal(0, np.sqrt(sigma2), f.shape)
    llr = (2.0 * y / sigma2).astype(np.float32)
    err_sc = (polar_decode(llr, a, e, "downlink", list_size=1).bits != msg).any(axis=1).sum()
    res = polar_decode(llr, a, e, "downlink", list_size=8)
    err_scl = (res.bits != msg).any(axis=1).sum()
    assert err_scl < 0.6 * err_sc
    # every codeword whose CRC passes is (almost surely) right
    assert not ((res.bits != msg).any(axis=1) & res.crc_ok).any()


# --------------------------------------------------------------------------- validation


_GOOD = np.zeros((1, 128), dtype=np.float32)


@pytest.mark.parametrize("fn", [polar_decode, polar_rate_recover])
@pytest.mark.parametrize("kwargs,match", [
    ({"link": "sidelink"}, "link"),
    ({"k": 11}, "k=11"),
    ({"k": 141}, "k=141"),
    ({"k": 12.0}, "k=12.0"),
    ({"e": 0}, "e=0"),
    ({"e": 8193}, "e=8193"),
    ({"k": 120}, "e=128"),                       # E < K = A + 24
])
def test_raises_params(fn, kwargs, match):
    args = {"k": 64, "e": 128, "link": "downlink"} | kwargs
    llr = np.zeros((1, args["e"] if 0 < args["e"] <= 8192 else 128), dtype=np.float32)
    with pytest.raises(ConfigError, match=match):
        fn(llr, args["k"], args["e"], args["link"])


def test_raises_uplink_k_range():
    with pytest.raises(ConfigError, match="k=1707"):
        polar_decode(np.zeros((1, 2000), np.float32), 1707, 2000, "uplink")


def test_raises_uplink_segmentation():
    with pytest.raises(ConfigError, match="segmentation"):
        polar_decode(np.zeros((1, 1100), np.float32), 400, 1100, "uplink")


@pytest.mark.parametrize("list_size", [0, 3, 64, True, 8.0])
def test_raises_list_size(list_size):
    with pytest.raises(ConfigError, match="list_size"):
        polar_decode(_GOOD, 64, 128, "downlink", list_size=list_size)


@pytest.mark.parametrize("fn", [polar_decode, polar_rate_recover])
def test_raises_llr_length(fn):
    with pytest.raises(ConfigError, match="llr_e has length 127"):
        fn(np.zeros((1, 127), np.float32), 64, 128, "downlink")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_raises_llr_not_finite(bad):
    llr = _GOOD.copy()
    llr[0, 5] = bad
    with pytest.raises(ConfigError, match="llr_e"):
        polar_decode(llr, 64, 128, "downlink")


@pytest.mark.parametrize("bad", [np.zeros((1, 128), np.complex64), np.float32(1.0)])
def test_raises_llr_type(bad):
    with pytest.raises(ConfigError, match="llr_e"):
        polar_rate_recover(bad, 64, 128, "downlink")


def test_crc_ones_and_mask_round_trip_and_reject_other_mask():
    # DCI form (§7.3.2): CRC over 24 ones + a, last 16 CRC bits scrambled by the RNTI.
    rng = np.random.default_rng(7)
    a = rng.integers(0, 2, (6, 39), dtype=np.uint8)
    mask = np.zeros((6, 24), np.uint8)
    mask[:, 8:] = rng.integers(0, 2, (6, 16))
    f = polar_encode(a, 39, 108, "downlink", crc_ones=True, crc_mask=mask)
    llr = (1.0 - 2.0 * f).astype(np.float32) * 4
    r = polar_decode(llr, 39, 108, "downlink", crc_ones=True, crc_mask=mask)
    assert r.crc_ok.all() and (r.bits == a).all()
    other = mask.copy()
    other[:, -1] ^= 1
    assert not polar_decode(llr, 39, 108, "downlink", crc_ones=True, crc_mask=other).crc_ok.any()
    assert not polar_decode(llr, 39, 108, "downlink", crc_mask=mask).crc_ok.any()


def test_raises_crc_mask_and_crc_ones():
    llr = np.zeros((2, 108), np.float32)
    with pytest.raises(ConfigError, match="crc_mask"):
        polar_decode(llr, 39, 108, "downlink", crc_mask=np.zeros(16, np.uint8))
    with pytest.raises(ConfigError, match="crc_mask"):
        polar_decode(llr, 39, 108, "downlink", crc_mask=np.zeros((3, 24), np.uint8))
    with pytest.raises(ConfigError, match="crc_ones"):
        polar_decode(np.zeros((1, 60), np.float32), 20, 60, "uplink", crc_ones=True)


def test_segmented_round_trip():
    # one segment of a segmented UCI (A = 1000, E_UCI = 1200): A'/2 = 500, E_r = 600
    rng = np.random.default_rng(11)
    msg = rng.integers(0, 2, (2, 500), dtype=np.uint8)
    f = polar_encode(msg, 500, 600, "uplink", segmented=True)
    res = polar_decode(_bpsk_llr(f), 500, 600, "uplink", list_size=4, segmented=True)
    np.testing.assert_array_equal(res.bits, msg)
    assert res.crc_ok.all()
    assert polar_rate_recover(_bpsk_llr(f), 500, 600, "uplink", segmented=True).shape == (2, 1024)


def test_raises_segmented():
    with pytest.raises(ConfigError, match="segmentation"):
        polar_decode(np.zeros((1, 1100), np.float32), 1013, 1100, "uplink")
    with pytest.raises(ConfigError, match="segmented=True is not allowed on the downlink"):
        polar_decode(np.zeros((1, 300), np.float32), 100, 300, "downlink", segmented=True)
    with pytest.raises(ConfigError, match="segmented"):
        polar_decode(np.zeros((1, 600), np.float32), 500, 600, "uplink", segmented="yes")
    with pytest.raises(ConfigError, match="e=543"):
        polar_decode(np.zeros((1, 543), np.float32), 500, 543, "uplink", segmented=True)
