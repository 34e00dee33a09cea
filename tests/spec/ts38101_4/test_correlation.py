"""MIMO correlation matrices, TS 38.101-4 Annex B.2.3.1 (downlink) / TS 38.104 G.2.3.1 (uplink).

The statistical check of realised channels against these matrices is in test_tdl.py.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38101_4.correlation import (
    antenna_correlation,
    correlation_coefficients,
    correlation_sqrt,
    psd_correction,
    spatial_correlation,
)

# --------------------------------------------------------------------------------------
# Per-side matrices (Tables B.2.3.1.1-1/-2, G.2.3.1.1-1/-2)


def test_antenna_correlation_values():
    a = 0.9
    assert antenna_correlation(1, a).tolist() == [[1.0]]
    np.testing.assert_array_equal(antenna_correlation(2, a), [[1, a], [a, 1]])
    r4 = antenna_correlation(4, a)
    np.testing.assert_allclose(r4[0], [1, a ** (1 / 9), a ** (4 / 9), a], rtol=1e-15)
    np.testing.assert_allclose(r4[1], [a ** (1 / 9), 1, a ** (1 / 9), a ** (4 / 9)], rtol=1e-15)
    r8 = antenna_correlation(8, a)
    np.testing.assert_allclose(r8[0], a ** (np.arange(8) ** 2 / 49), rtol=1e-15)
    np.testing.assert_array_equal(antenna_correlation(8, 0.0), np.eye(8))


def test_antenna_correlation_complex_is_hermitian():
    a = 0.6 * np.exp(0.7j)
    r = antenna_correlation(4, a)
    np.testing.assert_allclose(r, r.conj().T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r[0, 3], a)
    np.testing.assert_allclose(r[3, 0], np.conj(a))


@given(n=st.sampled_from([1, 2, 4, 8]), a=st.floats(0.0, 1.0))
@settings(max_examples=100, deadline=None)
def test_antenna_correlation_is_a_correlation_matrix(n, a):
    r = antenna_correlation(n, a)
    np.testing.assert_array_equal(np.diag(r), 1.0)
    np.testing.assert_array_equal(r, r.T)
    assert np.linalg.eigvalsh(r).min() > -1e-12


@pytest.mark.parametrize("n,a,match", [
    (3, 0.5, r"n=3 is not allowed: n must be one of 1, 2, 4, 8"),
    (16, 0.5, r"n=16 is not allowed"),
    (True, 0.5, r"n=True is not allowed"),
    (2.0, 0.5, r"n=2\.0 is not allowed"),
    (2, 1.5, r"a=1\.5 is not allowed: .*\|a\| ≤ 1"),
    (2, -0.1, r"a=-0\.1 is not allowed"),
    (2, 1.2j, r"a=1\.2j is not allowed"),
    (2, np.nan, r"a=nan is not allowed"),
    (2, "0.5", r"a='0\.5' is not allowed"),
])
def test_antenna_correlation_validation(n, a, match):
    with pytest.raises(ConfigError, match=match):
        antenna_correlation(n, a)


# --------------------------------------------------------------------------------------
# Levels (Tables B.2.3.1.2-1 and G.2.3.1.2-1)


@pytest.mark.parametrize("direction,level,alpha_beta", [
    ("downlink", "low", (0.0, 0.0)), ("downlink", "medium", (0.3, 0.9)),
    ("downlink", "medium-a", (0.3, 0.3874)), ("downlink", "high", (0.9, 0.9)),
    ("uplink", "low", (0.0, 0.0)), ("uplink", "medium", (0.9, 0.3)),
    ("uplink", "high", (0.9, 0.9)),
])
def test_correlation_coefficients(direction, level, alpha_beta):
    assert correlation_coefficients(level, direction) == alpha_beta


@pytest.mark.parametrize("level,direction,match", [
    ("medium-a", "uplink", r"correlation='medium-a' is not allowed with link_direction="
                           r"'uplink': correlation must be one of 'low', 'medium', 'high' "
                           r"\(TS 38\.104 Annex G\.2\.3\.1\.2\)"),
    ("very-high", "downlink", r"correlation='very-high' is not allowed.*B\.2\.3\.1\.2"),
    ("low", "sidelink", r"link_direction='sidelink' is not allowed"),
])
def test_correlation_coefficients_validation(level, direction, match):
    with pytest.raises(ConfigError, match=match):
        correlation_coefficients(level, direction)


# --------------------------------------------------------------------------------------
# R_spat: ordering, a-correction, tabulated values


def test_ordering_downlink():
    """Downlink R_spat = R_gNB ⊗ R_UE = R_tx ⊗ R_rx: index t·n_rx + r (UE = rx fastest)."""
    r = spatial_correlation(2, 2, "medium", "downlink")
    alpha, beta = 0.3, 0.9
    # (t=0, r=0) vs (t=0, r=1): two UE antennas -> β; vs (t=1, r=0): two gNB antennas -> α
    assert r[0, 1] == pytest.approx(beta) and r[0, 2] == pytest.approx(alpha)
    assert r[0, 3] == pytest.approx(alpha * beta)
    np.testing.assert_allclose(r, np.kron([[1, alpha], [alpha, 1]], [[1, beta], [beta, 1]]))


def test_ordering_uplink():
    """Uplink R_spat = R_UE ⊗ R_gNB = R_tx ⊗ R_rx; α (0.9 at medium) on the gNB = rx side."""
    r = spatial_correlation(2, 4, "medium", "uplink")
    r_ue = antenna_correlation(2, 0.3)
    r_gnb = antenna_correlation(4, 0.9)
    a = 0.00010
    np.testing.assert_allclose(r, (np.kron(r_ue, r_gnb) + a * np.eye(8)) / (1 + a), rtol=1e-15)
    assert r[0, 3] == pytest.approx(0.9 / (1 + a))  # gNB antennas 0 and 3 (receive)
    assert r[0, 4] == pytest.approx(0.3 / (1 + a))  # UE antennas 0 and 1 (transmit)


@pytest.mark.parametrize("n_tx,n_rx,level,direction,a", [
    (4, 2, "high", "downlink", 0.00010), (4, 4, "high", "downlink", 0.00012),
    (2, 4, "medium", "downlink", 0.00010), (4, 4, "medium", "downlink", 0.00012),
    (2, 4, "high", "uplink", 0.00010), (4, 4, "high", "uplink", 0.00012),
    (4, 4, "medium", "uplink", 0.00012), (2, 4, "medium", "uplink", 0.00010),
    (2, 2, "high", "downlink", 0.0), (1, 2, "high", "downlink", 0.0),
    (4, 4, "medium-a", "downlink", 0.0), (4, 4, "low", "downlink", 0.0),
    (2, 2, "medium", "uplink", 0.0),
])
def test_psd_correction(n_tx, n_rx, level, direction, a):
    assert psd_correction(n_tx, n_rx, level, direction) == a


# First rows of the 4-decimal tables (TS 38.101-4 Tables B.2.3.1.2-2/-3, the same matrices as
# TS 36.101 Tables B.2.3.2-2/-3), as recalled: they show the a-correction (0.9 -> 0.8999).
TABULATED_FIRST_ROWS = {
    (4, 4, "high"): [1.0, 0.9882, 0.9541, 0.8999, 0.9882, 0.9767, 0.9430, 0.8894,
                     0.9541, 0.9430, 0.9105, 0.8587, 0.8999, 0.8894, 0.8587, 0.8099],
    (4, 4, "medium"): [1.0, 0.9882, 0.9541, 0.8999, 0.8747, 0.8645, 0.8347, 0.7872,
                       0.5855, 0.5787, 0.5588, 0.5270, 0.3000, 0.2965, 0.2862, 0.2700],
    (4, 2, "high"): [1.0, 0.8999, 0.9883, 0.8894, 0.9542, 0.8587, 0.8999, 0.8099],
    (2, 2, "high"): [1.0, 0.9, 0.9, 0.81],
    (2, 2, "medium"): [1.0, 0.9, 0.3, 0.27],
    (2, 2, "low"): [1.0, 0.0, 0.0, 0.0],
}


@pytest.mark.parametrize("key", TABULATED_FIRST_ROWS)
def test_tabulated_first_rows(key):
    n_tx, n_rx, level = key
    r = spatial_correlation(n_tx, n_rx, level, "downlink")
    np.testing.assert_array_equal(np.round(r[0], 4), TABULATED_FIRST_ROWS[key])


TABULATED = [(1, 2), (2, 2), (4, 2), (2, 4), (4, 4)]


@pytest.mark.parametrize("direction,level", [
    ("downlink", "low"), ("downlink", "medium"), ("downlink", "medium-a"), ("downlink", "high"),
    ("uplink", "low"), ("uplink", "medium"), ("uplink", "high")])
def test_rounded_tables_are_psd(direction, level):
    """The a-correction keeps the 4-decimal tables positive semi-definite (the annexes' aim)."""
    for n_tx, n_rx in TABULATED:
        r = spatial_correlation(n_tx, n_rx, level, direction)
        assert np.linalg.eigvalsh(np.round(r, 4)).min() >= 0, (n_tx, n_rx)


@pytest.mark.parametrize("direction", ["downlink", "uplink"])
@pytest.mark.parametrize("level", ["low", "medium", "medium-a", "high"])
def test_every_defined_matrix_is_a_psd_correlation_matrix(direction, level):
    sizes = (1, 2, 4, 8)
    for n_tx, n_rx in itertools.product(sizes, sizes):
        try:
            r = spatial_correlation(n_tx, n_rx, level, direction)
        except (ConfigError, NotImplementedError):
            continue
        assert r.shape == (n_tx * n_rx,) * 2
        np.testing.assert_allclose(np.diag(r), 1.0, rtol=1e-15)
        np.testing.assert_array_equal(r, r.T)
        assert np.linalg.eigvalsh(r).min() > -1e-12


def test_low_is_identity_for_every_size():
    for n_tx, n_rx in itertools.product((1, 2, 4, 8), repeat=2):
        for direction in ("downlink", "uplink"):
            np.testing.assert_array_equal(spatial_correlation(n_tx, n_rx, "low", direction),
                                          np.eye(n_tx * n_rx))


@pytest.mark.parametrize("args,match", [
    ((8, 3, "medium", "downlink"), r"num_rx=3 is not allowed: num_rx must be one of 1, 2, 4, 8"),
    ((3, 2, "low", "downlink"), r"num_tx=3 is not allowed: num_tx must be one of 1, 2, 4, 8"),
    ((2, 16, "low", "uplink"), r"num_rx=16 is not allowed"),
    ((2, 2, "medium-a", "uplink"), r"correlation='medium-a' is not allowed"),
    ((2, 2, "medium", "both"), r"link_direction='both' is not allowed"),
])
def test_spatial_correlation_validation(args, match):
    with pytest.raises(ConfigError, match=match):
        spatial_correlation(*args)


@pytest.mark.parametrize("n_ue", [1, 2, 4, 8])
@pytest.mark.parametrize("level", ["medium", "high"])
@pytest.mark.parametrize("direction", ["downlink", "uplink"])
def test_eight_antennas_follow_the_kronecker_construction(n_ue, level, direction):
    """8-antenna sides: "the channel spatial correlation matrix can still be expressed as the
    Kronecker product of R_gNB and R_UE" with the same element rule; no a is tabulated."""
    alpha, beta = correlation_coefficients(level, direction)
    r_gnb, r_ue = antenna_correlation(8, alpha), antenna_correlation(n_ue, beta)
    if direction == "downlink":
        expected, got = np.kron(r_gnb, r_ue), spatial_correlation(8, n_ue, level, direction)
    else:
        expected, got = np.kron(r_ue, r_gnb), spatial_correlation(n_ue, 8, level, direction)
    assert psd_correction(*((8, n_ue) if direction == "downlink" else (n_ue, 8)),
                          level, direction) == 0.0
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert np.linalg.eigvalsh(got).min() > -1e-12


# --------------------------------------------------------------------------------------
# Square root


@pytest.mark.parametrize("n_tx,n_rx,level", [(2, 2, "high"), (4, 4, "high"), (4, 4, "medium"),
                                             (4, 2, "medium-a"), (4, 4, "low")])
def test_correlation_sqrt(n_tx, n_rx, level):
    r = spatial_correlation(n_tx, n_rx, level)
    c = correlation_sqrt(r)
    np.testing.assert_allclose(c, c.T, atol=1e-14)
    np.testing.assert_allclose(c @ c, r, atol=1e-12)
    assert np.isrealobj(c)


def test_correlation_sqrt_complex_and_singular():
    v = np.array([1, 1j, -1])
    r = np.outer(v, v.conj()) / 1.0  # rank one
    c = correlation_sqrt(r)
    np.testing.assert_allclose(c @ c.conj().T, r, atol=1e-12)


@pytest.mark.parametrize("r,match", [
    (np.ones((2, 3)), r"r\.shape=\(2, 3\) is not allowed"),
    (np.array([[1.0, 0.5], [0.2, 1.0]]), r"r\.shape=\(2, 2\) is not allowed: .*Hermitian"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), r"eigenvalue -1 < 0"),
])
def test_correlation_sqrt_validation(r, match):
    with pytest.raises(ConfigError, match=match):
        correlation_sqrt(r)
