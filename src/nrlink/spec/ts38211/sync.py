"""Synchronisation signals (PSS, SSS) and the PBCH demodulation reference signal.

Implements TS 38.211 §7.4.2.2 (PSS), §7.4.2.3 (SSS) and §7.4.1.4.1 (PBCH DMRS).

The physical cell identity is N_ID^cell = 3 N_ID^(1) + N_ID^(2) with N_ID^(1) in 0..335
and N_ID^(2) in 0..2 (§7.4.2.1). Every function accepts a scalar or an integer array of
identities; the identities' shape becomes the leading batch shape of the result.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError
from nrlink.spec._checks import check_int_array
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "N_ID_1_MAX",
    "N_ID_CELL_MAX",
    "PBCH_DMRS_LENGTH",
    "SYNC_LENGTH",
    "n_id_cell_parts",
    "pbch_dmrs",
    "pbch_dmrs_c_init",
    "pss",
    "sss",
]

#: Length of the PSS and SSS sequences (TS 38.211 §7.4.2.2, §7.4.2.3).
SYNC_LENGTH = 127
#: Number of PBCH DMRS symbols in one SS/PBCH block (TS 38.211 §7.4.1.4.1, Table 7.4.3.1-1).
PBCH_DMRS_LENGTH = 144
#: Largest physical cell identity N_ID^cell (TS 38.211 §7.4.2.1).
N_ID_CELL_MAX = 1007
#: Largest N_ID^(1) (TS 38.211 §7.4.2.1).
N_ID_1_MAX = 335

_CLAUSE_CELL = "TS 38.211 §7.4.2.1"
_CLAUSE_PSS = "TS 38.211 §7.4.2.2"
_CLAUSE_PBCH = "TS 38.211 §7.4.1.4.1"


def _m_sequence(taps: tuple[int, ...], init: tuple[int, ...]) -> np.ndarray:
    """127 bits of x(i + 7) = (sum_{t in taps} x(i + t)) mod 2 from x(0..6) = ``init``."""
    x = list(init)
    for i in range(SYNC_LENGTH - 7):
        x.append(sum(x[i + t] for t in taps) % 2)
    return np.array(x, dtype=np.int8)


# [x(6) x(5) x(4) x(3) x(2) x(1) x(0)] = [1 1 1 0 1 1 0] (§7.4.2.2), written here as x(0..6).
_X_PSS = _m_sequence((4, 0), (0, 1, 1, 0, 1, 1, 1))
# [x0(6) ... x0(0)] = [x1(6) ... x1(0)] = [0 0 0 0 0 0 1] (§7.4.2.3).
_X0_SSS = _m_sequence((4, 0), (1, 0, 0, 0, 0, 0, 0))
_X1_SSS = _m_sequence((1, 0), (1, 0, 0, 0, 0, 0, 0))
# BPSK values 1 - 2x of the three m-sequences.
_D_PSS = (1 - 2 * _X_PSS).astype(np.int8)
_D0_SSS = (1 - 2 * _X0_SSS).astype(np.int8)
_D1_SSS = (1 - 2 * _X1_SSS).astype(np.int8)
_N = np.arange(SYNC_LENGTH)


def _check_n_id_cell(n_id_cell, clause: str = _CLAUSE_CELL) -> np.ndarray:
    return check_int_array("n_id_cell", n_id_cell, clause, lo=0, hi=N_ID_CELL_MAX)


def _check_pbch_ids(n_id_cell, i_ssb_bar) -> tuple[np.ndarray, np.ndarray]:
    """N_ID^cell and ī_SSB validated and broadcast against each other."""
    n_id_cell = _check_n_id_cell(n_id_cell, _CLAUSE_PBCH)
    i_ssb_bar = check_int_array("i_ssb_bar", i_ssb_bar, _CLAUSE_PBCH, lo=0, hi=7)
    try:
        return np.broadcast_arrays(n_id_cell, i_ssb_bar)
    except ValueError:
        raise ConfigError(
            f"n_id_cell of shape {n_id_cell.shape} and i_ssb_bar of shape {i_ssb_bar.shape} "
            f"are not allowed: their shapes must broadcast ({_CLAUSE_PBCH})"
        ) from None


def n_id_cell_parts(n_id_cell):
    """Split a physical cell identity into (N_ID^(1), N_ID^(2)).

    Implements TS 38.211 §7.4.2.1.

    N_ID^cell = 3 N_ID^(1) + N_ID^(2), N_ID^(1) in 0..335, N_ID^(2) in 0..2.

    Parameters
    ----------
    n_id_cell : int or array_like of int
        Physical cell identity N_ID^cell, 0..1007.

    Returns
    -------
    n_id_1, n_id_2 : int or ndarray of int64
        N_ID^(1) = ⌊N_ID^cell / 3⌋ and N_ID^(2) = N_ID^cell mod 3 (Python ints for a scalar
        input, arrays of the input's shape otherwise).

    Raises
    ------
    ConfigError
        If ``n_id_cell`` is not an integer (array) in 0..1007.

    Examples
    --------
    >>> n_id_cell_parts(1007)
    (335, 2)
    >>> n_id_cell_parts([0, 4])
    (array([0, 1]), array([0, 1]))
    """
    arr = _check_n_id_cell(n_id_cell)
    n_id_1, n_id_2 = np.divmod(arr, 3)
    if arr.ndim == 0:
        return int(n_id_1), int(n_id_2)
    return n_id_1, n_id_2


def pss(n_id_2) -> np.ndarray:
    """Primary synchronisation signal d_PSS(n), n = 0..126.

    Implements TS 38.211 §7.4.2.2.

    d_PSS(n) = 1 - 2 x(m), m = (n + 43 N_ID^(2)) mod 127, with the m-sequence
    x(i + 7) = (x(i + 4) + x(i)) mod 2 and [x(6) ... x(0)] = [1 1 1 0 1 1 0].

    Parameters
    ----------
    n_id_2 : int or array_like of int
        N_ID^(2) in 0..2 (use :func:`n_id_cell_parts` to get it from N_ID^cell).

    Returns
    -------
    d_pss : ndarray of int8, shape ``np.shape(n_id_2) + (127,)``
        The BPSK values +1/-1 (before the β_PSS amplitude scaling of §7.4.3.1.1).

    Raises
    ------
    ConfigError
        If ``n_id_2`` is not an integer (array) in 0..2.

    Examples
    --------
    >>> pss(0)[:8]
    array([ 1, -1, -1,  1, -1, -1, -1, -1], dtype=int8)
    >>> pss([0, 1, 2]).shape
    (3, 127)
    """
    n_id_2 = check_int_array("n_id_2", n_id_2, _CLAUSE_PSS, lo=0, hi=2)
    m = (_N + 43 * n_id_2[..., None]) % SYNC_LENGTH
    return _D_PSS[m]


def sss(n_id_cell) -> np.ndarray:
    """Secondary synchronisation signal d_SSS(n), n = 0..126.

    Implements TS 38.211 §7.4.2.3.

    d_SSS(n) = [1 - 2 x_0((n + m_0) mod 127)] [1 - 2 x_1((n + m_1) mod 127)] with
    m_0 = 15 ⌊N_ID^(1) / 112⌋ + 5 N_ID^(2), m_1 = N_ID^(1) mod 112,
    x_0(i + 7) = (x_0(i + 4) + x_0(i)) mod 2, x_1(i + 7) = (x_1(i + 1) + x_1(i)) mod 2 and
    [x_0(6) ... x_0(0)] = [x_1(6) ... x_1(0)] = [0 0 0 0 0 0 1].

    Parameters
    ----------
    n_id_cell : int or array_like of int
        Physical cell identity N_ID^cell = 3 N_ID^(1) + N_ID^(2), 0..1007.

    Returns
    -------
    d_sss : ndarray of int8, shape ``np.shape(n_id_cell) + (127,)``
        The BPSK values +1/-1 (before the β_SSS amplitude scaling of §7.4.3.1.2).

    Raises
    ------
    ConfigError
        If ``n_id_cell`` is not an integer (array) in 0..1007.

    Examples
    --------
    >>> sss(0)[:12]
    array([ 1,  1,  1,  1,  1,  1,  1,  1,  1,  1, -1,  1], dtype=int8)
    >>> sss(np.arange(1008)).shape
    (1008, 127)
    """
    n_id_1, n_id_2 = np.divmod(_check_n_id_cell(n_id_cell), 3)
    m0 = 15 * (n_id_1 // 112) + 5 * n_id_2
    m1 = n_id_1 % 112
    return _D0_SSS[(_N + m0[..., None]) % SYNC_LENGTH] * _D1_SSS[(_N + m1[..., None]) % SYNC_LENGTH]


def pbch_dmrs_c_init(n_id_cell, i_ssb_bar):
    """Initialisation c_init of the PBCH DMRS Gold sequence.

    Implements TS 38.211 §7.4.1.4.1.

    c_init = 2^11 (ī_SSB + 1)(⌊N_ID^cell / 4⌋ + 1) + 2^6 (ī_SSB + 1) + (N_ID^cell mod 4).

    Parameters
    ----------
    n_id_cell : int or array_like of int
        Physical cell identity N_ID^cell, 0..1007.
    i_ssb_bar : int or array_like of int
        ī_SSB, 0..7: i_SSB + 4 n_hf for L_max = 4, the three least significant bits of
        the SS/PBCH block index i_SSB for L_max = 8 or 64. Broadcast against ``n_id_cell``.

    Returns
    -------
    c_init : int or ndarray of int64
        A Python int when both inputs are scalars.

    Raises
    ------
    ConfigError
        If ``n_id_cell`` is not in 0..1007, ``i_ssb_bar`` not in 0..7, or their shapes do
        not broadcast.

    Examples
    --------
    >>> pbch_dmrs_c_init(1, 0)
    2113
    """
    n_id_cell, i_ssb_bar = _check_pbch_ids(n_id_cell, i_ssb_bar)
    c_init = 2**11 * (i_ssb_bar + 1) * (n_id_cell // 4 + 1) + 2**6 * (i_ssb_bar + 1) + n_id_cell % 4
    return int(c_init) if c_init.ndim == 0 else c_init


def pbch_dmrs(n_id_cell, i_ssb_bar) -> np.ndarray:
    """The 144 QPSK symbols r(m) of the PBCH demodulation reference signal.

    Implements TS 38.211 §7.4.1.4.1.

    r(m) = (1 - 2 c(2m)) / √2 + j (1 - 2 c(2m + 1)) / √2, m = 0..143, where c is the Gold
    sequence of §5.2.1 initialised with :func:`pbch_dmrs_c_init`.

    Parameters
    ----------
    n_id_cell : int or array_like of int
        Physical cell identity N_ID^cell, 0..1007.
    i_ssb_bar : int or array_like of int
        ī_SSB, 0..7 (see :func:`pbch_dmrs_c_init`). Broadcast against ``n_id_cell``.

    Returns
    -------
    r : ndarray of complex64, shape ``np.broadcast_shapes(np.shape(n_id_cell),
    np.shape(i_ssb_bar)) + (144,)``
        The sequence before the β_PBCH amplitude scaling of §7.4.3.1.3.

    Raises
    ------
    ConfigError
        If ``n_id_cell`` is not in 0..1007, ``i_ssb_bar`` not in 0..7, or their shapes do
        not broadcast.

    Examples
    --------
    >>> r = pbch_dmrs(0, 0)
    >>> r.shape, r.dtype
    ((144,), dtype('complex64'))
    >>> pbch_dmrs(np.arange(3)[:, None], np.arange(8)).shape
    (3, 8, 144)
    """
    c = gold_sequence(pbch_dmrs_c_init(n_id_cell, i_ssb_bar), 2 * PBCH_DMRS_LENGTH)
    return modulate(c, 2)  # QPSK of §5.1.4
