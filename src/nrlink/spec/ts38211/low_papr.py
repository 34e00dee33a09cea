"""Low-PAPR sequences and the group/sequence hopping of the transform-precoding PUSCH DMRS.

Implements TS 38.211 §5.2.2 (low-PAPR sequence generation type 1, Tables 5.2.2.2-1 to
5.2.2.2-4) and §6.4.1.1.1.2 (u, v of the PUSCH DMRS with transform precoding).
"""

from __future__ import annotations

import math

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_real
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_symb_slot
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "PHI_TABLES",
    "largest_prime_below",
    "low_papr_base_sequence",
    "low_papr_sequence_type1",
    "low_papr_sequence_type2",
    "pusch_dmrs_hopping",
]

_CLAUSE = "TS 38.211 §5.2.2"

# φ(0), ..., φ(M_ZC - 1) for u = 0..29, one row per line.
_PHI_6 = """
-3 -1 3 3 -1 -3
-3 3 -1 -1 3 -3
-3 -3 -3 3 1 -3
1 1 1 3 -1 -3
1 1 1 -3 -1 3
-3 1 -1 -3 -3 -3
-3 1 3 -3 -3 -3
-3 -1 1 -3 1 -1
-3 -1 -3 1 -3 -3
-3 -3 1 -3 3 -3
-3 1 3 1 -3 -3
-3 -1 -3 1 1 -3
1 1 3 -1 -3 3
1 1 3 3 -1 3
1 1 1 -3 3 -1
1 1 1 -1 3 -3
-3 -1 -1 -1 3 -1
-3 -3 -1 1 -1 -3
-3 -3 -3 1 -3 -1
-3 1 1 -3 -1 -3
-3 3 -3 1 1 -3
-3 1 -3 -3 -3 -1
1 1 -3 3 1 3
1 1 -3 -3 1 -3
1 1 3 -1 3 3
1 1 -3 1 3 3
1 1 -1 -1 3 -1
1 1 -1 3 -1 -1
1 1 -1 3 -3 -1
1 1 -3 1 -1 -1
"""

_PHI_12 = """
-3 1 -3 -3 -3 3 -3 -1 1 1 1 -3
-3 3 1 -3 1 3 -1 -1 1 3 3 3
-3 3 3 1 -3 3 -1 1 3 -3 3 -3
-3 -3 -1 3 3 3 -3 3 -3 1 -1 -3
-3 -1 -1 1 3 1 1 -1 1 -1 -3 1
-3 -3 3 1 -3 -3 -3 -1 3 -1 1 3
1 -1 3 -1 -1 -1 -3 -1 1 1 1 -3
-1 -3 3 -1 -3 -3 -3 -1 1 -1 1 -3
-3 -1 3 1 -3 -1 -3 3 1 3 3 1
-3 -1 -1 -3 -3 -1 -3 3 1 3 -1 -3
-3 3 -3 3 3 -3 -1 -1 3 3 1 -3
-3 -1 -3 -1 -1 -3 3 3 -1 -1 1 -3
-3 -1 3 -3 -3 -1 -3 1 -1 -3 3 3
-3 1 -1 -1 3 3 -3 -1 -1 -3 -1 -3
1 3 -3 1 3 3 3 1 -1 1 -1 3
-3 1 3 -1 -1 -3 -3 -1 -1 3 1 -3
-1 -1 -1 -1 1 -3 -1 3 3 -1 -3 1
-1 1 1 -1 1 3 3 -1 -1 -3 1 -3
-3 1 3 3 -1 -1 -3 3 3 -3 3 -3
-3 -3 3 -3 -1 3 3 3 -1 -3 1 -3
3 1 3 1 3 -3 -1 1 3 1 -1 -3
-3 3 1 3 -3 1 1 1 1 3 -3 3
-3 3 3 3 -1 -3 -3 -1 -3 1 3 -3
3 -1 -3 3 -3 -1 3 3 3 -3 -1 -3
-3 -1 1 -3 1 3 3 3 -1 -3 3 3
-3 3 1 -1 3 3 -3 1 -1 1 -1 1
-1 1 3 -3 1 -1 1 -1 -1 -3 1 -1
-3 -3 3 3 3 -3 -1 1 -3 3 1 -3
1 -1 3 1 1 -1 -1 -1 1 3 -3 1
-3 3 -3 3 -3 -3 3 -1 -1 1 3 -3
"""

