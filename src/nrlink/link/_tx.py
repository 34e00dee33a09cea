"""Pieces shared by the PDSCH and PUSCH transmitters."""

from __future__ import annotations

import numpy as np

from nrlink.config._resources import ResourcePlan
from nrlink.errors import ConfigError
from nrlink.spec._checks import as_bits
from nrlink.spec.ts38211.dmrs import dmrs_grid
from nrlink.spec.ts38211.mapping import map_to_grid
from nrlink.spec.ts38211.numerology import min_fft_size
from nrlink.spec.ts38211.ofdm import ofdm_modulate
from nrlink.spec.ts38211.precoding import precode
from nrlink.spec.ts38211.ptrs import ptrs_grid
from nrlink.spec.ts38214.power import dmrs_beta


def check_tb_bits(b, tbs: int, name: str = "b", clause: str = "TS 38.214 §5.1.3.2") -> np.ndarray:
    """Validate transport-block bits ``(..., tbs)`` of 0/1 and return them as uint8."""
    b = np.asarray(b)
    if b.ndim < 1 or b.shape[-1] != tbs:
        raise ConfigError(
            f"{name}.shape={b.shape} is not allowed: the transport block must have shape "
            f"(..., {tbs}) (TBS = {tbs}, {clause})"
        )
    return as_bits(name, b, clause)


def reference_signals(cfg, res: ResourcePlan, *, channel: str) -> np.ndarray:
    """DM-RS (and PT-RS) of every layer, ``(layers, n_symb_slot, n_sc)`` complex64.

    Implements TS 38.211 §7.4.1.1.2 / §6.4.1.1.3 (DM-RS, amplitude β_DMRS of TS 38.214
    Tables 4.1-1 / 6.2.2-1) and §7.4.1.2.2 / §6.4.1.2.2.1 (PT-RS on the layer of its
    associated DM-RS port, the lowest-indexed one).
    """
    carrier, dmrs = cfg.carrier, cfg.dmrs
    tp = cfg.transform_precoding
    n_cdm = 2 if tp else dmrs.num_cdm_groups_without_data
    beta = dmrs_beta(n_cdm, dmrs.config_type, channel)
    if tp:
        n_id = carrier.n_id_cell if dmrs.n_id_pusch is None else dmrs.n_id_pusch
    else:
        n_id = tuple(carrier.n_id_cell if v is None else v for v in (dmrs.n_id_0, dmrs.n_id_1))
    values, _ = dmrs_grid(
        config_type=dmrs.config_type, ports=res.dmrs_ports, symbols=res.dmrs_symbols,
        length=dmrs.length, n_symb_slot=carrier.n_symb_slot, n_slot=carrier.slot,
        n_sc=carrier.n_sc, prbs=res.prbs, n_id=n_id, n_scid=dmrs.n_scid, beta_dmrs=beta,
        n_start_cr=carrier.n_start_grid, transform_precoding=tp,
        group_hopping=dmrs.group_hopping, sequence_hopping=dmrs.sequence_hopping,
    )
    if res.ptrs_symbols:
        layer = res.ptrs_layer
        port = res.dmrs_ports[layer]
        p = cfg.ptrs
        pv, _ = ptrs_grid(
            n_size_grid=carrier.n_size_grid, rb_start=int(res.prbs.min()),
            n_rb=len(res.prbs), l_start=cfg.start_symbol, l_duration=cfg.num_symbols,
            dmrs_symbols=res.dmrs_symbols, l_ptrs=res.l_ptrs, k_ptrs=res.k_ptrs,
            n_rnti=cfg.n_rnti, n_id=dmrs.n_id(carrier.n_id_cell), n_scid=dmrs.n_scid,
            n_slot=carrier.slot, n_symb_slot=carrier.n_symb_slot,
            n_start_grid=carrier.n_start_grid,
            resource_element_offset=p.resource_element_offset, config_type=dmrs.config_type,
            dmrs_ports=(port,), channel=channel, n_layers=cfg.num_layers,
            epre_ratio=p.epre_ratio, beta_ptrs=None if channel == "pdsch" else 1.0,
        )
        values[layer] += np.where(res.ptrs_mask, pv[0], 0)  # none on reserved REs
    return values


def layers_to_grid(y, res: ResourcePlan, rs: np.ndarray) -> np.ndarray:
    """Layer grids ``(..., υ, n_symb_slot, n_sc)``: data on the data REs plus the RS."""
    grid = map_to_grid(y, res.data_mask)
    grid += rs
    return grid


def precode_grid(grid: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Precode layer grids ``(..., υ, n_symb, n_sc)`` to port grids ``(..., ρ, n_symb, n_sc)``."""
    shape = grid.shape
    z = precode(grid.reshape(*shape[:-2], shape[-2] * shape[-1]), w)
    return z.reshape(*z.shape[:-1], *shape[-2:]).astype(np.complex64, copy=False)


def to_waveform(grid: np.ndarray, carrier, fft_size: int | None, phase_compensation_hz=None):
    """OFDM-modulate a slot grid (TS 38.211 §5.3.1); ``fft_size`` None: smallest suitable."""
    fft = min_fft_size(carrier.n_sc) if fft_size is None else fft_size
    return ofdm_modulate(grid, mu=carrier.mu, cp=carrier.cyclic_prefix, fft_size=fft,
                         slot=carrier.slot, phase_compensation_hz=phase_compensation_hz)
