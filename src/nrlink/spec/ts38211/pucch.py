"""Physical uplink control channel (PUCCH) formats 0 to 4: sequences, modulation, mapping.

Implements TS 38.211 §6.3.2 (§6.3.2.2 sequence and cyclic shift hopping, §6.3.2.3 format 0,
§6.3.2.4 format 1, §6.3.2.5 format 2, §6.3.2.6 formats 3 and 4) with the DM-RS of
§6.4.1.3 (:mod:`nrlink.spec.ts38211.pucch_dmrs`) and the format 0 cyclic shifts of
TS 38.213 §9.2.3 and §9.2.5 (Tables 9.2.3-3/-4, 9.2.5-1/-2).

A :class:`PucchResource` holds one resolved PUCCH resource in carrier coordinates (PRBs
counted from the carrier start, identities resolved). The grid functions return one
slot, ``(..., N_symb^slot, 12 N_grid^size)`` complex64, subcarrier 0 the lowest of the
carrier (:mod:`nrlink.spec.ts38211.grid`), with unit energy per occupied RE
(β_PUCCH = 1). With intra-slot frequency hopping the first hop has ⌊N_symb^PUCCH / 2⌋
symbols (TS 38.213 §9.2.1) and n_hop = 0, the second hop n_hop = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool, check_choice
from nrlink.spec.ts38211.low_papr import low_papr_base_sequence
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.numerology import check_n_symb_slot
from nrlink.spec.ts38211.precoding import is_valid_transform_precoding_prb, transform_precode
from nrlink.spec.ts38211.pucch_dmrs import (
    F1_DATA_N_SF,
    F1_DMRS_N_SF,
    GROUP_HOPPING_MODES,
    format0_m_cs,
    format1_occ,
    format2_dmrs_c_init,
    format2_dmrs_sequence,
    format4_occ,
    format34_dmrs_m0,
    format34_dmrs_symbols,
    pucch_alpha,
    pucch_group_sequence,
    pucch_n_cs,
)
from nrlink.spec.ts38211.scrambling import scramble_with_placeholders

__all__ = [
    "GROUP_HOPPING_MODES",
    "PucchResource",
    "format0_m_cs",
    "pucch_alpha",
    "pucch_e_tot",
    "pucch_format0_grid",
    "pucch_format1_grid",
    "pucch_format2_grid",
    "pucch_format34_grid",
    "pucch_grid",
    "pucch_layout",
    "PucchLayout",
    "pucch_group_sequence",
    "pucch_masks",
    "pucch_n_cs",
    "pucch_dmrs_grid",
    "pucch_scrambling_c_init",
]

_C_HOP = "TS 38.211 §6.3.2.2.1"
_C_RES = "TS 38.211 §6.3.2.1, TS 38.213 §9.2.1"
_N_SC = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchResource:
    """One PUCCH resource in carrier coordinates, with its identities resolved.

    Implements the resource parameters of TS 38.211 §6.3.2 and TS 38.213 §9.2.1
    (TS 38.331 PUCCH-Resource, PUCCH-FormatConfig, PUCCH-ConfigCommon).

    Parameters
    ----------
    pucch_format : int
        0..4.
    num_symbols : int
        nrofSymbols: 1..2 (formats 0, 2) or 4..14 (formats 1, 3, 4).
    n_size_grid, n_start_grid : int, default 52, 0
        Carrier size and first common resource block.
    n_symb_slot : int, default 14
        14 (normal CP) or 12 (extended CP).
    n_slot : int, default 0
        Slot number n_s,f^μ in the frame.
    prb_start : int, default 0
        First PRB of the first hop, counted from the carrier start.
    second_hop_prb : int or None, default None
        First PRB of the second hop (carrier start), ``None``: no intra-slot hopping.
    n_prb : int, default 1
        nrofPRBs: 1 for formats 0, 1, 4; 1..16 for format 2; 1..16 of the form
        2^a 3^b 5^c for format 3.
    start_symbol : int, default 0
        startingSymbolIndex l'.
    initial_cyclic_shift : int, default 0
        m_0 of formats 0 and 1, 0..11.
    time_domain_occ : int, default 0
        Format 1 orthogonal sequence index i, 0..6 and below every N_SF of the resource.
    occ_length, occ_index : int, default 2, 0
        Format 4 N_SF^PUCCH,4 (2 or 4) and orthogonal sequence index n (< occ_length).
    additional_dmrs : bool, default False
        Formats 3, 4: additionalDMRS.
    pi2_bpsk : bool, default False
        Formats 3, 4: π/2-BPSK instead of QPSK.
    group_hopping : {"neither", "enable", "disable"}, default "neither"
    n_id_hopping : int, default 0
        n_ID of §6.3.2.2 (hoppingId, else N_ID^cell), 0..1023.
    n_id : int, default 0
        Scrambling n_ID of formats 2-4 (dataScramblingIdentityPUSCH, else N_ID^cell).
    n_rnti : int, default 0
        C-RNTI for the scrambling of formats 2-4.
    n_id_0 : int, default 0
        N_ID^0 of the format 2 DM-RS (scramblingID0, else N_ID^cell), 0..65535.
    """

    pucch_format: int
    num_symbols: int
    n_size_grid: int = 52
    n_start_grid: int = 0
    n_symb_slot: int = 14
    n_slot: int = 0
    prb_start: int = 0
    second_hop_prb: int | None = None
    n_prb: int = 1
    start_symbol: int = 0
    initial_cyclic_shift: int = 0
    time_domain_occ: int = 0
    occ_length: int = 2
    occ_index: int = 0
    additional_dmrs: bool = False
    pi2_bpsk: bool = False
    group_hopping: str = "neither"
    n_id_hopping: int = 0
    n_id: int = 0
    n_rnti: int = 0
    n_id_0: int = 0

    def __post_init__(self) -> None:
        c = _C_RES
        fmt = check_int("pucch_format", self.pucch_format, "one of 0, 1, 2, 3, 4", c,
                        choices=(0, 1, 2, 3, 4))
        check_int("n_size_grid", self.n_size_grid, "an integer in 1..275",
                  "TS 38.211 §4.4.2", lo=1, hi=275)
        check_int("n_start_grid", self.n_start_grid, "an integer in 0..2199",
                  "TS 38.211 §4.4.2", lo=0, hi=2199)
        n_symb_slot = check_n_symb_slot(self.n_symb_slot, c)
        check_int("n_slot", self.n_slot, "an integer >= 0", "TS 38.211 §4.3.2", lo=0)
        lo, hi = (1, 2) if fmt in (0, 2) else (4, 14)
        check_int("num_symbols", self.num_symbols, f"an integer in {lo}..{hi} for format {fmt}",
                  "TS 38.213 §9.2.1, TS 38.331 PUCCH-format" + str(fmt), lo=lo, hi=hi)
        check_int("start_symbol", self.start_symbol,
                  f"an integer in 0..{n_symb_slot - self.num_symbols} (num_symbols="
                  f"{self.num_symbols} must fit in the {n_symb_slot}-symbol slot)",
                  c, lo=0, hi=n_symb_slot - self.num_symbols)
        if fmt in (0, 1, 4):
            check_int("n_prb", self.n_prb, f"1 for format {fmt}", c, choices=(1,))
        else:
            check_int("n_prb", self.n_prb, "an integer in 1..16", "TS 38.331 PUCCH-format"
                      + str(fmt), lo=1, hi=16)
            if fmt == 3 and not is_valid_transform_precoding_prb(self.n_prb):
                raise ConfigError(
                    f"n_prb={self.n_prb} is not allowed for format 3: n_prb must be one of "
                    "1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16 (2^a 3^b 5^c) (TS 38.211 §6.3.2.6.4)")
        hi_prb = self.n_size_grid - self.n_prb
        check_int("prb_start", self.prb_start,
                  f"an integer in 0..{hi_prb} (inside the carrier)", c, lo=0, hi=hi_prb)
        if self.second_hop_prb is not None:
            check_int("second_hop_prb", self.second_hop_prb,
                      f"None or an integer in 0..{hi_prb} (inside the carrier)", c,
                      lo=0, hi=hi_prb)
            if self.num_symbols == 1:
                raise ConfigError(
                    f"second_hop_prb={self.second_hop_prb} is not allowed with num_symbols=1: "
                    "intra-slot frequency hopping needs at least 2 symbols, the first hop "
                    "having floor(num_symbols / 2) (TS 38.213 §9.2.1)")
        check_int("initial_cyclic_shift", self.initial_cyclic_shift, "an integer in 0..11",
                  "TS 38.211 §6.3.2.2.2", lo=0, hi=11)
        check_int("time_domain_occ", self.time_domain_occ, "an integer in 0..6",
                  "TS 38.211 §6.3.2.4.1", lo=0, hi=6)
        if fmt == 1:
            hop = self.hopping
            n_sf = min(F1_DATA_N_SF[self.num_symbols][1:] if hop else
                       F1_DATA_N_SF[self.num_symbols][:1])
            n_sf = min(n_sf, *(F1_DMRS_N_SF[self.num_symbols][1:] if hop else
                               F1_DMRS_N_SF[self.num_symbols][:1]))
            check_int("time_domain_occ", self.time_domain_occ,
                      f"below N_SF = {n_sf} (the smallest spreading factor of this resource)",
                      "TS 38.211 Table 6.3.2.4.1-2", lo=0, hi=n_sf - 1)
        check_int("occ_length", self.occ_length, "one of 2, 4", "TS 38.211 §6.3.2.6.3",
                  choices=(2, 4))
        check_int("occ_index", self.occ_index, f"an integer in 0..{self.occ_length - 1}",
                  "TS 38.211 §6.3.2.6.3", lo=0, hi=self.occ_length - 1)
        check_bool("additional_dmrs", self.additional_dmrs, "TS 38.211 §6.4.1.3.3.2")
        check_bool("pi2_bpsk", self.pi2_bpsk, "TS 38.211 §6.3.2.6.2")
        check_choice("group_hopping", self.group_hopping, GROUP_HOPPING_MODES, _C_HOP)
        check_int("n_id_hopping", self.n_id_hopping, "an integer in 0..1023", _C_HOP,
                  lo=0, hi=1023)
        check_int("n_id", self.n_id, "an integer in 0..1023", "TS 38.211 §6.3.2.5.1",
                  lo=0, hi=1023)
        check_int("n_rnti", self.n_rnti, "an integer in 0..65535", "TS 38.211 §6.3.2.5.1",
                  lo=0, hi=65535)
        check_int("n_id_0", self.n_id_0, "an integer in 0..65535", "TS 38.211 §6.4.1.3.2.1",
                  lo=0, hi=65535)

    @property
    def hopping(self) -> bool:
        """Intra-slot frequency hopping (a second-hop PRB is set)."""
        return self.second_hop_prb is not None

    @property
    def n_sc(self) -> int:
        """Subcarriers of the carrier grid, 12 N_grid^size."""
        return _N_SC * self.n_size_grid

    @property
    def symbol_hops(self) -> np.ndarray:
        """Hop index n_hop (0 or 1) of each PUCCH symbol l = 0..num_symbols-1."""
        l = np.arange(self.num_symbols)
        return (l >= self.num_symbols // 2).astype(np.int64) if self.hopping else 0 * l

    @property
    def symbol_prbs(self) -> np.ndarray:
        """First PRB (carrier start) of each PUCCH symbol."""
        second = self.prb_start if self.second_hop_prb is None else self.second_hop_prb
        return np.where(self.symbol_hops == 1, second, self.prb_start).astype(np.int64)

    @property
    def qm(self) -> int:
        """Bits per data symbol: 1 for π/2-BPSK (formats 3, 4), 2 otherwise (2-4)."""
        return 1 if (self.pi2_bpsk and self.pucch_format in (3, 4)) else 2


class _Plan(NamedTuple):
    data_re: np.ndarray      # flat slot-grid indices of the data REs, mapping order
    dmrs_re: np.ndarray      # flat indices of the DM-RS REs
    dmrs: np.ndarray         # DM-RS values on dmrs_re
    ref: np.ndarray | None   # formats 0/1: base sequences (format 0) or data reference
    n_cs: np.ndarray | None  # format 0: (m_0 + n_cs) per PUCCH symbol
    m_sc: int                # formats 3/4: subcarriers per symbol (DFT size)
    n_uci: int               # data symbols (OFDM symbols carrying UCI)


def _base(res: PucchResource, hop: int, m_zc: int) -> np.ndarray:
    u, v = pucch_group_sequence(res.n_id_hopping, res.n_slot, hop, res.group_hopping)
    return low_papr_base_sequence(u, v if m_zc >= 6 * _N_SC else 0, m_zc).astype(np.complex128)


def _re_index(res: PucchResource, l_pucch, sub_in_prb) -> np.ndarray:
    """Flat indices (symbol-major) of the REs sub_in_prb (per PRB offset) on PUCCH symbols."""
    l_pucch = np.asarray(l_pucch)
    k = _N_SC * res.symbol_prbs[l_pucch][:, None] + np.asarray(sub_in_prb)[None, :]
    return ((res.start_symbol + l_pucch)[:, None] * res.n_sc + k).reshape(-1)


@lru_cache(maxsize=256)
def _plan(res: PucchResource) -> _Plan:
    n, fmt, n_sc = res.num_symbols, res.pucch_format, _N_SC
    hops = res.symbol_hops
    l_all = np.arange(n)
    cs = (pucch_n_cs(res.n_id_hopping, res.n_slot, res.start_symbol + l_all, res.n_symb_slot)
          + res.initial_cyclic_shift) % n_sc
    k = np.arange(n_sc)
    empty_i, empty_c = np.zeros(0, np.int64), np.zeros(0, np.complex64)
    if fmt == 0:
        bases = np.stack([_base(res, int(h), n_sc) for h in hops])
        return _Plan(_re_index(res, l_all, k), empty_i, empty_c, bases, cs, n_sc, n)
    if fmt == 1:
        parts = {}
        for kind, first in (("data", 1), ("dmrs", 0)):
            ls = np.arange(first, n, 2)
            vals = []
            table = F1_DATA_N_SF if kind == "data" else F1_DMRS_N_SF
            n_sf = table[n][1:] if res.hopping else table[n][:1]
            for h in range(len(n_sf)):
                lh = ls[hops[ls] == h]
                if lh.size != n_sf[h]:  # pragma: no cover - the tables equal the counts
                    raise RuntimeError(f"format 1 {kind} hop {h}: {lh.size} != {n_sf[h]}")
                w = format1_occ(n_sf[h], res.time_domain_occ)
                seq = _base(res, h, n_sc)[None, :] * np.exp(2j * np.pi * cs[lh][:, None]
                                                             * k[None, :] / n_sc)
                vals.append(w[:, None] * seq)
            parts[kind] = (_re_index(res, ls, k), np.concatenate(vals).reshape(-1))
        (d_re, ref), (r_re, dmrs) = parts["data"], parts["dmrs"]
        return _Plan(d_re, r_re, dmrs.astype(np.complex64), ref.astype(np.complex64), None,
                     n_sc, d_re.size // n_sc)
    if fmt == 2:
        data_k, dmrs_k = np.array([0, 2, 3, 5, 6, 8, 9, 11]), np.array([1, 4, 7, 10])
        sub_d = (n_sc * np.arange(res.n_prb)[:, None] + data_k).reshape(-1)
        sub_r = (n_sc * np.arange(res.n_prb)[:, None] + dmrs_k).reshape(-1)
        dmrs = []
        for l in l_all:
            crb0 = res.n_start_grid + int(res.symbol_prbs[l])
            c_init = format2_dmrs_c_init(res.n_slot, res.start_symbol + int(l), res.n_id_0,
                                         res.n_symb_slot)
            r = format2_dmrs_sequence(c_init, 4 * (crb0 + res.n_prb))
            dmrs.append(r[4 * crb0:])
        return _Plan(_re_index(res, l_all, sub_d), _re_index(res, l_all, sub_r),
                     np.concatenate(dmrs), None, None, n_sc, n)
    # formats 3, 4
    m_sc = n_sc * res.n_prb
    sub = np.arange(m_sc)
    l_dmrs = np.array(format34_dmrs_symbols(n, hopping=res.hopping,
                                            additional_dmrs=res.additional_dmrs))
    l_data = np.setdiff1d(l_all, l_dmrs)
    m0 = format34_dmrs_m0(fmt, res.occ_length, res.occ_index)
    cs34 = (cs - res.initial_cyclic_shift + m0) % n_sc
    dmrs = [_base(res, int(hops[l]), m_sc) * np.exp(2j * np.pi * cs34[l] * sub / n_sc)
            for l in l_dmrs]
    return _Plan(_re_index(res, l_data, sub), _re_index(res, l_dmrs, sub),
                 np.concatenate(dmrs).astype(np.complex64), None, None, m_sc, l_data.size)


class PucchLayout(NamedTuple):
    """Symbols and DFT size of a PUCCH resource (see :func:`pucch_layout`)."""

    uci_symbols: np.ndarray
    dmrs_symbols: np.ndarray
    m_sc: int


def pucch_layout(res: PucchResource) -> PucchLayout:
    """UCI and DM-RS symbols (0 = first PUCCH symbol) and subcarriers per symbol.

    Implements TS 38.211 §6.3.2.3.2-§6.3.2.6.5 and §6.4.1.3 (which PUCCH symbols carry
    UCI / DM-RS): format 0 all symbols UCI, no DM-RS; format 1 odd UCI, even DM-RS;
    format 2 all symbols both (DM-RS on subcarriers 3m + 1); formats 3/4 Table
    6.4.1.3.3.2-1. ``m_sc`` is 12 n_prb (the DFT size of formats 3, 4).

    Examples
    --------
    >>> pucch_layout(PucchResource(pucch_format=3, num_symbols=4)).dmrs_symbols.tolist()
    [1]
    """
    res = _check_res(res)
    l_all = np.arange(res.num_symbols)
    fmt = res.pucch_format
    if fmt == 0:
        dmrs = l_all[:0]
    elif fmt == 1:
        dmrs = l_all[0::2]
    elif fmt == 2:
        return PucchLayout(l_all, l_all, _N_SC * res.n_prb)
    else:
        dmrs = np.array(format34_dmrs_symbols(res.num_symbols, hopping=res.hopping,
                                              additional_dmrs=res.additional_dmrs))
    return PucchLayout(np.setdiff1d(l_all, dmrs), dmrs, _N_SC * res.n_prb)


def _check_res(res) -> PucchResource:
    if not isinstance(res, PucchResource):
        raise ConfigError(f"res={res!r} is not allowed: res must be a PucchResource ({_C_RES})")
    return res


def _check_format(res: PucchResource, formats: tuple[int, ...]) -> None:
    if res.pucch_format not in formats:
        raise ConfigError(
            f"res.pucch_format={res.pucch_format} is not allowed here: this function serves "
            f"format(s) {', '.join(map(str, formats))} ({_C_RES})")


def pucch_e_tot(res: PucchResource) -> int:
    """Number of coded UCI bits E_tot a format 2, 3 or 4 resource carries.

    Implements TS 38.212 §6.3.1.4 (Table 6.3.1.4-1): 16 N_symb,UCI N_PRB (format 2),
    24 N_symb,UCI N_PRB or 12 N_symb,UCI N_PRB with π/2-BPSK (format 3),
    24 N_symb,UCI / N_SF or 12 N_symb,UCI / N_SF with π/2-BPSK (format 4).

    Examples
    --------
    >>> pucch_e_tot(PucchResource(pucch_format=2, num_symbols=2, n_prb=4))
    128
    """
    res = _check_res(res)
    _check_format(res, (2, 3, 4))
    p = _plan(res)
    if res.pucch_format == 2:
        return 16 * res.num_symbols * res.n_prb
    n_sf = res.occ_length if res.pucch_format == 4 else 1
    return res.qm * p.n_uci * p.m_sc // n_sf


def pucch_masks(res: PucchResource) -> tuple[np.ndarray, np.ndarray]:
    """Data (UCI) and DM-RS resource elements of a PUCCH resource in the slot grid.

    Implements TS 38.211 §6.3.2.3.2, §6.3.2.4.2, §6.3.2.5.3, §6.3.2.6.5 and §6.4.1.3.x.2
    (mapping to physical resources).

    Returns
    -------
    data_mask, dmrs_mask : ndarray of bool, shape (n_symb_slot, n_sc)
        Format 0 has no DM-RS (its sequence REs are the data mask).
    """
    p = _plan(_check_res(res))
    out = []
    for idx in (p.data_re, p.dmrs_re):
        m = np.zeros(res.n_symb_slot * res.n_sc, dtype=bool)
        m[idx] = True
        out.append(m.reshape(res.n_symb_slot, res.n_sc))
    return out[0], out[1]


def _grid(res: PucchResource, batch: tuple[int, ...], values, with_dmrs: bool) -> np.ndarray:
    p = _plan(res)
    g = np.zeros(batch + (res.n_symb_slot * res.n_sc,), dtype=np.complex64)
    g[..., p.data_re] = values
    if with_dmrs:
        g[..., p.dmrs_re] = p.dmrs
    return g.reshape(batch + (res.n_symb_slot, res.n_sc))


def pucch_dmrs_grid(res: PucchResource) -> np.ndarray:
    """The DM-RS of a PUCCH format 1-4 resource on an otherwise empty slot grid.

    Implements TS 38.211 §6.4.1.3.1 (format 1: w_i(m) r_{u,v}^{(α,δ)}(n) on the even PUCCH
    symbols), §6.4.1.3.2 (format 2: QPSK r_l(m) on subcarriers 3m + 1 from common resource
    block 0) and §6.4.1.3.3 (formats 3, 4: low-PAPR sequences on the symbols of Table
    6.4.1.3.3.2-1).

    Returns
    -------
    ndarray of complex64, shape (n_symb_slot, n_sc)
    """
    res = _check_res(res)
    _check_format(res, (1, 2, 3, 4))
    p = _plan(res)
    g = np.zeros(res.n_symb_slot * res.n_sc, dtype=np.complex64)
    g[p.dmrs_re] = p.dmrs
    return g.reshape(res.n_symb_slot, res.n_sc)


def pucch_format0_grid(res: PucchResource, m_cs) -> np.ndarray:
    """PUCCH format 0 slot grid for cyclic shifts m_cs.

    Implements TS 38.211 §6.3.2.3: x(l N_sc^RB + n) = r_{u,v}^{(α,δ)}(n), n = 0..11, on each
    PUCCH symbol l, α_l from §6.3.2.2.2 with m_0 = initialCyclicShift and m_cs.

    Parameters
    ----------
    res : PucchResource
        A format 0 resource.
    m_cs : int or array_like of int
        m_cs per transmission (:func:`format0_m_cs`), 0..11; -1: nothing transmitted (an
        all-zero grid). Its shape is the batch shape.

    Returns
    -------
    ndarray of complex64, shape m_cs.shape + (n_symb_slot, n_sc)
    """
    res = _check_res(res)
    _check_format(res, (0,))
    m = np.asarray(m_cs)
    if m.dtype.kind not in "iu" or (m.size and (m.min() < -1 or m.max() > 11)):
        raise ConfigError(f"m_cs={m_cs!r} is not allowed: m_cs must be integers in 0..11 "
                          f"(or -1: no transmission) (TS 38.211 §6.3.2.3)")
    p = _plan(res)
    n = np.arange(_N_SC)
    shift = (p.n_cs[None, :] + m.reshape(-1, 1)) % _N_SC                # (B, L)
    seq = np.exp(2j * np.pi * shift[..., None] * n / _N_SC) * p.ref[None]  # (B, L, 12)
    seq = np.where((m.reshape(-1) >= 0)[:, None, None], seq, 0)
    return _grid(res, m.shape, seq.reshape(m.shape + (-1,)), False)


def _bpsk_qpsk_d0(b: np.ndarray) -> np.ndarray:
    qm = b.shape[-1]
    return modulate(b, qm)[..., 0]


def pucch_format1_grid(res: PucchResource, b) -> np.ndarray:
    """PUCCH format 1 slot grid (UCI and DM-RS) for 1 or 2 bits.

    Implements TS 38.211 §6.3.2.4: d(0) = BPSK (1 bit) or QPSK (2 bits) of b,
    y(n) = d(0) r_{u,v}^{(α,δ)}(n), block-wise spread by w_i(m) of Table 6.3.2.4.1-2 with
    N_SF of Table 6.3.2.4.1-1 onto the odd PUCCH symbols; DM-RS §6.4.1.3.1 on the even ones.

    Parameters
    ----------
    res : PucchResource
        A format 1 resource.
    b : array_like of 0/1, shape (..., M_bit)
        M_bit = 1 or 2 (HARQ-ACK bits; a positive SR alone is sent as b(0) = 0,
        TS 38.213 §9.2.5.1).

    Returns
    -------
    ndarray of complex64, shape (..., n_symb_slot, n_sc)
    """
    res = _check_res(res)
    _check_format(res, (1,))
    b = as_bits("b", b, "TS 38.211 §6.3.2.4.1")
    if b.shape[-1] not in (1, 2):
        raise ConfigError(f"b with {b.shape[-1]} bits is not allowed: format 1 carries M_bit = "
                          "1 or 2 bits (TS 38.211 §6.3.2.4.1)")
    d0 = _bpsk_qpsk_d0(b)
    return _grid(res, b.shape[:-1], d0[..., None] * _plan(res).ref, True)


def pucch_scrambling_c_init(n_rnti: int, n_id: int) -> int:
    """Scrambling initialisation of PUCCH formats 2, 3 and 4: c_init = n_RNTI 2^15 + n_ID.

    Implements TS 38.211 §6.3.2.5.1 and §6.3.2.6.1.

    Examples
    --------
    >>> pucch_scrambling_c_init(1, 1)
    32769
    """
    c = "TS 38.211 §6.3.2.5.1"
    n_rnti = check_int("n_rnti", n_rnti, "an integer in 0..65535", c, lo=0, hi=65535)
    n_id = check_int("n_id", n_id, "an integer in 0..1023", c, lo=0, hi=1023)
    return n_rnti * 2**15 + n_id


def _coded_bits(res: PucchResource, b, clause: str) -> np.ndarray:
    shape = np.shape(b)
    e = pucch_e_tot(res)
    if len(shape) == 0 or shape[-1] != e:
        raise ConfigError(f"b of shape {shape} is not allowed: this resource carries "
                          f"E_tot = {e} coded bits on the last axis (TS 38.212 Table 6.3.1.4-1, "
                          f"{clause})")
    # bits 0/1 and the placeholders x (2), y (3) of TS 38.212 §5.3.3.1/.2 (A <= 2)
    return scramble_with_placeholders(b, pucch_scrambling_c_init(res.n_rnti, res.n_id))


def pucch_format2_grid(res: PucchResource, b) -> np.ndarray:
    """PUCCH format 2 slot grid (UCI and DM-RS) for E_tot coded bits.

    Implements TS 38.211 §6.3.2.5: scrambling with c_init = n_RNTI 2^15 + n_ID, QPSK,
    mapping in increasing k then l onto the REs not used by the DM-RS (§6.4.1.3.2).

    Parameters
    ----------
    res : PucchResource
        A format 2 resource.
    b : array_like of int, shape (..., E_tot)
        Coded UCI bits, E_tot = :func:`pucch_e_tot`: 0/1, and for a 1- or 2-bit UCI the
        placeholder codes 2 (x) and 3 (y) of TS 38.212 §5.3.3, resolved as in the
        scrambling of TS 38.211 §6.3.1.1 (x → 1, y → the previous scrambled bit).

    Returns
    -------
    ndarray of complex64, shape (..., n_symb_slot, n_sc)
    """
    res = _check_res(res)
    _check_format(res, (2,))
    bt = _coded_bits(res, b, "TS 38.211 §6.3.2.5")
    return _grid(res, bt.shape[:-1], modulate(bt, 2), True)


def pucch_format34_grid(res: PucchResource, b) -> np.ndarray:
    """PUCCH format 3 or 4 slot grid (UCI and DM-RS) for E_tot coded bits.

    Implements TS 38.211 §6.3.2.6: scrambling (§6.3.2.6.1), QPSK or π/2-BPSK (§6.3.2.6.2),
    format 4 block-wise spreading y(l M_sc + k) = w_n(k) d(l M_sc / N_SF + k mod (M_sc /
    N_SF)) (§6.3.2.6.3), transform precoding per symbol over M_sc = 12 M_RB subcarriers
    (§6.3.2.6.4), mapping in increasing k then l onto the non-DM-RS symbols (§6.3.2.6.5);
    DM-RS §6.4.1.3.3.

    Parameters
    ----------
    res : PucchResource
        A format 3 or 4 resource.
    b : array_like of int, shape (..., E_tot)
        As :func:`pucch_format2_grid`.

    Returns
    -------
    ndarray of complex64, shape (..., n_symb_slot, n_sc)
    """
    res = _check_res(res)
    _check_format(res, (3, 4))
    bt = _coded_bits(res, b, "TS 38.211 §6.3.2.6")
    d = modulate(bt, res.qm, pi2_bpsk=res.pi2_bpsk)
    p = _plan(res)
    batch = bt.shape[:-1]
    if res.pucch_format == 4:
        n_sf = res.occ_length
        d = d.reshape(batch + (p.n_uci, _N_SC // n_sf))
        y = format4_occ(n_sf, res.occ_index) * np.tile(d, n_sf)
        d = y.reshape(batch + (-1,))
    return _grid(res, batch, transform_precode(d, p.m_sc), True)


def pucch_grid(res: PucchResource, x) -> np.ndarray:
    """PUCCH slot grid of any format (dispatches on ``res.pucch_format``).

    Implements TS 38.211 §6.3.2.3-§6.3.2.6 with the DM-RS of §6.4.1.3.

    Parameters
    ----------
    res : PucchResource
    x : array_like
        Format 0: m_cs (:func:`pucch_format0_grid`); format 1: 1-2 bits; formats 2-4:
        E_tot coded bits.

    Returns
    -------
    ndarray of complex64, shape (..., n_symb_slot, n_sc)
    """
    res = _check_res(res)
    fn = {0: pucch_format0_grid, 1: pucch_format1_grid, 2: pucch_format2_grid,
          3: pucch_format34_grid, 4: pucch_format34_grid}[res.pucch_format]
    return fn(res, x)