_PHI_18 = """
-1 3 -1 -3 3 1 -3 -1 3 -3 -1 -1 1 1 1 -1 -1 -1
3 -3 3 -1 1 3 -3 -1 -3 -3 -1 -3 3 1 -1 3 -3 3
-3 3 1 -1 -1 3 -3 -1 1 1 1 1 1 -1 3 -1 -3 -1
-3 -3 3 3 3 1 -3 1 3 3 1 -3 -3 3 -1 -3 -1 1
1 1 -1 -1 -3 -1 1 -3 -3 -3 1 -3 -1 -1 1 -1 3 1
3 -3 1 1 3 -1 1 -1 -1 -3 1 1 -1 3 3 -3 3 -1
-3 3 -1 1 3 1 -3 -1 1 1 -3 1 3 3 -1 -3 -3 -3
1 1 -3 3 3 1 3 -3 3 -1 1 1 -1 1 -3 -3 -1 3
-3 1 -3 -3 1 -3 -3 3 1 -3 -1 -3 -3 -3 -1 1 1 3
3 -1 3 1 -3 -3 -1 1 -3 -3 3 3 3 1 3 -3 3 -3
-3 -3 -3 1 -3 3 1 1 3 -3 -3 1 3 -1 3 -3 -3 3
-3 -3 3 3 3 -1 -1 -3 -1 -1 -1 3 1 -3 -3 -1 3 -1
-3 -1 -3 -3 1 1 -1 -3 -1 -3 -1 -1 3 3 -1 3 1 3
1 1 -3 -3 -3 -3 1 3 -3 3 3 1 -3 -1 3 -1 -3 1
-3 3 -1 -3 -1 -3 1 1 -3 -3 -1 -1 3 -3 1 3 1 1
3 1 -3 1 -3 3 3 -1 -3 -3 -1 -3 -3 3 -3 -1 1 3
-3 -1 -3 -1 -3 1 3 -3 -1 3 3 3 1 -1 -3 3 -1 -3
-3 -1 3 3 -1 3 -1 -3 -1 1 -1 -3 -1 -1 -1 3 3 1
-3 1 -3 -1 -1 3 1 -3 -3 -3 -1 -3 -3 1 1 1 -1 -1
3 3 3 -3 -1 -3 -1 3 -1 1 -1 -3 1 -3 -3 -1 3 3
-3 1 1 -3 1 1 3 -3 -1 -3 -1 3 -3 3 -1 -1 -1 -3
1 -3 -1 -3 3 3 -1 -3 1 -3 -3 -1 -3 -1 1 3 3 3
-3 -3 1 -1 -1 1 1 -3 -1 3 3 3 3 -1 3 1 3 1
3 -1 -3 1 -3 -3 -3 3 3 -1 1 -3 -1 3 1 1 3 3
3 -1 -1 1 -3 -1 -3 -1 -3 -3 -1 -3 1 1 1 -3 -3 3
-3 -3 1 -3 3 3 3 -1 3 1 1 -3 -3 -3 3 -3 -1 -1
-3 -1 -1 -3 1 -3 3 -1 -1 -3 3 3 -3 -1 3 -1 -1 -1
-3 -3 3 3 -3 1 3 -1 -3 1 -1 -3 3 -3 -1 -1 -1 3
-1 -3 1 -3 -3 -3 1 1 3 3 -3 3 3 -3 -1 3 -3 1
-3 3 1 -1 -1 -1 -1 1 -1 3 3 -3 -1 1 3 -1 3 -1
"""

