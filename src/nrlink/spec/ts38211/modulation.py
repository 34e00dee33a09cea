"""Modulation mapper: bits to complex-valued modulation symbols.

Implements TS 38.211 §5.1 (§5.1.2 π/2-BPSK, §5.1.3 BPSK, §5.1.4 QPSK, §5.1.5 16QAM,
§5.1.6 64QAM, §5.1.7 256QAM, §5.1.8 1024QAM).

Every square QAM of §5.1 is a product of two Gray-labelled PAMs: with Q_m = 2m bits
b(i), ..., b(i + 2m − 1) per symbol, the real part depends on the even-offset bits
b(i), b(i + 2), ... and the imaginary part on the odd-offset bits b(i + 1), b(i + 3),
..., each through the nested expression of the spec,

    a(c_0, ..., c_{m−1}) = s_0 (2^{m−1} − s_1 (2^{m−2} − s_2 (... (2 − s_{m−1})))),

s_k = 1 − 2 c_k, scaled by 1/sqrt(2 (4^m − 1) / 3) (1/√2, 1/√10, 1/√42, 1/√170,
1/√682) for unit average energy. The mapper is one table look-up per symbol: the
2^Q_m points are computed once from that expression, in label order, and indexed
by the label b(i) ... b(i + Q_m − 1) read MSB first.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool

__all__ = [
    "MODULATION_ORDERS",
    "check_pi2_bpsk",
    "check_qm",
    "constellation",
    "modulate",
    "pam_levels",
]

#: Modulation orders Q_m of TS 38.211 §5.1: π/2-BPSK/BPSK (1), QPSK (2), 16QAM (4),
#: 64QAM (6), 256QAM (8), 1024QAM (10). The one list every Q_m check uses.
MODULATION_ORDERS: tuple[int, ...] = (1, 2, 4, 6, 8, 10)

_CLAUSE = "TS 38.211 §5.1"
_CLAUSE_OF = {1: "TS 38.211 §5.1.3", 2: "TS 38.211 §5.1.4", 4: "TS 38.211 §5.1.5",
              6: "TS 38.211 §5.1.6", 8: "TS 38.211 §5.1.7", 10: "TS 38.211 §5.1.8"}


def check_qm(qm, clause: str = _CLAUSE) -> int:
    """Validate a modulation order Q_m (one of 1, 2, 4, 6, 8, 10) and return it as ``int``.

    Implements TS 38.211 §5.1. ``clause`` is cited in the error message.
    """
    return check_int("qm", qm, "one of 1, 2, 4, 6, 8, 10", clause, choices=MODULATION_ORDERS)


def check_pi2_bpsk(pi2_bpsk, qm: int) -> bool:
    """Validate the π/2-BPSK flag for the (validated) modulation order ``qm``.

    Implements TS 38.211 §5.1.2 (π/2-BPSK has Q_m = 1).
    """
    pi2_bpsk = check_bool("pi2_bpsk", pi2_bpsk, "TS 38.211 §5.1.2")
    if pi2_bpsk and qm != 1:
        raise ConfigError(f"pi2_bpsk=True is not allowed with qm={qm}: π/2-BPSK has qm=1 "
                          f"(TS 38.211 §5.1.2)")
    return pi2_bpsk


@cache
def pam_levels(m: int) -> np.ndarray:
    """Unnormalised amplitude of each m-bit PAM label of the square QAMs.

    Implements TS 38.211 §5.1.4-§5.1.8 (one dimension of the QAM expressions).

    Parameters
    ----------
    m : int
        Bits per dimension, 1..5 (Q_m = 2m: QPSK .. 1024QAM).

    Returns
    -------
    a : ndarray of int64, shape (2**m,), read-only
        ``a[c]`` is the odd integer a(c_0, ..., c_{m−1}) of the spec for the label
        c = c_0 ... c_{m−1} read MSB first (c_0 the bit on b(i) or b(i + 1)).

    Examples
    --------
    >>> pam_levels(2).tolist()  # 16QAM: c = 00, 01, 10, 11
    [1, 3, -1, -3]
    """
    m = check_int("m", m, "an integer in 1..5", _CLAUSE, lo=1, hi=5)
    labels = np.arange(1 << m)
    s = 1 - 2 * ((labels[:, None] >> np.arange(m - 1, -1, -1)) & 1)  # s_k, k = 0..m-1
    a = s[:, m - 1].copy()
    for k in range(m - 2, -1, -1):  # innermost bracket first
        a = s[:, k] * ((1 << (m - 1 - k)) - a)
    a.setflags(write=False)
    return a


@cache
def _table(qm: int) -> np.ndarray:
    """The 2**qm points of Q_m (BPSK for 1) in label order, complex64, read-only."""
    if qm == 1:
        pts = np.array([1 + 1j, -1 - 1j]) / np.sqrt(2.0)
    else:
        m = qm // 2
        a = pam_levels(m).astype(np.float64)
        labels = np.arange(1 << qm)
        # even-offset bits (b(i), b(i+2), ...) -> real part, odd-offset -> imaginary part
        shifts = np.arange(qm - 1, -1, -1)
        bits = (labels[:, None] >> shifts) & 1
        weights = 1 << np.arange(m - 1, -1, -1)
        re_label = bits[:, 0::2] @ weights
        im_label = bits[:, 1::2] @ weights
        norm = np.sqrt(2.0 * (4.0**m - 1.0) / 3.0)
        pts = (a[re_label] + 1j * a[im_label]) / norm
    out = pts.astype(np.complex64)
    out.setflags(write=False)
    return out


def constellation(qm: int) -> np.ndarray:
    """The 2**Q_m modulation symbols of modulation order ``qm`` in label order.

    Implements TS 38.211 §5.1.3-§5.1.8.

    Parameters
    ----------
    qm : int
        Modulation order Q_m, one of 1 (BPSK), 2, 4, 6, 8, 10.

    Returns
    -------
    points : ndarray of complex64, shape (2**qm,)
        ``points[label]`` is the symbol of the bits b(i) ... b(i + Q_m − 1) whose
        value read MSB first (b(i) the most significant) is ``label``. Unit average
        energy. π/2-BPSK is BPSK rotated by e^{jπ(i mod 2)/2} (§5.1.2).

    Raises
    ------
    ConfigError
        If ``qm`` is not a modulation order.

    Examples
    --------
    >>> np.round(constellation(2) * np.sqrt(2)).tolist()
    [(1+1j), (1-1j), (-1+1j), (-1-1j)]
    """
    return _table(check_qm(qm)).copy()


def modulate(b, qm: int, *, pi2_bpsk: bool = False) -> np.ndarray:
    """Map bits to complex-valued modulation symbols.

    Implements TS 38.211 §5.1 (§5.1.2-§5.1.8).

    Symbol d(i) takes the bits b(Q_m i), ..., b(Q_m i + Q_m − 1):

    * π/2-BPSK (§5.1.2): d(i) = e^{jπ(i mod 2)/2} / √2 [(1 − 2b(i)) + j(1 − 2b(i))];
    * BPSK (§5.1.3): d(i) = 1/√2 [(1 − 2b(i)) + j(1 − 2b(i))];
    * QPSK (§5.1.4): d(i) = 1/√2 [(1 − 2b(2i)) + j(1 − 2b(2i + 1))];
    * 16QAM, 64QAM, 256QAM, 1024QAM (§5.1.5-§5.1.8): the nested expressions of the
      spec with factors 1/√10, 1/√42, 1/√170, 1/√682 (see :func:`pam_levels`).

    Parameters
    ----------
    b : array_like of uint8, int8 or bool, shape (..., n_bits)
        Bits 0/1, n_bits a multiple of ``qm``; leading axes are batch axes.
    qm : int
        Modulation order Q_m, one of 1, 2, 4, 6, 8, 10.
    pi2_bpsk : bool, default False
        With ``qm=1``: π/2-BPSK instead of BPSK. The symbol index i of the rotation
        counts along the last axis (from 0 in every batch row).

    Returns
    -------
    d : ndarray of complex64, shape (..., n_bits // qm)
        Modulation symbols of unit average energy.

    Raises
    ------
    ConfigError
        If ``qm`` is not a modulation order, ``pi2_bpsk`` is set with ``qm != 1``,
        ``b`` is a scalar or not an integer/bool array of 0/1, or n_bits is not a
        multiple of ``qm``.

    Examples
    --------
    >>> d = modulate(np.array([0, 0, 1, 1, 0, 1], dtype=np.uint8), 2)
    >>> d.dtype, np.round(d * np.sqrt(2)).tolist()
    (dtype('complex64'), [(1+1j), (-1-1j), (1-1j)])
    >>> np.round(modulate(np.array([0, 0], dtype=np.uint8), 1, pi2_bpsk=True) * np.sqrt(2))
    array([ 1.+1.j, -1.+1.j])
    """
    qm = check_qm(qm)
    pi2_bpsk = check_pi2_bpsk(pi2_bpsk, qm)
    bits = as_bits("b", b, _CLAUSE)
    if bits.shape[-1] % qm:
        raise ConfigError(f"b has {bits.shape[-1]} bits along its last axis: the number of bits "
                          f"must be a multiple of qm={qm} ({_CLAUSE_OF[qm]})")
    shape = bits.shape[:-1] + (bits.shape[-1] // qm,)
    d = np.empty(shape, dtype=np.complex64)
    _modulate_kernel(bits.reshape(-1), qm, _table(qm), d.reshape(-1))
    if pi2_bpsk:
        d[..., 1::2] *= np.complex64(1j)  # e^{jπ/2} on odd i; exact in complex64
    return d


@njit(cache=True)
def _modulate_kernel(bits, qm, table, d):  # pragma: no cover - jitted
    """d[i] = table[label of bits[qm i : qm i + qm], MSB first]."""
    for i in range(d.shape[0]):
        label = 0
        base = i * qm
        for k in range(qm):
            label = (label << 1) | bits[base + k]
        d[i] = table[label]
