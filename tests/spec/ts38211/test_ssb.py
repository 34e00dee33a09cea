"""Tests of the SS/PBCH block mapping (TS 38.211 §7.4.3.1, Table 7.4.3.1-1)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.ssb import PBCH_LENGTH, SSB_N_SC, SSB_N_SYMB, ssb_grid, ssb_indices
from nrlink.spec.ts38211.sync import pbch_dmrs, pss, sss


def table_twin(n_id_cell):
    """Table 7.4.3.1-1 written out row by row; lists of (l, k) in mapping order."""
    nu = n_id_cell % 4
    pss_re = [(0, k) for k in range(56, 183)]
    sss_re = [(2, k) for k in range(56, 183)]
    pbch_all = []
    dmrs = []
    for l_ in (1, 2, 3):  # increasing k first, then l
        ks = range(0, 240) if l_ != 2 else list(range(0, 48)) + list(range(192, 240))
        for k in ks:
            pbch_all.append((l_, k))
            if k % 4 == nu:
                dmrs.append((l_, k))
    data = [re for re in pbch_all if re not in set(dmrs)]
    return pss_re, sss_re, dmrs, data


@pytest.mark.parametrize("n_id_cell", [0, 1, 2, 3, 37, 1007])
def test_indices_match_table(n_id_cell):
    idx = ssb_indices(n_id_cell)
    p, s, d, data = table_twin(n_id_cell)
    for got, want in ((idx.pss, p), (idx.sss, s), (idx.pbch_dmrs, d), (idx.pbch, data)):
        assert list(zip(got[0].tolist(), got[1].tolist(), strict=True)) == want
    assert len(d) == 144 and len(data) == PBCH_LENGTH
    # the zero REs: symbol 0 outside the PSS, symbol 2 between PBCH and SSS
    used = set(p) | set(s) | set(d) | set(data)
    unused = {(l_, k) for l_ in range(4) for k in range(240)} - used
    assert unused == ({(0, k) for k in (*range(56), *range(183, 240))}
                      | {(2, k) for k in (*range(48, 56), *range(183, 192))})


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1007), st.integers(0, 7), st.integers(0, 2**32 - 1))
def test_grid_places_each_sequence(n_id_cell, i_ssb_bar, seed):
    rng = np.random.default_rng(seed)
    d = (rng.choice([-1, 1], (2, PBCH_LENGTH)) + 1j * rng.choice([-1, 1], (2, PBCH_LENGTH)))
    d = (d / np.sqrt(2)).astype(np.complex64)
    g = ssb_grid(n_id_cell, i_ssb_bar, d, beta_pss=2.0)
    assert g.shape == (2, SSB_N_SYMB, SSB_N_SC) and g.dtype == np.complex64
    idx = ssb_indices(n_id_cell)
    np.testing.assert_array_equal(g[:, idx.pss[0], idx.pss[1]], np.broadcast_to(
        2 * pss(n_id_cell % 3), (2, 127)))
    np.testing.assert_array_equal(g[:, idx.sss[0], idx.sss[1]], np.broadcast_to(
        sss(n_id_cell), (2, 127)))
    np.testing.assert_array_equal(g[:, idx.pbch[0], idx.pbch[1]], d)
    np.testing.assert_array_equal(g[:, idx.pbch_dmrs[0], idx.pbch_dmrs[1]], np.broadcast_to(
        pbch_dmrs(n_id_cell, i_ssb_bar), (2, 144)))
    assert np.count_nonzero(g[0]) == 127 * 2 + 144 + PBCH_LENGTH


def test_raises():
    d = np.zeros(PBCH_LENGTH, np.complex64)
    with pytest.raises(ConfigError, match="n_id_cell"):
        ssb_indices(1008)
    with pytest.raises(ConfigError, match="n_id_cell"):
        ssb_indices([1, 2])
    with pytest.raises(ConfigError, match="i_ssb_bar"):
        ssb_grid(0, 8, d)
    with pytest.raises(ConfigError, match="d_pbch"):
        ssb_grid(0, 0, d[:-1])
    with pytest.raises(ConfigError, match="d_pbch"):
        ssb_grid(0, 0, np.zeros(PBCH_LENGTH, bool))
    with pytest.raises(ConfigError, match="beta_sss"):
        ssb_grid(0, 0, d, beta_sss=-1.0)
