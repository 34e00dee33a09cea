"""Modulation and coding scheme (MCS) index tables for PDSCH and PUSCH.

Implements TS 38.214 §5.1.3.1 (Tables 5.1.3.1-1, 5.1.3.1-2, 5.1.3.1-3, 5.1.3.1-4) and
§6.1.4.1 (Tables 6.1.4.1-1, 6.1.4.1-2).
"""

from __future__ import annotations

from dataclasses import dataclass

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_choice

__all__ = [
    "MCS_TABLES",
    "McsEntry",
    "max_mcs_index",
    "mcs_entry",
    "modulation_order",
]


@dataclass(frozen=True, slots=True)
class McsEntry:
    """One row of an MCS index table (TS 38.214 §5.1.3.1, §6.1.4.1).

    Attributes
    ----------
    qm : int
        Modulation order Q_m (1 = π/2-BPSK, 2 = QPSK, 4 = 16QAM, ..., 10 = 1024QAM).
    r_x1024 : float
        Target code rate R × 1024 as printed in the table (682.5, 916.5, 805.5 and
        900.5 are not integers). R = r_x1024 / 1024 is exact in binary floating point.
    spectral_efficiency : float
        The spectral efficiency column of the table (Q_m · R, rounded to 4 decimals).
    """

    qm: int
    r_x1024: float
    spectral_efficiency: float

    @property
    def r(self) -> float:
        """Target code rate R = r_x1024 / 1024 (exact)."""
        return self.r_x1024 / 1024


# Rows (Q_m, R x 1024, spectral efficiency) of the non-reserved indices 0, 1, 2, ...
# followed by the Q_m of each reserved index, transcribed from TS 38.214 V17.6.0.

# Table 5.1.3.1-1: MCS index table 1 for PDSCH (64QAM).
_QAM64 = (
    (2, 120, 0.2344), (2, 157, 0.3066), (2, 193, 0.3770), (2, 251, 0.4902),
    (2, 308, 0.6016), (2, 379, 0.7402), (2, 449, 0.8770), (2, 526, 1.0273),
    (2, 602, 1.1758), (2, 679, 1.3262), (4, 340, 1.3281), (4, 378, 1.4766),
    (4, 434, 1.6953), (4, 490, 1.9141), (4, 553, 2.1602), (4, 616, 2.4063),
    (4, 658, 2.5703), (6, 438, 2.5664), (6, 466, 2.7305), (6, 517, 3.0293),
    (6, 567, 3.3223), (6, 616, 3.6094), (6, 666, 3.9023), (6, 719, 4.2129),
    (6, 772, 4.5234), (6, 822, 4.8164), (6, 873, 5.1152), (6, 910, 5.3320),
    (6, 948, 5.5547),
)  # fmt: skip
_QAM64_RESERVED = (2, 4, 6)  # I_MCS 29..31

# Table 5.1.3.1-2: MCS index table 2 for PDSCH (256QAM).
_QAM256 = (
    (2, 120, 0.2344), (2, 193, 0.3770), (2, 308, 0.6016), (2, 449, 0.8770),
    (2, 602, 1.1758), (4, 378, 1.4766), (4, 434, 1.6953), (4, 490, 1.9141),
    (4, 553, 2.1602), (4, 616, 2.4063), (4, 658, 2.5703), (6, 466, 2.7305),
    (6, 517, 3.0293), (6, 567, 3.3223), (6, 616, 3.6094), (6, 666, 3.9023),
    (6, 719, 4.2129), (6, 772, 4.5234), (6, 822, 4.8164), (6, 873, 5.1152),
    (8, 682.5, 5.3320), (8, 711, 5.5547), (8, 754, 5.8906), (8, 797, 6.2266),
    (8, 841, 6.5703), (8, 885, 6.9141), (8, 916.5, 7.1602), (8, 948, 7.4063),
)  # fmt: skip
_QAM256_RESERVED = (2, 4, 6, 8)  # I_MCS 28..31

