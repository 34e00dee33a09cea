"""PDCCH transmitter: DCIs on search-space candidates mapped into the slot grid.

TS 38.211 §7.3.2, §7.4.1.3; TS 38.213 §10.1.
"""

import numpy as np
import pytest

from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.pdcch import CoresetConfig, PdcchConfig, SearchSpaceConfig
from nrlink.errors import ConfigError
from nrlink.link.pdcch import DciMessage, PdcchTransmitter
from nrlink.spec.ts38211.coreset import pdcch_dmrs
from nrlink.spec.ts38211.pdcch import pdcch_symbols


def qpsk(rng, n):
    return ((1 - 2 * rng.integers(0, 2, n)) + 1j * (1 - 2 * rng.integers(0, 2, n))) / np.sqrt(2)


def test_place_random_qpsk_literal():
    """Non-interleaved, duration 2: CCE j = RBs 3j..3j+2 of the CORESET, both symbols."""
    carrier = CarrierConfig(n_size_grid=30, n_start_grid=2, slot=4, n_id_cell=9)
    cs = CoresetConfig(frequency_domain_resources="011", duration=2,
                       cce_reg_mapping="non-interleaved")
    cfg = PdcchConfig(carrier=carrier, bwp=BwpConfig(n_start_bwp=2, n_size_bwp=28),
                      coreset=cs, search_space=SearchSpaceConfig(monitoring_symbols=(2,),
                                                                     candidates=(0, 2, 0, 0, 0)))
    # First RB group at CRB 6 ⌈2/6⌉ = 6; bit 1 and 2 set: CRBs 12..23 = carrier RBs 10..21.
    assert cfg.plan.rbs.tolist() == list(range(10, 22))
    tx = PdcchTransmitter(cfg)
    grid = tx.empty_grid()
    d = qpsk(np.random.default_rng(1), 108).astype(np.complex64)
    tx.place(grid, d, first_cce=2, aggregation_level=2)  # CCEs 2, 3: carrier RBs 16..21
    data_k = [12 * rb + k for rb in range(16, 22) for k in (0, 2, 3, 4, 6, 7, 8, 10, 11)]
    np.testing.assert_array_equal(grid[0, 2, data_k], d[:54])  # l = 2 first (k first)
    np.testing.assert_array_equal(grid[0, 3, data_k], d[54:])
    # DM-RS: k = 12 n + 4k' + 1 relative to CRB 0: n = CRB = carrier RB + 2.
    for l in (2, 3):
        r = pdcch_dmrs(9, 4, [l], np.arange(18, 24))[0]
        for i, rb in enumerate(range(16, 22)):
            np.testing.assert_array_equal(grid[0, l, 12 * rb + np.array([1, 5, 9])], r[i])
    assert np.count_nonzero(grid) == 2 * 6 * 12
    with pytest.raises(ConfigError, match=r"symbols of shape \(100,\) is not allowed"):
        tx.place(grid, d[:100], 0, 2)
    with pytest.raises(ConfigError, match=r"first_cce=3 is not allowed"):
        tx.place(grid, d, 3, 2)


def test_grid_uses_pdcch_symbols_and_candidate_cces():
    rng = np.random.default_rng(2)
    cfg = PdcchConfig(carrier=CarrierConfig(n_size_grid=52, slot=5, n_id_cell=77),
                      coreset=CoresetConfig(shift_index=11, dmrs_scrambling_id=4321),
                      search_space=SearchSpaceConfig(candidates=(0, 2, 2, 1, 0)))
    tx = PdcchTransmitter(cfg)
    a = rng.integers(0, 2, 39).astype(np.uint8)
    dci = DciMessage(a, rnti=0x1234, aggregation_level=4, candidate=1)
    g = tx.grid([dci])
    first = cfg.first_cce(0x1234, 4, 1)
    ref = tx.empty_grid()
    d = pdcch_symbols(a, 0x1234, 4, 4321, 0x1234)  # USS with pdcch-DMRS-ScramblingID
    tx.place(ref, d, first, 4)
    np.testing.assert_array_equal(g, ref)
    # sameAsREG-bundle: only the 24 REGs of the PDCCH are occupied (12 REs each).
    assert np.count_nonzero(g) == 24 * 12
    assert g.dtype == np.complex64 and g.shape == (1, 14, 624)


def test_all_contiguous_rbs_dmrs_extent():
    """allContiguousRBs: DM-RS in every REG of the contiguous RB runs the PDCCH touches."""
    cs = CoresetConfig(frequency_domain_resources="1101", duration=1, reg_bundle_size=6,
                       cce_reg_mapping="non-interleaved",
                       precoder_granularity="allContiguousRBs")
    cfg = PdcchConfig(coreset=cs, search_space=SearchSpaceConfig(candidates=(3, 0, 0, 0, 0),
                                                                 search_space_type="common"))
    tx = PdcchTransmitter(cfg)
    grid = tx.empty_grid()
    tx.place(grid, np.ones(54, np.complex64), first_cce=1, aggregation_level=1)
    # CCE 1 = RBs 6..11, in the run RBs 0..11 (groups 0, 1); the run 18..23 stays empty.
    dmrs_rbs = sorted({k // 12 for k in np.flatnonzero(grid[0, 0]) if k % 4 == 1})
    assert dmrs_rbs == list(range(12))
    assert np.count_nonzero(grid[0, 0, : 12 * 6] == 1) == 0  # no data on RBs 0..5
    assert np.count_nonzero(grid) == 12 * 3 + 54


def test_overlap_and_input_validation():
    cfg = PdcchConfig(search_space=SearchSpaceConfig(candidates=(0, 0, 2, 2, 1)))
    tx = PdcchTransmitter(cfg)
    a = np.zeros(40, np.uint8)
    big = DciMessage(a, 100, 16, 0)
    small = DciMessage(a, 100, 4, 0)
    with pytest.raises(ConfigError, match=r"dcis\[1\] .* is not allowed: it overlaps dcis\[0\]"):
        tx.grid([big, small])
    with pytest.raises(ConfigError, match=r"(?s)dcis=.* must be a list of DciMessage"):
        tx.grid([a])
    with pytest.raises(ConfigError, match=r"candidate=2 is not allowed"):
        tx.grid([DciMessage(a, 100, 4, 2)])
    with pytest.raises(ConfigError, match=r"first_symbol=1 is not allowed"):
        tx.grid([small], first_symbol=1)
    with pytest.raises(ConfigError, match=r"bits of shape \(2, 40\) is not allowed"):
        DciMessage(np.zeros((2, 40), np.uint8), 1, 4)
    with pytest.raises(ConfigError, match=r"rnti=65536 is not allowed"):
        DciMessage(a, 65536, 4)
    with pytest.raises(ConfigError, match=r"config=.* must be a PdcchConfig"):
        PdcchTransmitter(cfg.coreset)


def test_two_monitoring_occasions():
    cfg = PdcchConfig(coreset=CoresetConfig(duration=1),
                      search_space=SearchSpaceConfig(monitoring_symbols=(0, 7),
                                                     candidates=(0, 0, 2, 0, 0)))
    tx = PdcchTransmitter(cfg)
    g = tx.grid([DciMessage(np.ones(20, np.uint8), 5, 4)], first_symbol=7)
    assert np.flatnonzero(np.abs(g[0]).sum(axis=1)).tolist() == [7]
