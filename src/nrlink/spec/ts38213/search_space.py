"""PDCCH search spaces: the hashing function and the CCEs of every PDCCH candidate.

Implements TS 38.213 §10.1 (UE procedure for determining physical downlink control
channel assignment).

For a search space set s of CORESET p, the CCEs of PDCCH candidate m_{s,n_CI} at
aggregation level L in slot n_s,f^μ are

    L · {(Y_{p,n_s,f^μ} + ⌊m_{s,n_CI} N_CCE,p / (L M_{s,max}^(L))⌋ + n_CI) mod ⌊N_CCE,p / L⌋} + i,

i = 0..L−1, with Y = 0 for a common search space (CSS) and, for a UE-specific search
space (USS), Y_{p,n} = (A_p Y_{p,n−1}) mod D, Y_{p,−1} = n_RNTI ≠ 0,
A_p = 39827, 39829, 39839 for p mod 3 = 0, 1, 2 and D = 65537.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_int_array

__all__ = [
    "AGGREGATION_LEVELS",
    "HASH_D",
    "SearchSpaceCandidates",
    "candidate_first_cces",
    "hashing_a",
    "hashing_y",
    "search_space_candidates",
]

_CLAUSE = "TS 38.213 §10.1"

#: CCE aggregation levels L of a search space (TS 38.213 §10.1, TS 38.211 Table 7.3.2.1-1).
AGGREGATION_LEVELS = (1, 2, 4, 8, 16)
#: D of the hashing function (TS 38.213 §10.1).
HASH_D = 65537
_A_P = (39827, 39829, 39839)


class SearchSpaceCandidates(NamedTuple):
    """The PDCCH candidates of a search space set in one slot (TS 38.213 §10.1).

    Attributes
    ----------
    level : ndarray of int64, shape (n,)
        Aggregation level L of each candidate (increasing L, then m).
    m : ndarray of int64, shape (n,)
        Candidate index m_{s,n_CI} within its level.
    first_cce : ndarray of int64, shape (..., n)
        First CCE of each candidate; its CCEs are ``first_cce .. first_cce + L − 1``.
        Leading axes follow Y (e.g. one row per RNTI).
    """

    level: np.ndarray
    m: np.ndarray
    first_cce: np.ndarray


def hashing_a(coreset_id) -> int:
    """A_p of the hashing function for CORESET p.

    Implements TS 38.213 §10.1: A_p = 39827 for p mod 3 = 0, 39829 for p mod 3 = 1,
    39839 for p mod 3 = 2.

    Examples
    --------
    >>> hashing_a(0), hashing_a(4), hashing_a(5)
    (39827, 39829, 39839)
    """
    p = check_int("coreset_id", coreset_id, "an integer in 0..15", _CLAUSE, lo=0, hi=15)
    return _A_P[p % 3]


def hashing_y(n_rnti, coreset_id, slot, *, common):
    """Y_{p,n_s,f^μ} of the hashing function.

    Implements TS 38.213 §10.1: Y = 0 for a CSS; for a USS Y_{p,−1} = n_RNTI and
    Y_{p,n} = (A_p Y_{p,n−1}) mod D, i.e. Y_{p,n_s} = (A_p^(n_s + 1) n_RNTI) mod D.

    Parameters
    ----------
    n_rnti : int or array_like of int
        C-RNTI n_RNTI, 1..65535 for a USS (any 0..65535 for a CSS, where it is unused).
    coreset_id : int
        CORESET index p, 0..15.
    slot : int
        Slot number n_s,f^μ in the frame, 0..639.
    common : bool
        Common search space (Y = 0).

    Returns
    -------
    y : int or ndarray of int64
        Same shape as ``n_rnti``.

    Examples
    --------
    >>> hashing_y(1, 0, 0, common=False)
    39827
    >>> hashing_y(1, 0, 1, common=False) == 39827 ** 2 % 65537
    True
    """
    common = check_bool("common", common, _CLAUSE)
    a = hashing_a(coreset_id)
    slot = check_int("slot", slot, "an integer in 0..639", _CLAUSE, lo=0, hi=639)
    lo = 0 if common else 1
    rnti = check_int_array("n_rnti", n_rnti, _CLAUSE, lo=lo, hi=65535,
                           range_text=f"{lo}..65535" + ("" if common else " (USS: n_RNTI ≠ 0)"))
    y = np.zeros_like(rnti) if common else (pow(a, slot + 1, HASH_D) * rnti) % HASH_D
    return int(y) if y.ndim == 0 else y


def _check_level(n_cce, aggregation_level):
    n_cce = check_int("n_cce", n_cce, "an integer in 1..2048", _CLAUSE, lo=1, hi=2048)
    ell = check_int("aggregation_level", aggregation_level, "one of 1, 2, 4, 8, 16", _CLAUSE,
                    choices=AGGREGATION_LEVELS)
    if ell > n_cce:
        raise ConfigError(
            f"aggregation_level={ell} is not allowed with n_cce={n_cce}: a PDCCH candidate "
            f"needs L ≤ N_CCE,p CCEs of the CORESET ({_CLAUSE})"
        )
    return n_cce, ell


def candidate_first_cces(n_cce, aggregation_level, num_candidates, y, *, n_ci=0,
                         m_max=None) -> np.ndarray:
    """First CCE of each PDCCH candidate of one aggregation level.

    Implements TS 38.213 §10.1:
    L · {(Y + ⌊m N_CCE,p / (L M_max)⌋ + n_CI) mod ⌊N_CCE,p / L⌋}, m = 0..M − 1.

    Parameters
    ----------
    n_cce : int
        N_CCE,p, CCEs of the CORESET.
    aggregation_level : int
        L ∈ {1, 2, 4, 8, 16}, at most ``n_cce``.
    num_candidates : int
        M^(L)_{s,n_CI}, 0..8.
    y : int or array_like of int
        Y_{p,n_s} from :func:`hashing_y` (0..65536).
    n_ci : int
        Carrier indicator n_CI, 0..7 (0 without cross-carrier scheduling and for a CSS).
    m_max : int or None
        M^(L)_{s,max} ≥ ``num_candidates`` (``None``: ``num_candidates``).

    Returns
    -------
    first_cce : ndarray of int64, shape ``np.shape(y) + (num_candidates,)``

    Examples
    --------
    >>> candidate_first_cces(16, 2, 4, 0).tolist()
    [0, 4, 8, 12]
    """
    n_cce, ell = _check_level(n_cce, aggregation_level)
    m_count = check_int("num_candidates", num_candidates, "an integer in 0..8", _CLAUSE,
                        lo=0, hi=8)
    m_max = m_count if m_max is None else check_int(
        "m_max", m_max, f"an integer in {max(m_count, 1)}..8 (≥ num_candidates)", _CLAUSE,
        lo=max(m_count, 1), hi=8)
    n_ci = check_int("n_ci", n_ci, "an integer in 0..7", _CLAUSE, lo=0, hi=7)
    y = check_int_array("y", y, _CLAUSE, lo=0, hi=HASH_D - 1)
    m = np.arange(m_count, dtype=np.int64)
    step = (m * n_cce) // (ell * max(m_max, 1))
    return ell * ((y[..., None] + step + n_ci) % (n_cce // ell))


def search_space_candidates(n_cce, candidates, y, *, n_ci=0, m_max=None) -> SearchSpaceCandidates:
    """All PDCCH candidates of a search space set in one slot.

    Implements TS 38.213 §10.1 for every aggregation level L ∈ {1, 2, 4, 8, 16} with
    M^(L) > 0 (see :func:`candidate_first_cces`).

    Parameters
    ----------
    n_cce : int
        N_CCE,p.
    candidates : sequence of 5 int
        M^(L) for L = 1, 2, 4, 8, 16 (each 0..8).
    y : int or array_like of int
        Y_{p,n_s}; its shape leads ``first_cce``.
    n_ci : int
        Carrier indicator n_CI.
    m_max : sequence of 5 int or None
        M^(L)_{s,max} per level (``None``: ``candidates``).

    Returns
    -------
    SearchSpaceCandidates

    Examples
    --------
    >>> c = search_space_candidates(8, (0, 0, 2, 1, 0), 0)
    >>> c.level.tolist(), c.m.tolist(), c.first_cce.tolist()
    ([4, 4, 8], [0, 1, 0], [0, 4, 0])
    """
    counts = tuple(candidates) if isinstance(candidates, tuple | list) else None
    if counts is None or len(counts) != len(AGGREGATION_LEVELS):
        raise ConfigError(f"candidates={candidates!r} is not allowed: candidates must be 5 "
                          f"counts M^(L) for L = 1, 2, 4, 8, 16 ({_CLAUSE})")
    maxes = counts if m_max is None else tuple(m_max)
    if len(maxes) != len(AGGREGATION_LEVELS):
        raise ConfigError(f"m_max={m_max!r} is not allowed: m_max must be 5 counts "
                          f"M^(L)_max for L = 1, 2, 4, 8, 16 ({_CLAUSE})")
    levels, ms, firsts = [], [], []
    y_arr = check_int_array("y", y, _CLAUSE, lo=0, hi=HASH_D - 1)
    for ell, count, mx in zip(AGGREGATION_LEVELS, counts, maxes, strict=True):
        count = check_int(f"candidates[L={ell}]", count, "an integer in 0..8", _CLAUSE,
                          lo=0, hi=8)
        if count == 0:
            continue
        firsts.append(candidate_first_cces(n_cce, ell, count, y_arr, n_ci=n_ci, m_max=mx))
        levels.append(np.full(count, ell, np.int64))
        ms.append(np.arange(count, dtype=np.int64))
    if not levels:
        return SearchSpaceCandidates(np.zeros(0, np.int64), np.zeros(0, np.int64),
                                     np.zeros(y_arr.shape + (0,), np.int64))
    return SearchSpaceCandidates(np.concatenate(levels), np.concatenate(ms),
                                 np.concatenate(firsts, axis=-1))
