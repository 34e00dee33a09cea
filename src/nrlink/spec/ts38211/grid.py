"""Resource grids, resource blocks and bandwidth parts.

Implements TS 38.211 §4.4 (§4.4.2 resource grid, §4.4.4 resource blocks, §4.4.5
bandwidth part).

Grids are NumPy arrays with axes ``(..., port, symbol, subcarrier)``; subcarrier 0 is
the lowest subcarrier of the carrier (k = 0 of §4.4.2, i.e. of CRB N_grid^start,μ), so
a BWP or a PRB allocation is a set of subcarrier indices relative to the carrier start.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.numerology import (
    N_GRID_SIZE_MAX,
    N_SC_RB,
    N_START_GRID_MAX,
    check_n_size_grid,
    check_n_start_grid,
)

# N_START_GRID_MAX is defined in numerology and re-exported here.
__all__ = ["N_START_GRID_MAX", "bwp_subcarriers", "carrier_grid", "prb_to_subcarriers"]

_CLAUSE_BWP = "TS 38.211 §4.4.5"


def carrier_grid(n_size_grid, n_symbols=14, num_ports=1, *, dtype=np.complex64) -> np.ndarray:
    """Empty (all-zero) resource grid of one carrier.

    Implements TS 38.211 §4.4.2: N_grid^size,μ N_sc^RB subcarriers by ``n_symbols``
    OFDM symbols for each antenna port.

    Parameters
    ----------
    n_size_grid : int
        Carrier size N_grid^size,μ in resource blocks, 1..275.
    n_symbols : int
        Number of OFDM symbols (14 for a normal-CP slot, 12 for an extended-CP slot).
    num_ports : int
        Number of antenna ports, >= 1.
    dtype : complex dtype
        Element type (default complex64).

    Returns
    -------
    grid : ndarray, shape ``(num_ports, n_symbols, 12 * n_size_grid)``
        Zeros; ``grid[p, l, k]`` is resource element (k, l) of port p.

    Raises
    ------
    ConfigError
        For a size outside 1..275, n_symbols or num_ports < 1, or a non-complex dtype.

    Examples
    --------
    >>> carrier_grid(273, 14, 2).shape
    (2, 14, 3276)
    """
    n_size_grid = check_n_size_grid(n_size_grid)
    n_symbols = check_int("n_symbols", n_symbols, "a positive integer", "TS 38.211 §4.4.2", lo=1)
    num_ports = check_int("num_ports", num_ports, "a positive integer", "TS 38.211 §4.4.2", lo=1)
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.complexfloating):
        raise ConfigError(
            f"dtype={dt} is not allowed: dtype must be a complex floating type (TS 38.211 §4.4.2)"
        )
    return np.zeros((num_ports, n_symbols, N_SC_RB * n_size_grid), dtype=dt)


def bwp_subcarriers(
    n_start_bwp, n_size_bwp, n_start_grid=0, n_size_grid=N_GRID_SIZE_MAX
) -> slice:
    """Subcarriers of a bandwidth part inside the carrier grid.

    Implements TS 38.211 §4.4.5: the BWP must lie within the carrier,
    N_grid^start <= N_BWP^start < N_grid^start + N_grid^size and
    N_grid^start < N_BWP^start + N_BWP^size <= N_grid^start + N_grid^size.

    Parameters
    ----------
    n_start_bwp : int
        First common resource block N_BWP^start of the BWP (relative to CRB 0).
    n_size_bwp : int
        BWP size N_BWP^size in resource blocks, 1..275.
    n_start_grid : int
        First common resource block N_grid^start of the carrier, 0..2199.
    n_size_grid : int
        Carrier size N_grid^size in resource blocks, 1..275.

    Returns
    -------
    sc : slice
        ``grid[..., sc]`` is the BWP part of a carrier grid (subcarrier 0 = carrier start).

    Raises
    ------
    ConfigError
        For out-of-range values or a BWP not inside the carrier.

    Examples
    --------
    >>> bwp_subcarriers(10, 20, n_start_grid=4, n_size_grid=50)
    slice(72, 312, None)
    """
    n_start_grid = check_n_start_grid(n_start_grid)
    n_size_grid = check_n_size_grid(n_size_grid)
    n_size_bwp = check_n_size_grid(n_size_bwp, "n_size_bwp")
    n_start_bwp = check_int("n_start_bwp", n_start_bwp, "an integer >= 0", _CLAUSE_BWP, lo=0)
    if not n_start_grid <= n_start_bwp < n_start_grid + n_size_grid:
        raise ConfigError(
            f"n_start_bwp={n_start_bwp} is not allowed: n_start_bwp must be in "
            f"{n_start_grid}..{n_start_grid + n_size_grid - 1} (inside the carrier) "
            f"({_CLAUSE_BWP})"
        )
    end = n_start_bwp + n_size_bwp
    if end > n_start_grid + n_size_grid:
        raise ConfigError(
            f"n_size_bwp={n_size_bwp} is not allowed with n_start_bwp={n_start_bwp}: the BWP "
            f"must end inside the carrier, n_size_bwp <= "
            f"{n_start_grid + n_size_grid - n_start_bwp} ({_CLAUSE_BWP})"
        )
    first = N_SC_RB * (n_start_bwp - n_start_grid)
    return slice(first, first + N_SC_RB * n_size_bwp)


def prb_to_subcarriers(prbs, *, rb_offset=0) -> np.ndarray:
    """Subcarrier indices of resource blocks, 12 per block, ascending within a block.

    Implements TS 38.211 §4.4.4: resource block n covers subcarriers
    k = N_sc^RB (n + rb_offset) + k', k' = 0..11. With PRBs of a BWP and
    ``rb_offset = N_BWP^start − N_grid^start`` (§4.4.4.4, n_CRB = n_PRB + N_BWP^start)
    the result indexes the carrier grid.

    Parameters
    ----------
    prbs : array_like of int, shape ``(..., n)``
        Resource block indices (give them in increasing order to obtain the increasing
        subcarrier order of the RE-mapping clauses). A scalar is one block.
    rb_offset : int
        Added to every block index.

    Returns
    -------
    k : ndarray of int64, shape ``(..., 12 * n)``
        Block ``prbs[..., i]`` gives ``k[..., 12 * i : 12 * i + 12]``.

    Raises
    ------
    ConfigError
        If ``prbs`` is not integer or a shifted index is negative.

    Examples
    --------
    >>> prb_to_subcarriers([0, 2])[[0, 11, 12, 23]]
    array([ 0, 11, 24, 35])
    """
    p = np.asarray(prbs)
    if p.dtype == np.bool_ or not np.issubdtype(p.dtype, np.integer):
        raise ConfigError(
            f"prbs of dtype {p.dtype} is not allowed: prbs must be integer resource block "
            f"indices (TS 38.211 §4.4.4)"
        )
    rb_offset = check_int("rb_offset", rb_offset, "an integer", "TS 38.211 §4.4.4")
    n = p.astype(np.int64) + rb_offset
    if n.size and int(n.min()) < 0:
        raise ConfigError(
            f"prbs={int(n.min()) - rb_offset} is not allowed with rb_offset={rb_offset}: "
            f"prbs + rb_offset must be >= 0 (TS 38.211 §4.4.4)"
        )
    n = np.atleast_1d(n)
    k = (n[..., None] * N_SC_RB + np.arange(N_SC_RB, dtype=np.int64)).reshape(
        n.shape[:-1] + (n.shape[-1] * N_SC_RB,)
    )
    return k
