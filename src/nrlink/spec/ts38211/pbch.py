"""PBCH: scrambling and modulation of the BCH bits of one SS/PBCH block.

Implements TS 38.211 §7.3.3 (§7.3.3.1 scrambling, §7.3.3.2 modulation).

The M_bit = 864 bits of the BCH (TS 38.212 §7.1.5) are scrambled with the Gold sequence
c_init = N_ID^cell read from offset ν·M_bit, where ν is the 2 LSBs (L_max = 4) or 3 LSBs
(L_max = 8, 64) of the SS/PBCH block index i_SSB, then QPSK-modulated into the 432
symbols d_PBCH mapped by :func:`nrlink.spec.ts38211.ssb.ssb_grid`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, as_last_axis_array, check_int_array
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "M_BIT_PBCH",
    "pbch_descramble_llr",
    "pbch_nu",
    "pbch_scramble",
    "pbch_scrambling_sequence",
    "pbch_symbols",
]

_C7331 = "TS 38.211 §7.3.3.1"

#: M_bit: bits transmitted on the PBCH of one SS/PBCH block (TS 38.211 §7.3.3.1).
M_BIT_PBCH = 864


def _check_l_max(l_max) -> int:
    return check_int("l_max", l_max, "one of 4, 8, 64", _C7331, choices=(4, 8, 64))


def pbch_nu(ssb_index, *, l_max: int):
    """ν of the PBCH scrambling: the 2 (L_max = 4) or 3 (L_max = 8, 64) LSBs of i_SSB.

    Implements TS 38.211 §7.3.3.1.

    Parameters
    ----------
    ssb_index : int or array_like of int
        SS/PBCH block index i_SSB, 0..L_max − 1.
    l_max : {4, 8, 64}

    Returns
    -------
    nu : ndarray of int64, shape of ``ssb_index``

    Examples
    --------
    >>> int(pbch_nu(13, l_max=64))
    5
    """
    l_max = _check_l_max(l_max)
    i_ssb = check_int_array("ssb_index", ssb_index, _C7331, lo=0, hi=l_max - 1)
    return i_ssb & (3 if l_max == 4 else 7)


@lru_cache(maxsize=64)
def _cell_sequence(n_id_cell: int) -> np.ndarray:
    c = gold_sequence(n_id_cell, 8 * M_BIT_PBCH).reshape(8, M_BIT_PBCH)
    c.setflags(write=False)
    return c


def pbch_scrambling_sequence(n_id_cell, ssb_index, *, l_max: int) -> np.ndarray:
    """The PBCH scrambling sequence c(i + ν M_bit), i = 0..863.

    Implements TS 38.211 §7.3.3.1.

    c is the Gold sequence of §5.2.1 with c_init = N_ID^cell, ν = :func:`pbch_nu`.

    Parameters
    ----------
    n_id_cell : int or array_like of int
        N_ID^cell, 0..1007.
    ssb_index : int or array_like of int
        i_SSB, 0..L_max − 1 (only its ν LSBs matter).
    l_max : {4, 8, 64}

    Returns
    -------
    c : ndarray of uint8, shape broadcast(n_id_cell, ssb_index) + (864,), read-only
    """
    nu = pbch_nu(ssb_index, l_max=l_max)
    n_id = check_int_array("n_id_cell", n_id_cell, _C7331, lo=0, hi=1007)
    try:
        n_id, nu = np.broadcast_arrays(n_id, nu)
    except ValueError:
        raise ConfigError(f"n_id_cell of shape {n_id.shape} and ssb_index of shape {nu.shape} "
                          f"are not allowed: their shapes must broadcast ({_C7331})") from None
    if n_id.ndim == 0:
        return _cell_sequence(int(n_id))[int(nu)]
    uniq, inv = np.unique(n_id, return_inverse=True)
    table = np.stack([_cell_sequence(int(u)) for u in uniq])  # (U, 8, M_bit)
    return table[inv.reshape(n_id.shape), nu]


def _sequence_for(shape, n_id_cell, ssb_index, l_max, name):
    c = pbch_scrambling_sequence(n_id_cell, ssb_index, l_max=l_max)
    try:
        ok = np.broadcast_shapes(c.shape[:-1], shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"n_id_cell and ssb_index of shape {c.shape[:-1]} are not allowed: "
                          f"they must broadcast to the batch shape {shape} of {name} ({_C7331})")
    return c


def _check_length(name, n):
    if n != M_BIT_PBCH:
        raise ConfigError(f"{name} has length {n} along its last axis: it must be "
                          f"M_bit={M_BIT_PBCH} ({_C7331})")


def pbch_scramble(b, n_id_cell, *, l_max: int, ssb_index=0) -> np.ndarray:
    """Scramble the BCH bits: b̃(i) = (b(i) + c(i + ν M_bit)) mod 2.

    Implements TS 38.211 §7.3.3.1.

    Parameters
    ----------
    b : array_like of 0/1, shape (..., 864)
        Bits b(0..863) of one SS/PBCH block (the output of
        :func:`nrlink.spec.ts38212.bch.bch_encode`).
    n_id_cell : int or array_like of int
        N_ID^cell, 0..1007, broadcastable to ``b.shape[:-1]``.
    l_max : {4, 8, 64}
    ssb_index : int or array_like of int, default 0
        i_SSB, 0..L_max − 1, broadcastable to ``b.shape[:-1]``.

    Returns
    -------
    b_tilde : ndarray of uint8, shape (..., 864)
    """
    b = as_bits("b", b, _C7331)
    _check_length("b", b.shape[-1])
    c = _sequence_for(b.shape[:-1], n_id_cell, ssb_index, l_max, "b")
    return np.bitwise_xor(b, c)


def pbch_symbols(bits, n_id_cell, *, l_max: int, ssb_index=0) -> np.ndarray:
    """PBCH symbols d_PBCH(0..431): scrambling then QPSK.

    Implements TS 38.211 §7.3.3.1 and §7.3.3.2 (QPSK of §5.1.4).

    Parameters
    ----------
    bits : array_like of 0/1, shape (..., 864)
        The BCH bits b(0..863).
    n_id_cell, l_max, ssb_index
        As :func:`pbch_scramble`.

    Returns
    -------
    d_pbch : ndarray of complex64, shape (..., 432)

    Examples
    --------
    >>> pbch_symbols(np.zeros(864, np.uint8), 0, l_max=8).shape
    (432,)
    """
    return modulate(pbch_scramble(bits, n_id_cell, l_max=l_max, ssb_index=ssb_index), 2)


def pbch_descramble_llr(llr, n_id_cell, *, l_max: int, ssb_index=0) -> np.ndarray:
    """Descramble PBCH LLRs: negate llr(i) where c(i + ν M_bit) = 1.

    Implements TS 38.211 §7.3.3.1, at the receiver (LLR > 0 means bit 0).

    Parameters
    ----------
    llr : array_like of float, shape (..., 864)
        LLRs of the scrambled bits b̃(i).
    n_id_cell : int or array_like of int
        N_ID^cell, broadcastable to ``llr.shape[:-1]``.
    l_max : {4, 8, 64}
    ssb_index : int or array_like of int, default 0
        Anything whose ν LSBs are those of i_SSB: a receiver passes ī_SSB mod 4
        (L_max = 4) or ī_SSB (L_max = 8, 64) from the PBCH DM-RS (§7.4.1.4.1).

    Returns
    -------
    llr_b : ndarray of float32, shape (..., 864)
        LLRs of b(i).
    """
    llr = as_last_axis_array("llr", llr, "f", "LLRs must be a real floating-point array",
                             "bits", _C7331)
    _check_length("llr", llr.shape[-1])
    c = _sequence_for(llr.shape[:-1], n_id_cell, ssb_index, l_max, "llr")
    llr32 = llr.astype(np.float32, copy=False)
    return np.where(c.astype(bool), -llr32, llr32)
