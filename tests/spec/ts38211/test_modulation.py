"""Modulation mapper — TS 38.211 §5.1 (§5.1.2-§5.1.8)."""

import cmath
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.modulation import (
    MODULATION_ORDERS,
    constellation,
    modulate,
    pam_levels,
)

#: Reference-vector names of modulation.npz and their Q_m.
VECTOR_QM = {"BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}

# ------------------------------------------------------------------ slow spec twins


def _s(bit):
    return 1 - 2 * int(bit)


def spec_symbol(b, qm):
    """One symbol d(i) from its bits b(i) .. b(i + qm − 1), the §5.1 formulas verbatim."""
    if qm == 1:  # §5.1.3
        return complex(_s(b[0]), _s(b[0])) / math.sqrt(2)
    if qm == 2:  # §5.1.4
        return complex(_s(b[0]), _s(b[1])) / math.sqrt(2)
    if qm == 4:  # §5.1.5
        return complex(_s(b[0]) * (2 - _s(b[2])),
                       _s(b[1]) * (2 - _s(b[3]))) / math.sqrt(10)
    if qm == 6:  # §5.1.6
        return complex(_s(b[0]) * (4 - _s(b[2]) * (2 - _s(b[4]))),
                       _s(b[1]) * (4 - _s(b[3]) * (2 - _s(b[5])))) / math.sqrt(42)
    if qm == 8:  # §5.1.7
        return complex(_s(b[0]) * (8 - _s(b[2]) * (4 - _s(b[4]) * (2 - _s(b[6])))),
                       _s(b[1]) * (8 - _s(b[3]) * (4 - _s(b[5]) * (2 - _s(b[7]))))
                       ) / math.sqrt(170)
    if qm == 10:  # §5.1.8
        return complex(
            _s(b[0]) * (16 - _s(b[2]) * (8 - _s(b[4]) * (4 - _s(b[6]) * (2 - _s(b[8]))))),
            _s(b[1]) * (16 - _s(b[3]) * (8 - _s(b[5]) * (4 - _s(b[7]) * (2 - _s(b[9]))))),
        ) / math.sqrt(682)
    raise AssertionError(qm)


def spec_modulate(bits, qm, pi2_bpsk=False):
    """Row-wise slow mapper over the last axis; π/2-BPSK per §5.1.2."""
    bits = np.asarray(bits)
    out = np.empty(bits.shape[:-1] + (bits.shape[-1] // qm,), dtype=np.complex128)
    for idx in np.ndindex(bits.shape[:-1]):
        row = bits[idx]
        for i in range(row.size // qm):
            d = spec_symbol(row[i * qm:(i + 1) * qm], qm)
            if pi2_bpsk:  # d(i) = e^{jπ(i mod 2)/2} / √2 [(1 − 2b(i)) + j(1 − 2b(i))]
                d = cmath.exp(1j * math.pi * (i % 2) / 2) * d
            out[idx + (i,)] = d
    return out


def label_bits(qm):
    """(2**qm, qm) bits of every label, b(i) as the MSB."""
    labels = np.arange(2**qm)
    return ((labels[:, None] >> np.arange(qm - 1, -1, -1)) & 1).astype(np.uint8)


# ------------------------------------------------------------------ reference vectors


@pytest.mark.parametrize("name", sorted(VECTOR_QM))
def test_reference_vectors(vectors, name):
    v = vectors("modulation")
    qm = VECTOR_QM[name]
    bits, symbols = v[f"{name}_bits"], v[f"{name}_symbols"]
    assert bits.ndim == 1 and symbols.ndim == 1 and bits.size == qm * symbols.size
    d = modulate(bits, qm)
    assert d.dtype == np.complex64 and d.shape == symbols.shape
    np.testing.assert_allclose(d, symbols, rtol=0, atol=1e-5)


# ------------------------------------------------------------------ spec formulas


@pytest.mark.parametrize("qm", MODULATION_ORDERS)
def test_every_label_matches_spec_formula(qm):
    bits = label_bits(qm)
    expected = np.array([spec_symbol(b, qm) for b in bits])
    np.testing.assert_allclose(constellation(qm), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(modulate(bits.reshape(-1), qm), expected, rtol=0, atol=1e-6)


def test_1024qam_random_bits_match_spec_formula():
    rng = np.random.default_rng(1024)
    bits = rng.integers(0, 2, (3, 10 * 200), dtype=np.uint8)
    np.testing.assert_allclose(modulate(bits, 10), spec_modulate(bits, 10), rtol=0, atol=1e-6)


def test_pi2_bpsk_matches_spec_formula():
    rng = np.random.default_rng(2)
    bits = rng.integers(0, 2, (2, 3, 37), dtype=np.uint8)
    d = modulate(bits, 1, pi2_bpsk=True)
    assert d.shape == (2, 3, 37) and d.dtype == np.complex64
    np.testing.assert_allclose(d, spec_modulate(bits, 1, pi2_bpsk=True), rtol=0, atol=1e-7)
    # even i: the BPSK symbol; odd i: rotated by +90°
    bpsk = modulate(bits, 1)
    np.testing.assert_array_equal(d[..., 0::2], bpsk[..., 0::2])
    np.testing.assert_array_equal(d[..., 1::2], bpsk[..., 1::2] * np.complex64(1j))


@pytest.mark.parametrize("qm", MODULATION_ORDERS)
def test_unit_average_energy(qm):
    np.testing.assert_allclose(np.mean(np.abs(constellation(qm).astype(complex)) ** 2), 1.0,
                               rtol=1e-6)


@pytest.mark.parametrize("qm", [2, 4, 6, 8, 10])
def test_gray_labelling(qm):
    """Points at the minimum distance 2/norm differ in exactly one bit (square QAMs)."""
    pts = constellation(qm).astype(complex)
    dmin = 2 / math.sqrt(2 * (2**qm - 1) / 3)
    dist = np.abs(pts[:, None] - pts[None, :])
    near = np.isclose(dist, dmin, rtol=1e-4)
    i, j = np.nonzero(near)
    m = 2 ** (qm // 2)
    assert i.size == 2 * 2 * m * (m - 1)  # 2 axes × m lines × (m − 1) adjacent pairs, 2 ways
    diff = np.bitwise_xor(i, j)
    assert all(bin(x).count("1") == 1 for x in diff)
    # and each dimension carries its own bits: real part b(i), b(i+2), ...; imag b(i+1), ...
    labels = np.arange(2**qm)
    odd_mask = sum(1 << (qm - 1 - k) for k in range(1, qm, 2))
    same_re = (labels[:, None] & ~odd_mask) == (labels[None, :] & ~odd_mask)
    assert np.all(np.isclose(pts.real[:, None], pts.real[None, :]) == same_re)


def test_pam_levels_nested_expression():
    assert pam_levels(1).tolist() == [1, -1]
    assert pam_levels(3).tolist() == [3, 1, 5, 7, -3, -1, -5, -7]  # §5.1.6 real part × √42
    for m in range(1, 6):
        assert sorted(pam_levels(m).tolist()) == list(range(-(2**m) + 1, 2**m, 2))


def test_constellation_is_a_copy():
    c = constellation(4)
    c[:] = 0
    assert np.abs(constellation(4)).min() > 0


def test_bit_dtypes_and_batch_shape():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, (2, 3, 48), dtype=np.uint8)
    d = modulate(bits, 6)
    assert d.shape == (2, 3, 8)
    np.testing.assert_array_equal(modulate(bits.astype(np.int8), 6), d)
    np.testing.assert_array_equal(modulate(bits.astype(bool), 6), d)
    np.testing.assert_array_equal(modulate(bits.astype(np.int64), 6), d)
    np.testing.assert_array_equal(modulate(bits.tolist(), 6), d)
    np.testing.assert_array_equal(modulate(bits[..., ::-1][..., ::-1], 6), d)  # any strides
    np.testing.assert_array_equal(modulate(bits.reshape(6, 48), 6).reshape(2, 3, 8), d)
    assert modulate(np.zeros((4, 0), np.uint8), 8).shape == (4, 0)


@settings(max_examples=40, deadline=None)
@given(qm=st.sampled_from(MODULATION_ORDERS), n1=st.integers(0, 20), n2=st.integers(0, 20),
       seed=st.integers(0, 2**32 - 1))
def test_symbolwise_concatenation(qm, n1, n2, seed):
    """The mapper is memoryless: mapping a concatenation concatenates the symbols."""
    rng = np.random.default_rng(seed)
    b1 = rng.integers(0, 2, n1 * qm, dtype=np.uint8)
    b2 = rng.integers(0, 2, n2 * qm, dtype=np.uint8)
    np.testing.assert_array_equal(modulate(np.concatenate([b1, b2]), qm),
                                  np.concatenate([modulate(b1, qm), modulate(b2, qm)]))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_pi2_bpsk_phase_restarts_per_row(n, seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, (3, n), dtype=np.uint8)
    d = modulate(bits, 1, pi2_bpsk=True)
    for r in range(3):
        np.testing.assert_array_equal(d[r], modulate(bits[r], 1, pi2_bpsk=True))


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("qm", [0, 3, 12, -2, 2.0, True, "4"])
def test_bad_qm_raises(qm):
    with pytest.raises(ConfigError, match="qm"):
        modulate(np.zeros(24, np.uint8), qm)
    with pytest.raises(ConfigError, match="qm"):
        constellation(qm)


def test_bits_not_multiple_of_qm_raises():
    with pytest.raises(ConfigError, match=r"multiple of qm=6.*§5\.1\.6"):
        modulate(np.zeros(16, np.uint8), 6)


def test_pi2_bpsk_with_qm_not_1_raises():
    with pytest.raises(ConfigError, match=r"pi2_bpsk.*§5\.1\.2"):
        modulate(np.zeros(4, np.uint8), 2, pi2_bpsk=True)


def test_pi2_bpsk_not_bool_raises():
    with pytest.raises(ConfigError, match="pi2_bpsk"):
        modulate(np.zeros(4, np.uint8), 1, pi2_bpsk=1)


@pytest.mark.parametrize("bad", [
    np.array([0, 1, 2, 0], np.uint8),
    np.array([0, 1, -1, 0], np.int8),
    np.array([0, 1, 1, 5], np.int32),
    np.array([0, -1, 1, 0], np.int64),
])
def test_non_binary_bits_raise(bad):
    with pytest.raises(ConfigError, match="b holds values other than 0 and 1"):
        modulate(bad, 2)


def test_non_integer_bits_raise():
    with pytest.raises(ConfigError, match="b has dtype float64"):
        modulate(np.zeros(4), 2)


def test_scalar_bits_raise():
    with pytest.raises(ConfigError, match="b must have at least one dimension"):
        modulate(np.uint8(1), 1)


def test_pam_levels_bad_m_raises():
    with pytest.raises(ConfigError, match="m="):
        pam_levels(6)
