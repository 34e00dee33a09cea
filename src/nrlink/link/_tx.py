"""Pieces shared by the PDSCH and PUSCH transmitters."""

from __future__ import annotations

import numpy as np

from nrlink.config._resources import ResourcePlan
from nrlink.errors import ConfigError
from nrlink.spec._checks import as_bits
from nrlink.spec.ts38211.mapping import map_to_grid
from nrlink.spec.ts38211.numerology import min_fft_size
from nrlink.spec.ts38211.ofdm import ofdm_modulate
from nrlink.spec.ts38211.precoding import precode


def check_tb_bits(b, tbs: int, name: str = "b", clause: str = "TS 38.214 §5.1.3.2") -> np.ndarray:
    """Validate transport-block bits ``(..., tbs)`` of 0/1 and return them as uint8."""
    b = np.asarray(b)
    if b.ndim < 1 or b.shape[-1] != tbs:
        raise ConfigError(
            f"{name}.shape={b.shape} is not allowed: the transport block must have shape "
            f"(..., {tbs}) (TBS = {tbs}, {clause})"
        )
    return as_bits(name, b, clause)


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
