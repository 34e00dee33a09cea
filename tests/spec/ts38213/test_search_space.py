"""Search-space hashing and PDCCH candidate CCEs (TS 38.213 §10.1)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38213.search_space import (
    candidate_first_cces,
    hashing_a,
    hashing_y,
    search_space_candidates,
)


def literal_y(n_rnti, p, slot, common):
    """§10.1 word for word: Y_{p,-1} = n_RNTI, Y_{p,n} = (A_p Y_{p,n-1}) mod D, iterated."""
    if common:
        return 0
    a = {0: 39827, 1: 39829, 2: 39839}[p % 3]
    y = n_rnti
    for _ in range(slot + 1):
        y = (a * y) % 65537
    return y


def literal_cces(n_cce, ell, m_count, y, n_ci=0, m_max=None):
    """L·{(Y + ⌊m N_CCE/(L M_max)⌋ + n_CI) mod ⌊N_CCE/L⌋} + i for each m, i = 0..L-1."""
    m_max = m_count if m_max is None else m_max
    return [[ell * ((y + (m * n_cce) // (ell * m_max) + n_ci) % (n_cce // ell)) + i
             for i in range(ell)] for m in range(m_count)]


def test_hashing_a():
    assert [hashing_a(p) for p in range(6)] == [39827, 39829, 39839] * 2


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 65535), st.integers(0, 15), st.integers(0, 639), st.booleans())
def test_hashing_y_literal(n_rnti, p, slot, common):
    assert hashing_y(n_rnti, p, slot, common=common) == literal_y(n_rnti, p, slot, common)


def test_hashing_y_vectorised():
    rntis = np.array([[1, 2], [65535, 0x4601]])
    y = hashing_y(rntis, 4, 9, common=False)
    assert y.shape == (2, 2)
    assert y.tolist() == [[literal_y(int(r), 4, 9, False) for r in row] for row in rntis]
    assert hashing_y(rntis, 4, 9, common=True).tolist() == [[0, 0], [0, 0]]
    assert hashing_y(0, 0, 0, common=True) == 0


def test_hand_example():
    # N_CCE = 16, L = 4, M = 2, Y = 5: ⌊N_CCE/L⌋ = 4;
    # m = 0: 4·((5 + 0) mod 4) = 4;  m = 1: 4·((5 + ⌊16/8⌋) mod 4) = 4·(7 mod 4) = 12.
    assert candidate_first_cces(16, 4, 2, 5).tolist() == [4, 12]
    # n_CI = 1 shifts by one candidate slot: m = 0: 4·(6 mod 4) = 8; m = 1: 4·(8 mod 4) = 0.
    assert candidate_first_cces(16, 4, 2, 5, n_ci=1).tolist() == [8, 0]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 200), st.sampled_from([1, 2, 4, 8, 16]), st.integers(0, 8),
       st.integers(0, 65536), st.integers(0, 7), st.integers(0, 8))
def test_candidates_literal(n_cce, ell, m_count, y, n_ci, extra):
    if ell > n_cce:
        with pytest.raises(ConfigError, match=r"aggregation_level=.*L ≤ N_CCE"):
            candidate_first_cces(n_cce, ell, m_count, y)
        return
    m_max = min(8, max(m_count, 1) + extra)
    got = candidate_first_cces(n_cce, ell, m_count, y, n_ci=n_ci, m_max=m_max)
    lit = literal_cces(n_cce, ell, m_count, y, n_ci, m_max)
    assert got.tolist() == [c[0] for c in lit]
    # Every candidate lies inside the CORESET and starts on a multiple of L.
    assert all(0 <= f and f + ell <= n_cce and f % ell == 0 for f in got.tolist())


def test_search_space_candidates_batched():
    y = np.array([0, 17, 39827])
    c = search_space_candidates(24, (2, 2, 0, 1, 1), y)
    assert c.level.tolist() == [1, 1, 2, 2, 8, 16]
    assert c.m.tolist() == [0, 1, 0, 1, 0, 0]
    assert c.first_cce.shape == (3, 6)
    for row, yy in zip(c.first_cce, y, strict=True):
        expect = []
        for ell, m_count in ((1, 2), (2, 2), (8, 1), (16, 1)):
            expect += [cc[0] for cc in literal_cces(24, ell, m_count, int(yy))]
        assert row.tolist() == expect
    empty = search_space_candidates(24, (0, 0, 0, 0, 0), 3)
    assert empty.level.size == 0 and empty.first_cce.shape == (0,)


@pytest.mark.parametrize("call,match", [
    (lambda: hashing_a(16), r"coreset_id=16 is not allowed"),
    (lambda: hashing_y(0, 0, 0, common=False), r"n_rnti=0 is not allowed: .*1\.\.65535 "
                                               r"\(USS: n_RNTI ≠ 0\)"),
    (lambda: hashing_y(70000, 0, 0, common=True), r"n_rnti=70000 is not allowed"),
    (lambda: hashing_y(1, 0, 640, common=False), r"slot=640 is not allowed"),
    (lambda: hashing_y(1, 0, 0, common=1), r"common=1 is not allowed"),
    (lambda: candidate_first_cces(0, 1, 1, 0), r"n_cce=0 is not allowed"),
    (lambda: candidate_first_cces(8, 3, 1, 0), r"aggregation_level=3 is not allowed"),
    (lambda: candidate_first_cces(8, 16, 1, 0), r"aggregation_level=16 is not allowed with "
                                                r"n_cce=8.*§10\.1"),
    (lambda: candidate_first_cces(8, 1, 9, 0), r"num_candidates=9 is not allowed"),
    (lambda: candidate_first_cces(8, 1, 4, 0, m_max=3), r"m_max=3 is not allowed"),
    (lambda: candidate_first_cces(8, 1, 4, 0, n_ci=8), r"n_ci=8 is not allowed"),
    (lambda: candidate_first_cces(8, 1, 4, 65537), r"y=65537 is not allowed"),
    (lambda: search_space_candidates(8, (1, 1), 0), r"candidates=\(1, 1\) is not allowed"),
    (lambda: search_space_candidates(8, (1, 1, 1, 1, 0), 0, m_max=(1,)),
     r"m_max=\(1,\) is not allowed"),
    (lambda: search_space_candidates(8, (1, 1, 1, 1, 9), 0), r"candidates\[L=16\]=9"),
])
def test_validation(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
