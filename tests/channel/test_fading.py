"""Sum-of-sinusoids Rayleigh fading (classical Doppler spectrum, TR 38.901 §7.7.2).

Statistical tolerances: an ensemble mean of N independent samples, each of variance at most
σ² = 1, is within k·σ/√N of its expectation; k = 5 (two-sided probability 6e-7 per checked
value under the normal approximation), σ = 1 for the products g(t+τ)g*(t) and |g|² of
unit-power processes (Gaussian: var|g|² = 1; the sum of sinusoids: 1 − 1/M).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy.special import j0

from nrlink.channel.fading import SumOfSinusoids, _sincos, _stratified_cos_kernel
from nrlink.errors import ConfigError

K_SIGMA = 5.0


def sos_twin(sos: SumOfSinusoids, times, doppler_hz):
    """Obviously-correct NumPy twin of SumOfSinusoids.evaluate."""
    t = np.asarray(times, dtype=np.float64)
    x = 2 * np.pi * doppler_hz * sos.cos_alpha[..., None] * t + sos.phases[..., None]
    return np.exp(1j * x).sum(axis=-2) / np.sqrt(sos.num_sinusoids)


@njit
def _sincos_array(x):
    s = np.empty_like(x)
    c = np.empty_like(x)
    for i in range(x.size):
        s[i], c[i] = _sincos(x[i])
    return s, c


# --------------------------------------------------------------------------------------
# Kernel against its twin


@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=3),
       m=st.integers(1, 40),
       times=st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=0, max_size=20),
       doppler=st.floats(0.0, 2000.0, allow_nan=False),
       seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_evaluate_matches_twin(shape, m, times, doppler, seed):
    sos = SumOfSinusoids.draw(tuple(shape), m, np.random.default_rng(seed))
    g = sos.evaluate(times, doppler)
    assert g.dtype == np.complex64 and g.shape == (*shape, len(times))
    # complex64 output: 4e-7 relative to the magnitude bound √M of a sum of M unit phasors
    np.testing.assert_allclose(g, sos_twin(sos, times, doppler), rtol=0,
                               atol=4e-7 * math.sqrt(m))


def test_sincos_accuracy():
    rng = np.random.default_rng(0)
    for scale, tol in ((4.0, 1e-11), (1e3, 1e-11), (1e6, 2e-10)):
        x = rng.uniform(-scale, scale, 100_000)
        s, c = _sincos_array(x)
        np.testing.assert_allclose(s, np.sin(x), rtol=0, atol=tol)
        np.testing.assert_allclose(c, np.cos(x), rtol=0, atol=tol)
    # the quadrant boundaries
    x = np.array([0.0, np.pi / 4, np.pi / 2, np.pi, 3 * np.pi / 2, -np.pi / 2, -np.pi, 2 * np.pi])
    s, c = _sincos_array(x)
    np.testing.assert_allclose(s, np.sin(x), atol=1e-11)
    np.testing.assert_allclose(c, np.cos(x), atol=1e-11)


@given(p=st.integers(0, 6), m=st.integers(1, 64), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_stratified_cos_kernel_matches_twin(p, m, seed):
    u = np.random.default_rng(seed).random((p, m))
    out = np.empty_like(u)
    _stratified_cos_kernel(u, out)
    np.testing.assert_allclose(out, np.cos(2 * np.pi * (np.arange(m) + u) / m), rtol=0,
                               atol=1e-11)


def test_draw_parameters():
    sos = SumOfSinusoids.draw((3, 5), 16, np.random.default_rng(1))
    assert sos.shape == (3, 5) and sos.num_sinusoids == 16
    assert sos.cos_alpha.shape == sos.phases.shape == (3, 5, 16)
    assert np.all((sos.phases >= 0) & (sos.phases < 2 * np.pi))
    # stratified angles: α_m in [2πm/M, 2π(m+1)/M); cos is decreasing on [0, π]
    alpha = np.arccos(np.clip(sos.cos_alpha[..., :8], -1, 1))
    edges = 2 * np.pi * np.arange(9) / 16
    assert np.all(alpha >= edges[:8] - 1e-12) and np.all(alpha <= edges[1:] + 1e-12)
    assert SumOfSinusoids.draw(4, 8, 0).shape == (4,)


def test_reproducible_and_continuous():
    a = SumOfSinusoids.draw((10,), 32, 123)
    b = SumOfSinusoids.draw((10,), 32, 123)
    t = np.linspace(0, 0.02, 41)
    np.testing.assert_array_equal(a.evaluate(t, 50.0), b.evaluate(t, 50.0))
    whole = a.evaluate(t, 50.0)
    np.testing.assert_array_equal(np.concatenate([a.evaluate(t[:20], 50.0),
                                                  a.evaluate(t[20:], 50.0)], axis=-1), whole)
    assert not np.array_equal(SumOfSinusoids.draw((10,), 32, 124).evaluate(t, 50.0), whole)


def test_zero_doppler_is_static():
    g = SumOfSinusoids.draw((50,), 32, 5).evaluate([0.0, 0.3, 7.0], 0.0)
    np.testing.assert_array_equal(g[:, 0], g[:, 1])
    np.testing.assert_array_equal(g[:, 0], g[:, 2])


@pytest.mark.parametrize("kwargs,match", [
    ({"times": [[0.0, 1.0]]}, r"times\.shape=\(1, 2\) is not allowed"),
    ({"times": [0.0, np.nan]}, r"times\.shape=\(2,\) is not allowed: .*finite"),
    ({"doppler_hz": -1.0}, r"doppler_hz=-1\.0 is not allowed: .*≥ 0"),
    ({"doppler_hz": np.inf}, r"doppler_hz=inf is not allowed"),
    ({"doppler_hz": True}, r"doppler_hz=True is not allowed"),
])
def test_evaluate_validation(kwargs, match):
    sos = SumOfSinusoids.draw((2,), 8, 0)
    args = {"times": [0.0, 1e-3], "doppler_hz": 10.0} | kwargs
    with pytest.raises(ConfigError, match=match):
        sos.evaluate(**args)


@pytest.mark.parametrize("shape,m,match", [
    ((2, -1), 8, r"shape=-1 is not allowed"),
    ((2,), 0, r"num_sinusoids=0 is not allowed"),
    ((2,), 8.0, r"num_sinusoids=8\.0 is not allowed"),
])
def test_draw_validation(shape, m, match):
    with pytest.raises(ConfigError, match=match):
        SumOfSinusoids.draw(shape, m, 0)


# --------------------------------------------------------------------------------------
# Statistics (ensemble over realisations)


@pytest.mark.parametrize("n", [20_000, pytest.param(400_000, marks=pytest.mark.slow)])
@pytest.mark.parametrize("m", [16, 32])
def test_autocorrelation_is_j0(n, m):
    """E[g(t0 + τ) g*(t0)] = J0(2π f_D τ), E|g|² = 1, E[g g] = 0; any t0 (stationary)."""
    f_d = 100.0
    t0 = 0.123
    tau = np.arange(21) * 0.5e-3  # f_D τ from 0 to 1: past the first two zeros of J0
    g = SumOfSinusoids.draw((n,), m, np.random.default_rng(2024)).evaluate(t0 + tau, f_d)
    g = g.astype(np.complex128)
    r = (g * np.conj(g[:, :1])).mean(axis=0)
    tol = K_SIGMA / math.sqrt(n)  # each term: product of two unit-power samples, σ ≤ 1
    np.testing.assert_allclose(r, j0(2 * np.pi * f_d * tau), rtol=0, atol=tol)
    assert np.abs((g * g[:, :1]).mean(axis=0)).max() < tol  # circular symmetry
    power = (np.abs(g) ** 2).mean(axis=0)
    np.testing.assert_allclose(power, 1.0, atol=tol)


def test_fourth_moment():
    """E|g|⁴ = 2 − 1/M for the sum of M random phasors (Rayleigh: 2)."""
    n, m = 50_000, 8
    g = SumOfSinusoids.draw((n,), m, np.random.default_rng(9)).evaluate([0.0], 0.0)[:, 0]
    x = np.abs(g.astype(np.complex128)) ** 4
    # σ of |g|⁴ estimated from the sample: k·σ/√N
    assert x.mean() == pytest.approx(2 - 1 / m, abs=K_SIGMA * x.std() / math.sqrt(n))

