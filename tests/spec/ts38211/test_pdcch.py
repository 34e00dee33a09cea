"""PDCCH scrambling and modulation — TS 38.211 §7.3.2.3, §7.3.2.4."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.pdcch import (
    AGGREGATION_LEVELS,
    check_aggregation_level,
    pdcch_bits,
    pdcch_c_init,
    pdcch_descramble_llr,
    pdcch_scramble,
    pdcch_symbols,
)
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38211.scrambling import c_init_pdcch
from nrlink.spec.ts38212.dci import dci_encode, pack_dci


def qpsk_twin(b):
    """§5.1.4: d(i) = ((1 − 2 b(2i)) + j (1 − 2 b(2i + 1))) / √2."""
    b = np.asarray(b, dtype=np.float64)
    return ((1 - 2 * b[..., 0::2]) + 1j * (1 - 2 * b[..., 1::2])) / np.sqrt(2)


@given(st.integers(0, 65535), st.integers(0, 65535))
def test_c_init_formula(n_id, n_rnti):
    expect = (n_rnti * 2**16 + n_id) % 2**31
    assert pdcch_c_init(n_id, n_rnti) == expect == c_init_pdcch(n_rnti, n_id)
    arr = pdcch_c_init(np.array([n_id, 0]), n_rnti)
    assert arr.tolist() == [expect, (n_rnti * 2**16) % 2**31]


def test_c_init_numpy_scalars():
    assert pdcch_c_init(np.int64(7), np.array(3)) == 3 * 65536 + 7


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 65535), st.integers(0, 65535), st.integers(1, 400),
       st.integers(0, 2**32 - 1))
def test_scramble_literal_and_involution(n_id, n_rnti, m_bit, seed):
    b = np.random.default_rng(seed).integers(0, 2, (2, m_bit), dtype=np.uint8)
    c = gold_sequence((n_rnti * 2**16 + n_id) % 2**31, m_bit)
    s = pdcch_scramble(b, n_id, n_rnti)
    np.testing.assert_array_equal(s, (b + c) % 2)
    np.testing.assert_array_equal(pdcch_scramble(s, n_id, n_rnti), b)


def test_descramble_llr_flips_signs():
    rng = np.random.default_rng(1)
    b = rng.integers(0, 2, 216, dtype=np.uint8)
    s = pdcch_scramble(b, 1000, 0x4601)
    llr = (4.0 * (1 - 2.0 * s)).astype(np.float32)  # positive = bit 0
    out = pdcch_descramble_llr(llr, 1000, 0x4601)
    assert out.dtype == np.float32
    np.testing.assert_array_equal((out < 0).astype(np.uint8), b)
    np.testing.assert_array_equal(np.abs(out), np.abs(llr))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(AGGREGATION_LEVELS), st.integers(0, 65535), st.integers(0, 65535),
       st.integers(0, 65535), st.integers(0, 2**32 - 1))
def test_pdcch_symbols_chain(level, rnti, n_id, n_rnti, seed):
    a = np.random.default_rng(seed).integers(0, 2, 39, dtype=np.uint8)
    d = pdcch_symbols(a, rnti, level, n_id, n_rnti)
    assert d.shape == (54 * level,) and d.dtype == np.complex64
    f = dci_encode(a, rnti, 108 * level)
    c = gold_sequence((n_rnti * 2**16 + n_id) % 2**31, 108 * level)
    np.testing.assert_allclose(d, qpsk_twin((f + c) % 2), atol=1e-7)
    np.testing.assert_array_equal(pdcch_bits(a, rnti, level, n_id, n_rnti), (f + c) % 2)


def test_pdcch_symbols_batch():
    a = pack_dci("1_0", {"mcs": np.arange(4)})  # (4, 39)
    d = pdcch_symbols(a, 0x1234, 8, 17, 0)
    assert d.shape == (4, 432)
    for i in range(4):
        np.testing.assert_array_equal(d[i], pdcch_symbols(a[i], 0x1234, 8, 17, 0))
    # several RNTIs for one payload, and per-row scrambling identities
    d2 = pdcch_symbols(a[0], np.array([1, 2, 3]), 1, np.array([5, 6, 7]), 0)
    assert d2.shape == (3, 54)
    np.testing.assert_array_equal(d2[2], pdcch_symbols(a[0], 3, 1, 7, 0))


def test_check_aggregation_level():
    assert [check_aggregation_level(x) for x in AGGREGATION_LEVELS] == [1, 2, 4, 8, 16]


@pytest.mark.parametrize("level", [0, 3, 32, 2.0])
def test_raises_aggregation_level(level):
    with pytest.raises(ConfigError, match="aggregation_level"):
        pdcch_symbols(np.zeros(20, np.uint8), 1, level, 0, 0)


def test_raises_identities_and_payload():
    a = np.zeros(20, np.uint8)
    with pytest.raises(ConfigError, match="n_id"):
        pdcch_symbols(a, 1, 1, 65536, 0)
    with pytest.raises(ConfigError, match="n_rnti"):
        pdcch_scramble(a, 0, -1)
    with pytest.raises(ConfigError, match="n_id"):
        pdcch_c_init(np.array([1, 70000]), 0)
    with pytest.raises(ConfigError, match="n_rnti"):
        pdcch_c_init(0, np.array([-1]))
    with pytest.raises(ConfigError, match="broadcast"):
        pdcch_c_init(np.zeros(2, int), np.zeros(3, int))
    with pytest.raises(ConfigError, match="rnti"):
        pdcch_symbols(a, 65536, 1, 0, 0)
    with pytest.raises(ConfigError, match="A=141"):
        pdcch_symbols(np.zeros(141, np.uint8), 1, 16, 0, 0)
    with pytest.raises(ConfigError, match="n_id / n_rnti"):
        pdcch_bits(np.zeros((2, 20), np.uint8), 1, 1, np.zeros(3, int), 0)
