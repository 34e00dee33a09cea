"""PT-RS densities, presence and power of the PDSCH/PUSCH phase-tracking reference signal.

Implements TS 38.214 §5.1.6.3 (Tables 5.1.6.3-1, 5.1.6.3-2: PDSCH PT-RS time and
frequency density), §4.1 (Table 4.1-2: PT-RS EPRE to PDSCH EPRE) and the parts of §6.2.3
(PUSCH) that could be checked against the specification text.

Notes
-----
Not implemented (each raises ``NotImplementedError`` when asked for):

* the PT-RS thresholds of MCS Table 5.1.3.1-4 (1024QAM, Rel-17): the range of ptrs-MCS_i,
  the implied ptrs-MCS4 and the "no timeDensity/frequencyDensity" MCS threshold;
* the PUSCH PT-RS power ratio of TS 38.214 Table 6.2.3.1-3 (ptrs-Power);
* the PUSCH PT-RS with transform precoding (Table 6.2.3.2-1: number of PT-RS groups and
  samples per group).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_choice
from nrlink.spec.ts38211.numerology import check_n_size_grid
from nrlink.spec.ts38214.mcs import max_mcs_index

__all__ = [
    "PTRS_FREQUENCY_DENSITIES",
    "PTRS_TIME_DENSITIES",
    "ptrs_beta_pdsch",
    "ptrs_beta_pusch",
    "ptrs_epre_ratio_db",
    "ptrs_frequency_density",
    "ptrs_mcs4",
    "ptrs_pdsch_densities",
    "ptrs_time_density",
    "ptrs_transform_precoding_groups",
]

#: Time densities L_PT-RS of Table 5.1.6.3-1 (every L-th OFDM symbol).
PTRS_TIME_DENSITIES: tuple[int, ...] = (1, 2, 4)
#: Frequency densities K_PT-RS of Table 5.1.6.3-2 (every K-th resource block).
PTRS_FREQUENCY_DENSITIES: tuple[int, ...] = (2, 4)

_CLAUSE = "TS 38.214 §5.1.6.3"
_CLAUSE_T1 = "TS 38.214 §5.1.6.3 (Table 5.1.6.3-1)"
_CLAUSE_T2 = "TS 38.214 §5.1.6.3 (Table 5.1.6.3-2)"
_CLAUSE_EPRE = "TS 38.214 §4.1 (Table 4.1-2)"

#: MCS tables of PDSCH / PUSCH without transform precoding (names as in ``mcs.MCS_TABLES``).
_PTRS_MCS_TABLES = ("qam64", "qam256", "qam64LowSE", "qam1024")
#: ptrs-MCS4 "is not explicitly configured by higher layers but assumed 29 when MCS Table
#: 5.1.3.1-1 or MCS Table 5.1.3.1-3 is used and 28 when MCS Table 5.1.3.1-2 is used".
_PTRS_MCS4 = {"qam64": 29, "qam256": 28, "qam64LowSE": 29}
#: Default rule (neither timeDensity nor frequencyDensity configured): PT-RS is not
#: present when the scheduled MCS is below this value, per MCS table.
_DEFAULT_MIN_MCS = {"qam64": 10, "qam256": 5, "qam64LowSE": 15}
#: Default rule: PT-RS is not present when fewer RBs than this are scheduled.
_DEFAULT_MIN_RB = 3
#: RNTIs of §5.1.6.3: with these the PT-RS follows the configuration ...
_RNTI_PRESENT = ("C-RNTI", "MCS-C-RNTI", "CS-RNTI")
#: ... and with these the UE assumes PT-RS is not present.
_RNTI_ABSENT = ("RA-RNTI", "MsgB-RNTI", "SI-RNTI", "P-RNTI")
#: Table 4.1-2, epre-Ratio 0: PT-RS EPRE / PDSCH EPRE per layer per RE [dB] for 1..6 layers.
_EPRE_RATIO_0_DB = (0.0, 3.0, 4.77, 6.0, 7.0, 7.78)
#: Largest N_RB,i of frequencyDensity (values in range 1-276).
_N_RB_I_MAX = 276


def _check_table(mcs_table) -> str:
    allowed = (
        f"one of {', '.join(map(repr, _PTRS_MCS_TABLES))} (the MCS tables of PDSCH and of "
        f"PUSCH without transform precoding)"
    )
    return check_choice("mcs_table", mcs_table, _PTRS_MCS_TABLES, _CLAUSE, allowed)


def _check_i_mcs(i_mcs, mcs_table: str) -> int:
    v = max_mcs_index(mcs_table)
    return check_int(
        "i_mcs",
        i_mcs,
        f"an integer in 0..{v} for mcs_table={mcs_table!r}; for a retransmission with a "
        "reserved I_MCS use the I_MCS of the initial transmission",
        _CLAUSE,
        lo=0,
        hi=v,
    )


def _check_n_rb(n_rb) -> int:
    return check_n_size_grid(n_rb, "n_rb", _CLAUSE)


def _as_int_tuple(name: str, value, length: tuple[int, ...], clause: str) -> tuple[int, ...]:
    """``value`` as a tuple of Python ints of one of the lengths ``length``."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist() if np.issubdtype(value.dtype, np.integer) else list(value)
    ok = isinstance(value, Sequence) and not isinstance(value, str) and len(value) in length
    if ok:
        ok = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in value)
    if not ok:
        n = " or ".join(map(str, length))
        raise ConfigError(
            f"{name}={value!r} is not allowed: {name} must be a sequence of {n} integers ({clause})"
        )
    return tuple(int(v) for v in value)


