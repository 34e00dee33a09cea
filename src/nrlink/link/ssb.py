"""SS/PBCH burst transmitter: the resource grid and the waveform of a half frame.

Implements TS 38.213 §4.1 (block positions in the half frame), TS 38.212 §7.1 (BCH),
TS 38.211 §7.3.3 (PBCH), §7.4.3.1 (block mapping) and §5.3.1 (OFDM).
"""

from __future__ import annotations

import numpy as np

from nrlink.config.ssb import SsbConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.numerology import symbols_per_slot
from nrlink.spec.ts38211.ofdm import ofdm_modulate
from nrlink.spec.ts38211.pbch import pbch_symbols
from nrlink.spec.ts38211.ssb import SSB_N_SC, SSB_N_SYMB, ssb_grid
from nrlink.spec.ts38212.bch import bch_encode
from nrlink.spec.ts38213.ssb_burst import i_ssb_bar

__all__ = ["ssb_blocks", "ssb_half_frame_grid", "ssb_waveform"]

_C41 = "TS 38.213 §4.1"


def _check(config, sfn, half_frame) -> tuple[int, int]:
    if not isinstance(config, SsbConfig):
        raise ConfigError(f"config={config!r} is not allowed: config must be an SsbConfig "
                          f"({_C41})")
    sfn = check_int("sfn", sfn, "an integer in 0..1023", "TS 38.211 §4.3.1", lo=0, hi=1023)
    half_frame = check_int("half_frame", half_frame, "one of 0, 1", "TS 38.211 §4.3.1",
                           choices=(0, 1))
    return sfn, half_frame


def ssb_blocks(config: SsbConfig, sfn: int, half_frame: int) -> np.ndarray:
    """The 4 × 240 grids of the transmitted SS/PBCH blocks of one half frame.

    Implements TS 38.212 §7.1 → TS 38.211 §7.3.3 → §7.4.3.1 for every block of the burst:
    :func:`bch_encode` (MIB of frame ``sfn``, the half frame bit, the block index) →
    :func:`pbch_symbols` → :func:`ssb_grid` with ī_SSB of TS 38.211 §7.4.1.4.1.

    Parameters
    ----------
    config : SsbConfig
    sfn : int
        System frame number, 0..1023.
    half_frame : {0, 1}

    Returns
    -------
    blocks : ndarray of complex64, shape (n_transmitted, 4, 240)
        In the order of ``config.transmitted_ssb_indices``.
    """
    sfn, half_frame = _check(config, sfn, half_frame)
    idx = config.transmitted_ssb_indices
    l_max = config.l_max
    b = bch_encode(config.mib(sfn), half_frame, config.n_id_cell, l_max=l_max, ssb_index=idx)
    d = pbch_symbols(b, config.n_id_cell, l_max=l_max, ssb_index=idx)
    i_bar = i_ssb_bar(idx, half_frame, l_max=l_max)
    out = np.empty((idx.size, SSB_N_SYMB, SSB_N_SC), dtype=np.complex64)
    for t in range(idx.size):
        out[t] = ssb_grid(config.n_id_cell, int(i_bar[t]), d[t], beta_pss=config.beta_pss,
                          beta_sss=config.beta_sss, beta_pbch=config.beta_pbch,
                          beta_dmrs=config.beta_dmrs)
    return out


def ssb_half_frame_grid(config: SsbConfig, sfn: int, half_frame: int) -> np.ndarray:
    """Resource grid of one half frame holding every transmitted SS/PBCH block of the burst.

    Implements TS 38.213 §4.1 (block i starts at the candidate symbol of index i) with
    the blocks of :func:`ssb_blocks`.

    Parameters
    ----------
    config : SsbConfig
    sfn : int
        System frame number, 0..1023 (MIB SFN and the PBCH timing bits).
    half_frame : {0, 1}
        Which half of the frame the burst is sent in (PBCH bit ā_28, and ī_SSB for
        L_max = 4).

    Returns
    -------
    grid : ndarray of complex64, shape (70 · 2^μ, 12 · n_size_grid)
        Symbols of the half frame (normal CP, SCS of the case) × subcarriers of the
        carrier; block subcarrier 0 at ``config.ssb_offset_sc``. Zero elsewhere.

    Examples
    --------
    >>> from nrlink.config.ssb import SsbConfig
    >>> c = SsbConfig(case="A", carrier_frequency_hz=2.1e9, n_size_grid=24)
    >>> ssb_half_frame_grid(c, sfn=0, half_frame=0).shape
    (70, 288)
    """
    blocks = ssb_blocks(config, sfn, half_frame)
    grid = np.zeros((config.n_symbols_half_frame, config.n_sc), dtype=np.complex64)
    k = config.ssb_offset_sc
    for t, s in enumerate(config.first_symbols):
        grid[s:s + SSB_N_SYMB, k:k + SSB_N_SC] = blocks[t]
    return grid


def ssb_waveform(config: SsbConfig, sfn: int, half_frame: int, *, fft_size: int,
                 k0: int = 0, workers=None) -> np.ndarray:
    """Time-domain samples of one half frame carrying the SS/PBCH burst.

    Implements TS 38.211 §5.3.1 on the grid of :func:`ssb_half_frame_grid`.

    Every slot of the half frame is OFDM-modulated by
    :func:`nrlink.spec.ts38211.ofdm.ofdm_modulate` with its slot number in the frame
    (5 · 2^μ · ``half_frame`` + s), so that the longer cyclic prefixes fall on the right
    symbols, and the slots are concatenated.

    Parameters
    ----------
    config : SsbConfig
    sfn : int
    half_frame : {0, 1}
    fft_size : int
        N_FFT (sample rate N_FFT · Δf); see :func:`ofdm_modulate`.
    k0 : int, default 0
        Subcarrier offset k0 of §5.3.1.
    workers : int, optional
        Threads of the IFFT.

    Returns
    -------
    x : ndarray of complex64, shape (n_samples,)
        The 5 ms of the half frame: N_FFT · Δf · 5 ms samples.
    """
    grid = ssb_half_frame_grid(config, sfn, half_frame)
    n_sym = symbols_per_slot("normal")
    n_slots = config.n_symbols_half_frame // n_sym
    slot0 = half_frame * n_slots
    parts = [ofdm_modulate(grid[s * n_sym:(s + 1) * n_sym], mu=config.mu, fft_size=fft_size,
                           slot=slot0 + s, k0=k0, workers=workers) for s in range(n_slots)]
    return np.concatenate(parts)
