"""SS/PBCH burst transmitter: the resource grid and the waveform of a half frame.

Implements TS 38.213 §4.1 (block positions in the half frame), TS 38.212 §7.1 (BCH),
TS 38.211 §7.3.3 (PBCH), §7.4.3.1 (block mapping) and §5.3.1 (OFDM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.config.ssb import SsbConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.numerology import cp_lengths_samples, symbols_per_slot
from nrlink.spec.ts38211.ofdm import ofdm_modulate
from nrlink.spec.ts38211.pbch import pbch_symbols
from nrlink.spec.ts38211.ssb import SSB_N_SC, SSB_N_SYMB, ssb_grid
from nrlink.spec.ts38212.bch import Mib, bch_encode
from nrlink.spec.ts38213.ssb_burst import i_ssb_bar

__all__ = ["SsbTrials", "ssb_blocks", "ssb_half_frame_grid", "ssb_trial_waveforms",
           "ssb_waveform"]

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
    return _block_grids(config.mib(sfn), half_frame, config.n_id_cell, idx,
                        l_max=config.l_max, beta_pss=config.beta_pss,
                        beta_sss=config.beta_sss, beta_pbch=config.beta_pbch,
                        beta_dmrs=config.beta_dmrs)


def _block_grids(mib, half_frame, n_id_cell, ssb_index, *, l_max: int,
                 **betas) -> np.ndarray:
    """(n, 4, 240) block grids: bch_encode → pbch_symbols → ssb_grid with ī_SSB, the
    arguments broadcast over the n blocks of ``ssb_index``."""
    ssb_index = np.asarray(ssb_index)
    b = bch_encode(mib, half_frame, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    d = pbch_symbols(b, n_id_cell, l_max=l_max, ssb_index=ssb_index)
    i_bar = np.broadcast_to(i_ssb_bar(ssb_index, half_frame, l_max=l_max), ssb_index.shape)
    n_id = np.broadcast_to(np.asarray(n_id_cell), ssb_index.shape)
    out = np.empty((ssb_index.size, SSB_N_SYMB, SSB_N_SC), dtype=np.complex64)
    for t in range(ssb_index.size):
        out[t] = ssb_grid(int(n_id[t]), int(i_bar[t]), d[t], **betas)
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


@dataclass(frozen=True, slots=True)
class SsbTrials:
    """What :func:`ssb_trial_waveforms` sent, per batch element.

    Attributes
    ----------
    x : ndarray of complex64, shape (B, n_samples)
        Samples of symbols 0..6 of slot 0 with the block on symbols 2..5 (no delay).
    start : int
        Sample index in ``x`` at which the block's first cyclic prefix starts.
    n_id_cell, ssb_index, half_frame, i_ssb_bar, sfn : ndarray of int, shape (B,)
    mib : ndarray of object (Mib), shape (B,)
    """

    x: np.ndarray
    start: int
    n_id_cell: np.ndarray
    ssb_index: np.ndarray
    half_frame: np.ndarray
    i_ssb_bar: np.ndarray
    sfn: np.ndarray
    mib: np.ndarray


def ssb_trial_waveforms(n_id_cell, *, l_max: int, mu: int, fft_size: int,
                        rng: np.random.Generator, scs_common: int | None = None) -> SsbTrials:
    """One SS/PBCH block per element with random content, as a cell searcher receives it.

    Implements TS 38.212 §7.1 (BCH of a random MIB: SFN, half frame, SSB index,
    pdcch-ConfigSIB1), TS 38.211 §7.3.3 (PBCH), §7.4.3.1 (block) and §5.3.1 (OFDM, 240
    subcarriers, the block on symbols 2..5 of slot 0, the first of Case A/C).

    Parameters
    ----------
    n_id_cell : array_like of int, shape (B,)
        Cell identities (0..1007).
    l_max : {4, 8, 64}
        L_max: the SSB index is drawn from 0..L_max − 1.
    mu : int
        SSB numerology (0, 1 in FR1 with L_max 4/8; 3, 4 in FR2 with L_max 64).
    fft_size : int
    rng : numpy.random.Generator
    scs_common : int, optional
        subCarrierSpacingCommon of the MIB in kHz (default 15 · 2^μ in FR1, 120 in FR2).

    Returns
    -------
    SsbTrials
    """
    n_id = np.asarray(n_id_cell, dtype=np.int64).ravel()
    b = n_id.size
    ssb_index = rng.integers(0, l_max, b)
    hf = rng.integers(0, 2, b)
    sfn = rng.integers(0, 1024, b)
    sib1 = rng.integers(0, 256, b)
    common = scs_common if scs_common is not None else (15 << mu if l_max != 64 else 120)
    mibs = np.array([Mib(system_frame_number=int(f), pdcch_config_sib1=int(p),
                         sub_carrier_spacing_common=common) for f, p in zip(sfn, sib1,
                                                                             strict=True)],
                    dtype=object)
    slot = np.zeros((b, symbols_per_slot("normal"), SSB_N_SC), np.complex64)
    slot[:, 2:2 + SSB_N_SYMB] = _block_grids(mibs, hf, n_id, ssb_index, l_max=l_max)
    ib = i_ssb_bar(ssb_index, hf, l_max=l_max)
    n_cp = cp_lengths_samples(mu, fft_size=fft_size, slot=0)
    x = ofdm_modulate(slot, mu=mu, fft_size=fft_size)[:, :int(np.sum(n_cp[:7]) + 7 * fft_size)]
    start = int(np.sum(n_cp[:2]) + 2 * fft_size)
    return SsbTrials(x=x, start=start, n_id_cell=n_id, ssb_index=ssb_index, half_frame=hf,
                     i_ssb_bar=np.asarray(ib), sfn=sfn, mib=mibs)
