"""PUCCH sequences: hopping, cyclic shifts, orthogonal cover codes and DM-RS sequences.

Implements TS 38.211 §6.3.2.2 (group and sequence hopping, cyclic shift hopping),
TS 38.213 §9.2.3/§9.2.5 (format 0 m_cs), §6.4.1.3 (DM-RS for PUCCH formats 1-4) with the tables
shared by data and DM-RS: Table 6.3.2.4.1-1 and Table 6.4.1.3.1.1-1 (N_SF of format 1),
Table 6.3.2.4.1-2 (orthogonal sequences w_i(m) of format 1), Tables 6.3.2.6.3-1/-2
(w_n of format 4), Table 6.4.1.3.3.1-1 (m_0 of the format 3/4 DM-RS) and Table
6.4.1.3.3.2-1 (DM-RS positions of formats 3/4).

The functions here take plain integers; the per-resource assembly (hops, cyclic shifts,
mapping to the slot grid) is :mod:`nrlink.spec.ts38211.pucch`.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool, check_choice
from nrlink.spec.ts38211.numerology import check_n_symb_slot
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "GROUP_HOPPING_MODES",
    "format0_m_cs",
    "pucch_alpha",
    "pucch_group_sequence",
    "pucch_n_cs",
    "F1_DATA_N_SF",
    "F1_DMRS_N_SF",
    "F1_OCC_PHI",
    "F34_DMRS_SYMBOLS",
    "F4_DMRS_M0",
    "F4_OCC",
    "format1_n_sf",
    "format1_occ",
    "format2_dmrs_c_init",
    "format2_dmrs_sequence",
    "format34_dmrs_m0",
    "format34_dmrs_symbols",
    "format4_occ",
]

#: pucch-GroupHopping values (TS 38.211 §6.3.2.2.1, TS 38.331 PUCCH-ConfigCommon).
GROUP_HOPPING_MODES = ("neither", "enable", "disable")

_C_HOP = "TS 38.211 §6.3.2.2.1"
_C_CS = "TS 38.211 §6.3.2.2.2"
_C_F0 = "TS 38.213 §9.2.3, §9.2.5"
_N_SC = 12
_C_F1 = "TS 38.211 §6.3.2.4.1"
_C_F1_DMRS = "TS 38.211 §6.4.1.3.1.1"
_C_F2_DMRS = "TS 38.211 §6.4.1.3.2.1"
_C_F4 = "TS 38.211 §6.3.2.6.3"
_C_F34_DMRS = "TS 38.211 §6.4.1.3.3"

#: TS 38.211 Table 6.3.2.4.1-1: N_SF,m'^PUCCH,1 of the format 1 data, by PUCCH length
#: N_symb^PUCCH,1: (no intra-slot hopping m'=0, hopping m'=0, hopping m'=1).
F1_DATA_N_SF: dict[int, tuple[int, int, int]] = {
    4: (2, 1, 1), 5: (2, 1, 1), 6: (3, 1, 2), 7: (3, 1, 2), 8: (4, 2, 2), 9: (4, 2, 2),
    10: (5, 2, 3), 11: (5, 2, 3), 12: (6, 3, 3), 13: (6, 3, 3), 14: (7, 3, 4),
}

#: TS 38.211 Table 6.4.1.3.1.1-1: N_SF,m'^PUCCH,1 of the format 1 DM-RS, same layout.
F1_DMRS_N_SF: dict[int, tuple[int, int, int]] = {
    4: (2, 1, 1), 5: (3, 1, 2), 6: (3, 2, 1), 7: (4, 2, 2), 8: (4, 2, 2), 9: (5, 2, 3),
    10: (5, 3, 2), 11: (6, 3, 3), 12: (6, 3, 3), 13: (7, 3, 4), 14: (7, 4, 3),
}

#: TS 38.211 Table 6.3.2.4.1-2: φ(0..N_SF-1) of w_i(m) = exp(j 2π φ(m) / N_SF), as
#: ``n_sf -> rows i = 0..n_sf-1``.
F1_OCC_PHI: dict[int, tuple[tuple[int, ...], ...]] = {
    1: ((0,),),
    2: ((0, 0), (0, 1)),
    3: ((0, 0, 0), (0, 1, 2), (0, 2, 1)),
    4: ((0, 0, 0, 0), (0, 2, 0, 2), (0, 0, 2, 2), (0, 2, 2, 0)),
    5: ((0, 0, 0, 0, 0), (0, 1, 2, 3, 4), (0, 2, 4, 1, 3), (0, 3, 1, 4, 2), (0, 4, 3, 2, 1)),
    6: ((0, 0, 0, 0, 0, 0), (0, 1, 2, 3, 4, 5), (0, 2, 4, 0, 2, 4), (0, 3, 0, 3, 0, 3),
        (0, 4, 2, 0, 4, 2), (0, 5, 4, 3, 2, 1)),
    7: ((0, 0, 0, 0, 0, 0, 0), (0, 1, 2, 3, 4, 5, 6), (0, 2, 4, 6, 1, 3, 5),
        (0, 3, 6, 2, 5, 1, 4), (0, 4, 1, 5, 2, 6, 3), (0, 5, 3, 1, 6, 4, 2),
        (0, 6, 5, 4, 3, 2, 1)),
}

_P, _M, _J, _MJ = 1 + 0j, -1 + 0j, 1j, -1j
#: TS 38.211 Tables 6.3.2.6.3-1 (N_SF = 2) and 6.3.2.6.3-2 (N_SF = 4): w_n(k), k = 0..11,
#: as ``n_sf -> rows n``.
F4_OCC: dict[int, tuple[tuple[complex, ...], ...]] = {
    2: ((_P,) * 12, (_P,) * 6 + (_M,) * 6),
    4: ((_P,) * 12,
        (_P,) * 3 + (_MJ,) * 3 + (_M,) * 3 + (_J,) * 3,
        (_P,) * 3 + (_M,) * 3 + (_P,) * 3 + (_M,) * 3,
        (_P,) * 3 + (_J,) * 3 + (_M,) * 3 + (_MJ,) * 3),
}

#: TS 38.211 Table 6.4.1.3.3.1-1: cyclic shift index m_0 of the format 4 DM-RS, as
#: ``n_sf -> m_0 by orthogonal sequence index n`` (format 3: m_0 = 0).
F4_DMRS_M0: dict[int, tuple[int, ...]] = {2: (0, 6), 4: (0, 6, 3, 9)}

#: TS 38.211 Table 6.4.1.3.3.2-1: DM-RS symbols (within the PUCCH) of formats 3 and 4, as
#: ``(length, additional_dmrs) -> (no intra-slot hopping, intra-slot hopping)``.
F34_DMRS_SYMBOLS: dict[tuple[int, bool], tuple[tuple[int, ...], tuple[int, ...]]] = {
    (4, False): ((1,), (0, 2)), (4, True): ((1,), (0, 2)),
    (5, False): ((0, 3), (0, 3)), (5, True): ((0, 3), (0, 3)),
    (6, False): ((1, 4), (1, 4)), (6, True): ((1, 4), (1, 4)),
    (7, False): ((1, 4), (1, 4)), (7, True): ((1, 4), (1, 4)),
    (8, False): ((1, 5), (1, 5)), (8, True): ((1, 5), (1, 5)),
    (9, False): ((1, 6), (1, 6)), (9, True): ((1, 6), (1, 6)),
    (10, False): ((2, 7), (2, 7)), (10, True): ((1, 3, 6, 8), (1, 3, 6, 8)),
    (11, False): ((2, 7), (2, 7)), (11, True): ((1, 3, 6, 9), (1, 3, 6, 9)),
    (12, False): ((2, 8), (2, 8)), (12, True): ((1, 4, 7, 10), (1, 4, 7, 10)),
    (13, False): ((2, 9), (2, 9)), (13, True): ((1, 4, 7, 11), (1, 4, 7, 11)),
    (14, False): ((3, 10), (3, 10)), (14, True): ((1, 5, 8, 12), (1, 5, 8, 12)),
}


def _check_long_length(num_symbols, clause: str) -> int:
    return check_int("num_symbols", num_symbols, "an integer in 4..14", clause, lo=4, hi=14)


def format1_n_sf(num_symbols: int, hopping: bool, *, dmrs: bool = False) -> tuple[int, ...]:
    """Spreading factors N_SF,m'^PUCCH,1 of PUCCH format 1, one per hop.

    Implements TS 38.211 §6.3.2.4.1 (Table 6.3.2.4.1-1) and, with ``dmrs=True``,
    §6.4.1.3.1.1 (Table 6.4.1.3.1.1-1).

    Parameters
    ----------
    num_symbols : int
        PUCCH length N_symb^PUCCH,1, 4..14.
    hopping : bool
        Intra-slot frequency hopping.
    dmrs : bool, default False
        The DM-RS table instead of the data table.

    Returns
    -------
    tuple of int
        ``(N_SF,0,)`` without hopping, ``(N_SF,0, N_SF,1)`` with hopping.

    Examples
    --------
    >>> format1_n_sf(14, False), format1_n_sf(14, True), format1_n_sf(14, True, dmrs=True)
    ((7,), (3, 4), (4, 3))
    """
    clause = _C_F1_DMRS if dmrs else _C_F1
    n = _check_long_length(num_symbols, clause)
    hopping = check_bool("hopping", hopping, clause)
    dmrs = check_bool("dmrs", dmrs, clause)
    row = (F1_DMRS_N_SF if dmrs else F1_DATA_N_SF)[n]
    return row[1:] if hopping else row[:1]


def format1_occ(n_sf: int, i: int) -> np.ndarray:
    """Orthogonal sequence w_i(m) = exp(j 2π φ(m) / N_SF) of PUCCH format 1.

    Implements TS 38.211 §6.3.2.4.1 (Table 6.3.2.4.1-2), used by the data and the DM-RS
    (§6.4.1.3.1.1).

    Parameters
    ----------
    n_sf : int
        Spreading factor N_SF, 1..7.
    i : int
        Orthogonal sequence index (timeDomainOCC), 0..n_sf-1.

    Returns
    -------
    ndarray of complex128, shape (n_sf,)

    Examples
    --------
    >>> np.round(format1_occ(4, 3).real).tolist()
    [1.0, -1.0, -1.0, 1.0]
    """
    n_sf = check_int("n_sf", n_sf, "an integer in 1..7", _C_F1, lo=1, hi=7)
    i = check_int("i", i, f"an integer in 0..{n_sf - 1} (fewer than N_SF = {n_sf})",
                  f"{_C_F1}, Table 6.3.2.4.1-2", lo=0, hi=n_sf - 1)
    phi = np.array(F1_OCC_PHI[n_sf][i], dtype=np.float64)
    return np.exp(2j * np.pi * phi / n_sf)


def format4_occ(n_sf: int, n: int) -> np.ndarray:
    """Orthogonal sequence w_n(k), k = 0..11, of PUCCH format 4.

    Implements TS 38.211 §6.3.2.6.3 (Tables 6.3.2.6.3-1 and 6.3.2.6.3-2).

    Parameters
    ----------
    n_sf : int
        Spreading factor N_SF^PUCCH,4 (occ-Length), 2 or 4.
    n : int
        Orthogonal sequence index (occ-Index), 0..n_sf-1.

    Returns
    -------
    ndarray of complex64, shape (12,)

    Examples
    --------
    >>> format4_occ(2, 1).real.tolist()[5:7]
    [1.0, -1.0]
    """
    n_sf = check_int("n_sf", n_sf, "one of 2, 4", _C_F4, choices=(2, 4))
    n = check_int("n", n, f"an integer in 0..{n_sf - 1}", _C_F4, lo=0, hi=n_sf - 1)
    return np.array(F4_OCC[n_sf][n], dtype=np.complex64)


def format34_dmrs_m0(pucch_format: int, n_sf: int = 2, n: int = 0) -> int:
    """Cyclic shift index m_0 of the DM-RS of PUCCH format 3 or 4.

    Implements TS 38.211 §6.4.1.3.3.1 (Table 6.4.1.3.3.1-1): m_0 = 0 for format 3; for
    format 4 it depends on the spreading factor and the orthogonal sequence index n.

    Parameters
    ----------
    pucch_format : int
        3 or 4.
    n_sf : int, default 2
        Format 4 spreading factor (occ-Length), 2 or 4.
    n : int, default 0
        Format 4 orthogonal sequence index (occ-Index), 0..n_sf-1.

    Returns
    -------
    int

    Examples
    --------
    >>> format34_dmrs_m0(4, 4, 2)
    3
    """
    pucch_format = check_int("pucch_format", pucch_format, "3 or 4", _C_F34_DMRS,
                             choices=(3, 4))
    if pucch_format == 3:
        return 0
    n_sf = check_int("n_sf", n_sf, "one of 2, 4", _C_F34_DMRS, choices=(2, 4))
    n = check_int("n", n, f"an integer in 0..{n_sf - 1}", _C_F34_DMRS, lo=0, hi=n_sf - 1)
    return F4_DMRS_M0[n_sf][n]


def format34_dmrs_symbols(num_symbols: int, *, hopping: bool,
                          additional_dmrs: bool) -> tuple[int, ...]:
    """DM-RS symbol positions l (0 = first PUCCH symbol) of PUCCH formats 3 and 4.

    Implements TS 38.211 §6.4.1.3.3.2 (Table 6.4.1.3.3.2-1).

    Parameters
    ----------
    num_symbols : int
        PUCCH length, 4..14.
    hopping : bool
        Intra-slot frequency hopping.
    additional_dmrs : bool
        additionalDMRS (two DM-RS per hop for lengths >= 10).

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> format34_dmrs_symbols(14, hopping=False, additional_dmrs=True)
    (1, 5, 8, 12)
    """
    clause = f"{_C_F34_DMRS}.2"
    n = _check_long_length(num_symbols, clause)
    hopping = check_bool("hopping", hopping, clause)
    additional_dmrs = check_bool("additional_dmrs", additional_dmrs, clause)
    return F34_DMRS_SYMBOLS[(n, additional_dmrs)][int(hopping)]


def format2_dmrs_c_init(n_slot: int, l: int, n_id_0: int, n_symb_slot: int = 14) -> int:
    """Initialisation of the pseudo-random sequence of the PUCCH format 2 DM-RS.

    Implements TS 38.211 §6.4.1.3.2.1.

    c_init = (2^17 (N_symb^slot n_s,f^μ + l + 1)(2 N_ID^0 + 1) + 2 N_ID^0) mod 2^31.

    Parameters
    ----------
    n_slot : int
        Slot number n_s,f^μ in the frame, >= 0.
    l : int
        OFDM symbol number in the slot, 0..n_symb_slot-1.
    n_id_0 : int
        N_ID^0: scramblingID0 of DMRS-UplinkConfig if configured, else N_ID^cell;
        0..65535.
    n_symb_slot : int, default 14
        14 (normal CP) or 12 (extended CP).

    Returns
    -------
    int

    Examples
    --------
    >>> format2_dmrs_c_init(0, 0, 0)
    131072
    """
    n_symb_slot = check_n_symb_slot(n_symb_slot, _C_F2_DMRS)
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", _C_F2_DMRS, lo=0)
    l = check_int("l", l, f"an integer in 0..{n_symb_slot - 1}", _C_F2_DMRS, lo=0,
                  hi=n_symb_slot - 1)
    n_id_0 = check_int("n_id_0", n_id_0, "an integer in 0..65535", _C_F2_DMRS, lo=0, hi=65535)
    return (2**17 * (n_symb_slot * n_slot + l + 1) * (2 * n_id_0 + 1) + 2 * n_id_0) % 2**31


def format2_dmrs_sequence(c_init: int, length: int) -> np.ndarray:
    """QPSK sequence r_l(m) = (1 - 2c(2m) + j(1 - 2c(2m + 1))) / √2 of the format 2 DM-RS.

    Implements TS 38.211 §6.4.1.3.2.1.

    Parameters
    ----------
    c_init : int
        From :func:`format2_dmrs_c_init`.
    length : int
        Number of values m = 0..length-1 (m counts from subcarrier 1 of common resource
        block 0, four per resource block, §6.4.1.3.2.2).

    Returns
    -------
    ndarray of complex64, shape (length,)

    Examples
    --------
    >>> format2_dmrs_sequence(131072, 2).shape
    (2,)
    """
    length = check_int("length", length, "an integer >= 0", _C_F2_DMRS, lo=0)
    c = gold_sequence(c_init, 2 * length).astype(np.float32)
    if c.ndim != 1:
        raise ConfigError(f"c_init={c_init!r} is not allowed: c_init must be one integer "
                          f"({_C_F2_DMRS})")
    r = ((1 - 2 * c[0::2]) + 1j * (1 - 2 * c[1::2])) / np.sqrt(2)
    return r.astype(np.complex64)


def pucch_group_sequence(n_id: int, n_slot: int, n_hop: int, group_hopping: str) -> tuple[int, int]:
    """Sequence group u and sequence number v of a PUCCH hop.

    Implements TS 38.211 §6.3.2.2.1.

    u = (f_gh + f_ss) mod 30, f_ss = n_ID mod 30, and
    * "neither": f_gh = 0, v = 0;
    * "enable": f_gh = (Σ_{m=0}^{7} 2^m c(8 (2 n_s,f^μ + n_hop) + m)) mod 30, v = 0,
      c_init = ⌊n_ID / 30⌋;
    * "disable": f_gh = 0, v = c(2 n_s,f^μ + n_hop), c_init = 2^5 ⌊n_ID / 30⌋ + (n_ID mod 30).

    Parameters
    ----------
    n_id : int
        hoppingId if configured, else N_ID^cell; 0..1023.
    n_slot : int
        Slot number n_s,f^μ in the frame, >= 0.
    n_hop : int
        0 (first hop or no intra-slot hopping) or 1 (second hop).
    group_hopping : {"neither", "enable", "disable"}
        pucch-GroupHopping.

    Returns
    -------
    (u, v) : tuple of int
        Note that a base sequence shorter than 72 exists for v = 0 only (TS 38.211
        §5.2.2); the sequence generators use v = 0 there.

    Examples
    --------
    >>> pucch_group_sequence(37, 0, 0, "neither")
    (7, 0)
    """
    n_id = check_int("n_id", n_id, "an integer in 0..1023", _C_HOP, lo=0, hi=1023)
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", _C_HOP, lo=0)
    n_hop = check_int("n_hop", n_hop, "0 or 1", _C_HOP, choices=(0, 1))
    check_choice("group_hopping", group_hopping, GROUP_HOPPING_MODES, _C_HOP)
    f_ss = n_id % 30
    f_gh, v = 0, 0
    t = 2 * n_slot + n_hop
    if group_hopping == "enable":
        c = gold_sequence(n_id // 30, 8 * t + 8)[8 * t:].astype(np.int64)
        f_gh = int(np.dot(c, 1 << np.arange(8))) % 30
    elif group_hopping == "disable":
        v = int(gold_sequence(32 * (n_id // 30) + n_id % 30, t + 1)[t])
    return (f_gh + f_ss) % 30, v


def pucch_n_cs(n_id: int, n_slot: int, l, n_symb_slot: int = 14) -> np.ndarray:
    """Cell-specific cyclic shift n_cs(n_s,f^μ, l) of the PUCCH sequences.

    Implements TS 38.211 §6.3.2.2.2.

    n_cs(n_s, l) = Σ_{m=0}^{7} 2^m c(8 N_symb^slot n_s,f^μ + 8 l + m), c_init = n_ID.

    Parameters
    ----------
    n_id : int
        hoppingId if configured, else N_ID^cell; 0..1023.
    n_slot : int
        Slot number n_s,f^μ, >= 0.
    l : int or array_like of int
        OFDM symbol number(s) in the slot (l + l' of the clause), 0..n_symb_slot-1.
    n_symb_slot : int, default 14

    Returns
    -------
    ndarray of int64, shape of ``l``
        Values 0..255.

    Examples
    --------
    >>> pucch_n_cs(0, 0, [0, 1]).shape
    (2,)
    """
    n_id = check_int("n_id", n_id, "an integer in 0..1023", _C_CS, lo=0, hi=1023)
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", _C_CS, lo=0)
    n_symb_slot = check_n_symb_slot(n_symb_slot, _C_CS)
    l_arr = np.asarray(l)
    if l_arr.dtype.kind not in "iu" or (l_arr.size and (l_arr.min() < 0
                                                        or l_arr.max() >= n_symb_slot)):
        raise ConfigError(f"l={l!r} is not allowed: l must be integers in "
                          f"0..{n_symb_slot - 1} ({_C_CS})")
    base = 8 * n_symb_slot * n_slot
    c = gold_sequence(n_id, base + 8 * n_symb_slot)[base:].astype(np.int64)
    values = (c.reshape(n_symb_slot, 8) << np.arange(8)).sum(axis=1)
    return values[l_arr.astype(np.int64)]


def pucch_alpha(n_id: int, n_slot: int, l, l_prime: int, m0: int, m_cs=0,
                n_symb_slot: int = 14) -> np.ndarray:
    """Cyclic shift α_l of the PUCCH sequences (radians per sample).

    Implements TS 38.211 §6.3.2.2.2 (m_int = 0: no interlaced transmission).

    α_l = 2π / N_sc^RB · ((m_0 + m_cs + n_cs(n_s,f^μ, l + l')) mod N_sc^RB).

    Parameters
    ----------
    n_id, n_slot, n_symb_slot
        As :func:`pucch_n_cs`.
    l : int or array_like of int
        Symbol number(s) in the PUCCH transmission (0 = first PUCCH symbol).
    l_prime : int
        Slot symbol l' of the first PUCCH symbol.
    m0 : int
        m_0: initialCyclicShift (formats 0, 1) or Table 6.4.1.3.3.1-1 (formats 3, 4); 0..11.
    m_cs : int or array_like of int, default 0
        m_cs (format 0, TS 38.213 §9.2.3), 0..11, broadcast against ``l``.

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> d = pucch_alpha(0, 0, 0, 0, 0, 6) - pucch_alpha(0, 0, 0, 0, 0, 0)
    >>> round(float(np.cos(d)), 12)  # m_cs = 6 shifts α by π
    -1.0
    """
    m0 = check_int("m0", m0, "an integer in 0..11", _C_CS, lo=0, hi=11)
    n_symb_slot = check_n_symb_slot(n_symb_slot, _C_CS)
    l_prime = check_int("l_prime", l_prime, f"an integer in 0..{n_symb_slot - 1}", _C_CS,
                        lo=0, hi=n_symb_slot - 1)
    m_cs = np.asarray(m_cs)
    if m_cs.dtype.kind not in "iu" or (m_cs.size and (m_cs.min() < 0 or m_cs.max() > 11)):
        raise ConfigError(f"m_cs={m_cs!r} is not allowed: m_cs must be integers in 0..11 "
                          f"({_C_CS})")
    n_cs = pucch_n_cs(n_id, n_slot, np.asarray(l) + l_prime, n_symb_slot)
    return 2 * np.pi / _N_SC * ((m0 + m_cs + n_cs) % _N_SC)


_M_CS_1 = {(False, 0): 0, (False, 1): 6, (True, 0): 3, (True, 1): 9}
_M_CS_2 = {(0, 0): 0, (0, 1): 3, (1, 1): 6, (1, 0): 9}


def format0_m_cs(harq_ack, sr=False) -> np.ndarray:
    """Cyclic shift m_cs of PUCCH format 0 for HARQ-ACK bits and an SR.

    Implements TS 38.213 §9.2.3 (Tables 9.2.3-3, 9.2.3-4: HARQ-ACK alone), §9.2.5
    (Tables 9.2.5-1, 9.2.5-2: HARQ-ACK with positive SR; positive SR alone: m_cs = 0).

    One HARQ-ACK bit: 0 (NACK) → 0, 1 (ACK) → 6; with positive SR 3, 9. Two bits:
    {0,0} → 0, {0,1} → 3, {1,1} → 6, {1,0} → 9; with positive SR each plus 1.

    Parameters
    ----------
    harq_ack : array_like of 0/1, shape (..., n_bits)
        HARQ-ACK bits, n_bits 0, 1 or 2 (1 = ACK).
    sr : bool or array_like of bool, default False
        Positive SR in the slot, broadcast to ``harq_ack.shape[:-1]``.

    Returns
    -------
    ndarray of int64, shape (...)
        m_cs, or -1 where nothing is transmitted (no HARQ-ACK and negative SR).

    Examples
    --------
    >>> format0_m_cs([[1, 0], [0, 1]], sr=[False, True]).tolist()
    [9, 4]
    """
    b = as_bits("harq_ack", harq_ack, _C_F0)
    n_bits = b.shape[-1]
    if n_bits > 2:
        raise ConfigError(f"harq_ack with {n_bits} bits is not allowed: PUCCH format 0 "
                          f"carries 0, 1 or 2 HARQ-ACK bits ({_C_F0})")
    sr_arr = np.asarray(sr)
    if sr_arr.dtype != np.bool_:
        raise ConfigError(f"sr={sr!r} is not allowed: sr must be a bool (array) ({_C_F0})")
    try:
        sr_arr = np.broadcast_to(sr_arr, b.shape[:-1])
    except ValueError:
        raise ConfigError(f"sr of shape {sr_arr.shape} is not allowed: it must broadcast to "
                          f"{b.shape[:-1]} ({_C_F0})") from None
    if n_bits == 0:
        return np.where(sr_arr, 0, -1).astype(np.int64)
    if n_bits == 1:
        base = 6 * b[..., 0].astype(np.int64)
        return base + 3 * sr_arr
    # {0,0} 0, {0,1} 3, {1,1} 6, {1,0} 9: 3 · (Gray index of b0 b1)
    b0, b1 = b[..., 0].astype(np.int64), b[..., 1].astype(np.int64)
    return 3 * (2 * b0 + (b0 ^ b1)) + sr_arr