_PHI_24 = """
-1 -3 3 -1 3 1 3 -1 1 -3 -1 -3 -1 1 3 -3 -1 -3 3 3 3 -3 -3 -3
-1 -3 3 1 1 -3 1 -3 -3 1 -3 -1 -1 3 -3 3 3 3 -3 1 3 3 -3 -3
-1 -3 -3 1 -1 -1 -3 1 3 -1 -3 -1 -1 -3 1 1 3 1 -3 -1 -1 3 -3 -3
1 -3 3 -1 -3 -1 3 3 1 -1 1 1 3 -3 -1 -3 -3 -3 -1 3 -3 -1 -3 -3
-1 3 -3 -3 -1 3 -1 -1 1 3 1 3 -1 -1 -3 1 3 1 -1 -3 1 -1 -3 -3
-3 -1 1 -3 -3 1 1 -3 3 -1 -1 -3 1 3 1 -1 -3 -1 -3 1 -3 -3 -3 -3
-3 3 1 3 -1 1 -3 1 -3 1 -1 -3 -1 -3 -3 -3 -3 -1 -1 -1 1 1 -3 -3
-3 1 3 -1 1 -1 3 -3 3 -1 -3 -1 -3 3 -1 -1 -1 -3 -1 -1 -3 3 3 -3
-3 1 -3 3 -1 -1 -1 -3 3 1 -1 -3 -1 1 3 -1 1 -1 1 -3 -3 -3 -3 -3
1 1 -1 -3 -1 1 1 -3 1 -1 1 -3 3 -3 -3 3 -1 -3 1 3 -3 1 -3 -3
-3 -3 -3 -1 3 -3 3 1 3 1 -3 -1 -1 -3 1 1 3 1 -1 -3 3 1 3 -3
-3 3 -1 3 1 -1 -1 -1 3 3 1 1 1 3 3 1 -3 -3 -1 1 -3 1 3 -3
3 -3 3 -1 -3 1 3 1 -1 -1 -3 -1 3 -3 3 -1 -1 3 3 -3 -3 3 -3 -3
-3 3 -1 3 -1 3 3 1 1 -3 1 3 -3 3 -3 -3 -1 1 3 -3 -1 -1 -3 -3
-3 1 -3 -1 -1 3 1 3 -3 1 -1 3 3 -1 -3 3 -3 -1 -1 -3 -3 -3 3 -3
-3 -1 -1 -3 1 -3 -3 -1 -1 3 -1 1 -1 3 1 -3 -1 3 1 1 -1 -1 -3 -3
-3 -3 1 -1 3 3 -3 -1 1 -1 -1 1 1 -1 -1 3 -3 1 -3 1 -1 -1 -1 -3
3 -1 3 -1 1 -3 1 1 -3 -3 3 -3 -1 -1 -1 -1 -1 -3 -3 -1 1 1 -3 -3
-3 1 -3 1 -3 -3 1 -3 1 -3 -3 -3 -3 -3 1 -3 -3 1 1 -3 1 1 -3 -3
-3 -3 3 3 1 -1 -1 -1 1 -3 -1 1 -1 3 -3 -1 -3 -1 -1 1 -3 3 -1 -3
-3 -3 -1 -1 -1 -3 1 -1 -3 -1 3 -3 1 -3 3 -3 3 3 1 -1 -1 1 -3 -3
3 -1 1 -1 3 -3 1 1 3 -1 -3 3 1 -3 3 -1 -1 -1 -1 1 -3 -3 -3 -3
-3 1 -3 3 -3 1 -3 3 1 -1 -3 -1 -3 -3 -3 -3 1 3 -1 1 3 3 3 -3
-3 -1 1 -3 -1 -1 1 1 1 3 3 -1 1 -1 1 -1 -1 -3 -3 -3 3 1 -1 -3
-3 3 -1 -3 -1 -1 -1 3 -1 -1 3 -3 -1 3 -3 3 -3 -1 3 1 1 -1 -3 -3
-3 1 -1 -3 -3 -1 1 -3 -1 -3 1 1 -1 1 1 3 3 3 -1 1 -1 1 -1 -3
-1 3 -1 -1 3 3 -1 -1 -1 3 -1 -3 1 3 1 1 -3 -3 -3 -1 -3 -1 -3 -3
3 -3 -3 -1 3 3 -3 -1 3 1 1 1 3 -1 3 -3 -1 3 -1 3 1 -1 -3 -3
-3 1 -3 1 -3 1 1 3 1 -3 -3 -1 1 3 -1 -3 3 1 -1 -3 -3 -3 -3 -3
3 -3 -1 1 3 -1 -1 -3 -1 3 -1 -3 -1 -3 3 -1 3 1 1 -3 3 -3 -3 -3
"""


def _parse_phi(text: str, m: int) -> np.ndarray:
    rows = [[int(x) for x in line.split()] for line in text.strip().splitlines()]
    arr = np.array(rows, dtype=np.int8)
    if arr.shape != (30, m):  # pragma: no cover - guards the data above
        raise RuntimeError(f"phi table for M_ZC={m} has shape {arr.shape}")
    return arr


#: φ(n) of TS 38.211 Tables 5.2.2.2-1 (M_ZC = 6), 5.2.2.2-2 (12), 5.2.2.2-3 (18) and
#: 5.2.2.2-4 (24): ``m_zc -> int8 array (30, m_zc)`` indexed by [u, n].
PHI_TABLES: dict[int, np.ndarray] = {
    6: _parse_phi(_PHI_6, 6),
    12: _parse_phi(_PHI_12, 12),
    18: _parse_phi(_PHI_18, 18),
    24: _parse_phi(_PHI_24, 24),
}
for _t in PHI_TABLES.values():
    _t.setflags(write=False)


