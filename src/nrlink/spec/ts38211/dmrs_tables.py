"""Tables of the PDSCH and PUSCH DMRS and their lookups: antenna ports and time positions.

Implements TS 38.211 Tables 6.4.1.1.3-1 to 6.4.1.1.3-4 and 7.4.1.1.2-1 to 7.4.1.1.2-4.

The lookups :func:`dmrs_symbols`, :func:`dmrs_port_params` and :func:`dmrs_subcarriers`
are re-exported by :mod:`nrlink.spec.ts38211.dmrs`.

The position tables are recorded as data, one dict per table: ``ld -> (pos0, pos1, pos2,
pos3)``. An entry is the tuple of DMRS positions l̄ *after* l0 (every allowed entry of
the spec tables starts with l0), ``()`` meaning "l0 only", and ``None`` a "-" (the
combination is not allowed). Durations missing from a dict are outside the table. Double-
symbol tables only have the pos0 and pos1 columns. The values follow 3GPP TS 38.211
Rel-16/17 (PDSCH mapping type B for every duration 2..13 symbols; Rel-15 only allowed 2, 4
and 7, with the same positions).
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_choice
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_symb_slot

__all__ = [
    "DMRS_PORT_TABLE",
    "NUM_DMRS_PORTS",
    "PORT_ARRAYS",
    "PDSCH_DMRS_POSITIONS_DOUBLE",
    "PDSCH_DMRS_POSITIONS_SINGLE",
    "PUSCH_DMRS_POSITIONS_DOUBLE",
    "PUSCH_DMRS_POSITIONS_SINGLE",
    "check_dmrs_config_type",
    "check_num_cdm_groups_without_data",
    "dmrs_port_params",
    "dmrs_subcarriers",
    "dmrs_symbols",
]

_ = None  # "-" in the spec tables: the combination is not allowed

#: Table 7.4.1.1.2-1 / 6.4.1.1.3-1 (configuration type 1) and 7.4.1.1.2-2 / 6.4.1.1.3-2
#: (configuration type 2): ``config_type -> rows (λ, Δ, (w_f(0), w_f(1)), (w_t(0), w_t(1)))``
#: indexed by the 0-based port index (PDSCH port p = 1000 + index, PUSCH p = index).
DMRS_PORT_TABLE: dict[int, tuple[tuple[int, int, tuple[int, int], tuple[int, int]], ...]] = {
    1: (
        (0, 0, (1, 1), (1, 1)),  # 1000 / 0
        (0, 0, (1, -1), (1, 1)),  # 1001 / 1
        (1, 1, (1, 1), (1, 1)),  # 1002 / 2
        (1, 1, (1, -1), (1, 1)),  # 1003 / 3
        (0, 0, (1, 1), (1, -1)),  # 1004 / 4
        (0, 0, (1, -1), (1, -1)),  # 1005 / 5
        (1, 1, (1, 1), (1, -1)),  # 1006 / 6
        (1, 1, (1, -1), (1, -1)),  # 1007 / 7
    ),
    2: (
        (0, 0, (1, 1), (1, 1)),  # 1000 / 0
        (0, 0, (1, -1), (1, 1)),  # 1001 / 1
        (1, 2, (1, 1), (1, 1)),  # 1002 / 2
        (1, 2, (1, -1), (1, 1)),  # 1003 / 3
        (2, 4, (1, 1), (1, 1)),  # 1004 / 4
        (2, 4, (1, -1), (1, 1)),  # 1005 / 5
        (0, 0, (1, 1), (1, -1)),  # 1006 / 6
        (0, 0, (1, -1), (1, -1)),  # 1007 / 7
        (1, 2, (1, 1), (1, -1)),  # 1008 / 8
        (1, 2, (1, -1), (1, -1)),  # 1009 / 9
        (2, 4, (1, 1), (1, -1)),  # 1010 / 10
        (2, 4, (1, -1), (1, -1)),  # 1011 / 11
    ),
}

# Columns: (pos0, pos1, pos2, pos3); entries are the positions after l0.
_ALL_L0 = ((), (), (), ())
_NONE4 = (_, _, _, _)

#: TS 38.211 Table 7.4.1.1.2-3: PDSCH DM-RS positions l̄ for single-symbol DM-RS.
#: ``mapping_type -> {ld: (pos0, pos1, pos2, pos3)}``.
PDSCH_DMRS_POSITIONS_SINGLE: dict[str, dict[int, tuple]] = {
    "A": {
        2: _NONE4,
        3: _ALL_L0,
        4: _ALL_L0,
        5: _ALL_L0,
        6: _ALL_L0,
        7: _ALL_L0,
        8: ((), (7,), (7,), (7,)),
        9: ((), (7,), (7,), (7,)),
        10: ((), (9,), (6, 9), (6, 9)),
        11: ((), (9,), (6, 9), (6, 9)),
        12: ((), (9,), (6, 9), (5, 8, 11)),
        13: ((), (11,), (7, 11), (5, 8, 11)),
        14: ((), (11,), (7, 11), (5, 8, 11)),
    },
    "B": {
        2: _ALL_L0,
        3: _ALL_L0,
        4: _ALL_L0,
        5: ((), (4,), (4,), (4,)),
        6: ((), (4,), (4,), (4,)),
        7: ((), (4,), (4,), (4,)),
        8: ((), (6,), (3, 6), (3, 6)),
        9: ((), (7,), (4, 7), (4, 7)),
        10: ((), (7,), (4, 7), (4, 7)),
        11: ((), (8,), (4, 8), (3, 6, 9)),
        12: ((), (9,), (5, 9), (3, 6, 9)),
        13: ((), (9,), (5, 9), (3, 6, 9)),
        14: _NONE4,
    },
}

#: TS 38.211 Table 7.4.1.1.2-4: PDSCH DM-RS positions l̄ for double-symbol DM-RS.
#: ``mapping_type -> {ld: (pos0, pos1)}``.
PDSCH_DMRS_POSITIONS_DOUBLE: dict[str, dict[int, tuple]] = {
    "A": {
        2: (_, _),
        3: (_, _),
        4: ((), ()),
        5: ((), ()),
        6: ((), ()),
        7: ((), ()),
        8: ((), ()),
        9: ((), ()),
        10: ((), (8,)),
        11: ((), (8,)),
        12: ((), (8,)),
        13: ((), (10,)),
        14: ((), (10,)),
    },
    "B": {
        2: (_, _),
        3: (_, _),
        4: (_, _),
        5: ((), ()),
        6: ((), ()),
        7: ((), ()),
        8: ((), (5,)),
        9: ((), (5,)),
        10: ((), (7,)),
        11: ((), (7,)),
        12: ((), (8,)),
        13: ((), (8,)),
        14: (_, _),
    },
}

#: TS 38.211 Table 6.4.1.1.3-3: PUSCH DM-RS positions l̄ within a slot for single-symbol
#: DM-RS and intra-slot frequency hopping disabled (row "< 4" recorded as ld = 1, 2, 3).
PUSCH_DMRS_POSITIONS_SINGLE: dict[str, dict[int, tuple]] = {
    "A": {
        1: _NONE4,
        2: _NONE4,
        3: _NONE4,
        4: _ALL_L0,
        5: _ALL_L0,
        6: _ALL_L0,
        7: _ALL_L0,
        8: ((), (7,), (7,), (7,)),
        9: ((), (7,), (7,), (7,)),
        10: ((), (9,), (6, 9), (6, 9)),
        11: ((), (9,), (6, 9), (6, 9)),
        12: ((), (9,), (6, 9), (5, 8, 11)),
        13: ((), (11,), (7, 11), (5, 8, 11)),
        14: ((), (11,), (7, 11), (5, 8, 11)),
    },
    "B": {
        1: _ALL_L0,
        2: _ALL_L0,
        3: _ALL_L0,
        4: _ALL_L0,
        5: ((), (4,), (4,), (4,)),
        6: ((), (4,), (4,), (4,)),
        7: ((), (4,), (4,), (4,)),
        8: ((), (6,), (3, 6), (3, 6)),
        9: ((), (6,), (3, 6), (3, 6)),
        10: ((), (8,), (4, 8), (3, 6, 9)),
        11: ((), (8,), (4, 8), (3, 6, 9)),
        12: ((), (10,), (5, 10), (3, 6, 9)),
        13: ((), (10,), (5, 10), (3, 6, 9)),
        14: ((), (10,), (5, 10), (3, 6, 9)),
    },
}

#: TS 38.211 Table 6.4.1.1.3-4: PUSCH DM-RS positions l̄ within a slot for double-symbol
#: DM-RS and intra-slot frequency hopping disabled (row "< 4" recorded as ld = 1, 2, 3).
PUSCH_DMRS_POSITIONS_DOUBLE: dict[str, dict[int, tuple]] = {
    "A": {
        1: (_, _),
        2: (_, _),
        3: (_, _),
        4: ((), ()),
        5: ((), ()),
        6: ((), ()),
        7: ((), ()),
        8: ((), ()),
        9: ((), ()),
        10: ((), (8,)),
        11: ((), (8,)),
        12: ((), (8,)),
        13: ((), (10,)),
        14: ((), (10,)),
    },
    "B": {
        1: (_, _),
        2: (_, _),
        3: (_, _),
        4: (_, _),
        5: ((), ()),
        6: ((), ()),
        7: ((), ()),
        8: ((), (5,)),
        9: ((), (5,)),
        10: ((), (7,)),
        11: ((), (7,)),
        12: ((), (9,)),
        13: ((), (9,)),
        14: ((), (9,)),
    },
}


def _port_arrays():
    """The port tables as arrays (cdm_group, delta, w_f, w_t) per configuration type."""
    out = {}
    for cfg, rows in DMRS_PORT_TABLE.items():
        out[cfg] = (
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([r[2] for r in rows], dtype=np.int8),
            np.array([r[3] for r in rows], dtype=np.int8),
        )
    return out


#: ``config_type -> (lambda (P,), delta (P,), w_f (P, 2), w_t (P, 2))`` as arrays.
PORT_ARRAYS = _port_arrays()

_CLAUSE_MAP = "TS 38.211 §7.4.1.1.2 / §6.4.1.1.3"
_CLAUSE_POS = {"pdsch": "TS 38.211 §7.4.1.1.2", "pusch": "TS 38.211 §6.4.1.1.3"}
_TABLE_POS = {
    ("pdsch", 1): ("Table 7.4.1.1.2-3", PDSCH_DMRS_POSITIONS_SINGLE),
    ("pdsch", 2): ("Table 7.4.1.1.2-4", PDSCH_DMRS_POSITIONS_DOUBLE),
    ("pusch", 1): ("Table 6.4.1.1.3-3", PUSCH_DMRS_POSITIONS_SINGLE),
    ("pusch", 2): ("Table 6.4.1.1.3-4", PUSCH_DMRS_POSITIONS_DOUBLE),
}
#: Number of ports ``(config_type, length) -> P``: single-symbol DMRS (l' = 0 only) allows
#: port indices 0..P-1 of the port tables.
NUM_DMRS_PORTS = {(1, 1): 4, (1, 2): 8, (2, 1): 6, (2, 2): 12}


def check_dmrs_config_type(config_type, clause: str = _CLAUSE_MAP) -> int:
    """Validate a DMRS configuration type (dmrs-Type) 1 or 2 and return it as ``int``.

    Implements TS 38.211 §7.4.1.1.2 / §6.4.1.1.3 (Tables 7.4.1.1.2-1/2, 6.4.1.1.3-1/2).
    """
    return check_int("config_type", config_type, "one of 1, 2", clause, choices=(1, 2))


def check_num_cdm_groups_without_data(num, config_type: int, clause: str) -> int:
    """Validate the number of DMRS CDM groups without data: 1..2 (type 1), 1..3 (type 2).

    Implements TS 38.214 §5.1.6.2 / §6.2.2 (and Tables 4.1-1, 6.2.2-1) for a validated
    ``config_type``.
    """
    return check_int(
        "num_cdm_groups_without_data",
        num,
        f"in 1..{config_type + 1} for DMRS configuration type {config_type}",
        clause,
        lo=1,
        hi=config_type + 1,
    )


def _check_allocation(channel, mapping_type, l_start, l_duration, n_symb_slot, type_a_position):
    """Valid (S, L) of TS 38.214 Tables 5.1.2.1-1 (PDSCH) and 6.1.2.1-1 (PUSCH)."""
    ncp = n_symb_slot == 14
    if channel == "pdsch":
        clause = "TS 38.214 Table 5.1.2.1-1"
        if mapping_type == "A":
            s_max, l_set, sl_min, sl_max = 3, range(3, n_symb_slot + 1), 3, n_symb_slot
        else:
            s_max = 12 if ncp else 10
            l_set = range(2, 14) if ncp else (2, 4, 6)
            sl_min, sl_max = 2, n_symb_slot
    else:
        clause = "TS 38.214 Table 6.1.2.1-1"
        if mapping_type == "A":
            s_max, l_set, sl_min, sl_max = 0, range(4, n_symb_slot + 1), 4, n_symb_slot
        else:
            s_max, l_set = n_symb_slot - 1, range(1, n_symb_slot + 1)
            sl_min, sl_max = 1, n_symb_slot
    check_int(
        "l_start",
        l_start,
        f"in 0..{s_max} for {channel} mapping type {mapping_type}",
        clause,
        lo=0,
        hi=s_max,
    )
    allowed = (
        f"in {l_set[0]}..{l_set[-1]}"
        if isinstance(l_set, range)
        else ("one of " + ", ".join(map(str, l_set)))
    )
    check_int(
        "l_duration",
        l_duration,
        f"{allowed} for {channel} mapping type {mapping_type} with N_symb^slot={n_symb_slot}",
        clause,
        choices=l_set,
    )
    if not sl_min <= l_start + l_duration <= sl_max:
        raise ConfigError(
            f"l_start + l_duration={l_start + l_duration} is not allowed: S + L must be in "
            f"{sl_min}..{sl_max} for {channel} mapping type {mapping_type} ({clause})"
        )
    if channel == "pdsch" and mapping_type == "A" and l_start == 3 and type_a_position != 3:
        raise ConfigError(
            f"l_start=3 is not allowed with type_a_position={type_a_position}: S = 3 is "
            f"applicable only if dmrs-TypeA-Position = 3 ({clause})"
        )


def dmrs_symbols(
    *,
    channel: str,
    mapping_type: str,
    l_start: int,
    l_duration: int,
    type_a_position: int = 2,
    additional_position: int = 0,
    length: int = 1,
    n_symb_slot: int = 14,
    frequency_hopping: bool = False,
) -> tuple[int, ...]:
    """OFDM symbols carrying the DMRS of a PDSCH or PUSCH allocation.

    Implements TS 38.211 §7.4.1.1.2 (Tables 7.4.1.1.2-3, 7.4.1.1.2-4) and §6.4.1.1.3
    (Tables 6.4.1.1.3-3, 6.4.1.1.3-4).

    l = l̄ + l' with l̄ from the position table at row l_d and column dmrs-AdditionalPosition,
    l' = 0 (single-symbol) or l' ∈ {0, 1} (double-symbol, Tables 7.4.1.1.2-5 / 6.4.1.1.3-5).
    Mapping type A: l is counted from the start of the slot, l0 = dmrs-TypeA-Position and
    l_d = S + L (from the first symbol of the slot to the last allocated symbol). Mapping
    type B: l is counted from the first allocated symbol S, l0 = 0 and l_d = L.

    Parameters
    ----------
    channel : {"pdsch", "pusch"}
    mapping_type : {"A", "B"}
        PDSCH/PUSCH mapping type.
    l_start : int
        First allocated symbol S of the slot.
    l_duration : int
        Number of allocated symbols L. (S, L) must be valid per TS 38.214 Table 5.1.2.1-1
        (PDSCH) / 6.1.2.1-1 (PUSCH).
    type_a_position : int, default 2
        dmrs-TypeA-Position (2 or 3); used by mapping type A only.
    additional_position : int, default 0
        dmrs-AdditionalPosition 0..3 (0..1 for double-symbol DMRS).
    length : int, default 1
        1 for single-symbol, 2 for double-symbol DMRS.
    n_symb_slot : int, default 14
        Symbols per slot (14 normal, 12 extended cyclic prefix).
    frequency_hopping : bool, default False
        PUSCH intra-slot frequency hopping (Table 6.4.1.1.3-6) is not implemented.

    Returns
    -------
    tuple of int
        Sorted absolute symbol indices within the slot; for double-symbol DMRS both symbols
        l̄ and l̄ + 1 of every pair.

    Raises
    ------
    ConfigError
        For an invalid parameter, a "-" entry of the tables, dmrs-AdditionalPosition = pos3
        with dmrs-TypeA-Position = pos3, PDSCH type A l_d = 3 (single) / 4 (double) with
        dmrs-TypeA-Position = pos3, or DMRS symbols outside the allocation.
    NotImplementedError
        For PUSCH intra-slot frequency hopping.

    Notes
    -----
    Not modelled: the PDSCH l1 = 12 variant for l_d ∈ {13, 14} with lte-CRS-ToMatchAround,
    and the shift of mapping type B DMRS behind a colliding CORESET (§7.4.1.1.2).

    Examples
    --------
    >>> dmrs_symbols(channel="pusch", mapping_type="A", l_start=0, l_duration=14,
    ...              additional_position=1)
    (2, 11)
    >>> dmrs_symbols(channel="pdsch", mapping_type="B", l_start=5, l_duration=7,
    ...              additional_position=1, length=1)
    (5, 9)
    """
    channel = check_choice("channel", channel, ("pdsch", "pusch"), _CLAUSE_MAP)
    clause = _CLAUSE_POS[channel]
    mapping_type = check_choice("mapping_type", mapping_type, ("A", "B"), clause)
    n_symb_slot = check_n_symb_slot(n_symb_slot, clause)
    type_a_position = check_int(
        "type_a_position", type_a_position, "one of 2, 3", clause, choices=(2, 3)
    )
    length = check_int("length", length, "one of 1, 2", clause, choices=(1, 2))
    max_add = 3 if length == 1 else 1
    additional_position = check_int(
        "additional_position",
        additional_position,
        f"in 0..{max_add} for {'single' if length == 1 else 'double'}-symbol DMRS",
        clause,
        lo=0,
        hi=max_add,
    )
    if frequency_hopping:
        if channel == "pusch":
            raise NotImplementedError(
                "PUSCH DMRS with intra-slot frequency hopping (TS 38.211 Table 6.4.1.1.3-6) "
                "is not implemented"
            )
        raise ConfigError(
            f"frequency_hopping={frequency_hopping!r} is not allowed: PDSCH has no intra-slot "
            f"frequency hopping ({clause})"
        )
    _check_allocation(channel, mapping_type, l_start, l_duration, n_symb_slot, type_a_position)
    l_start, l_duration = int(l_start), int(l_duration)

    if mapping_type == "A":
        l0, ref, l_d = type_a_position, 0, l_start + l_duration
        if additional_position == 3 and type_a_position != 2:
            raise ConfigError(
                f"additional_position=3 is not allowed with type_a_position={type_a_position}: "
                f"dmrs-AdditionalPosition = pos3 is only supported with dmrs-TypeA-Position = "
                f"pos2 ({clause})"
            )
        if channel == "pdsch" and type_a_position != 2 and l_d == 2 + length:
            raise ConfigError(
                f"l_d={l_d} is not allowed with type_a_position={type_a_position}: PDSCH "
                f"mapping type A with l_d = {l_d} and {length}-symbol DMRS is only applicable "
                f"with dmrs-TypeA-Position = pos2 ({clause})"
            )
    else:
        l0, ref, l_d = 0, l_start, l_duration
    table_name, table = _TABLE_POS[(channel, length)]
    entry = table[mapping_type].get(l_d)
    entry = None if entry is None else entry[additional_position]
    if entry is None:
        raise ConfigError(
            f"l_d={l_d} with additional_position={additional_position} is not allowed: "
            f"{channel} mapping type {mapping_type} {length}-symbol DMRS has no entry "
            f"('-') for this duration in {table_name} ({clause})"
        )
    l_bar = (l0, *entry)
    syms = tuple(ref + lb + lp for lb in l_bar for lp in range(length))
    lo, hi = l_start, l_start + l_duration - 1
    if syms[0] < lo or syms[-1] > hi:
        raise ConfigError(
            f"DMRS symbols {syms} are not allowed: they must lie within the allocated symbols "
            f"{lo}..{hi} (l_start={l_start}, l_duration={l_duration}, "
            f"type_a_position={type_a_position}, length={length}) ({clause})"
        )
    return syms


def dmrs_port_params(config_type: int, port_index: int):
    """CDM group, subcarrier offset and cover codes of a DMRS antenna port.

    Implements TS 38.211 Tables 7.4.1.1.2-1/2 (PDSCH) and 6.4.1.1.3-1/2 (PUSCH).

    Parameters
    ----------
    config_type : int
        DMRS configuration type (dmrs-Type) 1 or 2.
    port_index : int
        0-based port index: 0..7 (type 1) or 0..11 (type 2); PDSCH p = 1000 + index.

    Returns
    -------
    cdm_group : int
        CDM group λ.
    delta : int
        Subcarrier offset Δ.
    w_f : ndarray of int8, shape (2,)
        Frequency cover w_f(k'), k' = 0, 1.
    w_t : ndarray of int8, shape (2,)
        Time cover w_t(l'), l' = 0, 1.

    Examples
    --------
    >>> lam, delta, w_f, w_t = dmrs_port_params(2, 9)
    >>> lam, delta, w_f.tolist(), w_t.tolist()
    (1, 2, [1, -1], [1, -1])
    """
    clause = "TS 38.211 Tables 7.4.1.1.2-1/2, 6.4.1.1.3-1/2"
    config_type = check_dmrs_config_type(config_type, clause)
    n = NUM_DMRS_PORTS[(config_type, 2)]
    port_index = check_int(
        "port_index",
        port_index,
        f"in 0..{n - 1} for configuration type {config_type}",
        clause,
        lo=0,
        hi=n - 1,
    )
    lam, delta, w_f, w_t = PORT_ARRAYS[config_type]
    return (
        int(lam[port_index]),
        int(delta[port_index]),
        w_f[port_index].copy(),
        w_t[port_index].copy(),
    )


def dmrs_subcarriers(config_type: int, cdm_group: int) -> np.ndarray:
    """Subcarriers (0..11) of one resource block carrying the DMRS of a CDM group.

    Implements TS 38.211 §7.4.1.1.2 and §6.4.1.1.3.

    Type 1: k = 4n + 2k' + Δ; type 2: k = 6n + k' + Δ (k' ∈ {0, 1}, Δ = λ resp. 2λ).

    Parameters
    ----------
    config_type : int
        1 or 2.
    cdm_group : int
        λ in 0..1 (type 1) or 0..2 (type 2).

    Returns
    -------
    ndarray of int64
        6 (type 1) or 4 (type 2) sorted subcarrier indices.

    Examples
    --------
    >>> dmrs_subcarriers(1, 1).tolist(), dmrs_subcarriers(2, 2).tolist()
    ([1, 3, 5, 7, 9, 11], [4, 5, 10, 11])
    """
    config_type = check_dmrs_config_type(config_type)
    cdm_group = check_int(
        "cdm_group",
        cdm_group,
        f"in 0..{config_type} for configuration type {config_type}",
        _CLAUSE_MAP,
        lo=0,
        hi=config_type,
    )
    if config_type == 1:
        return np.arange(cdm_group, N_SC_RB, 2, dtype=np.int64)
    return np.array([0, 1, 6, 7], dtype=np.int64) + 2 * cdm_group
