"""Mapping of PDSCH/PUSCH data to resource elements, and extraction back.

Implements TS 38.211 §7.3.1.5-§7.3.1.6 (PDSCH: mapping to virtual resource blocks,
non-interleaved VRB-to-PRB mapping) and §6.3.1.6-§6.3.1.7 (PUSCH).

The REs available for data are described by a boolean mask ``(n_symb_slot, n_sc)`` over
the carrier (or BWP) grid; the data symbols are written "in increasing order of first the
index k over the assigned resource blocks and then the index l" (§7.3.1.5, §6.3.1.6),
which is the C order of the mask (symbol outer, subcarrier inner).
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_index_set
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_sc, check_n_symb_slot

__all__ = [
    "allocation_mask",
    "check_symbol_allocation",
    "data_re_mask",
    "extract_from_grid",
    "map_to_grid",
]

_CLAUSE = "TS 38.211 §7.3.1.5, §6.3.1.6"


def check_symbol_allocation(
    l_start, l_duration, n_symb_slot, clause: str = _CLAUSE
) -> tuple[int, int, int]:
    """Validate the symbols S, L of an allocation in a slot of N_symb^slot symbols.

    Implements TS 38.211 §4.3.2 (N_symb^slot 12 or 14) with 0 ≤ S, 1 ≤ L and
    S + L ≤ N_symb^slot. ``clause`` is cited for S and L.

    Returns
    -------
    (l_start, l_duration, n_symb_slot) : tuple of int
    """
    n_symb_slot = check_n_symb_slot(n_symb_slot)
    l_start = check_int(
        "l_start", l_start, f"an integer in 0..{n_symb_slot - 1}", clause, lo=0,
        hi=n_symb_slot - 1,
    )  # fmt: skip
    l_duration = check_int(
        "l_duration",
        l_duration,
        f"an integer in 1..{n_symb_slot - l_start} (l_start + l_duration <= {n_symb_slot})",
        clause,
        lo=1,
        hi=n_symb_slot - l_start,
    )
    return l_start, l_duration, n_symb_slot


def allocation_mask(
    *, n_symb_slot: int, n_sc: int, prbs, l_start: int, l_duration: int
) -> np.ndarray:
    """The REs of an allocation: ``l_duration`` symbols from ``l_start`` on PRBs ``prbs``.

    Implements TS 38.211 §7.3.1.6 / §6.3.1.7 (non-interleaved VRB-to-PRB mapping: VRB n
    is PRB n).

    Parameters
    ----------
    n_symb_slot : int
        OFDM symbols per slot (14 normal CP, 12 extended CP).
    n_sc : int
        Subcarriers of the grid (a multiple of 12).
    prbs : sequence of int
        Allocated PRB indices within the grid.
    l_start, l_duration : int
        First allocated symbol S and number of allocated symbols L (S + L ≤ n_symb_slot).

    Returns
    -------
    mask : numpy.ndarray of bool, shape (n_symb_slot, n_sc)

    Examples
    --------
    >>> m = allocation_mask(n_symb_slot=14, n_sc=36, prbs=[1], l_start=2, l_duration=3)
    >>> int(m.sum()), bool(m[2, 12]), bool(m[5, 12]), bool(m[2, 11])
    (36, True, False, False)
    """
    n_sc = check_n_sc(n_sc, _CLAUSE)
    prbs = check_index_set("prbs", prbs, n_sc // N_SC_RB - 1, _CLAUSE)
    l_start, l_duration, n_symb_slot = check_symbol_allocation(l_start, l_duration, n_symb_slot)
    freq = np.zeros(n_sc // N_SC_RB, dtype=bool)
    freq[prbs] = True
    time = np.zeros(n_symb_slot, dtype=bool)
    time[l_start : l_start + l_duration] = True
    return time[:, None] & np.repeat(freq, N_SC_RB)[None, :]


def data_re_mask(allocation: np.ndarray, *unavailable: np.ndarray | None) -> np.ndarray:
    """REs of ``allocation`` that carry data: those not in any of the ``unavailable`` masks.

    Implements TS 38.211 §7.3.1.5 / §6.3.1.6: the data REs are the allocated REs not used
    for DM-RS (including the DM-RS CDM groups without data), PT-RS or reserved resources.

    Parameters
    ----------
    allocation : numpy.ndarray of bool, shape (n_symb_slot, n_sc)
    *unavailable : numpy.ndarray of bool, same shape, or None
        DM-RS (CDM groups without data), PT-RS, reserved REs (rate matching patterns,
        CSI-RS, ...). ``None`` entries are ignored.

    Returns
    -------
    mask : numpy.ndarray of bool, shape (n_symb_slot, n_sc)
    """
    allocation = np.asarray(allocation, dtype=bool)
    out = allocation.copy()
    for m in unavailable:
        if m is None:
            continue
        m = np.asarray(m, dtype=bool)
        if m.shape != allocation.shape:
            raise ConfigError(
                f"mask shape {m.shape} is not allowed: every mask must have the shape of the "
                f"allocation {allocation.shape} ({_CLAUSE})"
            )
        out &= ~m
    return out


def map_to_grid(y, mask: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Write data symbols ``y`` onto the REs of ``mask``, frequency first then time.

    Implements TS 38.211 §7.3.1.5 (PDSCH) / §6.3.1.6 (PUSCH): the block of symbols of
    each layer (antenna port) is mapped in increasing order of first the subcarrier k,
    then the symbol l.

    Parameters
    ----------
    y : array_like, shape (..., n_layers, n_re)
        Symbols per layer; ``n_re`` must equal ``mask.sum()``.
    mask : numpy.ndarray of bool, shape (n_symb_slot, n_sc)
    grid : numpy.ndarray, shape (..., n_layers, n_symb_slot, n_sc), optional
        Grid to write into (modified in place and returned); a new zero grid of the
        dtype of ``y`` otherwise.

    Returns
    -------
    grid : numpy.ndarray, shape (..., n_layers, n_symb_slot, n_sc)

    Examples
    --------
    >>> mask = np.array([[False, True], [True, True]])
    >>> map_to_grid(np.array([[1, 2, 3]]), mask)
    array([[[0, 1],
            [2, 3]]])
    """
    y = np.asarray(y)
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ConfigError(f"mask.shape={mask.shape} is not allowed: mask must be 2-D ({_CLAUSE})")
    n_re = int(mask.sum())
    if y.ndim < 2 or y.shape[-1] != n_re:
        raise ConfigError(
            f"y.shape={y.shape} is not allowed: y must be (..., n_layers, {n_re}) for a mask "
            f"with {n_re} data REs ({_CLAUSE})"
        )
    shape = y.shape[:-1] + mask.shape
    if grid is None:
        grid = np.zeros(shape, dtype=y.dtype)
    elif grid.shape != shape:
        raise ConfigError(
            f"grid.shape={grid.shape} is not allowed: grid must be {shape} ({_CLAUSE})"
        )
    grid[..., mask] = y
    return grid


def extract_from_grid(grid, mask: np.ndarray) -> np.ndarray:
    """Read the REs of ``mask`` from ``grid`` in mapping order (inverse of :func:`map_to_grid`).

    Implements TS 38.211 §7.3.1.5 / §6.3.1.6 (receiver side).

    Parameters
    ----------
    grid : array_like, shape (..., n_symb_slot, n_sc)
    mask : numpy.ndarray of bool, shape (n_symb_slot, n_sc)

    Returns
    -------
    y : numpy.ndarray, shape (..., mask.sum())
    """
    grid = np.asarray(grid)
    mask = np.asarray(mask, dtype=bool)
    if grid.shape[-2:] != mask.shape:
        raise ConfigError(
            f"grid.shape={grid.shape} is not allowed: its last two axes must equal the mask "
            f"shape {mask.shape} ({_CLAUSE})"
        )
    return grid[..., mask]