# Table 5.1.3.1-3: MCS index table 3 for PDSCH (64QAM, low spectral efficiency).
_QAM64_LOWSE = (
    (2, 30, 0.0586), (2, 40, 0.0781), (2, 50, 0.0977), (2, 64, 0.1250),
    (2, 78, 0.1523), (2, 99, 0.1934), (2, 120, 0.2344), (2, 157, 0.3066),
    (2, 193, 0.3770), (2, 251, 0.4902), (2, 308, 0.6016), (2, 379, 0.7402),
    (2, 449, 0.8770), (2, 526, 1.0273), (2, 602, 1.1758), (4, 340, 1.3281),
    (4, 378, 1.4766), (4, 434, 1.6953), (4, 490, 1.9141), (4, 553, 2.1602),
    (4, 616, 2.4063), (6, 438, 2.5664), (6, 466, 2.7305), (6, 517, 3.0293),
    (6, 567, 3.3223), (6, 616, 3.6094), (6, 666, 3.9023), (6, 719, 4.2129),
    (6, 772, 4.5234),
)  # fmt: skip
_QAM64_LOWSE_RESERVED = (2, 4, 6)  # I_MCS 29..31

# Table 5.1.3.1-4: MCS index table 4 for PDSCH (1024QAM).
_QAM1024 = (
    (2, 120, 0.2344), (2, 193, 0.3770), (2, 449, 0.8770), (4, 378, 1.4766),
    (4, 490, 1.9141), (4, 616, 2.4063), (6, 466, 2.7305), (6, 517, 3.0293),
    (6, 567, 3.3223), (6, 616, 3.6094), (6, 666, 3.9023), (6, 719, 4.2129),
    (6, 772, 4.5234), (6, 822, 4.8164), (6, 873, 5.1152), (8, 682.5, 5.3320),
    (8, 711, 5.5547), (8, 754, 5.8906), (8, 797, 6.2266), (8, 841, 6.5703),
    (8, 885, 6.9141), (8, 916.5, 7.1602), (8, 948, 7.4063), (10, 805.5, 7.8662),
    (10, 853, 8.3301), (10, 900.5, 8.7939), (10, 948, 9.2578),
)  # fmt: skip
_QAM1024_RESERVED = (2, 4, 6, 8, 10)  # I_MCS 27..31

# Table 6.1.4.1-1: MCS index table for PUSCH with transform precoding and 64QAM.
# Rows 0 and 1 depend on q (q = 1 with tp-pi2BPSK, else 2): Q_m = q, R x 1024 = 240/q
# and 314/q; they are stored here with q = 2 and rewritten by _tp_row().
_TP_QAM64 = (
    (2, 120, 0.2344), (2, 157, 0.3066), (2, 193, 0.3770), (2, 251, 0.4902),
    (2, 308, 0.6016), (2, 379, 0.7402), (2, 449, 0.8770), (2, 526, 1.0273),
    (2, 602, 1.1758), (2, 679, 1.3262), (4, 340, 1.3281), (4, 378, 1.4766),
    (4, 434, 1.6953), (4, 490, 1.9141), (4, 553, 2.1602), (4, 616, 2.4063),
    (4, 658, 2.5703), (6, 466, 2.7305), (6, 517, 3.0293), (6, 567, 3.3223),
    (6, 616, 3.6094), (6, 666, 3.9023), (6, 719, 4.2129), (6, 772, 4.5234),
    (6, 822, 4.8164), (6, 873, 5.1152), (6, 910, 5.3320), (6, 948, 5.5547),
)  # fmt: skip
_TP_QAM64_RESERVED = (0, 2, 4, 6)  # I_MCS 28..31; 0 stands for q
_TP_QAM64_Q_ROWS = 2  # I_MCS 0..1 use q