def _check_non_decreasing(name: str, values: tuple[int, ...], clause: str) -> None:
    if any(a > b for a, b in zip(values, values[1:], strict=False)):
        raise ConfigError(
            f"{name}={list(values)} is not allowed: the thresholds must be non-decreasing "
            f"(equal thresholds disable a row) ({clause})"
        )


def ptrs_mcs4(mcs_table: str = "qam64") -> int:
    """The implied threshold ptrs-MCS4 of Table 5.1.6.3-1.

    Implements TS 38.214 §5.1.6.3 (Table 5.1.6.3-1).

    "ptrs-MCS4 is not explicitly configured by higher layers but assumed 29 when MCS Table
    5.1.3.1-1 or MCS Table 5.1.3.1-3 is used and 28 when MCS Table 5.1.3.1-2 is used".

    Parameters
    ----------
    mcs_table : str, default "qam64"
        ``"qam64"`` (Table 5.1.3.1-1), ``"qam256"`` (5.1.3.1-2), ``"qam64LowSE"``
        (5.1.3.1-3) or ``"qam1024"`` (5.1.3.1-4, not implemented).

    Returns
    -------
    int
        29, 28 or 29.

    Raises
    ------
    ConfigError
        If ``mcs_table`` is not a PDSCH / PUSCH (no transform precoding) MCS table.
    NotImplementedError
        For ``"qam1024"``, whose PT-RS thresholds are not implemented.

    Examples
    --------
    >>> ptrs_mcs4("qam256")
    28
    """
    mcs_table = _check_table(mcs_table)
    if mcs_table not in _PTRS_MCS4:
        raise NotImplementedError(
            f"PT-RS thresholds with mcs_table={mcs_table!r} (TS 38.214 Table 5.1.3.1-4, "
            f"Rel-17) are not implemented ({_CLAUSE})"
        )
    return _PTRS_MCS4[mcs_table]


