"""PUSCH transmitter (TS 38.211 §6.3.1, §6.4.1) against the Sionna reference grids."""

import json

import numpy as np
import pytest

from nrlink.config import CarrierConfig, DmrsConfig, PtrsConfig, PuschConfig
from nrlink.errors import ConfigError
from nrlink.link.pusch import PuschTransmitter
from nrlink.spec.ts38211.ofdm import ofdm_demodulate
from nrlink.spec.ts38211.precoding import transform_deprecode

_TABLES = {1: "qam64", 2: "qam256"}


def _config_from_vector(v, case: str) -> PuschConfig:
    """Our PuschConfig for a pusch_grid case, from its full JSON configuration."""
    fc = json.loads(str(v[f"{case}_full_config"]))
    p = json.loads(str(v[f"{case}_params"]))
    assert fc["mapping_type"] == "A" and fc["symbol_allocation"] == [0, 14]
    assert fc["dmrs_port_set"] == [] and fc["dmrs_n_id"] is None  # README defaults
    assert fc["data_scrambling_n_id"] is None and not p["tp"]
    return PuschConfig(
        carrier=CarrierConfig(scs_khz=p["scs"], n_size_grid=p["nprb"],
                              n_id_cell=fc["n_cell_id"], slot=fc["slot_number"]),
        mapping_type=fc["mapping_type"], start_symbol=fc["symbol_allocation"][0],
        num_symbols=fc["symbol_allocation"][1], mcs_index=fc["mcs_index"],
        mcs_table=_TABLES[fc["mcs_table"]], num_layers=fc["num_layers"],
        num_antenna_ports=fc["num_antenna_ports"], precoding=fc["precoding"],
        tpmi=fc["tpmi"], n_rnti=fc["n_rnti"],
        dmrs=DmrsConfig(
            config_type=fc["dmrs_config_type"], length=fc["dmrs_length"],
            additional_position=fc["dmrs_additional_position"],
            type_a_position=fc["dmrs_type_a_position"],
            num_cdm_groups_without_data=fc["dmrs_num_cdm_groups_without_data"],
            n_scid=fc["dmrs_n_scid"],
        ),
    )


@pytest.mark.parametrize("case", ["case0", "case1", "case2", "case3"])
def test_pusch_grid_matches_sionna(vectors, case):
    """TB bits → resource grid equals Sionna's PUSCHTransmitter grid (all four cases:
    1 layer, 2 and 4 layers with codebook precoding, DMRS type 2, double-symbol DMRS,
    3 additional positions)."""
    v = vectors("pusch_grid")
    fc = json.loads(str(v[f"{case}_full_config"]))
    cfg = _config_from_vector(v, case)
    res = cfg.resources
    assert res.tbs == (fc["tb_size"],) == (int(v[f"{case}_tb_size"]),)
    assert res.g == (fc["num_coded_bits"],)
    assert res.dmrs_symbols == tuple(fc["dmrs_symbol_indices"])
    assert res.dmrs_symbols == tuple(int(s) for s in v[f"{case}_dmrs_symbols"])
    grid = PuschTransmitter(cfg).grid(v[f"{case}_b"])
    ref = v[f"{case}_grid"]
    assert grid.shape == ref.shape and grid.dtype == np.complex64
    np.testing.assert_allclose(grid, ref, atol=1e-5, rtol=0)


def test_grid_is_zero_outside_allocation_and_data_has_unit_energy():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=20), prb_start=3, n_prb=10,
                      mapping_type="B", start_symbol=2, num_symbols=10, mcs_index=20)
    tx = PuschTransmitter(cfg)
    rng = np.random.default_rng(3)
    grid = tx.grid(rng.integers(0, 2, (4, tx.tbs), dtype=np.uint8))
    res = cfg.resources
    assert np.all(grid[:, :, ~res.allocation] == 0)
    data = grid[:, 0, res.data_mask]
    assert abs(np.mean(np.abs(data) ** 2) - 1) < 0.05
    dmrs = grid[:, 0, res.dmrs_mask & (grid[0, 0] != 0)]
    # |r(n)| = 1 (QPSK (±1 ± j)/√2) and β_DMRS = √2 for 2 CDM groups without data
    # (TS 38.214 Table 6.2.2-1, −3 dB).
    np.testing.assert_allclose(np.abs(dmrs), np.sqrt(2), atol=1e-6)


