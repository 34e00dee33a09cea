"""CRC calculation, attachment and check — TS 38.212 §5.1."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.crc import (
    CRC_POLYNOMIALS,
    crc_attach,
    crc_check,
    crc_length,
    crc_remainder,
)

POLYS = list(CRC_POLYNOMIALS)
LENGTHS = (1, 20, 100, 1000, 3816)


def crc_shift_register(bits, poly: str) -> np.ndarray:
    """Slow twin: the L-stage shift register of TS 38.212 §5.1, one bit per step.

    Feeding a_0..a_{A-1} (zero initial state) leaves a(D)·D^L mod g(D) in the
    register, i.e. the parity bits p_0..p_{L-1} (p_0 = most significant).
    """
    exps = CRC_POLYNOMIALS[poly]
    length = exps[0]
    gen = [0] * length  # gen[i]: coefficient of D^(L-1-i) in g(D) - D^L
    for e in exps[1:]:
        gen[length - 1 - e] = 1
    reg = [0] * length  # reg[0] holds the coefficient of D^(L-1)
    for bit in bits:
        fb = int(bit) ^ reg[0]
        reg = reg[1:] + [0]
        if fb:
            reg = [r ^ g for r, g in zip(reg, gen, strict=True)]
    return np.array(reg, dtype=np.uint8)


@pytest.mark.parametrize("poly", POLYS)
@pytest.mark.parametrize("length", LENGTHS)
def test_reference_vectors(vectors, poly, length):
    v = vectors("crc")
    a = v[f"{poly}_len{length}_in"]
    expected = v[f"{poly}_len{length}_out"]
    b = crc_attach(a, poly)
    assert b.dtype == np.uint8
    np.testing.assert_array_equal(b, expected)
    assert crc_check(expected, poly).all()
    np.testing.assert_array_equal(crc_remainder(a, poly), expected[:, length:])


def test_reference_vector_files_complete(vectors):
    assert len(vectors("crc")) == 2 * len(POLYS) * len(LENGTHS)


@pytest.mark.parametrize("poly,length", [("24A", 24), ("24B", 24), ("24C", 24), ("16", 16),
                                         ("11", 11), ("6", 6)])
def test_crc_length(poly, length):
    assert crc_length(poly) == length
    assert crc_remainder(np.zeros(5, np.uint8), poly).shape == (length,)


@settings(max_examples=60, deadline=None)
@given(poly=st.sampled_from(POLYS), length=st.integers(0, 300), seed=st.integers(0, 2**32 - 1),
       n_rows=st.integers(1, 3))
def test_table_kernel_matches_shift_register(poly, length, seed, n_rows):
    a = np.random.default_rng(seed).integers(0, 2, (n_rows, length), dtype=np.uint8)
    p = crc_remainder(a, poly)
    for row, pr in zip(a, p, strict=True):
        np.testing.assert_array_equal(pr, crc_shift_register(row, poly))


@settings(max_examples=40, deadline=None)
@given(poly=st.sampled_from(POLYS), length=st.integers(0, 2000), seed=st.integers(0, 2**32 - 1))
def test_attached_crc_checks(poly, length, seed):
    a = np.random.default_rng(seed).integers(0, 2, (2, length), dtype=np.uint8)
    b = crc_attach(a, poly)
    assert b.shape == (2, length + crc_length(poly))
    np.testing.assert_array_equal(b[:, :length], a)
    assert crc_check(b, poly).all()


@settings(max_examples=150, deadline=None)
@given(poly=st.sampled_from(POLYS), length=st.integers(0, 3000), data=st.data(),
       seed=st.integers(0, 2**32 - 1))
def test_any_single_bit_error_is_detected(poly, length, data, seed):
    a = np.random.default_rng(seed).integers(0, 2, length, dtype=np.uint8)
    b = crc_attach(a, poly)
    pos = data.draw(st.integers(0, b.size - 1), label="error position")
    b[pos] ^= 1
    assert not crc_check(b, poly)


def test_batch_shapes_and_dtypes():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, (2, 3, 4, 37), dtype=np.uint8)
    b = crc_attach(a, "16")
    assert b.shape == (2, 3, 4, 53)
    np.testing.assert_array_equal(b[1, 2, 3], crc_attach(a[1, 2, 3], "16"))
    assert crc_check(b, "16").shape == (2, 3, 4)
    np.testing.assert_array_equal(crc_attach(a.astype(np.int8), "16"), b)
    np.testing.assert_array_equal(crc_attach(a.astype(bool), "16"), b)
    np.testing.assert_array_equal(crc_attach(a.astype(np.int64), "16"), b)
    assert crc_attach(np.zeros((0, 5), np.uint8), "24A").shape == (0, 29)
    assert crc_check(np.zeros((0, 29), np.uint8), "24A").shape == (0,)


def test_empty_input_has_zero_parity():
    np.testing.assert_array_equal(crc_attach(np.zeros(0, np.uint8), "11"), np.zeros(11))


def test_leading_zeros_do_not_change_parity():
    a = np.array([1, 0, 1, 1, 0, 1, 1], dtype=np.uint8)
    for pad in range(1, 10):
        np.testing.assert_array_equal(
            crc_remainder(np.concatenate([np.zeros(pad, np.uint8), a]), "24C"),
            crc_remainder(a, "24C"),
        )


def test_large_batch():
    """Long inputs in a batch (speed is measured by bench/coding.py, not here)."""
    a = np.random.default_rng(2).integers(0, 2, (100, 100_000), dtype=np.uint8)
    b = crc_attach(a, "24A")
    assert crc_check(b, "24A").all()
    np.testing.assert_array_equal(b[7], crc_attach(a[7], "24A"))


@pytest.mark.parametrize("poly", ["24D", "", 24, None])
def test_bad_poly_raises(poly):
    with pytest.raises(ConfigError, match="poly"):
        crc_attach(np.zeros(4, np.uint8), poly)


def test_bad_poly_raises_in_check_and_length():
    with pytest.raises(ConfigError, match="poly"):
        crc_check(np.zeros(30, np.uint8), "24")
    with pytest.raises(ConfigError, match="poly"):
        crc_length("CRC16")


def test_non_binary_values_raise():
    with pytest.raises(ConfigError, match="0 and 1"):
        crc_attach(np.array([0, 2, 1], np.uint8), "6")
    with pytest.raises(ConfigError, match="0 and 1"):
        crc_remainder(np.array([0, -1, 1], np.int8), "6")


def test_float_dtype_raises():
    with pytest.raises(ConfigError, match="dtype"):
        crc_attach(np.zeros(4, np.float32), "6")


def test_scalar_raises():
    with pytest.raises(ConfigError, match="dimension"):
        crc_attach(np.uint8(1), "6")


def test_check_of_too_short_input_raises():
    with pytest.raises(ConfigError, match="at least 24"):
        crc_check(np.zeros(23, np.uint8), "24A")