def ptrs_time_density(i_mcs: int, thresholds=None, *, mcs_table: str = "qam64") -> int | None:
    """PT-RS time density L_PT-RS from the scheduled MCS.

    Implements TS 38.214 §5.1.6.3 (Table 5.1.6.3-1).

    ======================================= =================
    Scheduled MCS                           L_PT-RS
    ======================================= =================
    I_MCS < ptrs-MCS1                       PT-RS not present
    ptrs-MCS1 <= I_MCS < ptrs-MCS2          4
    ptrs-MCS2 <= I_MCS < ptrs-MCS3          2
    ptrs-MCS3 <= I_MCS < ptrs-MCS4          1
    ======================================= =================

    Parameters
    ----------
    i_mcs : int
        Scheduled MCS index I_MCS, 0..V (V = 28, 27, 28 for the three tables). For a
        retransmission with a reserved I_MCS > V, pass the I_MCS of the initial
        transmission (§5.1.6.3).
    thresholds : sequence of 3 or 4 int, optional
        (ptrs-MCS1, ptrs-MCS2, ptrs-MCS3) of timeDensity, each in 0..ptrs-MCS4,
        non-decreasing; a fourth element, if given, must equal :func:`ptrs_mcs4`. ``None``
        (timeDensity not configured) gives L_PT-RS = 1.
    mcs_table : str, default "qam64"
        The MCS table of ``i_mcs`` (see :func:`ptrs_mcs4`).

    Returns
    -------
    int or None
        L_PT-RS in {1, 2, 4}, or ``None`` when PT-RS is not present.

    Raises
    ------
    ConfigError
        For an unknown table, an ``i_mcs`` outside 0..V, a malformed, out-of-range or
        decreasing ``thresholds``, or a fourth threshold different from ptrs-MCS4.
    NotImplementedError
        For ``thresholds`` with ``mcs_table="qam1024"``.

    Notes
    -----
    Equal thresholds ptrs-MCS_i = ptrs-MCS_i+1 disable the row between them (§5.1.6.3); the
    half-open intervals of the table do exactly that.

    Examples
    --------
    >>> ptrs_time_density(5, (10, 17, 23))
    >>> ptrs_time_density(20, (10, 17, 23))
    2
    >>> ptrs_time_density(3)
    1
    """
    mcs_table = _check_table(mcs_table)
    i_mcs = _check_i_mcs(i_mcs, mcs_table)
    if thresholds is None:
        return 1
    mcs4 = ptrs_mcs4(mcs_table)
    t = _as_int_tuple("thresholds", thresholds, (3, 4), _CLAUSE_T1)
    if len(t) == 4 and t[3] != mcs4:
        raise ConfigError(
            f"thresholds={list(t)} is not allowed: ptrs-MCS4 is not configured but assumed "
            f"{mcs4} for mcs_table={mcs_table!r} ({_CLAUSE_T1})"
        )
    for i, v in enumerate(t[:3], start=1):
        if not 0 <= v <= mcs4:
            raise ConfigError(
                f"thresholds={list(t)} is not allowed: ptrs-MCS{i}={v} must be in 0..{mcs4} "
                f"for mcs_table={mcs_table!r} ({_CLAUSE_T1})"
            )
    mcs1, mcs2, mcs3 = t[:3]
    _check_non_decreasing("thresholds", (mcs1, mcs2, mcs3), _CLAUSE_T1)
    if i_mcs < mcs1:
        return None
    if i_mcs < mcs2:
        return 4
    if i_mcs < mcs3:
        return 2
    return 1  # ptrs-MCS3 <= I_MCS <= V < ptrs-MCS4


def ptrs_frequency_density(n_rb: int, thresholds=None) -> int | None:
    """PT-RS frequency density K_PT-RS from the scheduled bandwidth.

    Implements TS 38.214 §5.1.6.3 (Table 5.1.6.3-2).

    =========================== =================
    Scheduled bandwidth         K_PT-RS
    =========================== =================
    N_RB < N_RB0                PT-RS not present
    N_RB0 <= N_RB < N_RB1       2
    N_RB1 <= N_RB               4
    =========================== =================

    Parameters
    ----------
    n_rb : int
        Number of scheduled resource blocks N_RB, 1..275.
    thresholds : sequence of 2 int, optional
        (N_RB0, N_RB1) of frequencyDensity, each in 1..276, non-decreasing. ``None``
        (frequencyDensity not configured) gives K_PT-RS = 2.

    Returns
    -------
    int or None
        K_PT-RS in {2, 4}, or ``None`` when PT-RS is not present.

    Raises
    ------
    ConfigError
        For ``n_rb`` outside 1..275 or a malformed, out-of-range or decreasing
        ``thresholds``.

    Examples
    --------
    >>> ptrs_frequency_density(10, (20, 50)), ptrs_frequency_density(20, (20, 50))
    (None, 2)
    >>> ptrs_frequency_density(50, (20, 50)), ptrs_frequency_density(3)
    (4, 2)
    """
    n_rb = _check_n_rb(n_rb)
    if thresholds is None:
        return 2
    t = _as_int_tuple("thresholds", thresholds, (2,), _CLAUSE_T2)
    for i, v in enumerate(t):
        if not 1 <= v <= _N_RB_I_MAX:
            raise ConfigError(
                f"thresholds={list(t)} is not allowed: N_RB{i}={v} must be in "
                f"1..{_N_RB_I_MAX} ({_CLAUSE_T2})"
            )
    _check_non_decreasing("thresholds", t, _CLAUSE_T2)
    if n_rb < t[0]:
        return None
    return 2 if n_rb < t[1] else 4


