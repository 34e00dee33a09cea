"""PDSCH transmitter (TS 38.211 §7.3.1, §7.4.1)."""

import json

import numpy as np
import pytest

from nrlink.config import (
    BwpConfig,
    CarrierConfig,
    DmrsConfig,
    PdschConfig,
    PtrsConfig,
    RateMatchPattern,
)
from nrlink.errors import ConfigError
from nrlink.link.pdsch import PdschTransmitter
from nrlink.spec.ts38211.dmrs import dmrs_port_params
from nrlink.spec.ts38211.layer_mapping import layer_map
from nrlink.spec.ts38211.mapping import extract_from_grid
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.precoding import pusch_precoding_matrix
from nrlink.spec.ts38211.scrambling import c_init_pdsch, c_init_pusch

RNG = np.random.default_rng(2026)


def _bits(n, batch=1):
    return RNG.integers(0, 2, (batch, n), dtype=np.uint8)


@pytest.mark.parametrize("case", ["case0", "case1", "case2", "case3"])
def test_pdsch_reproduces_the_pusch_reference_grids(vectors, case):
    """For codeword 0 the PDSCH and PUSCH scrambling c_init coincide (TS 38.211 §7.3.1.1 with
    q = 0 vs §6.3.1.1), and so do the DM-RS sequences, position tables for these slots, MCS
    tables, TBS and power: a PDSCH with the same parameters and W = the PUSCH TPMI-0 matrix
    must reproduce Sionna's PUSCH grids."""
    v = vectors("pusch_grid")
    fc = json.loads(str(v[f"{case}_full_config"]))
    p = json.loads(str(v[f"{case}_params"]))
    assert c_init_pdsch(fc["n_rnti"], fc["n_cell_id"], 0) == c_init_pusch(
        fc["n_rnti"], fc["n_cell_id"])
    cfg = PdschConfig(
        carrier=CarrierConfig(scs_khz=p["scs"], n_size_grid=p["nprb"],
                              n_id_cell=fc["n_cell_id"]),
        mcs_index=fc["mcs_index"], mcs_table={1: "qam64", 2: "qam256"}[fc["mcs_table"]],
        num_layers=fc["num_layers"], n_rnti=fc["n_rnti"],
        dmrs=DmrsConfig(config_type=fc["dmrs_config_type"], length=fc["dmrs_length"],
                        additional_position=fc["dmrs_additional_position"],
                        num_cdm_groups_without_data=2),
    )
    ports = fc["num_antenna_ports"]
    w = (pusch_precoding_matrix(0, fc["num_layers"], ports) if fc["precoding"] == "codebook"
         else None)
    grid = PdschTransmitter(cfg, precoder=w).grid(v[f"{case}_b"])
    np.testing.assert_allclose(grid, v[f"{case}_grid"], atol=1e-5, rtol=0)


def test_two_codewords_eight_layers():
    """5..8 layers: two codewords, ⌊υ/2⌋ and ⌈υ/2⌉ layers, c_init with q = 0, 1
    (TS 38.211 Table 7.3.1.3-1, §7.3.1.1); DM-RS ports 0..7 need double-symbol type 1."""
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=10), num_layers=8, mcs_index=16,
                      dmrs=DmrsConfig(config_type=1, length=2, additional_position=1))
    res = cfg.resources
    assert res.codeword_layers == (4, 4) and len(res.tbs) == 2
    tx = PdschTransmitter(cfg)
    assert tx.num_codewords == 2 and tx.num_ports == 8
    b = (_bits(res.tbs[0], 2), _bits(res.tbs[1], 2))
    cws = tx.codewords(b)
    assert [c.shape for c in cws] == [(2, res.g[0]), (2, res.g[1])]
    layers = extract_from_grid(tx.layer_grid(b), res.data_mask)
    expected = layer_map([modulate(c, res.mcs.qm) for c in cws], 8)
    np.testing.assert_allclose(layers, expected, atol=1e-6)
    with pytest.raises(ConfigError, match="two codewords"):
        tx.grid(b[0])


def test_dmrs_ports_are_orthogonal_after_despreading():
    """Ports sharing a CDM group are separated by their cover codes (TS 38.211 §7.4.1.1.2)."""
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=4), num_layers=4,
                      dmrs=DmrsConfig(config_type=2, length=1, num_cdm_groups_without_data=2,
                                      additional_position=0))
    rs = PdschTransmitter(cfg).reference_grid
    sym = cfg.resources.dmrs_symbols[0]
    for i in range(4):
        for j in range(i + 1, 4):
            gi, gj = (dmrs_port_params(2, p)[0] for p in (i, j))
            a, b = rs[i, sym], rs[j, sym]
            if gi != gj:
                assert not np.any((a != 0) & (b != 0))  # disjoint REs
            else:  # same REs, orthogonal over each pair of adjacent subcarriers
                nz = np.flatnonzero(a)
                pairs = (a[nz] * np.conj(b[nz])).reshape(-1, 2).sum(axis=1)
                np.testing.assert_allclose(pairs, 0, atol=1e-6)