def test_transform_precoding_round_trip_and_dmrs_symbols():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=30), n_prb=25, transform_precoding=True,
                      mcs_table="tp-qam64", mcs_index=10)
    tx = PuschTransmitter(cfg)
    rng = np.random.default_rng(5)
    b = rng.integers(0, 2, (2, tx.tbs), dtype=np.uint8)
    grid = tx.grid(b)
    res = cfg.resources
    # DM-RS symbols carry no data with DFT-s-OFDM; the comb's other half is empty.
    for s in res.dmrs_symbols:
        row = grid[0, 0, s, : 25 * 12]
        assert np.all(row[1::2] == 0) and np.all(np.abs(row[::2]) > 0)
    # Transform deprecoding of the data REs gives back the modulated symbols.
    data = grid[:, 0][:, res.data_mask]
    x = transform_deprecode(data, 25 * 12)
    np.testing.assert_allclose(x, _modulated(tx, b), atol=1e-5)


def _modulated(tx, b):
    from nrlink.spec.ts38211.modulation import modulate

    return modulate(tx.codeword(b), tx.resources.mcs.qm, pi2_bpsk=tx.config.pi2_bpsk)


def test_pi2_bpsk_with_transform_precoding():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=12), transform_precoding=True,
                      mcs_table="tp-qam64", tp_pi2bpsk=True, mcs_index=0)
    tx = PuschTransmitter(cfg)
    assert cfg.resources.mcs.qm == 1 and cfg.pi2_bpsk
    d = _modulated(tx, np.zeros((1, tx.tbs), np.uint8))
    # π/2-BPSK: odd symbols rotated by π/2 relative to even ones (TS 38.211 §5.1.2).
    assert np.allclose(np.abs(np.real(d[0, 1::2] * np.conj(d[0, 0::2]) * -1j)), 1, atol=1e-6)


def test_ptrs_single_layer():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=16), mcs_index=20,
                      ptrs=PtrsConfig(time_density=2, frequency_density=4))
    res = cfg.resources
    assert res.ptrs_symbols and res.l_ptrs == 2 and res.k_ptrs == 4
    tx = PuschTransmitter(cfg)
    grid = tx.grid(np.zeros((1, tx.tbs), np.uint8))
    ptrs = grid[0, 0][res.ptrs_mask]
    assert ptrs.size == len(res.ptrs_symbols) * 16 // 4
    np.testing.assert_allclose(np.abs(ptrs), 1.0, atol=1e-6)  # β_PT-RS = 1 for one layer
    assert not (res.ptrs_mask & res.data_mask).any() and not (res.ptrs_mask & res.dmrs_mask).any()


def test_waveform_round_trip():
    cfg = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=24, slot=3), mcs_index=5)
    tx = PuschTransmitter(cfg)
    b = np.random.default_rng(1).integers(0, 2, (2, tx.tbs), dtype=np.uint8)
    x = tx.waveform(b, fft_size=512)
    assert x.shape[:2] == (2, 1)
    back = ofdm_demodulate(x, mu=1, fft_size=512, n_sc=cfg.carrier.n_sc, slot=3)
    np.testing.assert_allclose(back, tx.grid(b), atol=1e-5)


def test_bad_inputs():
    tx = PuschTransmitter(PuschConfig(carrier=CarrierConfig(n_size_grid=8)))
    with pytest.raises(ConfigError, match="shape"):
        tx.grid(np.zeros((1, tx.tbs + 1), np.uint8))
    with pytest.raises(ConfigError, match="dtype"):
        tx.grid(np.zeros((1, tx.tbs), np.float32))
    with pytest.raises(ConfigError, match="PuschConfig"):
        PuschTransmitter({"n_prb": 3})


def test_multi_layer_pusch_ptrs_not_implemented():
    with pytest.raises(NotImplementedError, match="Table 6.2.3.1-3"):
        PuschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=2, precoding="codebook",
                    num_antenna_ports=2, ptrs=PtrsConfig(time_density=1))