def ptrs_pdsch_densities(
    *,
    i_mcs: int,
    n_rb: int,
    l_duration: int,
    mcs_table: str = "qam64",
    time_thresholds=None,
    frequency_thresholds=None,
    rnti_type: str = "C-RNTI",
) -> tuple[int, int] | None:
    """Presence and pattern (L_PT-RS, K_PT-RS) of the PDSCH PT-RS.

    Implements TS 38.214 §5.1.6.3 (Tables 5.1.6.3-1, 5.1.6.3-2), for a UE configured with
    phaseTrackingRS:

    * RNTI RA-RNTI, MsgB-RNTI, SI-RNTI or P-RNTI: PT-RS is not present;
    * with C-RNTI, MCS-C-RNTI or CS-RNTI and timeDensity and/or frequencyDensity
      configured: L_PT-RS and K_PT-RS from the tables, 1 resp. 2 for the one not
      configured; PT-RS is not present when either table says so;
    * with neither configured: L_PT-RS = 1 and K_PT-RS = 2, but PT-RS is not present when
      I_MCS < 10 (Table 5.1.3.1-1), < 5 (Table 5.1.3.1-2), < 15 (Table 5.1.3.1-3), or
      fewer than 3 RBs are scheduled;
    * an allocation of 2 symbols with L_PT-RS in {2, 4}, or of 4 symbols with
      L_PT-RS = 4: PT-RS is not transmitted.

    Parameters
    ----------
    i_mcs : int
        Scheduled I_MCS of the codeword (the initial transmission's for a reserved index).
    n_rb : int
        Number of scheduled resource blocks, 1..275.
    l_duration : int
        PDSCH allocation duration in symbols (§7.4.1.1.2 of TS 38.211), 1..14.
    mcs_table : str, default "qam64"
        ``"qam64"``, ``"qam256"``, ``"qam64LowSE"`` (``"qam1024"``: see Notes).
    time_thresholds : sequence of int, optional
        (ptrs-MCS1, ptrs-MCS2, ptrs-MCS3) of timeDensity, or ``None`` if not configured.
    frequency_thresholds : sequence of int, optional
        (N_RB0, N_RB1) of frequencyDensity, or ``None`` if not configured.
    rnti_type : str, default "C-RNTI"
        One of "C-RNTI", "MCS-C-RNTI", "CS-RNTI", "RA-RNTI", "MsgB-RNTI", "SI-RNTI",
        "P-RNTI".

    Returns
    -------
    (l_ptrs, k_ptrs) or None
        The densities, or ``None`` when PT-RS is not present.

    Raises
    ------
    ConfigError
        For a bad parameter (see :func:`ptrs_time_density`, :func:`ptrs_frequency_density`),
        ``l_duration`` outside 1..14 or an unknown ``rnti_type``.
    NotImplementedError
        With ``mcs_table="qam1024"`` when thresholds are configured or neither is (the
        Table 5.1.3.1-4 values of those rules are not implemented).

    Notes
    -----
    PT-RS configured at all (phaseTrackingRS in DMRS-DownlinkConfig) is the caller's
    precondition; without it the UE assumes PT-RS is not present.

    Examples
    --------
    >>> ptrs_pdsch_densities(i_mcs=20, n_rb=50, l_duration=12)
    (1, 2)
    >>> ptrs_pdsch_densities(i_mcs=9, n_rb=50, l_duration=12) is None
    True
    >>> ptrs_pdsch_densities(i_mcs=20, n_rb=50, l_duration=12, time_thresholds=(10, 17, 23),
    ...                      frequency_thresholds=(20, 40))
    (2, 4)
    """
    rnti_type = check_choice("rnti_type", rnti_type, _RNTI_PRESENT + _RNTI_ABSENT, _CLAUSE)
    mcs_table = _check_table(mcs_table)
    i_mcs = _check_i_mcs(i_mcs, mcs_table)
    n_rb = _check_n_rb(n_rb)
    l_duration = check_int(
        "l_duration", l_duration, "an integer in 1..14", "TS 38.211 §7.4.1.1.2", lo=1, hi=14
    )
    if rnti_type in _RNTI_ABSENT:
        return None
    if time_thresholds is None and frequency_thresholds is None:
        if mcs_table not in _DEFAULT_MIN_MCS:
            raise NotImplementedError(
                f"the default PT-RS rule with mcs_table={mcs_table!r} is not implemented "
                f"({_CLAUSE})"
            )
        if i_mcs < _DEFAULT_MIN_MCS[mcs_table] or n_rb < _DEFAULT_MIN_RB:
            return None
        l_ptrs, k_ptrs = 1, 2
    else:
        l_ptrs = ptrs_time_density(i_mcs, time_thresholds, mcs_table=mcs_table)
        k_ptrs = ptrs_frequency_density(n_rb, frequency_thresholds)
        if l_ptrs is None or k_ptrs is None:
            return None
    if (l_duration == 2 and l_ptrs in (2, 4)) or (l_duration == 4 and l_ptrs == 4):
        return None
    return l_ptrs, k_ptrs


