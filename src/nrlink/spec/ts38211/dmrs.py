"""Demodulation reference signals (DMRS) for PDSCH and PUSCH.

Implements TS 38.211 §7.4.1.1 (PDSCH) and §6.4.1.1 (PUSCH).

Conventions
-----------
* Antenna ports are 0-based indices into Tables 7.4.1.1.2-1/2 and 6.4.1.1.3-1/2: PDSCH
  port p = 1000 + index, PUSCH port p = index.
* DMRS symbol indices are absolute OFDM symbol numbers l within the slot (both symbols of a
  double-symbol DMRS included).
* Resource grids are ``(..., n_symb_slot, n_sc)`` with subcarrier 0 the lowest subcarrier of
  the carrier grid (or BWP) whose PRB 0 is common resource block ``n_start_cr``.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_index_set, check_real
from nrlink.spec.ts38211.dmrs_tables import (
    NUM_DMRS_PORTS,
    PORT_ARRAYS,
    check_dmrs_config_type,
    check_num_cdm_groups_without_data,
    dmrs_port_params,
    dmrs_subcarriers,
    dmrs_symbols,
)
from nrlink.spec.ts38211.low_papr import low_papr_sequence_type1, pusch_dmrs_hopping
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.numerology import N_SC_RB, check_n_sc, check_n_symb_slot
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "dmrs_c_init",
    "dmrs_cdm_group_mask",
    "dmrs_grid",
    "dmrs_n_scid_bar",
    "dmrs_port_params",
    "dmrs_sequence",
    "dmrs_subcarriers",
    "dmrs_symbols",
]

_CLAUSE_SEQ = "TS 38.211 §7.4.1.1.1"
_CLAUSE_MAP = "TS 38.211 §7.4.1.1.2 / §6.4.1.1.3"


def dmrs_c_init(
    *,
    n_symb_slot: int,
    n_slot: int,
    l: int,
    n_id: int,
    n_scid: int,
    lambda_bar: int = 0,  # noqa: E741
) -> int:
    """Initialisation c_init of the DMRS pseudo-random sequence.

    Implements TS 38.211 §7.4.1.1.1 (PDSCH) and §6.4.1.1.1.1 (PUSCH, no transform precoding).

    c_init = (2^17 (N_symb^slot n_s,f^μ + l + 1)(2 N_ID + 1) + 2^17 ⌊λ̄/2⌋ + 2 N_ID + n̄_SCID)
    mod 2^31.

    Parameters
    ----------
    n_symb_slot : int
        Symbols per slot N_symb^slot (14 normal, 12 extended cyclic prefix).
    n_slot : int
        Slot number n_s,f^μ within the frame, >= 0.
    l : int
        OFDM symbol number within the slot, 0 <= l < n_symb_slot.
    n_id : int
        Scrambling identity N_ID^{n̄_SCID,λ̄} in 0..65535 (N_ID^0 / N_ID^1 from
        scramblingID0/1, or N_ID^cell when not configured). The caller picks which one.
    n_scid : int
        n̄_SCID^λ̄ in {0, 1} exactly as it enters the formula (see :func:`dmrs_n_scid_bar`).
    lambda_bar : int, optional
        λ̄ in 0..2. Default 0 gives the Rel-15 formula.

    Returns
    -------
    int
        c_init in 0..2^31-1.

    Raises
    ------
    ConfigError
        If a parameter is out of range.

    Notes
    -----
    Which n̄_SCID and λ̄ enter is the caller's choice, made with :func:`dmrs_n_scid_bar`:
    Rel-15 (and Sionna, the reference implementation of the ``pusch_grid`` vectors) use
    n̄_SCID = n_SCID and λ̄ = 0 for every port; from Rel-16, when dmrs-Downlink /
    dmrs-Uplink is configured, λ̄ = λ (the CDM group of the port) and
    n̄_SCID^λ̄ = n_SCID for λ ∈ {0, 2}, 1 - n_SCID for λ = 1.

    Examples
    --------
    >>> dmrs_c_init(n_symb_slot=14, n_slot=0, l=2, n_id=1, n_scid=0)
    1179650
    """
    n_symb_slot = check_n_symb_slot(n_symb_slot, _CLAUSE_SEQ)
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", _CLAUSE_SEQ, lo=0)
    l = check_int(  # noqa: E741
        "l", l, f"in 0..{n_symb_slot - 1}", _CLAUSE_SEQ, lo=0, hi=n_symb_slot - 1
    )
    n_id = check_int("n_id", n_id, "in 0..65535", _CLAUSE_SEQ, lo=0, hi=65535)
    n_scid = check_int("n_scid", n_scid, "one of 0, 1", _CLAUSE_SEQ, choices=(0, 1))
    lambda_bar = check_int("lambda_bar", lambda_bar, "in 0..2", _CLAUSE_SEQ, lo=0, hi=2)
    return (
        (1 << 17) * (n_symb_slot * n_slot + l + 1) * (2 * n_id + 1)
        + (1 << 17) * (lambda_bar // 2)
        + 2 * n_id
        + n_scid
    ) % (1 << 31)


def dmrs_n_scid_bar(n_scid: int, cdm_group: int, *, per_cdm_group: bool = False):
    """The pair (n̄_SCID^λ̄, λ̄) that enters c_init for a port of CDM group λ.

    Implements TS 38.211 §7.4.1.1.1 and §6.4.1.1.1.1.

    Parameters
    ----------
    n_scid : int
        n_SCID in {0, 1} (DCI "DMRS sequence initialization" field, 0 when absent).
    cdm_group : int
        CDM group λ of the port, 0..2.
    per_cdm_group : bool, default False
        True when the higher-layer parameter dmrs-Downlink (PDSCH) / dmrs-Uplink (PUSCH) is
        provided (Rel-16): λ̄ = λ and n̄_SCID = n_SCID for λ ∈ {0, 2}, 1 - n_SCID for
        λ = 1. False: λ̄ = 0 and n̄_SCID = n_SCID (Rel-15).

    Returns
    -------
    (n_scid_bar, lambda_bar) : tuple of int

    Examples
    --------
    >>> dmrs_n_scid_bar(0, 1), dmrs_n_scid_bar(0, 1, per_cdm_group=True)
    ((0, 0), (1, 1))
    """
    n_scid = check_int("n_scid", n_scid, "one of 0, 1", _CLAUSE_SEQ, choices=(0, 1))
    cdm_group = check_int("cdm_group", cdm_group, "in 0..2", _CLAUSE_SEQ, lo=0, hi=2)
    if not per_cdm_group:
        return n_scid, 0
    return (1 - n_scid if cdm_group == 1 else n_scid), cdm_group


def dmrs_sequence(c_init, length: int) -> np.ndarray:
    """QPSK DMRS sequence r(n) from the Gold sequence.

    Implements TS 38.211 §7.4.1.1.1 and §6.4.1.1.1.1.

    r(n) = (1 - 2 c(2n)) / √2 + j (1 - 2 c(2n + 1)) / √2.

    Parameters
    ----------
    c_init : int or array_like of int
        Initialisation(s) of the Gold sequence (see :func:`dmrs_c_init`); an array gives
        one sequence per element.
    length : int
        Number of QPSK symbols, >= 0.

    Returns
    -------
    r : ndarray of complex64, shape ``np.shape(c_init) + (length,)``

    Examples
    --------
    >>> r = dmrs_sequence(1000, 3)
    >>> r.dtype, np.rint(r.real * np.sqrt(2)), np.rint(r.imag * np.sqrt(2))
    (dtype('complex64'), array([ 1.,  1., -1.]), array([ 1.,  1., -1.]))
    """
    length = check_int("length", length, "an integer >= 0", _CLAUSE_SEQ, lo=0)
    return modulate(gold_sequence(c_init, 2 * length), 2)  # QPSK of §5.1.4


def _pair_symbols(symbols: np.ndarray, length: int, clause: str):
    """Split the sorted DMRS symbols into (l, l') pairs; validates double-symbol pairs."""
    syms = np.sort(symbols)
    if length == 1:
        return syms, np.zeros_like(syms), syms
    first, second = syms[0::2], syms[1::2]
    if syms.size % 2 or np.any(second != first + 1):
        raise ConfigError(
            f"symbols={symbols.tolist()} is not allowed: double-symbol DMRS needs pairs of "
            f"consecutive symbols (l̄, l̄ + 1) ({clause})"
        )
    l_prime = np.tile(np.array([0, 1], dtype=np.int64), first.size)
    return syms, l_prime, np.repeat(first, 2)


def _check_grid_common(config_type, length, n_symb_slot, n_sc, symbols, prbs, clause):
    config_type = check_dmrs_config_type(config_type, clause)
    length = check_int("length", length, "one of 1, 2", clause, choices=(1, 2))
    n_symb_slot = check_n_symb_slot(n_symb_slot, clause)
    n_sc = check_n_sc(n_sc, clause)
    symbols = check_index_set("symbols", symbols, n_symb_slot - 1, clause)
    prbs = check_index_set("prbs", prbs, n_sc // N_SC_RB - 1, clause)
    return config_type, length, n_symb_slot, n_sc, symbols, np.sort(prbs)


def dmrs_grid(
    *,
    config_type: int,
    ports,
    symbols,
    length: int,
    n_symb_slot: int,
    n_slot: int,
    n_sc: int,
    prbs,
    n_id,
    n_scid: int = 0,
    beta_dmrs: float = 1.0,
    n_start_cr: int = 0,
    per_cdm_group: bool = False,
    transform_precoding: bool = False,
    group_hopping: bool = False,
    sequence_hopping: bool = False,
):
    """DMRS of every port mapped onto the resource grid of one slot.

    Implements TS 38.211 §7.4.1.1.2 (PDSCH) and §6.4.1.1.3 (PUSCH).

    a_{k,l}^{(p,μ)} = β_DMRS w_f(k') w_t(l') r(2n + k'), with k = 4n + 2k' + Δ (type 1) or
    k = 6n + k' + Δ (type 2), k' ∈ {0, 1}, l = l̄ + l'. Without transform precoding r is the
    QPSK sequence of :func:`dmrs_sequence` for symbol l and k is counted from subcarrier 0 of
    common resource block 0, so n of a grid subcarrier s is ⌊(12 n_start_cr + s) / 4⌋
    (type 1) or ⌊(12 n_start_cr + s) / 6⌋ (type 2). With transform precoding (PUSCH,
    §6.4.1.1.1.2) r is the low-PAPR sequence r_{u,v}^{(0,1)} of length M_sc^PUSCH / 2 and k
    is counted from the lowest allocated subcarrier.

    Parameters
    ----------
    config_type : int
        DMRS configuration type 1 or 2 (transform precoding: 1).
    ports : sequence of int
        Distinct 0-based DMRS port indices (PDSCH p = 1000 + index). Single-symbol DMRS
        allows 0..3 (type 1) / 0..5 (type 2), double-symbol 0..7 / 0..11.
    symbols : sequence of int
        DMRS symbols within the slot as returned by :func:`dmrs_symbols` (for double-symbol
        DMRS the consecutive pairs l̄, l̄ + 1 with l' = 0, 1).
    length : int
        1 (single-symbol) or 2 (double-symbol DMRS).
    n_symb_slot : int
        14 (normal) or 12 (extended cyclic prefix).
    n_slot : int
        Slot number n_s,f^μ within the frame.
    n_sc : int
        Subcarriers of the grid (a multiple of 12).
    prbs : sequence of int
        Allocated PRBs, indices into the grid (0 .. n_sc/12 - 1). Contiguous with transform
        precoding.
    n_id : int or (int, int)
        Without transform precoding: N_ID^0 or the pair (N_ID^0, N_ID^1) (scramblingID0/1;
        N_ID^cell when not configured), 0..65535; N_ID^{n̄_SCID} is used. With transform
        precoding: n_ID^RS (nPUSCH-Identity or N_ID^cell), 0..1007.
    n_scid : int, default 0
        n_SCID in {0, 1}.
    beta_dmrs : float, default 1.0
        Amplitude scaling β_DMRS (see :func:`nrlink.spec.ts38214.power.dmrs_beta`).
    n_start_cr : int, default 0
        Common resource block of grid PRB 0 (N_BWP^start, or the carrier start relative to
        point A): the reference point of k without transform precoding.
    per_cdm_group : bool, default False
        dmrs-Downlink / dmrs-Uplink provided (Rel-16): per-CDM-group λ̄ and n̄_SCID
        (:func:`dmrs_n_scid_bar`). False: the Rel-15 rule λ̄ = 0, n̄_SCID = n_SCID.
    transform_precoding : bool, default False
        PUSCH with transform precoding (DFT-s-OFDM): low-PAPR DMRS sequence type 1.
    group_hopping, sequence_hopping : bool, default False
        Group / sequence hopping of the transform-precoding DMRS (§6.4.1.1.1.2).

    Returns
    -------
    values : ndarray of complex64, shape (len(ports), n_symb_slot, n_sc)
        a_{k,l} of every port (zero outside its DMRS REs).
    mask : ndarray of bool, shape (n_symb_slot, n_sc)
        REs of the DMRS symbols in the allocated PRBs that belong to the CDM groups of
        ``ports``.

    Raises
    ------
    ConfigError
        If a parameter is invalid.

    Examples
    --------
    >>> v, m = dmrs_grid(config_type=1, ports=(0,), symbols=(2,), length=1, n_symb_slot=14,
    ...                  n_slot=0, n_sc=24, prbs=(0, 1), n_id=1)
    >>> v.shape, int(m.sum()), np.flatnonzero(m[2])[:4].tolist()
    ((1, 14, 24), 12, [0, 2, 4, 6])
    """
    clause = _CLAUSE_MAP
    config_type, length, n_symb_slot, n_sc, symbols, prbs = _check_grid_common(
        config_type, length, n_symb_slot, n_sc, symbols, prbs, clause
    )
    n_ports = NUM_DMRS_PORTS[(config_type, length)]
    ports = check_index_set(
        "ports",
        ports,
        n_ports - 1,
        f"{clause}; {length}-symbol DMRS of configuration type {config_type}",
    )
    n_slot = check_int("n_slot", n_slot, "an integer >= 0", clause, lo=0)
    n_scid = check_int("n_scid", n_scid, "one of 0, 1", clause, choices=(0, 1))
    n_start_cr = check_int("n_start_cr", n_start_cr, "an integer >= 0", clause, lo=0)
    beta = check_real(
        "beta_dmrs", beta_dmrs, "a finite number > 0", "TS 38.214 §4.1 / §6.2.2", positive=True
    )
    syms, l_prime, l_first = _pair_symbols(symbols, length, clause)

    lam_t, delta_t, w_f_t, w_t_t = PORT_ARRAYS[config_type]
    lam, delta = lam_t[ports], delta_t[ports]
    w_f, w_t = w_f_t[ports].astype(np.float32), w_t_t[ports].astype(np.float32)

    # Subcarriers of each port's CDM group in the allocated PRBs: (P, n_re)
    sc_prb = np.stack([dmrs_subcarriers(config_type, int(g)) for g in lam])  # (P, n_re_prb)
    k_grid = (N_SC_RB * prbs[None, :, None] + sc_prb[:, None, :]).reshape(ports.size, -1)

    if transform_precoding:
        r, k_prime, idx = _tp_sequences(
            config_type,
            prbs,
            k_grid,
            n_id,
            n_symb_slot,
            n_slot,
            l_first,
            group_hopping,
            sequence_hopping,
        )
        r_port = np.broadcast_to(r[None], (ports.size,) + r.shape)  # (P, n_sym, M)
    else:
        if group_hopping or sequence_hopping:
            raise ConfigError(
                "group_hopping/sequence_hopping=True is not allowed without transform "
                "precoding (TS 38.211 §6.4.1.1.1.2)"
            )
        n_id0, n_id1 = _check_n_id_pair(n_id, clause)
        k_abs = k_grid + N_SC_RB * n_start_cr
        period = 4 if config_type == 1 else 6
        n = k_abs // period
        k_prime = (k_abs % period) // 2 if config_type == 1 else k_abs % period - delta[:, None]
        idx = 2 * n + k_prime
        seq_len = int(idx.max()) + 1
        # One QPSK sequence per (symbol, port seed)
        seeds = [dmrs_n_scid_bar(n_scid, int(g), per_cdm_group=per_cdm_group) for g in lam]
        c_init = np.array(
            [
                [
                    dmrs_c_init(
                        n_symb_slot=n_symb_slot,
                        n_slot=n_slot,
                        l=int(l),
                        n_id=(n_id0 if sb == 0 else n_id1),
                        n_scid=sb,
                        lambda_bar=lb,
                    )
                    for (sb, lb) in seeds
                ]
                for l in syms  # noqa: E741
            ],
            dtype=np.int64,
        )  # (n_sym, P)
        r_port = np.moveaxis(dmrs_sequence(c_init, seq_len), 1, 0)  # (P, n_sym, len)

    # a = beta * w_f(k') * w_t(l') * r(2n + k')
    vals = np.take_along_axis(
        r_port, np.broadcast_to(idx[:, None, :], (ports.size, syms.size, idx.shape[1])), axis=2
    )
    wf = np.take_along_axis(w_f, k_prime, axis=1)  # (P, n_re)
    wt = w_t[:, l_prime]  # (P, n_sym)
    vals = (np.float32(beta) * wf[:, None, :] * wt[:, :, None]) * vals
    values = np.zeros((ports.size, n_symb_slot, n_sc), dtype=np.complex64)
    values[np.arange(ports.size)[:, None, None], syms[None, :, None], k_grid[:, None, :]] = vals
    return values, _cdm_groups_mask(config_type, np.unique(lam), syms, n_symb_slot, n_sc, prbs)


def _check_n_id_pair(n_id, clause):
    if isinstance(n_id, tuple | list):
        if len(n_id) != 2:
            raise ConfigError(
                f"n_id={n_id!r} is not allowed: n_id must be an integer or a pair "
                f"(N_ID^0, N_ID^1) in 0..65535 ({clause})"
            )
        a = check_int("n_id", n_id[0], "in 0..65535 (N_ID^0)", clause, lo=0, hi=65535)
        b = check_int("n_id", n_id[1], "in 0..65535 (N_ID^1)", clause, lo=0, hi=65535)
        return a, b
    a = check_int(
        "n_id", n_id, "an integer or a pair of integers in 0..65535", clause, lo=0, hi=65535
    )
    return a, a


def _tp_sequences(
    config_type, prbs, k_grid, n_id, n_symb_slot, n_slot, l_first, group_hopping, sequence_hopping
):
    """Low-PAPR DMRS sequences of PUSCH with transform precoding (§6.4.1.1.1.2)."""
    clause = "TS 38.211 §6.4.1.1.1.2"
    if config_type != 1:
        raise ConfigError(
            f"config_type={config_type} is not allowed with transform precoding: the DMRS must "
            f"be configuration type 1 ({clause})"
        )
    if prbs[-1] - prbs[0] + 1 != prbs.size:
        raise ConfigError(
            f"prbs={prbs.tolist()} is not allowed with transform precoding: the allocation "
            f"must be contiguous ({clause})"
        )
    n_id_rs = check_int("n_id", n_id, "n_ID^RS in 0..1007", clause, lo=0, hi=1007)
    m_zc = 6 * prbs.size
    k_rel = k_grid - N_SC_RB * int(prbs[0])
    k_prime = (k_rel % 4) // 2
    idx = 2 * (k_rel // 4) + k_prime
    r = np.empty((l_first.size, m_zc), dtype=np.complex64)
    for i, l in enumerate(l_first):  # noqa: E741
        u, v = pusch_dmrs_hopping(
            n_id_rs=n_id_rs,
            n_symb_slot=n_symb_slot,
            n_slot=n_slot,
            l=int(l),
            m_zc=m_zc,
            group_hopping=group_hopping,
            sequence_hopping=sequence_hopping,
        )
        r[i] = low_papr_sequence_type1(u, v, 0.0, m_zc)
    return r, k_prime, idx


def dmrs_cdm_group_mask(
    *,
    config_type: int,
    num_cdm_groups_without_data: int,
    symbols,
    n_symb_slot: int,
    n_sc: int,
    prbs,
) -> np.ndarray:
    """REs of the DMRS symbols that carry no data.

    Implements TS 38.214 §5.1.6.2 (PDSCH) and §6.2.2 (PUSCH) with the RE pattern of
    TS 38.211 §7.4.1.1.2 / §6.4.1.1.3.

    The CDM groups 0 .. num_cdm_groups_without_data - 1 of every DMRS symbol in the
    allocated PRBs carry no data (they hold the DMRS of this and co-scheduled UEs).

    Parameters
    ----------
    config_type : int
        1 or 2.
    num_cdm_groups_without_data : int
        1 or 2 (type 1); 1, 2 or 3 (type 2).
    symbols : sequence of int
        DMRS symbols (:func:`dmrs_symbols`).
    n_symb_slot, n_sc : int
        Grid size.
    prbs : sequence of int
        Allocated PRBs (grid indices).

    Returns
    -------
    ndarray of bool, shape (n_symb_slot, n_sc)

    Examples
    --------
    >>> m = dmrs_cdm_group_mask(config_type=2, num_cdm_groups_without_data=2, symbols=(2,),
    ...                         n_symb_slot=14, n_sc=12, prbs=(0,))
    >>> np.flatnonzero(m[2]).tolist()
    [0, 1, 2, 3, 6, 7, 8, 9]
    """
    clause = "TS 38.214 §5.1.6.2 / §6.2.2"
    config_type, _, n_symb_slot, n_sc, symbols, prbs = _check_grid_common(
        config_type, 1, n_symb_slot, n_sc, symbols, prbs, clause
    )
    num = check_num_cdm_groups_without_data(num_cdm_groups_without_data, config_type, clause)
    return _cdm_groups_mask(config_type, range(num), symbols, n_symb_slot, n_sc, prbs)


def _cdm_groups_mask(config_type, cdm_groups, symbols, n_symb_slot, n_sc, prbs) -> np.ndarray:
    """(n_symb_slot, n_sc) mask of the REs of ``cdm_groups`` on ``symbols`` in ``prbs``."""
    cols = np.concatenate(
        [
            (N_SC_RB * prbs[:, None] + dmrs_subcarriers(config_type, int(g))[None, :]).ravel()
            for g in cdm_groups
        ]
    )
    mask = np.zeros((n_symb_slot, n_sc), dtype=bool)
    mask[np.ix_(symbols, cols)] = True
    return mask
