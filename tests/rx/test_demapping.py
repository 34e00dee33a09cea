"""Soft (max-log, log-MAP) and hard demapping — inverse of TS 38.211 §5.1."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from nrlink.errors import ConfigError
from nrlink.rx.demapping import demap_llr, hard_demap
from nrlink.spec.ts38211.modulation import MODULATION_ORDERS, constellation, modulate

# ----------------------------------------------------------------------- slow twins


def twin_points(qm, n, pi2_bpsk):
    """(n, 2**qm) complex128 candidate points of symbol i (label order)."""
    pts = constellation(qm).astype(np.complex128)
    if pi2_bpsk:  # TS 38.211 §5.1.2: BPSK rotated by e^{jπ(i mod 2)/2}
        rot = np.exp(1j * np.pi * (np.arange(n) % 2) / 2)
        return rot[:, None] * pts[None, :]
    return np.broadcast_to(pts, (n, pts.size))


def twin_llr(y, qm, noise_var, method, pi2_bpsk=False):
    """Brute force over all 2**qm points in float64: y (..., n) -> (..., n·qm)."""
    y = np.asarray(y).astype(np.complex128)
    nv = np.broadcast_to(np.asarray(noise_var, dtype=np.float64), y.shape)
    out = np.empty(y.shape[:-1] + (y.shape[-1] * qm,))
    labels = np.arange(2**qm)
    for idx in np.ndindex(y.shape[:-1]):
        pts = twin_points(qm, y.shape[-1], pi2_bpsk)
        metric = -np.abs(y[idx][:, None] - pts) ** 2 / nv[idx][:, None]  # ln p(y|d) + const
        for k in range(qm):
            bit = (labels >> (qm - 1 - k)) & 1
            m0, m1 = metric[:, bit == 0], metric[:, bit == 1]
            if method == "maxlog":
                llr = m0.max(axis=1) - m1.max(axis=1)
            else:
                llr = logsumexp(m0, axis=1) - logsumexp(m1, axis=1)
            out[idx + (slice(k, None, qm),)] = llr
    return out


def twin_hard(y, qm, pi2_bpsk=False):
    y = np.asarray(y).astype(np.complex128)
    out = np.empty(y.shape[:-1] + (y.shape[-1] * qm,), dtype=np.uint8)
    for idx in np.ndindex(y.shape[:-1]):
        pts = twin_points(qm, y.shape[-1], pi2_bpsk)
        label = np.argmin(np.abs(y[idx][:, None] - pts), axis=1)
        out[idx] = ((label[:, None] >> np.arange(qm - 1, -1, -1)) & 1).reshape(-1)
    return out


def noisy_symbols(rng, qm, shape, sigma, pi2_bpsk=False):
    """Random transmitted bits, their symbols plus complex noise of variance sigma**2."""
    bits = rng.integers(0, 2, shape[:-1] + (shape[-1] * qm,), dtype=np.uint8)
    d = modulate(bits, qm, pi2_bpsk=pi2_bpsk)
    noise = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * (sigma / np.sqrt(2))
    return bits, (d + noise).astype(np.complex64)


def assert_llr_close(llr, ref):
    """float32 kernels vs a float64 twin: relative to each LLR's size, plus a floor."""
    assert llr.dtype == np.float32 and llr.shape == ref.shape
    np.testing.assert_allclose(llr, ref, rtol=2e-5, atol=2e-5 * max(1.0, np.abs(ref).max()))


MODES = [(qm, False) for qm in MODULATION_ORDERS] + [(1, True)]

# ----------------------------------------------------------------- kernels vs twins


