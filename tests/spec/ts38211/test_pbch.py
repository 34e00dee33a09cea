"""Tests of PBCH scrambling and modulation, TS 38.211 §7.3.3."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.pbch import (
    M_BIT_PBCH,
    pbch_descramble_llr,
    pbch_nu,
    pbch_scramble,
    pbch_scrambling_sequence,
    pbch_symbols,
)
from nrlink.spec.ts38211.prbs import gold_sequence


def twin_scramble(b, n_id_cell, l_max, ssb_index):
    """§7.3.3.1 element by element: b̃(i) = (b(i) + c(i + ν M_bit)) mod 2."""
    m_bit = 864
    nu = ssb_index % 4 if l_max == 4 else ssb_index % 8  # 2 or 3 LSBs of i_SSB
    c = gold_sequence(n_id_cell, m_bit * 8)  # c_init = N_ID^cell
    return [(int(b[i]) + int(c[i + nu * m_bit])) % 2 for i in range(m_bit)]


def twin_qpsk(bits):
    """§5.1.4: d(i) = ((1 − 2b(2i)) + j(1 − 2b(2i + 1))) / √2."""
    return [((1 - 2 * bits[2 * i]) + 1j * (1 - 2 * bits[2 * i + 1])) / np.sqrt(2)
            for i in range(len(bits) // 2)]


cases = st.sampled_from([4, 8, 64]).flatmap(
    lambda l_max: st.tuples(st.just(l_max), st.integers(0, l_max - 1), st.integers(0, 1007),
                            st.integers(0, 2**32 - 1)))


@settings(max_examples=30, deadline=None)
@given(cases)
def test_scramble_and_symbols_match_twins(case):
    l_max, ssb_index, n_id_cell, seed = case
    b = np.random.default_rng(seed).integers(0, 2, M_BIT_PBCH).astype(np.uint8)
    want = twin_scramble(b, n_id_cell, l_max, ssb_index)
    got = pbch_scramble(b, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    assert got.dtype == np.uint8 and got.tolist() == want
    d = pbch_symbols(b, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    assert d.shape == (432,) and d.dtype == np.complex64
    np.testing.assert_allclose(d, np.array(twin_qpsk(want)), atol=1e-7)


def test_nu_takes_the_lsbs():
    assert pbch_nu([0, 1, 2, 3], l_max=4).tolist() == [0, 1, 2, 3]
    assert pbch_nu(np.arange(8), l_max=8).tolist() == list(range(8))
    assert pbch_nu([8, 13, 63], l_max=64).tolist() == [0, 5, 7]


def test_sequence_offsets_are_multiples_of_m_bit():
    c = gold_sequence(321, 8 * 864)
    for nu in range(8):
        np.testing.assert_array_equal(pbch_scrambling_sequence(321, nu, l_max=8),
                                      c[nu * 864:(nu + 1) * 864])
    # L_max = 64: blocks 5 and 13 share ν = 5
    np.testing.assert_array_equal(pbch_scrambling_sequence(321, 13, l_max=64),
                                  c[5 * 864:6 * 864])


def test_batched_scramble_broadcasts_ids():
    rng = np.random.default_rng(3)
    b = rng.integers(0, 2, (2, 3, M_BIT_PBCH)).astype(np.uint8)
    n_id = np.array([[5], [900]])
    idx = np.array([0, 3, 7])
    got = pbch_scramble(b, n_id, l_max=8, ssb_index=idx)
    for r in range(2):
        for c in range(3):
            assert got[r, c].tolist() == twin_scramble(b[r, c], int(n_id[r, 0]), 8, int(idx[c]))


@settings(max_examples=20, deadline=None)
@given(cases)
def test_descramble_llr_inverts_scrambling(case):
    l_max, ssb_index, n_id_cell, seed = case
    rng = np.random.default_rng(seed)
    b = rng.integers(0, 2, M_BIT_PBCH).astype(np.uint8)
    b_tilde = pbch_scramble(b, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    mag = rng.uniform(0.1, 5.0, M_BIT_PBCH)
    llr_tilde = (1 - 2 * b_tilde.astype(np.float64)) * mag  # positive means bit 0
    llr = pbch_descramble_llr(llr_tilde, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    assert llr.dtype == np.float32
    np.testing.assert_array_equal((llr < 0).astype(np.uint8), b)
    np.testing.assert_allclose(np.abs(llr), mag.astype(np.float32))


def test_raises():
    b = np.zeros(M_BIT_PBCH, np.uint8)
    with pytest.raises(ConfigError, match="l_max"):
        pbch_symbols(b, 0, l_max=10)
    with pytest.raises(ConfigError, match="ssb_index"):
        pbch_symbols(b, 0, l_max=4, ssb_index=4)
    with pytest.raises(ConfigError, match="n_id_cell"):
        pbch_symbols(b, 1008, l_max=8)
    with pytest.raises(ConfigError, match="b has length"):
        pbch_scramble(b[:-2], 0, l_max=8)
    with pytest.raises(ConfigError, match="batch shape"):
        pbch_scramble(np.zeros((2, M_BIT_PBCH), np.uint8), [1, 2, 3], l_max=8)
    with pytest.raises(ConfigError, match="broadcast"):
        pbch_scrambling_sequence([1, 2], [0, 1, 2], l_max=8)
    with pytest.raises(ConfigError, match="llr has length"):
        pbch_descramble_llr(np.zeros(100, np.float32), 0, l_max=8)
    with pytest.raises(ConfigError, match="llr"):
        pbch_descramble_llr(np.zeros(M_BIT_PBCH, np.int32), 0, l_max=8)