# Table 6.1.4.1-2: MCS index table 2 for PUSCH with transform precoding and 64QAM
# (low spectral efficiency). Rows 0..5: Q_m = q, R x 1024 = 60/q, 80/q, 100/q, 128/q,
# 156/q, 198/q (stored with q = 2).
_TP_QAM64_LOWSE = (
    (2, 30, 0.0586), (2, 40, 0.0781), (2, 50, 0.0977), (2, 64, 0.1250),
    (2, 78, 0.1523), (2, 99, 0.1934), (2, 120, 0.2344), (2, 157, 0.3066),
    (2, 193, 0.3770), (2, 251, 0.4902), (2, 308, 0.6016), (2, 379, 0.7402),
    (2, 449, 0.8770), (2, 526, 1.0273), (2, 602, 1.1758), (2, 679, 1.3262),
    (4, 378, 1.4766), (4, 434, 1.6953), (4, 490, 1.9141), (4, 553, 2.1602),
    (4, 616, 2.4063), (4, 658, 2.5703), (4, 699, 2.7305), (4, 772, 3.0156),
    (6, 567, 3.3223), (6, 616, 3.6094), (6, 666, 3.9023), (6, 772, 4.5234),
)  # fmt: skip
_TP_QAM64_LOWSE_RESERVED = (0, 2, 4, 6)  # I_MCS 28..31; 0 stands for q
_TP_QAM64_LOWSE_Q_ROWS = 6  # I_MCS 0..5 use q


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    clause: str
    rows: tuple
    reserved_qm: tuple
    q_rows: int  # leading rows whose Q_m is q (transform precoding tables), else 0


#: The MCS index tables by name: ``"qam64"``, ``"qam256"``, ``"qam64LowSE"``,
#: ``"qam1024"`` (PDSCH, and PUSCH without transform precoding) and ``"tp-qam64"``,
#: ``"tp-qam64LowSE"`` (PUSCH with transform precoding).
MCS_TABLES: dict[str, _Table] = {
    t.name: t
    for t in (
        _Table("qam64", "TS 38.214 Table 5.1.3.1-1", _QAM64, _QAM64_RESERVED, 0),
        _Table("qam256", "TS 38.214 Table 5.1.3.1-2", _QAM256, _QAM256_RESERVED, 0),
        _Table("qam64LowSE", "TS 38.214 Table 5.1.3.1-3", _QAM64_LOWSE, _QAM64_LOWSE_RESERVED, 0),
        _Table("qam1024", "TS 38.214 Table 5.1.3.1-4", _QAM1024, _QAM1024_RESERVED, 0),
        _Table(
            "tp-qam64",
            "TS 38.214 Table 6.1.4.1-1",
            _TP_QAM64,
            _TP_QAM64_RESERVED,
            _TP_QAM64_Q_ROWS,
        ),
        _Table(
            "tp-qam64LowSE",
            "TS 38.214 Table 6.1.4.1-2",
            _TP_QAM64_LOWSE,
            _TP_QAM64_LOWSE_RESERVED,
            _TP_QAM64_LOWSE_Q_ROWS,
        ),
    )
}


def _table(table: str, tp_pi2bpsk: bool) -> _Table:
    table = check_choice("table", table, tuple(MCS_TABLES), "TS 38.214 §5.1.3.1, §6.1.4.1")
    tp_pi2bpsk = check_bool("tp_pi2bpsk", tp_pi2bpsk, "TS 38.214 §6.1.4.1")
    t = MCS_TABLES[table]
    if tp_pi2bpsk and t.q_rows == 0:
        raise ConfigError(
            f"tp_pi2bpsk=True is not allowed with table={table!r}: tp-pi2BPSK (q = 1) only "
            "applies to the transform precoding tables 'tp-qam64', 'tp-qam64LowSE' "
            "(TS 38.214 §6.1.4.1)"
        )
    return t


def _check_index(i_mcs, t: _Table) -> int:
    return check_int("i_mcs", i_mcs, "an integer in 0..31", t.clause, lo=0, hi=31)


def max_mcs_index(table: str) -> int:
    """Largest non-reserved I_MCS of ``table`` (28, 27, 28, 26, 27, 27).

    Implements TS 38.214 §5.1.3.1 (Tables 5.1.3.1-1..4) and §6.1.4.1 (Tables 6.1.4.1-1, -2).
    """
    return len(_table(table, False).rows) - 1