@pytest.mark.parametrize("method", ["maxlog", "logmap"])
@pytest.mark.parametrize(("qm", "pi2"), MODES)
def test_llr_matches_brute_force(qm, pi2, method):
    rng = np.random.default_rng(100 * qm + pi2)
    shape = (3, 400)
    _, y = noisy_symbols(rng, qm, shape, 0.3, pi2)
    y[0, :40] *= 4  # some far outside the constellation
    y[1, :40] = ((rng.standard_normal(40) + 1j * rng.standard_normal(40)) * 0.02).astype(
        np.complex64)  # near the origin (sign-bit boundaries)
    nv = rng.uniform(0.002, 3.0, shape).astype(np.float32)  # per RE, low to high SNR
    llr = demap_llr(y, qm, nv, method=method, pi2_bpsk=pi2)
    assert llr.shape == (3, 400 * qm)
    assert_llr_close(llr, twin_llr(y, qm, nv, method, pi2))


@pytest.mark.parametrize("qm", [4, 6, 8, 10])
def test_logmap_exact_at_extreme_snr(qm):
    """Huge |LLR|: the underflowing likelihood sum is recomputed, not lost to 0 or inf."""
    rng = np.random.default_rng(qm)
    _, y = noisy_symbols(rng, qm, (300,), 0.05)
    y[:30] *= 3
    nv = np.float32(1e-4)
    llr = demap_llr(y, qm, nv, method="logmap")
    assert np.isfinite(llr).all() and np.abs(llr).max() > 1e4
    ref = twin_llr(y, qm, nv, "logmap")
    np.testing.assert_allclose(llr, ref, rtol=2e-5, atol=1e-3)


@pytest.mark.parametrize(("qm", "pi2"), MODES)
def test_hard_demap_matches_brute_force(qm, pi2):
    rng = np.random.default_rng(7 + qm + pi2)
    _, y = noisy_symbols(rng, qm, (2, 500), 0.4, pi2)
    y[0, :50] *= 3
    b = hard_demap(y, qm, pi2_bpsk=pi2)
    assert b.dtype == np.uint8 and b.shape == (2, 500 * qm)
    np.testing.assert_array_equal(b, twin_hard(y, qm, pi2))
    np.testing.assert_array_equal(b, demap_llr(y, qm, 1.0, pi2_bpsk=pi2) < 0)


def test_qpsk_and_bpsk_llrs_are_linear():
    y = np.array([0.3 - 0.7j, -1.1 + 0.2j], dtype=np.complex64)
    c = 2 * math.sqrt(2) / 0.5
    np.testing.assert_allclose(demap_llr(y, 2, 0.5), c * np.array([0.3, -0.7, -1.1, 0.2]),
                               rtol=1e-6)
    np.testing.assert_allclose(demap_llr(y, 1, 0.5), c * np.array([-0.4, -0.9]), rtol=1e-6)
    # π/2-BPSK: odd symbols derotated by −90°: (−1.1 + 0.2j)(−j) = 0.2 + 1.1j
    np.testing.assert_allclose(demap_llr(y, 1, 0.5, pi2_bpsk=True), c * np.array([-0.4, 1.3]),
                               rtol=1e-6)


# ----------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(qm=st.sampled_from(MODULATION_ORDERS), pi2=st.booleans(),
       shape=st.tuples(st.integers(1, 3), st.integers(0, 30)),
       seed=st.integers(0, 2**32 - 1))
def test_modulate_then_hard_demap_is_identity(qm, pi2, shape, seed):
    pi2 = pi2 and qm == 1
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, shape[:-1] + (shape[-1] * qm,), dtype=np.uint8)
    np.testing.assert_array_equal(hard_demap(modulate(bits, qm, pi2_bpsk=pi2), qm,
                                             pi2_bpsk=pi2), bits)


@settings(max_examples=60, deadline=None)
@given(qm=st.sampled_from(MODULATION_ORDERS), pi2=st.booleans(),
       method=st.sampled_from(["maxlog", "logmap"]), n=st.integers(1, 60),
       seed=st.integers(0, 2**32 - 1))
