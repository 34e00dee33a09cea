"""Tests of PSS (§7.4.2.2), SSS (§7.4.2.3) and the PBCH DMRS (§7.4.1.4.1) of TS 38.211."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38211.sync import (
    n_id_cell_parts,
    pbch_dmrs,
    pbch_dmrs_c_init,
    pss,
    sss,
)

# ---------------------------------------------------------------------------------------
# Slow, literal twins of the spec text (one element at a time, plain Python).


def m_sequence_twin(taps, init_x6_to_x0, length=127):
    """x(i + 7) = sum_taps x(i + t) mod 2, the initial state written as [x(6) ... x(0)]."""
    x = list(reversed(init_x6_to_x0))
    for i in range(length - 7):
        x.append(sum(x[i + t] for t in taps) % 2)
    return x


def pss_twin(n_id_2):
    x = m_sequence_twin((4, 0), [1, 1, 1, 0, 1, 1, 0])
    return np.array([1 - 2 * x[(n + 43 * n_id_2) % 127] for n in range(127)])


def sss_twin(n_id_cell):
    n_id_1, n_id_2 = n_id_cell // 3, n_id_cell % 3
    x0 = m_sequence_twin((4, 0), [0, 0, 0, 0, 0, 0, 1])
    x1 = m_sequence_twin((1, 0), [0, 0, 0, 0, 0, 0, 1])
    m0 = 15 * (n_id_1 // 112) + 5 * n_id_2
    m1 = n_id_1 % 112
    return np.array(
        [(1 - 2 * x0[(n + m0) % 127]) * (1 - 2 * x1[(n + m1) % 127]) for n in range(127)]
    )


def pbch_dmrs_twin(n_id_cell, i_ssb_bar):
    c_init = 2**11 * (i_ssb_bar + 1) * (n_id_cell // 4 + 1) + 2**6 * (i_ssb_bar + 1) + n_id_cell % 4
    c = [int(b) for b in gold_sequence(c_init, 288)]
    s = 1 / np.sqrt(2)
    return np.array(
        [complex(s * (1 - 2 * c[2 * m]), s * (1 - 2 * c[2 * m + 1])) for m in range(144)]
    )


# ---------------------------------------------------------------------------------------
# Reference vectors (py3gpp), every row.


def test_pss_reference_vectors(vectors):
    v = vectors("sync")["pss"]
    _, n_id_2 = n_id_cell_parts(np.arange(1008))
    d = pss(n_id_2)
    assert d.shape == (1008, 127)
    np.testing.assert_array_equal(d, v)


def test_sss_reference_vectors(vectors):
    v = vectors("sync")["sss"]
    d = sss(np.arange(1008))
    assert d.shape == (1008, 127)
    np.testing.assert_array_equal(d, v)


def test_pbch_dmrs_reference_vectors(vectors):
    v = vectors("sync")
    ids, ref = v["pbch_dmrs_cell_ids"], v["pbch_dmrs"]
    r = pbch_dmrs(ids[:, None], np.arange(8))
    assert r.dtype == np.complex64 and r.shape == ref.shape
    np.testing.assert_allclose(r, ref, atol=1e-6, rtol=0)


def test_pbch_dmrs_reference_vectors_scalar_calls(vectors):
    v = vectors("sync")
    for row, n_id_cell in enumerate(v["pbch_dmrs_cell_ids"]):
        for i_ssb_bar in range(8):
            r = pbch_dmrs(int(n_id_cell), i_ssb_bar)
            assert r.shape == (144,)
            np.testing.assert_allclose(r, v["pbch_dmrs"][row, i_ssb_bar], atol=1e-6, rtol=0)


# ---------------------------------------------------------------------------------------
# Twins.


@pytest.mark.parametrize("n_id_2", [0, 1, 2])
def test_pss_matches_twin(n_id_2):
    np.testing.assert_array_equal(pss(n_id_2), pss_twin(n_id_2))


def test_sss_matches_twin_all_ids():
    got = sss(np.arange(1008))
    for n_id_cell in range(0, 1008, 7):
        np.testing.assert_array_equal(got[n_id_cell], sss_twin(n_id_cell))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 1007), st.integers(0, 7))
def test_pbch_dmrs_matches_twin(n_id_cell, i_ssb_bar):
    np.testing.assert_allclose(
        pbch_dmrs(n_id_cell, i_ssb_bar), pbch_dmrs_twin(n_id_cell, i_ssb_bar), atol=1e-6
    )


def test_pbch_dmrs_c_init_formula():
    # 2^11 (ī+1)(⌊N/4⌋+1) + 2^6 (ī+1) + N mod 4 for N = 1007, ī = 7.
    assert pbch_dmrs_c_init(1007, 7) == 2**11 * 8 * 252 + 2**6 * 8 + 3
    assert pbch_dmrs_c_init(0, 0) == 2**11 + 2**6
    got = pbch_dmrs_c_init(np.array([5, 6]), 1)
    np.testing.assert_array_equal(got, [2**12 * 2 + 2**7 + 1, 2**12 * 2 + 2**7 + 2])


# ---------------------------------------------------------------------------------------
# m-sequence properties.


@pytest.mark.parametrize(
    "taps, init",
    [((4, 0), [1, 1, 1, 0, 1, 1, 0]), ((4, 0), [0, 0, 0, 0, 0, 0, 1]), ((1, 0), [0] * 6 + [1])],
)
def test_m_sequences_have_period_127(taps, init):
    x = m_sequence_twin(taps, init, length=3 * 127)
    assert x[127:254] == x[:127] == x[254:]
    # Maximal length: no shorter period, and 64 ones / 63 zeros per period.
    assert all(x[p : p + 127] != x[:127] for p in range(1, 127))
    assert sum(x[:127]) == 64


@pytest.mark.parametrize("n_id_2", [0, 1, 2])
def test_pss_periodic_autocorrelation(n_id_2):
    d = pss(n_id_2).astype(int)
    acf = np.array([d @ np.roll(d, s) for s in range(127)])
    assert acf[0] == 127
    assert np.all(acf[1:] == -1)


def test_pss_cross_correlation():
    d = pss([0, 1, 2]).astype(int)
    for a in range(3):
        for b in range(3):
            ccf = np.array([d[a] @ np.roll(d[b], s) for s in range(127)])
            # The three PSS are cyclic shifts by 43 of one m-sequence.
            peak = (43 * (b - a)) % 127
            assert ccf[peak] == 127
            assert np.all(np.delete(ccf, peak) == -1)
            if a != b:
                assert ccf[0] == -1  # zero-lag cross-correlation of distinct PSS


def test_sss_distinct_with_gold_cross_correlation():
    d = sss(np.arange(1008)).astype(np.int64)
    c = d @ d.T
    assert np.all(np.diag(c) == 127)
    off = c[~np.eye(1008, dtype=bool)]
    # Products of shifted m-sequences: preferred-pair (Gold) three-valued correlation.
    assert set(np.unique(off).tolist()) <= {-17, -1, 15}


def test_pbch_dmrs_unit_modulus_qpsk():
    r = pbch_dmrs(np.arange(0, 1008, 53)[:, None], np.arange(8))
    np.testing.assert_allclose(np.abs(r), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.abs(r.real), 1 / np.sqrt(2), atol=1e-6)


def test_n_id_cell_parts():
    assert n_id_cell_parts(0) == (0, 0)
    assert n_id_cell_parts(1007) == (335, 2)
    n1, n2 = n_id_cell_parts(np.arange(1008))
    np.testing.assert_array_equal(3 * n1 + n2, np.arange(1008))
    assert n1.max() == 335 and n2.max() == 2


def test_shapes_broadcast():
    assert pss(np.zeros((2, 3), dtype=int)).shape == (2, 3, 127)
    assert sss(np.zeros((4, 1), dtype=int)).shape == (4, 1, 127)
    assert pbch_dmrs(np.arange(3), 0).shape == (3, 144)
    assert pbch_dmrs(5, np.arange(8)).shape == (8, 144)


# ---------------------------------------------------------------------------------------
# Validation: one raise-test per branch.


@pytest.mark.parametrize("bad", [-1, 3, [0, 3]])
def test_pss_rejects_n_id_2_out_of_range(bad):
    with pytest.raises(ConfigError, match="n_id_2"):
        pss(bad)


@pytest.mark.parametrize("bad", [1.0, True, "1"])
def test_pss_rejects_non_integer(bad):
    with pytest.raises(ConfigError, match="n_id_2"):
        pss(bad)


@pytest.mark.parametrize("fn", [sss, n_id_cell_parts])
@pytest.mark.parametrize("bad", [-1, 1008, [0, 1008]])
def test_cell_id_out_of_range(fn, bad):
    with pytest.raises(ConfigError, match="n_id_cell"):
        fn(bad)


def test_pbch_dmrs_rejects_bad_cell_id():
    with pytest.raises(ConfigError, match="n_id_cell"):
        pbch_dmrs(1008, 0)


@pytest.mark.parametrize("bad", [-1, 8])
def test_pbch_dmrs_rejects_bad_i_ssb_bar(bad):
    with pytest.raises(ConfigError, match="i_ssb_bar"):
        pbch_dmrs(0, bad)
    with pytest.raises(ConfigError, match="i_ssb_bar"):
        pbch_dmrs_c_init(0, bad)


def test_pbch_dmrs_rejects_unbroadcastable_shapes():
    with pytest.raises(ConfigError, match="broadcast"):
        pbch_dmrs(np.arange(3), np.arange(2))