def mcs_entry(i_mcs: int, table: str, *, tp_pi2bpsk: bool = False) -> McsEntry:
    """Modulation order, target code rate and spectral efficiency of MCS index ``i_mcs``.

    Implements TS 38.214 §5.1.3.1 (Tables 5.1.3.1-1..4) and §6.1.4.1 (Tables 6.1.4.1-1, -2).

    Parameters
    ----------
    i_mcs : int
        MCS index I_MCS, 0..31; reserved indices raise (see Notes).
    table : str
        ``"qam64"`` (Table 5.1.3.1-1), ``"qam256"`` (5.1.3.1-2), ``"qam64LowSE"``
        (5.1.3.1-3), ``"qam1024"`` (5.1.3.1-4) — for PDSCH, and for PUSCH without
        transform precoding per §6.1.4.1 (which uses the first three only) — or
        ``"tp-qam64"`` (Table 6.1.4.1-1), ``"tp-qam64LowSE"`` (6.1.4.1-2) for PUSCH with
        transform precoding.
    tp_pi2bpsk : bool, default False
        Whether the higher-layer parameter tp-pi2BPSK is configured: q = 1 (π/2-BPSK)
        if so, else q = 2, for the rows of Tables 6.1.4.1-1/-2 whose Q_m is q. Only
        allowed with the transform precoding tables.

    Returns
    -------
    McsEntry
        ``(qm, r_x1024, spectral_efficiency)``. With q = 1 the q-rows have Q_m = 1 and
        R × 1024 doubled (e.g. 240 instead of 120); the spectral efficiency is the same.

    Raises
    ------
    ConfigError
        If ``table`` is unknown, ``tp_pi2bpsk`` is used with a table without q rows,
        ``i_mcs`` is outside 0..31, or ``i_mcs`` is a reserved index.

    Notes
    -----
    Reserved indices (29..31 of Tables 5.1.3.1-1 and -3, 28..31 of 5.1.3.1-2, 27..31 of
    5.1.3.1-4, 28..31 of 6.1.4.1-1 and -2) have no code rate: they are only used for
    retransmissions, whose transport block size comes from the earlier DCI
    (§5.1.3.2, §6.1.4.2). :func:`mcs_entry` raises for them; the modulation order they
    signal is available from :func:`modulation_order`.

    Examples
    --------
    >>> mcs_entry(20, "qam256")
    McsEntry(qm=8, r_x1024=682.5, spectral_efficiency=5.332)
    >>> mcs_entry(0, "tp-qam64", tp_pi2bpsk=True)
    McsEntry(qm=1, r_x1024=240.0, spectral_efficiency=0.2344)
    """
    t = _table(table, tp_pi2bpsk)
    i_mcs = _check_index(i_mcs, t)
    n_rows = len(t.rows)
    if i_mcs >= n_rows:
        raise ConfigError(
            f"i_mcs={i_mcs} is not allowed with table={table!r}: i_mcs must be in "
            f"0..{n_rows - 1}; {n_rows}..31 are reserved (retransmission only, the TBS "
            f"comes from the earlier DCI) ({t.clause})"
        )
    qm, r_x1024, se = t.rows[i_mcs]
    if i_mcs < t.q_rows and tp_pi2bpsk:  # q = 1: Q_m = q, R x 1024 = (2 r_x1024) / q
        qm, r_x1024 = 1, 2 * r_x1024
    return McsEntry(qm=qm, r_x1024=float(r_x1024), spectral_efficiency=se)


def modulation_order(i_mcs: int, table: str, *, tp_pi2bpsk: bool = False) -> int:
    """Modulation order Q_m of MCS index ``i_mcs``, reserved indices included.

    Implements TS 38.214 §5.1.3.1 (Tables 5.1.3.1-1..4) and §6.1.4.1 (Tables 6.1.4.1-1, -2).

    Parameters
    ----------
    i_mcs : int
        MCS index I_MCS, 0..31.
    table : str
        As for :func:`mcs_entry`.
    tp_pi2bpsk : bool, default False
        As for :func:`mcs_entry` (q = 1 if True, else 2).

    Returns
    -------
    qm : int
        Q_m; for a reserved index, the modulation order it signals (for a
        retransmission).

    Raises
    ------
    ConfigError
        If ``table`` is unknown, ``tp_pi2bpsk`` is used with a table without q rows or
        ``i_mcs`` is outside 0..31.
    """
    t = _table(table, tp_pi2bpsk)
    i_mcs = _check_index(i_mcs, t)
    n_rows = len(t.rows)
    if i_mcs < n_rows:
        return mcs_entry(i_mcs, table, tp_pi2bpsk=tp_pi2bpsk).qm
    qm = t.reserved_qm[i_mcs - n_rows]
    if qm == 0:  # the "q" entry of Tables 6.1.4.1-1/-2
        qm = 1 if tp_pi2bpsk else 2
    return qm
