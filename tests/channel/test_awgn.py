"""Tests of AWGN and the per-RE SNR conversions (TS 38.104 §8.1)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from nrlink.channel.awgn import (
    awgn,
    ebno_db_from_snr,
    noise_variance,
    snr_db_from_ebno,
    snr_db_from_esno,
)
from nrlink.errors import ConfigError
from nrlink.spec.ts38211.ofdm import ofdm_demodulate

P_FAIL = 1e-6  # two-sided probability of a false failure of each statistical check
Z = 4.9  # |N(0,1)| > 4.9 with probability 1e-6


def chi2_bounds(dof):
    """Bounds on chi2(dof) / dof holding with probability 1 − P_FAIL."""
    return chi2.ppf(P_FAIL / 2, dof) / dof, chi2.ppf(1 - P_FAIL / 2, dof) / dof


# ------------------------------------------------------------------- noise variance


def test_noise_variance_values():
    assert noise_variance(0.0) == 1.0
    assert noise_variance(10.0) == pytest.approx(0.1)
    assert noise_variance(-3.0, signal_power=2.0) == pytest.approx(2 * 10**0.3)
    nv = noise_variance(np.array([0.0, 10.0, 20.0]))
    assert isinstance(nv, np.ndarray) and nv.dtype == np.float64
    np.testing.assert_allclose(nv, [1.0, 0.1, 0.01])
    assert isinstance(noise_variance(np.int64(3)), float)


@pytest.mark.parametrize(("args", "match"), [
    ((float("nan"),), "snr_db"), ((np.array([1.0, np.inf]),), "snr_db"), (("10",), "snr_db"),
    ((1j,), "snr_db"), ((0.0, 0.0), "signal_power"), ((0.0, -1.0), "signal_power"),
    ((0.0, float("inf")), "signal_power"), ((0.0, True), "signal_power"),
])
def test_noise_variance_raises(args, match):
    with pytest.raises(ConfigError, match=match):
        noise_variance(*args)


# ------------------------------------------------------------------------------ awgn


@pytest.mark.parametrize("n0", [1.0, 0.037, 25.0])
def test_awgn_statistics(n0):
    n = 1 << 17
    rng = np.random.default_rng(2024)
    noise = awgn(np.zeros(n, np.complex64), n0, rng=rng).astype(np.complex128)
    re, im = noise.real, noise.imag
    lo, hi = chi2_bounds(2 * n)  # Σ |n|² / (N0/2) ~ χ²(2n)
    assert lo < np.mean(np.abs(noise) ** 2) / n0 < hi
    lo1, hi1 = chi2_bounds(n)  # Σ re² / (N0/2) ~ χ²(n), same for im
    assert lo1 < np.mean(re**2) / (n0 / 2) < hi1
    assert lo1 < np.mean(im**2) / (n0 / 2) < hi1
    sigma_mean = math.sqrt(n0 / 2 / n)  # zero mean
    assert abs(re.mean()) < Z * sigma_mean and abs(im.mean()) < Z * sigma_mean
    rho = np.mean(re * im) / math.sqrt(np.mean(re**2) * np.mean(im**2))
    assert abs(rho) < Z / math.sqrt(n)  # real and imaginary parts uncorrelated


def test_awgn_per_re_variance_and_signal():
    """A per-subcarrier N0 that broadcasts; the signal is added unchanged."""
    rng = np.random.default_rng(1)
    n0 = np.array([0.0, 0.5, 2.0, 8.0])
    x = (np.arange(4) + 1j).astype(np.complex64)
    x_in = np.broadcast_to(x, (20000, 4)).copy()
    y = awgn(x_in, n0, rng=rng)
    assert y.dtype == np.complex64 and y.shape == (20000, 4)
    np.testing.assert_array_equal(x_in, np.broadcast_to(x, (20000, 4)))  # input untouched
    np.testing.assert_array_equal(y[:, 0], x_in[:, 0])  # N0 = 0: no noise, exactly
    lo, hi = chi2_bounds(2 * 20000)
    var = np.mean(np.abs(y - x_in) ** 2, axis=0)
    assert np.all((lo < var[1:] / n0[1:]) & (var[1:] / n0[1:] < hi))


def test_awgn_reproducible_and_shapes():
    x = np.ones((2, 3, 14, 12))
    y1 = awgn(x, 0.1, rng=np.random.default_rng(5))
    y2 = awgn(x, 0.1, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(y1, y2)
    assert y1.dtype == np.complex64 and y1.shape == x.shape
    assert awgn(1.0, 0.0, rng=np.random.default_rng(0)) == 1.0
    y3 = awgn(np.ones(3, np.int16), np.zeros(3), rng=np.random.default_rng(0))
    assert y3.dtype == np.complex64


def test_awgn_time_domain_equals_grid_noise_level():
    """Orthonormal OFDM: N0 per sample becomes N0 per RE after demodulation."""
    rng = np.random.default_rng(3)
    n0 = 0.2
    n = awgn(np.zeros((8, 2048 * 15 // 2)), n0, rng=rng)  # 8 slots of mu=1, fft_size=1024
    grid = ofdm_demodulate(n, mu=1, fft_size=1024, n_sc=624)
    lo, hi = chi2_bounds(2 * grid.size)
    assert lo < np.mean(np.abs(grid.astype(np.complex128)) ** 2) / n0 < hi


@pytest.mark.parametrize(("x", "nv", "rng", "match"), [
    (np.ones(4), -0.1, np.random.default_rng(0), "noise_var"),
    (np.ones(4), float("nan"), np.random.default_rng(0), "noise_var"),
    (np.ones(4), np.array([1.0, np.inf, 1.0, 1.0]), np.random.default_rng(0), "noise_var"),
    (np.ones(4), 1j, np.random.default_rng(0), "noise_var"),
    (np.ones(4), np.ones(3), np.random.default_rng(0), "noise_var"),
    (np.ones(4), np.ones((2, 4)), np.random.default_rng(0), "noise_var"),
    (np.array(["a"]), 1.0, np.random.default_rng(0), "x"),
    (np.ones(4), 1.0, 42, "rng"),
    (np.ones(4), 1.0, np.random.RandomState(0), "rng"),
])
def test_awgn_raises(x, nv, rng, match):
    with pytest.raises(ConfigError, match=match):
        awgn(x, nv, rng=rng)


# --------------------------------------------------------------------- SNR conversions


def test_snr_from_ebno_values():
    # QPSK, R = 1/2, 1 layer: one information bit per RE, E_s = E_b.
    assert snr_db_from_ebno(3.0, qm=2, code_rate=0.5) == pytest.approx(3.0)
    # 64QAM, R = 0.75, 2 layers: 9 bits per RE.
    assert snr_db_from_ebno(0.0, qm=6, code_rate=0.75, layers=2) == pytest.approx(
        10 * math.log10(9))
    arr = snr_db_from_ebno(np.array([0.0, 1.0]), qm=1, code_rate=1.0)
    np.testing.assert_allclose(arr, [0.0, 1.0])
    assert snr_db_from_esno(-2.5) == -2.5
    np.testing.assert_array_equal(snr_db_from_esno(np.array([1, 2])), [1.0, 2.0])


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, 40), st.sampled_from([1, 2, 4, 6, 8, 10]),
       st.floats(0.01, 1.0), st.integers(1, 8))
def test_snr_ebno_round_trip(ebno, qm, rate, layers):
    snr = snr_db_from_ebno(ebno, qm=qm, code_rate=rate, layers=layers)
    assert ebno_db_from_snr(snr, qm=qm, code_rate=rate, layers=layers) == pytest.approx(
        ebno, abs=1e-9)
    assert snr - ebno == pytest.approx(10 * math.log10(qm * rate * layers), abs=1e-9)
    assert noise_variance(snr) == pytest.approx(1 / (10 ** (ebno / 10) * qm * rate * layers))


@pytest.mark.parametrize(("kw", "match"), [
    ({"qm": 3}, "qm"), ({"qm": 2.0}, "qm"), ({"code_rate": 0.0}, "code_rate"),
    ({"code_rate": 1.2}, "code_rate"), ({"code_rate": float("nan")}, "code_rate"),
    ({"code_rate": True}, "code_rate"), ({"layers": 0}, "layers"), ({"layers": 9}, "layers"),
])
@pytest.mark.parametrize("func", [snr_db_from_ebno, ebno_db_from_snr])
def test_snr_conversion_raises(func, kw, match):
    with pytest.raises(ConfigError, match=match):
        func(1.0, **({"qm": 2, "code_rate": 0.5} | kw))


def test_snr_conversion_raises_value():
    with pytest.raises(ConfigError, match="ebno_db"):
        snr_db_from_ebno(float("nan"), qm=2, code_rate=0.5)
    with pytest.raises(ConfigError, match="snr_db"):
        ebno_db_from_snr(float("inf"), qm=2, code_rate=0.5)
    with pytest.raises(ConfigError, match="esno_db"):
        snr_db_from_esno(None)