def largest_prime_below(m: int) -> int:
    """Largest prime N_ZC with N_ZC < m.

    Implements TS 38.211 §5.2.2.1 (the length N_ZC of the Zadoff-Chu sequence).

    Parameters
    ----------
    m : int
        M_ZC >= 3.

    Returns
    -------
    int

    Examples
    --------
    >>> largest_prime_below(36), largest_prime_below(72)
    (31, 71)
    """
    m = check_int("m", m, "an integer >= 3", "TS 38.211 §5.2.2.1", lo=3)
    for cand in range(m - 1, 1, -1):
        if all(cand % d for d in range(2, math.isqrt(cand) + 1)):
            return cand
    raise AssertionError("unreachable")  # pragma: no cover


def _check_m_zc(m_zc, clause):
    m_zc = check_int("m_zc", m_zc, "one of 6, 12, 18, 24, 30 or an integer >= 36", clause, lo=6)
    if m_zc < 36 and m_zc not in (6, 12, 18, 24, 30):
        raise ConfigError(
            f"m_zc={m_zc} is not allowed: m_zc must be one of 6, 12, 18, 24, 30 or an integer "
            f">= 36 ({clause})"
        )
    return m_zc


def low_papr_base_sequence(u: int, v: int, m_zc: int) -> np.ndarray:
    """Base sequence r̄_{u,v}(n) of the low-PAPR sequences type 1.

    Implements TS 38.211 §5.2.2.1 (M_ZC >= 36) and §5.2.2.2 (M_ZC < 36, Tables 5.2.2.2-1
    to 5.2.2.2-4).

    M_ZC >= 36: r̄_{u,v}(n) = x_q(n mod N_ZC), x_q(m) = exp(-jπ q m (m + 1) / N_ZC),
    q = ⌊q̄ + 1/2⌋ + v (-1)^⌊2 q̄⌋, q̄ = N_ZC (u + 1) / 31, N_ZC the largest prime < M_ZC.
    M_ZC = 30: r̄_{u,v}(n) = exp(-jπ (u + 1)(n + 1)(n + 2) / 31). M_ZC ∈ {6, 12, 18, 24}:
    r̄_{u,v}(n) = exp(j φ(n) π / 4).

    Parameters
    ----------
    u : int
        Sequence group u, 0..29.
    v : int
        Base sequence number v within the group: 0 or 1 for M_ZC >= 72, 0 otherwise.
    m_zc : int
        Sequence length M_ZC: 6, 12, 18, 24, 30 or >= 36.

    Returns
    -------
    ndarray of complex64, shape (m_zc,)

    Raises
    ------
    ConfigError
        If a parameter is out of range.

    Examples
    --------
    >>> r = low_papr_base_sequence(0, 0, 12)
    >>> np.allclose(np.abs(r), 1), np.round(np.angle(r[:3]) / (np.pi / 4)).tolist()
    (True, [-3.0, 1.0, -3.0])
    """
    clause = _CLAUSE
    u = check_int("u", u, "in 0..29", clause, lo=0, hi=29)
    m_zc = _check_m_zc(m_zc, clause)
    v_max = 1 if m_zc >= 6 * N_SC_RB else 0
    v = check_int("v", v, f"in 0..{v_max} for m_zc={m_zc}", clause, lo=0, hi=v_max)
    n = np.arange(m_zc, dtype=np.int64)
    if m_zc >= 3 * N_SC_RB:
        n_zc = largest_prime_below(m_zc)
        # q̄ = N_ZC (u + 1) / 31 in exact integer arithmetic
        num = n_zc * (u + 1)
        q = (2 * num + 31) // 62 + v * (-1) ** ((2 * num) // 31)
        m = n % n_zc
        # phase -π q m (m + 1) / N_ZC, reduced mod 2π exactly: (q m (m+1)) mod 2 N_ZC
        e = (q * m * (m + 1)) % (2 * n_zc)
        phase = -np.pi * e / n_zc
    elif m_zc == 30:
        e = ((u + 1) * (n + 1) * (n + 2)) % 62
        phase = -np.pi * e / 31
    else:
        phase = PHI_TABLES[m_zc][u].astype(np.float64) * (np.pi / 4)
    return np.exp(1j * phase).astype(np.complex64)