def ptrs_epre_ratio_db(n_layers: int, epre_ratio: int = 0) -> float:
    """Ratio ρ_PT-RS of PT-RS EPRE to PDSCH EPRE per layer per RE, in dB.

    Implements TS 38.214 §4.1 (Table 4.1-2, dmrs-TypeEnh not configured).

    ============ ===== ===== ===== ===== ===== =====
    epre-Ratio   1     2     3     4     5     6      (PDSCH layers)
    ============ ===== ===== ===== ===== ===== =====
    0            0     3     4.77  6     7     7.78
    1            0     0     0     0     0     0
    2, 3         reserved
    ============ ===== ===== ===== ===== ===== =====

    Parameters
    ----------
    n_layers : int
        Number of PDSCH layers with DM-RS associated to the PT-RS port, 1..6.
    epre_ratio : int, default 0
        epre-Ratio of PTRS-DownlinkConfig, 0 or 1 (0 when not configured; 2 and 3 are
        reserved).

    Returns
    -------
    float
        ρ_PT-RS in dB.

    Raises
    ------
    ConfigError
        For ``n_layers`` outside 1..6 or ``epre_ratio`` not 0 or 1.

    Examples
    --------
    >>> ptrs_epre_ratio_db(3), ptrs_epre_ratio_db(3, epre_ratio=1)
    (4.77, 0.0)
    """
    n_layers = check_int("n_layers", n_layers, "an integer in 1..6", _CLAUSE_EPRE, lo=1, hi=6)
    epre_ratio = check_int(
        "epre_ratio", epre_ratio, "0 or 1 (2 and 3 are reserved)", _CLAUSE_EPRE, choices=(0, 1)
    )
    return _EPRE_RATIO_0_DB[n_layers - 1] if epre_ratio == 0 else 0.0


def ptrs_beta_pdsch(n_layers: int, epre_ratio: int = 0, *, rounded_db: bool = False) -> float:
    """Amplitude scaling factor β_PT-RS of the PDSCH PT-RS.

    Implements TS 38.214 §4.1 (Table 4.1-2): β_PT-RS = 10^(ρ_PT-RS / 20), the factor of
    TS 38.211 §7.4.1.2.2.

    The epre-Ratio 0 entries 0, 3, 4.77, 6, 7, 7.78 dB are 10 log10(N) rounded, N the number
    of layers (PT-RS EPRE = N times the per-layer PDSCH EPRE). By default the exact
    amplitude √N is returned, the convention of :func:`nrlink.spec.ts38214.power.dmrs_beta`
    for Table 4.1-1; ``rounded_db=True`` applies the printed dB value literally.

    Parameters
    ----------
    n_layers : int
        Number of PDSCH layers with DM-RS associated to the PT-RS port, 1..6.
    epre_ratio : int, default 0
        epre-Ratio, 0 or 1.
    rounded_db : bool, default False
        Use the printed dB value (10^(3/20) = 1.41254 instead of √2 for two layers).

    Returns
    -------
    float

    Raises
    ------
    ConfigError
        As :func:`ptrs_epre_ratio_db`, or a non-bool ``rounded_db``.

    Examples
    --------
    >>> round(ptrs_beta_pdsch(2), 6), round(ptrs_beta_pdsch(2, rounded_db=True), 6)
    (1.414214, 1.412538)
    """
    rho_db = ptrs_epre_ratio_db(n_layers, epre_ratio)
    rounded_db = check_bool("rounded_db", rounded_db, _CLAUSE_EPRE)
    if rounded_db or epre_ratio == 1:
        return 10.0 ** (rho_db / 20.0)
    return math.sqrt(n_layers)


def ptrs_beta_pusch(*args, **kwargs) -> float:
    """Amplitude scaling factor β_PT-RS of the PUSCH PT-RS (not implemented).

    Implements TS 38.214 §6.2.3.1 (Table 6.2.3.1-3): not yet, it raises.

    Raises
    ------
    NotImplementedError
        Always: Table 6.2.3.1-3 has not been checked against the specification text.
        Pass ``beta_ptrs`` explicitly to :func:`nrlink.spec.ts38211.ptrs.ptrs_grid`.
    """
    raise NotImplementedError(
        "the PUSCH PT-RS scaling factor (TS 38.214 §6.2.3.1, Table 6.2.3.1-3) is not "
        "implemented; pass beta_ptrs explicitly"
    )


def ptrs_transform_precoding_groups(*args, **kwargs) -> tuple[int, int]:
    """PT-RS groups and samples per group with transform precoding (not implemented).

    Implements TS 38.214 §6.2.3.2 (Table 6.2.3.2-1): not yet, it raises.

    Raises
    ------
    NotImplementedError
        Always: PUSCH PT-RS with transform precoding is not implemented.
    """
    raise NotImplementedError(
        "PT-RS with transform precoding (TS 38.214 §6.2.3.2, Table 6.2.3.2-1) is not implemented"
    )