def test_precoder_applies_to_data_and_dmrs():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=6), num_layers=2, mcs_index=10)
    w = (np.array([[1, 1], [1, -1], [1j, 1j], [1j, -1j]]) / np.sqrt(8)).astype(np.complex64)
    tx = PdschTransmitter(cfg, precoder=w)
    b = _bits(tx.tbs[0], 3)
    layer_grid = tx.layer_grid(b)
    np.testing.assert_allclose(tx.grid(b), np.einsum("pl,blsk->bpsk", w, layer_grid),
                               atol=1e-6)
    with pytest.raises(ConfigError, match="precoder"):
        PdschTransmitter(cfg, precoder=np.eye(3))
    with pytest.raises(ConfigError, match="precoder"):
        PdschTransmitter(cfg, precoder=np.ones((1, 2)))


def test_reserved_resources_are_skipped():
    base = PdschConfig(carrier=CarrierConfig(n_size_grid=12), mcs_index=9)
    cfg = base.replace(reserved=(RateMatchPattern(prbs=(0, 1, 2), symbols=(5, 6)),))
    res, res0 = cfg.resources, base.resources
    assert res.tbs == res0.tbs  # TBS ignores reserved REs (TS 38.214 §5.1.3.2)
    assert res.n_data_re == res0.n_data_re - 3 * 12 * 2
    assert res.g[0] == res.n_data_re * 2
    grid = PdschTransmitter(cfg).grid(_bits(res.tbs[0]))
    assert np.all(grid[0, 0, 5:7, :36] == 0) and np.all(grid[0, 0, 5:7, 36:] != 0)


def test_reserved_from_dict_and_no_data_left():
    cfg = PdschConfig.from_dict({"carrier": {"n_size_grid": 4},
                                 "reserved": [{"prbs": [0], "symbols": [3, 4]}]})
    assert cfg.reserved == (RateMatchPattern(prbs=(0,), symbols=(3, 4)),)
    with pytest.raises(ConfigError, match="no data RE"):
        PdschConfig(carrier=CarrierConfig(n_size_grid=1), start_symbol=2, num_symbols=3,
                    reserved=(RateMatchPattern(prbs=(0,), symbols=(3, 4)),))


def test_ptrs_power_and_position():
    """PT-RS: amplitude β_PT-RS = √(layers) for epre-Ratio 0 (TS 38.214 Table 4.1-2), on the
    layer of the lowest DM-RS port only, no data on PT-RS REs of any layer."""
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=24), num_layers=2, mcs_index=20,
                      ptrs=PtrsConfig())
    res = cfg.resources
    assert res.l_ptrs == 1 and res.k_ptrs == 2 and res.ptrs_symbols
    lg = PdschTransmitter(cfg).layer_grid(_bits(res.tbs[0]))
    ptrs0, ptrs1 = lg[0, 0][res.ptrs_mask], lg[0, 1][res.ptrs_mask]
    np.testing.assert_allclose(np.abs(ptrs0), np.sqrt(2), atol=1e-5)
    assert np.all(ptrs1 == 0)
    assert res.ptrs_mask.sum() == len(res.ptrs_symbols) * 12  # K = 2: every 2nd RB of 24


def test_ptrs_absent_at_low_mcs():
    """Without thresholds PT-RS is absent for I_MCS < 10 of Table 5.1.3.1-1 (TS 38.214
    §5.1.6.3)."""
    res = PdschConfig(carrier=CarrierConfig(n_size_grid=24), mcs_index=5,
                      ptrs=PtrsConfig()).resources
    assert res.ptrs_symbols == () and res.l_ptrs is None and not res.ptrs_mask.any()


def test_non_contiguous_allocation_and_bwp():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=20, n_start_grid=10),
                      bwp=BwpConfig(n_start_bwp=12, n_size_bwp=10), prbs=(0, 2, 3, 9))
    res = cfg.resources
    assert res.prbs.tolist() == [2, 4, 5, 11]  # BWP starts at carrier PRB 2
    grid = PdschTransmitter(cfg).grid(_bits(res.tbs[0]))
    used = np.flatnonzero(np.abs(grid[0, 0]).sum(axis=0)) // 12
    assert sorted(set(used.tolist())) == [2, 4, 5, 11]


def test_ptrs_with_non_contiguous_allocation_not_implemented():
    with pytest.raises(NotImplementedError, match="non-contiguous"):
        PdschConfig(carrier=CarrierConfig(n_size_grid=20), prbs=(0, 5, 6, 7), mcs_index=20,
                    ptrs=PtrsConfig())


def test_ptrs_not_transmitted_on_reserved_res():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=24), mcs_index=20, ptrs=PtrsConfig(),
                      reserved=(RateMatchPattern(prbs=tuple(range(24)), symbols=(5,)),))
    grid = PdschTransmitter(cfg).grid(_bits(cfg.resources.tbs[0]))
    assert np.all(grid[0, 0, 5] == 0)
    with pytest.raises(ConfigError, match=r"ptrs with num_layers=7.*Table 4\.1-2"):
        PdschConfig(carrier=CarrierConfig(n_size_grid=24), mcs_index=20, num_layers=7,
                    ptrs=PtrsConfig(), dmrs=DmrsConfig(length=2))


def test_bad_precoder_values():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=4))
    with pytest.raises(ConfigError, match="precoder='x'"):
        PdschTransmitter(cfg, precoder="x")
    with pytest.raises(ConfigError, match="NaN"):
        PdschTransmitter(cfg, precoder=np.array([[np.nan]]))
