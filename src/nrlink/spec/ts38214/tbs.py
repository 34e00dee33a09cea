"""Transport block size determination and the limited-buffer TBS_LBRM.

Implements TS 38.214 §5.1.3.2 (Table 5.1.3.2-1) and §6.1.4.2; TS 38.212 §5.4.2.1
(Table 5.4.2.1-1) for TBS_LBRM.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.modulation import check_qm
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_size_grid
from nrlink.spec.ts38214.mcs import mcs_entry

__all__ = [
    "TBS_TABLE",
    "n_prb_lbrm",
    "n_re_per_prb",
    "n_re_total",
    "R_LBRM",
    "tbs_from_allocation",
    "tbs_lbrm",
    "transport_block_size",
]

_CLAUSE = "TS 38.214 §5.1.3.2"

#: TS 38.214 Table 5.1.3.2-1: the 93 TBS values for N_info <= 3824.
TBS_TABLE: tuple[int, ...] = (
    24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144,
    152, 160, 168, 176, 184, 192, 208, 224, 240, 256, 272, 288, 304, 320, 336, 352,
    368, 384, 408, 432, 456, 480, 504, 528, 552, 576, 608, 640, 672, 704, 736, 768,
    808, 848, 888, 928, 984, 1032, 1064, 1128, 1160, 1192, 1224, 1256, 1288, 1320, 1352, 1416,
    1480, 1544, 1608, 1672, 1736, 1800, 1864, 1928, 2024, 2088, 2152, 2216, 2280, 2408, 2472,
    2536, 2600, 2664, 2728, 2792, 2856, 2976, 3104, 3240, 3368, 3496, 3624, 3752, 3824,
)  # fmt: skip

#: Allowed values of the TB scaling factor S (TS 38.214 Table 5.1.3.2-2).
SCALING_VALUES = (0.25, 0.5, 1.0)
#: x_overhead values N_oh^PRB (higher-layer xOverhead: 0, xOh6, xOh12, xOh18).
X_OVERHEAD_VALUES = (0, 6, 12, 18)
#: R_LBRM of TS 38.212 §5.4.2.1.
R_LBRM = Fraction(2, 3)


def n_re_per_prb(n_symbols: int, n_dmrs_prb: int, x_overhead: int = 0) -> int:
    """Number of REs for PDSCH/PUSCH data within one PRB, N'_RE.

    Implements TS 38.214 §5.1.3.2 (step 1), and §6.1.4.2.

    N'_RE = N_sc^RB · N_symb^sh − N_DMRS^PRB − N_oh^PRB with N_sc^RB = 12.

    Parameters
    ----------
    n_symbols : int
        N_symb^sh, number of symbols of the PDSCH/PUSCH allocation in the slot, 1..14.
    n_dmrs_prb : int
        N_DMRS^PRB, DMRS REs per PRB in the scheduled duration, including the overhead
        of DMRS CDM groups without data; >= 0.
    x_overhead : int, default 0
        N_oh^PRB from the higher-layer parameter xOverhead: 0, 6, 12 or 18.

    Returns
    -------
    int
        N'_RE (> 0).

    Raises
    ------
    ConfigError
        If a parameter is out of range or N'_RE <= 0 (no data RE).
    """
    n_symbols = check_int("n_symbols", n_symbols, "an integer in 1..14", _CLAUSE, lo=1, hi=14)
    n_dmrs_prb = check_int("n_dmrs_prb", n_dmrs_prb, "an integer >= 0", _CLAUSE, lo=0)
    x_overhead = check_int(
        "x_overhead", x_overhead, "one of 0, 6, 12, 18", _CLAUSE, choices=X_OVERHEAD_VALUES
    )
    n_re_prime = N_SC_RB * n_symbols - n_dmrs_prb - x_overhead
    if n_re_prime <= 0:
        raise ConfigError(
            f"n_dmrs_prb={n_dmrs_prb} and x_overhead={x_overhead} leave no data RE in "
            f"n_symbols={n_symbols} symbols: N'_RE = 12·{n_symbols} − {n_dmrs_prb} − "
            f"{x_overhead} = {n_re_prime} must be > 0 ({_CLAUSE})"
        )
    return n_re_prime


def n_re_total(*, n_prb: int, n_symbols: int, n_dmrs_prb: int, x_overhead: int = 0) -> int:
    """Total number of REs for data, N_RE = min(156, N'_RE) · n_PRB.

    Implements TS 38.214 §5.1.3.2 (step 1), and §6.1.4.2.

    Parameters
    ----------
    n_prb : int
        n_PRB, number of allocated PRBs, 1..275.
    n_symbols, n_dmrs_prb, x_overhead : int
        As for :func:`n_re_per_prb`.

    Returns
    -------
    int
        N_RE.

    Raises
    ------
    ConfigError
        If a parameter is out of range or the allocation has no data RE.
    """
    n_prb = check_n_size_grid(n_prb, "n_prb", _CLAUSE)
    return min(156, n_re_per_prb(n_symbols, n_dmrs_prb, x_overhead)) * n_prb


def _exact(name: str, value, allowed: str, clause: str) -> Fraction:
    """``value`` (int, float or Fraction, NumPy scalars included) as an exact Fraction."""
    if isinstance(value, np.integer | np.floating):
        value = value.item()
    ok = isinstance(value, int | float | Fraction) and not isinstance(value, bool)
    if not ok or (isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be {allowed} ({clause})")
    return Fraction(value)


def transport_block_size(*, n_re: int, r, qm: int, layers: int, scaling=1.0) -> int:
    """Transport block size TBS for N_RE data REs, code rate R, Q_m and v layers.

    Implements TS 38.214 §5.1.3.2 (Table 5.1.3.2-1), and §6.1.4.2.

    N_info = S · N_RE · R · Q_m · v. If N_info <= 3824: n = max(3, ⌊log2 N_info⌋ − 6),
    N'_info = max(24, 2^n ⌊N_info / 2^n⌋) and TBS is the smallest entry of Table
    5.1.3.2-1 not less than N'_info. Otherwise n = ⌊log2(N_info − 24)⌋ − 5,
    N'_info = max(3840, 2^n · round((N_info − 24) / 2^n)) (ties rounded up) and
    TBS = 8C ⌈(N'_info + 24) / (8C)⌉ − 24 with C = ⌈(N'_info + 24) / 3816⌉ if R <= 1/4,
    C = ⌈(N'_info + 24) / 8424⌉ if N'_info > 8424, else C = 1.

    Parameters
    ----------
    n_re : int
        N_RE, total number of data REs (see :func:`n_re_total`), >= 1.
    r : float or fractions.Fraction
        Target code rate R, 0 < R < 1 (e.g. ``entry.r_x1024 / 1024``). Used exactly
        (as the rational value of the float), so N_info has no rounding error.
    qm : int
        Modulation order Q_m: 1, 2, 4, 6, 8 or 10.
    layers : int
        Number of layers v of this codeword, 1..4 (a codeword is mapped to at most 4
        layers, TS 38.211 Table 7.3.1.3-1; with 5..8 layers there are two codewords,
        each with its own TBS and v).
    scaling : float, default 1.0
        Scaling factor S of Table 5.1.3.2-2: 1, 0.5 or 0.25 (the TB scaling field of
        DCI 1_0 with P-RNTI, RA-RNTI or MsgB-RNTI; 1 otherwise, and always for PUSCH).

    Returns
    -------
    int
        TBS in bits.

    Raises
    ------
    ConfigError
        If a parameter is out of range.

    Examples
    --------
    >>> transport_block_size(n_re=1000, r=658 / 1024, qm=4, layers=1)
    2600
    """
    n_re = check_int("n_re", n_re, "an integer >= 1 (an allocation with data REs)", _CLAUSE, lo=1)
    r_frac = _exact("r", r, "a code rate 0 < r < 1", _CLAUSE)
    if not 0 < r_frac < 1:
        raise ConfigError(f"r={r!r} is not allowed: r must be a code rate 0 < r < 1 ({_CLAUSE})")
    qm = check_qm(qm, _CLAUSE)
    layers = check_int(
        "layers", layers, "an integer in 1..4 (layers per codeword)", _CLAUSE, lo=1, hi=4
    )
    s_frac = _exact("scaling", scaling, "one of 0.25, 0.5, 1", "TS 38.214 Table 5.1.3.2-2")
    if s_frac not in SCALING_VALUES:
        raise ConfigError(
            f"scaling={scaling!r} is not allowed: scaling must be one of 0.25, 0.5, 1 "
            "(TS 38.214 Table 5.1.3.2-2)"
        )
    n_info = s_frac * n_re * r_frac * qm * layers
    return _tbs_kernel(n_info, r_frac)


def _floor_log2(x: Fraction) -> int:
    """⌊log2 x⌋ for a rational x >= 1."""
    return math.floor(x).bit_length() - 1


def _tbs_kernel(n_info: Fraction, r: Fraction) -> int:
    """Steps 3 and 4 of TS 38.214 §5.1.3.2 in exact arithmetic (no validation)."""
    if n_info <= 3824:
        n = max(3, _floor_log2(n_info) - 6) if n_info >= 1 else 3
        n_info_prime = max(24, 2**n * math.floor(n_info / 2**n))
        for tbs in TBS_TABLE:  # smallest entry not less than N'_info (N'_info <= 3824)
            if tbs >= n_info_prime:
                return tbs
        raise AssertionError("unreachable: N'_info <= 3824")  # pragma: no cover
    n = _floor_log2(n_info - 24) - 5
    n_info_prime = max(3840, 2**n * math.floor((n_info - 24) / 2**n + Fraction(1, 2)))
    if r <= Fraction(1, 4):
        c = -(-(n_info_prime + 24) // 3816)
    elif n_info_prime > 8424:
        c = -(-(n_info_prime + 24) // 8424)
    else:
        c = 1
    return 8 * c * -(-(n_info_prime + 24) // (8 * c)) - 24


def tbs_from_allocation(
    *,
    n_prb: int,
    n_symbols: int,
    n_dmrs_prb: int,
    x_overhead: int = 0,
    i_mcs: int,
    table: str,
    layers: int,
    scaling=1.0,
    tp_pi2bpsk: bool = False,
) -> int:
    """TBS of an allocation: N_RE from the PRBs and symbols, Q_m and R from the MCS.

    Implements TS 38.214 §5.1.3.2 (PDSCH) and §6.1.4.2 (PUSCH).

    Parameters
    ----------
    n_prb : int
        n_PRB, allocated PRBs, 1..275.
    n_symbols, n_dmrs_prb, x_overhead : int
        As for :func:`n_re_per_prb`.
    i_mcs : int
        MCS index I_MCS (not a reserved one: those reuse the TBS of the earlier DCI).
    table : str
        MCS table name, see :func:`nrlink.spec.ts38214.mcs.mcs_entry`.
    layers : int
        Layers v of the codeword, 1..4.
    scaling : float, default 1.0
        S of Table 5.1.3.2-2 (PDSCH only; keep 1 for PUSCH).
    tp_pi2bpsk : bool, default False
        q = 1 for the transform precoding tables (see ``mcs_entry``).

    Returns
    -------
    int
        TBS in bits.

    Raises
    ------
    ConfigError
        If a parameter is out of range, ``i_mcs`` is reserved, or the allocation has no
        data RE.

    Examples
    --------
    >>> tbs_from_allocation(n_prb=12, n_symbols=2, n_dmrs_prb=0, i_mcs=13,
    ...                     table="qam64", layers=2)
    1128
    """
    entry = mcs_entry(i_mcs, table, tp_pi2bpsk=tp_pi2bpsk)
    n_re = n_re_total(
        n_prb=n_prb, n_symbols=n_symbols, n_dmrs_prb=n_dmrs_prb, x_overhead=x_overhead
    )
    return transport_block_size(
        n_re=n_re, r=Fraction(entry.r_x1024) / 1024, qm=entry.qm, layers=layers, scaling=scaling
    )


#: TS 38.212 Table 5.4.2.1-1: (largest maximum PRB count, n_PRB,LBRM) in ascending order.
_N_PRB_LBRM = ((32, 32), (66, 66), (107, 107), (135, 135), (162, 162), (217, 217))


def n_prb_lbrm(n_prb: int) -> int:
    """n_PRB,LBRM for a maximum number of PRBs across all configured BWPs.

    Implements TS 38.212 §5.4.2.1 (Table 5.4.2.1-1).

    Less than 33 → 32, 33..66 → 66, 67..107 → 107, 108..135 → 135, 136..162 → 162,
    163..217 → 217, larger than 217 → 273.

    Parameters
    ----------
    n_prb : int
        Maximum number of PRBs across all configured DL (or UL) BWPs of the carrier,
        1..275.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        If ``n_prb`` is outside 1..275.
    """
    n_prb = check_n_size_grid(n_prb, "n_prb", "TS 38.212 §5.4.2.1 (Table 5.4.2.1-1)")
    for upper, value in _N_PRB_LBRM:
        if n_prb <= upper:
            return value
    return 273


def tbs_lbrm(*, max_layers: int, max_qm: int, n_prb_bwp_max: int) -> int:
    """TBS_LBRM, the transport block size that sizes the limited circular buffer.

    Implements TS 38.212 §5.4.2.1 (Table 5.4.2.1-1), with TS 38.214 §5.1.3.2 / §6.1.4.2.

    TBS_LBRM is the TBS of TS 38.214 §5.1.3.2 (DL-SCH) or §6.1.4.2 (UL-SCH) for
    v = min(max_layers, 4), Q_m = max_qm, R = 948/1024 and N_RE = 156 · n_PRB,LBRM,
    with n_PRB,LBRM = :func:`n_prb_lbrm` (n_prb_bwp_max). It is used with the
    rate-matching constant R_LBRM = 2/3 (:data:`R_LBRM`):
    N_ref = ⌊TBS_LBRM / (C · R_LBRM)⌋ and N_cb = min(N, N_ref) (§5.4.2.1).

    Parameters
    ----------
    max_layers : int
        Maximum number of layers X configured for the serving cell (maxMIMO-Layers or
        maxRank), 1..8; the TBS uses min(X, 4).
    max_qm : int
        Maximum modulation order configured for the cell's BWPs: 6 (64QAM tables),
        8 (mcs-Table qam256) or 10 (qam1024, DL only).
    n_prb_bwp_max : int
        Maximum number of PRBs across all configured BWPs, 1..275.

    Returns
    -------
    int
        TBS_LBRM in bits.

    Raises
    ------
    ConfigError
        If a parameter is out of range.

    Examples
    --------
    >>> tbs_lbrm(max_layers=4, max_qm=8, n_prb_bwp_max=273)
    1277992
    """
    clause = "TS 38.212 §5.4.2.1"
    max_layers = check_int("max_layers", max_layers, "an integer in 1..8", clause, lo=1, hi=8)
    max_qm = check_int("max_qm", max_qm, "one of 6, 8, 10", clause, choices=(6, 8, 10))
    n_prb = n_prb_lbrm(n_prb_bwp_max)
    return transport_block_size(
        n_re=156 * n_prb, r=Fraction(948, 1024), qm=max_qm, layers=min(max_layers, 4)
    )