def low_papr_sequence_type1(u: int, v: int, alpha: float, m_zc: int) -> np.ndarray:
    """Low-PAPR sequence type 1 r_{u,v}^{(α,δ)}(n) = e^{jαn} r̄_{u,v}(n), n = 0..M_ZC-1.

    Implements TS 38.211 §5.2.2.

    Parameters
    ----------
    u, v : int
        Group and base sequence number (:func:`low_papr_base_sequence`).
    alpha : float
        Cyclic shift α (radians per sample).
    m_zc : int
        Length M_ZC = m N_sc^RB / 2^δ (the caller applies δ, e.g. M_sc^PUSCH / 2 for the
        PUSCH DMRS with δ = 1).

    Returns
    -------
    ndarray of complex64, shape (m_zc,)

    Examples
    --------
    >>> r = low_papr_sequence_type1(3, 0, np.pi / 6, 36)
    >>> r.shape, bool(np.allclose(np.abs(r), 1))
    ((36,), True)
    """
    a = check_real("alpha", alpha, "a finite real number", _CLAUSE)
    base = low_papr_base_sequence(u, v, m_zc)
    n = np.arange(base.size, dtype=np.float64)
    return (np.exp(1j * a * n) * base).astype(np.complex64)


def low_papr_sequence_type2(*args, **kwargs):
    """Low-PAPR sequence type 2 (π/2-BPSK DMRS).

    Implements TS 38.211 §5.2.3 (not implemented).

    Raises
    ------
    NotImplementedError
        Always.
    """
    raise NotImplementedError(
        "low-PAPR sequence type 2 (TS 38.211 §5.2.3, π/2-BPSK PUSCH DMRS) is not implemented"
    )


def pusch_dmrs_hopping(
    *,
    n_id_rs: int,
    n_symb_slot: int,
    n_slot: int,
    l: int,  # noqa: E741
    m_zc: int,
    group_hopping: bool = False,
    sequence_hopping: bool = False,
) -> tuple[int, int]:
    """Sequence group u and base sequence number v of the PUSCH DMRS with transform precoding.

    Implements TS 38.211 §6.4.1.1.1.2.

    u = (f_gh + n_ID^RS) mod 30 with
    * no hopping: f_gh = 0, v = 0;
    * group hopping: f_gh = (Σ_{m=0}^{7} 2^m c(8 (N_symb^slot n_s,f^μ + l) + m)) mod 30, v = 0,
      c(i) initialised with c_init = ⌊n_ID^RS / 30⌋;
    * sequence hopping: f_gh = 0, v = c(N_symb^slot n_s,f^μ + l) if M_ZC >= 6 N_sc^RB else 0,
      c(i) initialised with c_init = n_ID^RS.

    Parameters
    ----------
    n_id_rs : int
        n_ID^RS: nPUSCH-Identity if configured, N_ID^cell otherwise; 0..1007.
    n_symb_slot : int
        14 or 12.
    n_slot : int
        Slot number n_s,f^μ in the frame (the sequences restart every radio frame).
    l : int
        OFDM symbol number in the slot (for double-symbol DMRS the first symbol of the pair).
    m_zc : int
        Sequence length M_ZC (M_sc^PUSCH / 2).
    group_hopping, sequence_hopping : bool
        Group hopping (sequenceGroupHopping / groupHoppingEnabledTransformPrecoding) and
        sequence hopping (sequenceHopping); at most one may be enabled.

    Returns
    -------
    (u, v) : tuple of int

    Examples
    --------
    >>> pusch_dmrs_hopping(n_id_rs=37, n_symb_slot=14, n_slot=0, l=2, m_zc=36)
    (7, 0)
    """
    clause = "TS 38.211 §6.4.1.1.1.2"
    n_id_rs = check_int("n_id_rs", n_id_rs, "in 0..1007", clause, lo=0, hi=1007)
    n_symb_slot = check_n_symb_slot(n_symb_slot, clause)
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", clause, lo=0)
    l = check_int("l", l, f"in 0..{n_symb_slot - 1}", clause, lo=0, hi=n_symb_slot - 1)  # noqa: E741
    m_zc = _check_m_zc(m_zc, clause)
    if group_hopping and sequence_hopping:
        raise ConfigError(
            "group_hopping=True and sequence_hopping=True is not allowed: at most one of group "
            f"hopping and sequence hopping may be enabled ({clause})"
        )
    t = n_symb_slot * n_slot + l
    f_gh, v = 0, 0
    if group_hopping:
        c = gold_sequence(n_id_rs // 30, 8 * t + 8)[8 * t :]
        f_gh = int(np.dot(c.astype(np.int64), 1 << np.arange(8))) % 30
    elif sequence_hopping and m_zc >= 6 * N_SC_RB:
        v = int(gold_sequence(n_id_rs, t + 1)[t])
    return (f_gh + n_id_rs) % 30, v