def test_llr_signs_are_the_bits_at_high_snr(qm, pi2, method, n, seed):
    """Noise well inside half the minimum distance: sign(LLR) gives back every bit."""
    pi2 = pi2 and qm == 1
    rng = np.random.default_rng(seed)
    half_dmin = 1 / math.sqrt(2 * (2**qm - 1) / 3) if qm > 1 else 1.0
    bits = rng.integers(0, 2, n * qm, dtype=np.uint8)
    y = modulate(bits, qm, pi2_bpsk=pi2)
    phase = np.exp(2j * np.pi * rng.random(n))
    y = (y + 0.6 * half_dmin * rng.random(n) * phase).astype(np.complex64)  # |noise| < 0.6 d/2
    nv = rng.uniform(1e-3, 1e-2, n)
    llr = demap_llr(y, qm, nv, method=method, pi2_bpsk=pi2)
    np.testing.assert_array_equal((llr < 0).astype(np.uint8), bits)
    assert (llr != 0).all()


@settings(max_examples=40, deadline=None)
@given(qm=st.sampled_from([4, 6, 8, 10]), log_nv=st.floats(-3.0, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_logmap_within_ln_count_of_maxlog(qm, log_nv, seed):
    """ln Σ of 2^(m−1) terms per bit value and dimension lies within [max, max + ln 2^(m−1)],
    so |log-MAP − max-log| ≤ (m − 1) ln 2; both have the same hard decisions where that
    bound is below |max-log|."""
    rng = np.random.default_rng(seed)
    nv = 10.0**log_nv
    _, y = noisy_symbols(rng, qm, (200,), math.sqrt(nv))
    ml = demap_llr(y, qm, nv).astype(np.float64)
    lm = demap_llr(y, qm, nv, method="logmap").astype(np.float64)
    bound = (qm // 2 - 1) * math.log(2)
    assert np.all(np.abs(lm - ml) <= bound + 1e-4 * (1 + np.abs(ml)))
    clear = np.abs(ml) > bound + 1e-3 * (1 + np.abs(ml))
    np.testing.assert_array_equal(np.sign(lm[clear]), np.sign(ml[clear]))


def test_logmap_approaches_maxlog_at_high_snr():
    rng = np.random.default_rng(5)
    for qm in (4, 6, 8, 10):
        _, y = noisy_symbols(rng, qm, (500,), 0.01)
        ml = demap_llr(y, qm, 1e-4)
        lm = demap_llr(y, qm, 1e-4, method="logmap")
        big = np.abs(ml) > 100
        np.testing.assert_allclose(lm[big], ml[big], rtol=1e-2)


def test_qpsk_and_bpsk_logmap_equals_maxlog():
    rng = np.random.default_rng(6)
    for qm, pi2 in ((1, False), (1, True), (2, False)):
        _, y = noisy_symbols(rng, qm, (4, 50), 1.0, pi2)
        nv = rng.uniform(0.1, 2, (4, 50))
        np.testing.assert_array_equal(demap_llr(y, qm, nv, method="logmap", pi2_bpsk=pi2),
                                      demap_llr(y, qm, nv, pi2_bpsk=pi2))


@pytest.mark.parametrize("method", ["maxlog", "logmap"])
def test_noise_var_broadcasting(method):
    rng = np.random.default_rng(8)
    _, y = noisy_symbols(rng, 8, (2, 3, 40), 0.1)
    full = demap_llr(y, 8, np.full(y.shape, 0.02), method=method)
    for nv in (0.02, np.float32(0.02), np.array(0.02), np.full((1, 1, 1), 0.02), [[[0.02]]]):
        np.testing.assert_array_equal(demap_llr(y, 8, nv, method=method), full)
    per_row = rng.uniform(0.01, 0.1, (2, 3, 1))
    np.testing.assert_array_equal(demap_llr(y, 8, per_row, method=method),
                                  demap_llr(y, 8, np.broadcast_to(per_row, y.shape),
                                            method=method))
    per_col = rng.uniform(0.01, 0.1, 40)
    np.testing.assert_array_equal(demap_llr(y, 8, per_col, method=method),
                                  demap_llr(y, 8, np.broadcast_to(per_col, y.shape),
                                            method=method))
    # each batch row demaps alone as it does in the batch
    np.testing.assert_array_equal(demap_llr(y[1, 2], 8, per_row[1, 2], method=method),
                                  demap_llr(y, 8, per_row, method=method)[1, 2])


def test_llr_scales_with_inverse_noise_var():
    rng = np.random.default_rng(9)
    _, y = noisy_symbols(rng, 6, (100,), 0.2)
    np.testing.assert_allclose(demap_llr(y, 6, 0.05), 2 * demap_llr(y, 6, 0.1), rtol=1e-6)


def test_input_dtypes_and_empty():
    rng = np.random.default_rng(10)
    _, y = noisy_symbols(rng, 4, (30,), 0.2)
    ref = demap_llr(y, 4, 0.1)
    np.testing.assert_array_equal(demap_llr(y.astype(np.complex128), 4, 0.1), ref)
    np.testing.assert_array_equal(demap_llr(y.tolist(), 4, 0.1), ref)
    np.testing.assert_array_equal(demap_llr(y[::-1][::-1], 4, 0.1), ref)
    assert demap_llr(np.zeros((2, 0), np.complex64), 8, 0.1).shape == (2, 0)
    assert hard_demap(np.zeros((2, 0), np.complex64), 8).shape == (2, 0)
    assert demap_llr(np.zeros((2, 0), np.complex64), 1, np.ones((2, 1)), pi2_bpsk=True).shape \
        == (2, 0)
    np.testing.assert_array_equal(demap_llr(np.array([0.5, -0.5]), 2, 1.0),  # real input
                                  demap_llr(np.array([0.5, -0.5], np.complex64), 2, 1.0))


# ----------------------------------------------------------------- validation

Y = np.zeros(8, np.complex64)


@pytest.mark.parametrize("qm", [0, 3, 12, 2.0, True])
def test_bad_qm_raises(qm):
    with pytest.raises(ConfigError, match="qm"):
        demap_llr(Y, qm, 1.0)
    with pytest.raises(ConfigError, match="qm"):
        hard_demap(Y, qm)


def test_bad_method_raises():
    with pytest.raises(ConfigError, match="method='app'"):
        demap_llr(Y, 4, 1.0, method="app")


def test_pi2_bpsk_with_qm_not_1_raises():
    with pytest.raises(ConfigError, match=r"pi2_bpsk.*§5\.1\.2"):
        demap_llr(Y, 2, 1.0, pi2_bpsk=True)
    with pytest.raises(ConfigError, match=r"pi2_bpsk.*§5\.1\.2"):
        hard_demap(Y, 4, pi2_bpsk=True)


def test_pi2_bpsk_not_bool_raises():
    with pytest.raises(ConfigError, match="pi2_bpsk"):
        demap_llr(Y, 1, 1.0, pi2_bpsk="yes")


def test_scalar_y_raises():
    with pytest.raises(ConfigError, match="y must have at least one dimension"):
        demap_llr(np.complex64(1), 2, 1.0)
    with pytest.raises(ConfigError, match="y must have at least one dimension"):
        hard_demap(1j, 2)


def test_non_numeric_y_raises():
    with pytest.raises(ConfigError, match="y has dtype"):
        demap_llr(np.array(["a", "b"]), 2, 1.0)
    with pytest.raises(ConfigError, match="y has dtype"):
        hard_demap(np.array(["a", "b"]), 2)


@pytest.mark.parametrize("nv", [0.0, -1.0, np.nan, np.array([1.0, 0.5, 0.0, 1, 1, 1, 1, 1])])
def test_non_positive_noise_var_raises(nv):
    with pytest.raises(ConfigError, match="noise_var=.* must be > 0"):
        demap_llr(Y, 4, nv)


def test_noise_var_shape_raises():
    with pytest.raises(ConfigError, match=r"noise_var has shape \(3,\)"):
        demap_llr(Y, 4, np.ones(3))
    with pytest.raises(ConfigError, match=r"noise_var has shape \(2, 8\)"):  # would add an axis
        demap_llr(Y, 4, np.ones((2, 8)))


def test_complex_noise_var_raises():
    with pytest.raises(ConfigError, match="noise_var has dtype complex128"):
        demap_llr(Y, 4, 1.0 + 0j)
