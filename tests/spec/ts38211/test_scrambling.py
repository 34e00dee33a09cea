"""Tests of PDSCH/PUSCH scrambling and c_init, TS 38.211 §6.3.1.1, §7.3.1.1."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38211.scrambling import (
    c_init_pbch,
    c_init_pdcch,
    c_init_pdsch,
    c_init_pusch,
    descramble_llr,
    descramble_llr_with_placeholders,
    scramble,
    scramble_with_placeholders,
)

# --- c_init ---------------------------------------------------------------------------


def test_c_init_pdsch():
    assert c_init_pdsch(0, 0) == 0
    assert c_init_pdsch(1, 0) == 2**15
    assert c_init_pdsch(1, 1, q=1) == 2**15 + 2**14 + 1
    assert c_init_pdsch(65535, 1023, 1) == 65535 * 32768 + 16384 + 1023
    assert c_init_pdsch(65535, 1023, 1) < 2**31


def test_c_init_pusch():
    assert c_init_pusch(0x4601, 500) == 0x4601 * 2**15 + 500
    assert c_init_pusch(65535, 1023) == 2**31 - 2**15 + 1023


def test_c_init_pdcch_wraps_mod_2_31():
    assert c_init_pdcch(0, 1007) == 1007
    assert c_init_pdcch(3, 7) == 3 * 65536 + 7
    # 65535·2^16 + 65535 = 2^32 − 1 ≡ 2^31 − 1 (mod 2^31)
    assert c_init_pdcch(65535, 65535) == 2**31 - 1


def test_c_init_pbch():
    assert c_init_pbch(0) == 0
    assert c_init_pbch(1007) == 1007


@pytest.mark.parametrize(
    ("func", "kwargs", "name"),
    [
        (c_init_pdsch, {"n_rnti": -1, "n_id": 0}, "n_rnti"),
        (c_init_pdsch, {"n_rnti": 65536, "n_id": 0}, "n_rnti"),
        (c_init_pdsch, {"n_rnti": 1, "n_id": 1024}, "n_id"),
        (c_init_pdsch, {"n_rnti": 1, "n_id": -1}, "n_id"),
        (c_init_pdsch, {"n_rnti": 1, "n_id": 1, "q": 2}, "q"),
        (c_init_pdsch, {"n_rnti": 1.0, "n_id": 1}, "n_rnti"),
        (c_init_pusch, {"n_rnti": 65536, "n_id": 0}, "n_rnti"),
        (c_init_pusch, {"n_rnti": 1, "n_id": 1024}, "n_id"),
        (c_init_pdcch, {"n_rnti": 65536, "n_id": 0}, "n_rnti"),
        (c_init_pdcch, {"n_rnti": 0, "n_id": 65536}, "n_id"),
        (c_init_pbch, {"n_id_cell": 1008}, "n_id_cell"),
        (c_init_pbch, {"n_id_cell": -1}, "n_id_cell"),
    ],
)
def test_c_init_raises(func, kwargs, name):
    with pytest.raises(ConfigError, match=name):
        func(**kwargs)


# --- scramble / descramble ----------------------------------------------------------------

c_inits = st.integers(0, 2**31 - 1)
bit_arrays = hnp.arrays(
    np.uint8,
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=40),
    elements=st.integers(0, 1),
)


def test_scramble_zeros_is_gold_sequence():
    c_init = c_init_pdsch(0x1234, 77)
    np.testing.assert_array_equal(
        scramble(np.zeros(3000, np.uint8), c_init), gold_sequence(c_init, 3000)
    )


def test_scramble_twin():
    """Literal §7.3.1.1 sum per bit against the vectorised XOR."""
    rng = np.random.default_rng(1)
    b = rng.integers(0, 2, 500, dtype=np.uint8)
    c = gold_sequence(999, 500)
    want = np.array([(int(b[i]) + int(c[i])) % 2 for i in range(500)], dtype=np.uint8)
    np.testing.assert_array_equal(scramble(b, 999), want)


@settings(max_examples=40, deadline=None)
@given(b=bit_arrays, c_init=c_inits)
def test_scramble_is_involution(b, c_init):
    b_scr = scramble(b, c_init)
    assert b_scr.dtype == np.uint8
    assert b_scr.shape == b.shape
    np.testing.assert_array_equal(scramble(b_scr, c_init), b)


@settings(max_examples=40, deadline=None)
@given(b=bit_arrays, c_init=c_inits, scale=st.floats(0.1, 20))
def test_descramble_llr_of_scrambled_bits(b, c_init, scale):
    """±LLRs of the scrambled bits descramble to the ±LLRs of the original bits."""
    b_scr = scramble(b, c_init)
    llr_scr = (scale * (1 - 2 * b_scr.astype(np.float32))).astype(np.float32)
    llr = descramble_llr(llr_scr, c_init)
    assert llr.dtype == np.float32
    np.testing.assert_array_equal(llr, (scale * (1 - 2 * b.astype(np.float32))).astype(np.float32))
    np.testing.assert_array_equal((llr < 0).astype(np.uint8), b)


def test_per_row_c_init():
    rng = np.random.default_rng(2)
    b = rng.integers(0, 2, (2, 3, 100), dtype=np.uint8)
    c_init = np.array([[5, 5, 9], [2**31 - 1, 0, 5]])
    b_scr = scramble(b, c_init)
    llr = descramble_llr(np.ones(b.shape, np.float32), c_init)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(b_scr[i, j], scramble(b[i, j], int(c_init[i, j])))
            np.testing.assert_array_equal(llr[i, j] < 0, gold_sequence(int(c_init[i, j]), 100) == 1)
    # one c_init per leading index, broadcast over the second axis
    col = np.array([[7], [8]])
    b_scr = scramble(b, col)
    np.testing.assert_array_equal(b_scr[1, 2], scramble(b[1, 2], 8))


def test_accepts_int8_and_bool_bits():
    b = np.array([0, 1, 1, 0, 1], dtype=np.int8)
    np.testing.assert_array_equal(scramble(b, 3), scramble(b.astype(np.uint8), 3))
    np.testing.assert_array_equal(scramble(b.astype(bool), 3), scramble(b.astype(np.uint8), 3))


def test_descramble_llr_float64_input_gives_float32():
    llr = descramble_llr(np.array([1.5, -2.0, 0.0]), 1000)
    assert llr.dtype == np.float32


@pytest.mark.parametrize(
    "b",
    [
        np.array([0, 2, 1], dtype=np.uint8),
        np.array([0, -1, 1], dtype=np.int8),
        np.array([0, 256], dtype=np.int64),
        np.array([0.0, 1.0]),
        np.uint8(1),
    ],
)
def test_scramble_raises_bits(b):
    with pytest.raises(ConfigError, match="b "):
        scramble(b, 1)


@pytest.mark.parametrize(
    ("shape", "c_init"),
    [((4, 10), np.array([1, 2, 3])), ((2, 10), np.zeros((2, 2), dtype=int))],
)
def test_raises_c_init_shape(shape, c_init):
    with pytest.raises(ConfigError, match="c_init"):
        scramble(np.zeros(shape, np.uint8), c_init)
    with pytest.raises(ConfigError, match="c_init"):
        descramble_llr(np.zeros(shape, np.float32), c_init)


@pytest.mark.parametrize("c_init", [-1, 2**31, np.array([1, 2**31]), 1.5])
def test_raises_c_init_value(c_init):
    shape = (2, 8) if np.ndim(c_init) else (8,)
    with pytest.raises(ConfigError, match="c_init"):
        scramble(np.zeros(shape, np.uint8), c_init)
    with pytest.raises(ConfigError, match="c_init"):
        descramble_llr(np.zeros(shape, np.float32), c_init)


@pytest.mark.parametrize("llr", [np.array([1, -1]), np.float32(1.0), np.array([1 + 1j])])
def test_descramble_llr_raises(llr):
    with pytest.raises(ConfigError, match="llr"):
        descramble_llr(llr, 1)


# --- UCI placeholders (TS 38.211 §6.3.1.1) ----------------------------------------------


def _scramble_placeholders_twin(b, c):
    out = []
    for i, v in enumerate(b):
        if v == 2:  # x
            out.append(1)
        elif v == 3:  # y
            out.append(out[i - 1])
        else:
            out.append((int(v) + int(c[i])) % 2)
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), c_init=st.integers(0, 2**31 - 1),
       n=st.integers(1, 60))
def test_scramble_with_placeholders_twin(seed, c_init, n):
    rng = np.random.default_rng(seed)
    b = rng.integers(0, 4, (3, n)).astype(np.uint8)
    b[:, 0] = rng.integers(0, 3, 3)  # y never first
    c = gold_sequence(c_init, n)
    out = scramble_with_placeholders(b, c_init)
    assert out.dtype == np.uint8 and out.shape == b.shape
    for r in range(3):
        assert out[r].tolist() == _scramble_placeholders_twin(b[r], c)


def test_scramble_with_placeholders_equals_scramble_on_bits():
    b = np.random.default_rng(5).integers(0, 2, (2, 3, 50)).astype(np.int8)
    c_init = np.array([[7], [99]])
    np.testing.assert_array_equal(scramble_with_placeholders(b, c_init), scramble(b, c_init))


def test_descramble_llr_with_placeholders():
    rng = np.random.default_rng(6)
    n, c_init = 40, 4321
    b = rng.integers(0, 2, (5, n)).astype(np.uint8)
    pattern = np.tile(np.array([0, 3, 2, 2], np.uint8), n // 4)  # K = 1, Q_m = 4 layout
    b_ph = np.where(pattern >= 2, pattern, b)
    s = scramble_with_placeholders(b_ph, c_init)
    llr = 3.0 * (1.0 - 2.0 * s)
    out = descramble_llr_with_placeholders(llr, pattern, c_init)
    assert out.dtype == np.float32 and out.shape == llr.shape
    data = pattern < 2
    np.testing.assert_array_equal(out[:, data] < 0, b[:, data] == 1)  # data bits
    assert (out[:, pattern == 2] == 0).all()  # x: no information
    y = np.flatnonzero(pattern == 3)
    np.testing.assert_array_equal(out[:, y], out[:, y - 1])  # y: the bit before it again
    # without placeholders it is descramble_llr
    np.testing.assert_array_equal(
        descramble_llr_with_placeholders(llr, np.zeros(n, np.uint8), c_init),
        descramble_llr(llr, c_init))


def test_raises_placeholders():
    with pytest.raises(ConfigError, match="starts with the placeholder y"):
        scramble_with_placeholders([3, 0, 1], 5)
    with pytest.raises(ConfigError, match="outside 0..3"):
        scramble_with_placeholders([0, 4], 5)
    with pytest.raises(ConfigError, match="b of dtype"):
        scramble_with_placeholders([0.0, 1.0], 5)
    with pytest.raises(ConfigError, match="shape"):
        scramble_with_placeholders(np.uint8(1), 5)
    with pytest.raises(ConfigError, match="c_init"):
        scramble_with_placeholders([0, 1], 2**31)
    llr = np.zeros((2, 4), np.float32)
    with pytest.raises(ConfigError, match="pattern of shape"):
        descramble_llr_with_placeholders(llr, np.zeros(3, np.uint8), 5)
    with pytest.raises(ConfigError, match="pattern starts with"):
        descramble_llr_with_placeholders(llr, np.array([3, 0, 0, 0]), 5)
    with pytest.raises(ConfigError, match="llr of dtype"):
        descramble_llr_with_placeholders(np.zeros(4, int), np.zeros(4, np.uint8), 5)
    with pytest.raises(ConfigError, match="llr with shape"):
        descramble_llr_with_placeholders(np.float32(1), np.zeros(1, np.uint8), 5)
