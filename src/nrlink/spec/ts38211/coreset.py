"""CORESETs: REG numbering, REG bundles, CCE-to-REG mapping and the PDCCH RE maps.

Implements TS 38.211 §7.3.2.2 (control-resource set, CCE-to-REG mapping), §7.3.2.5
(mapping of the PDCCH to physical resources) and §7.4.1.3 (PDCCH DM-RS sequence and
its mapping).

A CORESET spans N_RB^CORESET resource blocks (not necessarily contiguous) and
N_symb^CORESET = ``duration`` ∈ {1, 2, 3} OFDM symbols starting at ``first_symbol`` of the
slot. The CORESET's RBs are given as ``rbs``: their indices in the carrier grid
(subcarrier 0 = lowest of the carrier, as in :mod:`nrlink.spec.ts38211.grid`), in
increasing order. A REG is one RB in one OFDM symbol; REGs are numbered time first,
REG ``rb_pos · duration + l'`` being the RB ``rbs[rb_pos]`` in symbol
``first_symbol + l'`` (§7.3.2.2). Every RE map is returned as index arrays ``(l, k)``
**in mapping order**, so ``grid[..., l, k] = d`` maps and ``grid[..., l, k]`` extracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_int_array
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.prbs import gold_sequence

__all__ = [
    "CCE_REGS",
    "CoresetGeometry",
    "DMRS_SUBCARRIERS",
    "DATA_SUBCARRIERS",
    "PdcchRes",
    "cce_reg_bundles",
    "cce_regs",
    "check_coreset_geometry",
    "contiguous_rb_regs",
    "pdcch_data_res",
    "pdcch_dmrs",
    "pdcch_dmrs_c_init",
    "pdcch_dmrs_res",
    "reg_bundle_interleaver",
]

_C_CORESET = "TS 38.211 §7.3.2.2"
_C_MAP = "TS 38.211 §7.3.2.5"
_C_DMRS = "TS 38.211 §7.4.1.3.1"
_C_DMRS_MAP = "TS 38.211 §7.4.1.3.2"
_C_SS_LEVEL = "TS 38.211 Table 7.3.2.1-1"
_AGGREGATION_LEVELS = (1, 2, 4, 8, 16)

#: REGs per CCE (TS 38.211 §7.3.2.2).
CCE_REGS = 6
#: Subcarriers k' of the DM-RS in each RB: k = 12 n + 4 k' + 1, k' = 0, 1, 2 (§7.4.1.3.2).
DMRS_SUBCARRIERS = np.array([1, 5, 9], dtype=np.int64)
#: The other nine subcarriers of each REG, which carry PDCCH data (§7.3.2.5).
DATA_SUBCARRIERS = np.setdiff1d(np.arange(12), DMRS_SUBCARRIERS)
_DATA_RES_PER_REG = DATA_SUBCARRIERS.size


class PdcchRes(NamedTuple):
    """Resource elements in mapping order: OFDM symbols ``l`` and subcarriers ``k``."""

    l: np.ndarray
    k: np.ndarray


def check_coreset_geometry(n_reg, reg_bundle_size, *, interleaved, interleaver_size=2,
                           n_shift=0) -> tuple[int, int, bool, int, int]:
    """Validate the CCE-to-REG mapping parameters of one CORESET.

    Implements the constraints of TS 38.211 §7.3.2.2: N_REG^CORESET a positive multiple
    of 6 (whole CCEs); non-interleaved mapping with L = 6; interleaved mapping with
    L ∈ {2, 3, 6}, R ∈ {2, 3, 6} and C = N_REG^CORESET / (L R) an integer;
    n_shift ∈ 0..1007 (shiftIndex 0..274, or N_ID^cell).

    Returns
    -------
    n_reg, reg_bundle_size, interleaved, interleaver_size, n_shift : tuple
        As Python ints / bool.

    Raises
    ------
    ConfigError
        Naming the offending parameter.
    """
    n_reg = check_int("n_reg", n_reg, "a positive multiple of 6 (whole CCEs)", _C_CORESET,
                      lo=CCE_REGS)
    if n_reg % CCE_REGS:
        raise ConfigError(f"n_reg={n_reg} is not allowed: n_reg must be a positive multiple "
                          f"of 6 (whole CCEs) ({_C_CORESET})")
    interleaved = check_bool("interleaved", interleaved, _C_CORESET)
    if not interleaved:
        check_int("reg_bundle_size", reg_bundle_size, "6 for the non-interleaved mapping",
                  _C_CORESET, choices=(6,))
        return n_reg, 6, False, 0, 0
    ell = check_int("reg_bundle_size", reg_bundle_size, "one of 2, 3, 6", _C_CORESET,
                    choices=(2, 3, 6))
    r = check_int("interleaver_size", interleaver_size, "one of 2, 3, 6", _C_CORESET,
                  choices=(2, 3, 6))
    n_shift = check_int("n_shift", n_shift, "an integer in 0..1007", _C_CORESET, lo=0, hi=1007)
    if n_reg % (ell * r):
        raise ConfigError(
            f"interleaver_size={r} is not allowed with reg_bundle_size={ell} and "
            f"n_reg={n_reg}: C = N_REG^CORESET / (L R) = {n_reg}/{ell * r} must be an "
            f"integer ({_C_CORESET})"
        )
    return n_reg, ell, True, r, n_shift


def reg_bundle_interleaver(n_reg, reg_bundle_size, interleaver_size, n_shift) -> np.ndarray:
    """The interleaver f(x) of the interleaved CCE-to-REG mapping.

    Implements TS 38.211 §7.3.2.2:
    f(x) = (r C + c + n_shift) mod (N_REG^CORESET / L), x = c R + r, r = 0..R−1,
    c = 0..C−1, C = N_REG^CORESET / (L R).

    Parameters
    ----------
    n_reg : int
        N_REG^CORESET = N_RB^CORESET · N_symb^CORESET.
    reg_bundle_size : int
        L ∈ {2, 3, 6}.
    interleaver_size : int
        R ∈ {2, 3, 6}.
    n_shift : int
        n_shift: shiftIndex 0..274 (or N_ID^cell, 0..1007).

    Returns
    -------
    f : ndarray of int64, shape (N_REG^CORESET / L,)
        ``f[x]`` is the REG bundle f(x).

    Examples
    --------
    >>> reg_bundle_interleaver(36, 6, 2, 0)
    array([0, 3, 1, 4, 2, 5])
    """
    n_reg, ell, _, r, n_shift = check_coreset_geometry(
        n_reg, reg_bundle_size, interleaved=True, interleaver_size=interleaver_size,
        n_shift=n_shift)
    n_bundles = n_reg // ell
    c_cols = n_bundles // r
    x = np.arange(n_bundles, dtype=np.int64)
    c, rr = np.divmod(x, r)
    return (rr * c_cols + c + n_shift) % n_bundles


def cce_reg_bundles(n_reg, reg_bundle_size, *, interleaved, interleaver_size=2,
                    n_shift=0) -> np.ndarray:
    """REG bundles of every CCE of a CORESET.

    Implements TS 38.211 §7.3.2.2: CCE j consists of the REG bundles
    {f(6j/L), f(6j/L + 1), ..., f(6j/L + 6/L − 1)}, f(x) = x for the non-interleaved
    mapping (L = 6) and :func:`reg_bundle_interleaver` for the interleaved one.

    Returns
    -------
    bundles : ndarray of int64, shape (N_CCE, 6 / L)
        ``bundles[j]`` are the REG bundle indices of CCE j, in the order of the formula.

    Examples
    --------
    >>> cce_reg_bundles(36, 6, interleaved=True, interleaver_size=2).ravel()
    array([0, 3, 1, 4, 2, 5])
    """
    n_reg, ell, interleaved, r, n_shift = check_coreset_geometry(
        n_reg, reg_bundle_size, interleaved=interleaved, interleaver_size=interleaver_size,
        n_shift=n_shift)
    if interleaved:
        f = reg_bundle_interleaver(n_reg, ell, r, n_shift)
    else:
        f = np.arange(n_reg // ell, dtype=np.int64)
    return f.reshape(n_reg // CCE_REGS, CCE_REGS // ell)


def cce_regs(n_reg, reg_bundle_size, *, interleaved, interleaver_size=2,
             n_shift=0) -> np.ndarray:
    """REGs of every CCE of a CORESET.

    Implements TS 38.211 §7.3.2.2: REG bundle i is REGs {iL, ..., iL + L − 1}; CCE j
    consists of the bundles of :func:`cce_reg_bundles`.

    Returns
    -------
    regs : ndarray of int64, shape (N_CCE, 6)
        ``regs[j]`` are the REG indices of CCE j, bundle by bundle.

    Examples
    --------
    >>> cce_regs(12, 6, interleaved=False)
    array([[ 0,  1,  2,  3,  4,  5],
           [ 6,  7,  8,  9, 10, 11]])
    """
    bundles = cce_reg_bundles(n_reg, reg_bundle_size, interleaved=interleaved,
                              interleaver_size=interleaver_size, n_shift=n_shift)
    ell = CCE_REGS // bundles.shape[1]
    regs = bundles[:, :, None] * ell + np.arange(ell, dtype=np.int64)
    return regs.reshape(bundles.shape[0], CCE_REGS)


def _check_regs(regs, rbs, duration, first_symbol):
    rbs = check_int_array("rbs", rbs, _C_CORESET, lo=0, hi=274)
    if rbs.ndim != 1 or rbs.size == 0 or np.any(np.diff(rbs) <= 0):
        raise ConfigError(f"rbs={rbs.tolist()!r} is not allowed: rbs must be a non-empty "
                          f"increasing sequence of carrier RB indices ({_C_CORESET})")
    duration = check_int("duration", duration, "one of 1, 2, 3", _C_CORESET, choices=(1, 2, 3))
    first_symbol = check_int("first_symbol", first_symbol,
                             f"an integer in 0..{14 - duration} (the CORESET within the slot)",
                             _C_CORESET, lo=0, hi=14 - duration)
    n_reg = rbs.size * duration
    regs = check_int_array("regs", regs, _C_CORESET, lo=0, hi=n_reg - 1,
                           range_text=f"0..{n_reg - 1} (N_REG^CORESET − 1)")
    if regs.ndim == 0:
        regs = regs[None]
    return regs, rbs, duration, first_symbol


def _sorted_res(l, k, n_per_reg, regs_shape) -> PdcchRes:
    """(l, k) of shape (..., n_regs, n_per_reg) sorted by k first, then l (§7.3.2.5)."""
    shape = regs_shape[:-1] + (regs_shape[-1] * n_per_reg,)
    key = np.sort((l * 4096 + k).reshape(shape), axis=-1)
    return PdcchRes(key // 4096, key % 4096)


def pdcch_data_res(regs, rbs, duration, first_symbol=0) -> PdcchRes:
    """Resource elements of the PDCCH data of a set of REGs, in mapping order.

    Implements TS 38.211 §7.3.2.5: the symbols d(0..M_symb − 1) are mapped to the REs
    of the assigned REGs that are not used by the DM-RS (k mod 12 ∉ {1, 5, 9}), in
    increasing order of first k, then l.

    Parameters
    ----------
    regs : array_like of int, shape (..., n_regs)
        REG indices of each PDCCH (e.g. the rows of :func:`cce_regs` of its CCEs);
        leading axes are batch axes (PDCCH candidates).
    rbs : array_like of int, shape (N_RB^CORESET,)
        The CORESET's RBs, indices in the carrier grid, increasing.
    duration : int
        N_symb^CORESET ∈ {1, 2, 3}.
    first_symbol : int
        First OFDM symbol of the CORESET in the slot.

    Returns
    -------
    PdcchRes
        ``l`` (OFDM symbol in the slot) and ``k`` (carrier subcarrier), each int64 of
        shape (..., 9 n_regs).

    Examples
    --------
    >>> res = pdcch_data_res([0, 1], rbs=[4], duration=2, first_symbol=1)
    >>> res.l[:3].tolist(), res.k[:3].tolist(), res.l[9:12].tolist()
    ([1, 1, 1], [48, 50, 51], [2, 2, 2])
    """
    regs, rbs, duration, first_symbol = _check_regs(regs, rbs, duration, first_symbol)
    rb_pos, l_off = np.divmod(regs, duration)
    l = np.broadcast_to((first_symbol + l_off)[..., None], regs.shape + (_DATA_RES_PER_REG,))
    k = 12 * rbs[rb_pos][..., None] + DATA_SUBCARRIERS
    return _sorted_res(l, k, _DATA_RES_PER_REG, regs.shape)


def contiguous_rb_regs(regs, rbs, duration) -> np.ndarray:
    """All REGs of the CORESET in the runs of contiguous RBs that hold some of ``regs``.

    Implements the DM-RS extent of precoderGranularity = allContiguousRBs (TS 38.211
    §7.4.1.3.2): the DM-RS occupies every REG (all CORESET symbols) of each maximal run
    of contiguous RBs of the CORESET that contains an RB of the PDCCH.

    Parameters
    ----------
    regs : array_like of int, shape (n_regs,)
        REGs of one PDCCH.
    rbs, duration
        As in :func:`pdcch_data_res`.

    Returns
    -------
    regs_all : ndarray of int64, shape (n,)
        Sorted REG indices.
    """
    regs, rbs, duration, _ = _check_regs(regs, rbs, duration, 0)
    run = np.concatenate([[0], np.cumsum(np.diff(rbs) != 1)])  # run id of each CORESET RB
    used_runs = np.unique(run[regs.ravel() // duration])
    rb_pos = np.flatnonzero(np.isin(run, used_runs))
    return (rb_pos[:, None] * duration + np.arange(duration)).ravel()


def pdcch_dmrs_res(regs, rbs, duration, first_symbol=0, *, n_offset=0):
    """Resource elements and sequence indices of the PDCCH DM-RS in a set of REGs.

    Implements TS 38.211 §7.4.1.3.2: a_{k,l} = β r_l(3n + k') with k = 12 n + 4k' + 1,
    k' = 0, 1, 2, in every REG (each OFDM symbol l of the CORESET) the DM-RS occupies.
    The REs are ordered by increasing k first, then l.

    Parameters
    ----------
    regs : array_like of int, shape (..., n_regs)
        REGs carrying DM-RS (sameAsREG-bundle: the PDCCH's REGs; allContiguousRBs: the
        output of :func:`contiguous_rb_regs`).
    rbs, duration, first_symbol
        As in :func:`pdcch_data_res`.
    n_offset : int
        n = (carrier RB index) + ``n_offset``: N_grid^start (reference point subcarrier 0
        of CRB 0), or minus the CORESET's lowest carrier RB for a CORESET configured by
        the PBCH or controlResourceSetZero (reference point its lowest RB).

    Returns
    -------
    l, k, m : ndarray of int64, each shape (..., 3 n_regs)
        OFDM symbol, carrier subcarrier and index m = 3n + k' into r_l (see
        :func:`pdcch_dmrs`).
    """
    regs, rbs, duration, first_symbol = _check_regs(regs, rbs, duration, first_symbol)
    n_offset = check_int("n_offset", n_offset, "an integer", _C_DMRS_MAP)
    rb_pos, l_off = np.divmod(regs, duration)
    l = np.broadcast_to((first_symbol + l_off)[..., None], regs.shape + (3,))
    k = 12 * rbs[rb_pos][..., None] + DMRS_SUBCARRIERS
    res = _sorted_res(l, k, 3, regs.shape)
    n = res.k // 12 + n_offset
    if n.size and int(n.min()) < 0:
        raise ConfigError(f"n_offset={n_offset} is not allowed: it puts RBs before the DM-RS "
                          f"reference point (n < 0) ({_C_DMRS_MAP})")
    m = 3 * n + (res.k % 12 - 1) // 4
    return res.l, res.k, m


def pdcch_dmrs_c_init(n_id, slot, l, n_symb_slot=14):
    """Initialisation c_init of the PDCCH DM-RS Gold sequence of OFDM symbol ``l``.

    Implements TS 38.211 §7.4.1.3.1:
    c_init = (2^17 (N_symb^slot n_s,f^μ + l + 1)(2 N_ID + 1) + 2 N_ID) mod 2^31.

    Parameters
    ----------
    n_id : int
        N_ID: pdcch-DMRS-ScramblingID (0..65535) if configured, else N_ID^cell.
    slot : int
        n_s,f^μ, the slot number in the frame (0..639).
    l : int or array_like of int
        OFDM symbol number in the slot.
    n_symb_slot : int
        N_symb^slot, 14 or 12.

    Returns
    -------
    c_init : int or ndarray of int64

    Examples
    --------
    >>> pdcch_dmrs_c_init(0, 0, 0)
    131072
    """
    n_id = check_int("n_id", n_id, "an integer in 0..65535", _C_DMRS, lo=0, hi=65535)
    slot = check_int("slot", slot, "an integer in 0..639", _C_DMRS, lo=0, hi=639)
    n_symb_slot = check_int("n_symb_slot", n_symb_slot, "one of 12, 14", _C_DMRS,
                            choices=(12, 14))
    l = check_int_array("l", l, _C_DMRS, lo=0, hi=n_symb_slot - 1)
    c = (2**17 * (n_symb_slot * slot + l + 1) * (2 * n_id + 1) + 2 * n_id) % 2**31
    return int(c) if c.ndim == 0 else c


def pdcch_dmrs(n_id, slot, l, n, n_symb_slot=14) -> np.ndarray:
    """PDCCH DM-RS values r_l(3n + k') of OFDM symbols ``l`` and reference RBs ``n``.

    Implements TS 38.211 §7.4.1.3.1:
    r_l(m) = (1 − 2 c(2m)) / √2 + j (1 − 2 c(2m + 1)) / √2 with c the Gold sequence
    (§5.2.1) initialised with :func:`pdcch_dmrs_c_init`, taken at m = 3n + k',
    k' = 0, 1, 2 (the three DM-RS REs of RB n, §7.4.1.3.2).

    Parameters
    ----------
    n_id, slot, n_symb_slot
        As in :func:`pdcch_dmrs_c_init`.
    l : array_like of int, shape (n_l,)
        OFDM symbols.
    n : array_like of int, shape (n_rb,)
        RB indices n relative to the DM-RS reference point (≥ 0).

    Returns
    -------
    r : ndarray of complex64, shape (n_l, n_rb, 3)
        ``r[i, j, k']`` = r_{l[i]}(3 n[j] + k'); β = 1.

    Examples
    --------
    >>> pdcch_dmrs(1, 0, [0, 1], [0, 5]).shape
    (2, 2, 3)
    """
    l = np.atleast_1d(check_int_array("l", l, _C_DMRS, lo=0, hi=13))
    n = np.atleast_1d(check_int_array("n", n, _C_DMRS_MAP, lo=0, hi=2**20))
    c_init = np.atleast_1d(pdcch_dmrs_c_init(n_id, slot, l, n_symb_slot))
    length = 3 * (int(n.max()) + 1) if n.size else 0
    r = modulate(gold_sequence(c_init, 2 * length), 2) if length else np.zeros(
        (l.size, 0), np.complex64)
    m = 3 * n[:, None] + np.arange(3)
    return np.ascontiguousarray(r[:, m])


@dataclass(frozen=True, slots=True)
class CoresetGeometry:
    """The geometry of a CORESET in a carrier and slot, and its PDCCH / DM-RS RE maps.

    Implements TS 38.211 §7.3.2.2 (REG numbering, REG bundles, CCE-to-REG mapping),
    §7.3.2.5 and §7.4.1.3 (through the functions above). Built by
    :meth:`nrlink.config.pdcch.CoresetConfig.resolve`.

    Attributes
    ----------
    rbs : ndarray of int64, shape (N_RB^CORESET,)
        The CORESET's RBs as carrier-grid RB indices (CRB − N_grid^start), increasing.
    duration : int
        N_symb^CORESET.
    n_reg, n_cce : int
        N_REG^CORESET = N_RB^CORESET N_symb^CORESET and N_CCE = N_REG^CORESET / 6.
    reg_bundle_size : int
        L (6 for the non-interleaved mapping).
    interleaved : bool
    interleaver_size : int
        R (0 when not interleaved).
    n_shift : int
        n_shift of the interleaver (0 when not interleaved).
    cce_regs : ndarray of int64, shape (N_CCE, 6)
        REGs of each CCE (:func:`nrlink.spec.ts38211.coreset.cce_regs`).
    dmrs_n_id : int
        N_ID of the DM-RS and of the scrambling: pdcch-DMRS-ScramblingID or N_ID^cell.
    dmrs_n_offset : int
        n = carrier RB + ``dmrs_n_offset`` in r_l(3n + k') (TS 38.211 §7.4.1.3.2).
    precoder_granularity : str
    scrambling_id_configured : bool
        Whether pdcch-DMRS-ScramblingID is configured (then n_RNTI = C-RNTI in a USS).
    slot, n_symb_slot : int
        n_s,f^μ and N_symb^slot of the carrier (for the DM-RS sequence).
    """

    rbs: np.ndarray
    duration: int
    n_reg: int
    n_cce: int
    reg_bundle_size: int
    interleaved: bool
    interleaver_size: int
    n_shift: int
    cce_regs: np.ndarray
    dmrs_n_id: int
    dmrs_n_offset: int
    precoder_granularity: str
    scrambling_id_configured: bool
    slot: int
    n_symb_slot: int

    def regs(self, first_cce, aggregation_level) -> np.ndarray:
        """REGs of the PDCCHs on CCEs ``first_cce .. first_cce + L − 1``.

        Implements TS 38.211 §7.3.2.2 (the CCEs' REG bundles, CCE by CCE).

        Parameters
        ----------
        first_cce : int or array_like of int
            First CCE of each PDCCH.
        aggregation_level : int
            L; the CCEs must lie in 0..N_CCE − 1.

        Returns
        -------
        regs : ndarray of int64, shape ``np.shape(first_cce) + (6 L,)``
        """
        ell = check_int("aggregation_level", aggregation_level, "one of 1, 2, 4, 8, 16",
                        _C_SS_LEVEL, choices=_AGGREGATION_LEVELS)
        first = check_int_array("first_cce", first_cce, _C_CORESET, lo=0,
                                hi=self.n_cce - ell, range_text=f"0..{self.n_cce - ell} "
                                f"(N_CCE − L, N_CCE = {self.n_cce})")
        cces = first[..., None] + np.arange(ell)
        return self.cce_regs[cces].reshape(first.shape + (CCE_REGS * ell,))

    def data_res(self, regs, first_symbol: int) -> PdcchRes:
        """(l, k) of the PDCCH data REs of ``regs`` (..., n), mapping order (§7.3.2.5)."""
        return pdcch_data_res(regs, self.rbs, self.duration, first_symbol)

    def dmrs_regs(self, regs) -> np.ndarray:
        """REGs carrying the DM-RS of a PDCCH on ``regs`` (1-D) (TS 38.211 §7.4.1.3.2).

        sameAsREG-bundle: ``regs`` themselves (a PDCCH occupies whole REG bundles);
        allContiguousRBs: every REG of the runs of contiguous CORESET RBs it touches.
        """
        regs = np.asarray(regs, dtype=np.int64)
        if self.precoder_granularity == "sameAsREG-bundle":
            return np.sort(regs, axis=-1)
        return contiguous_rb_regs(regs, self.rbs, self.duration)

    def dmrs_res(self, regs, first_symbol: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """DM-RS REs of ``regs`` (..., n) and their values (TS 38.211 §7.4.1.3).

        Returns
        -------
        l, k : ndarray of int64, shape (..., 3 n)
            REs ordered by k first, then l.
        r : ndarray of complex64, shape (..., 3 n)
            r_l(3n + k') at each RE (β = 1).
        """
        l, k, m = pdcch_dmrs_res(regs, self.rbs, self.duration, first_symbol,
                                 n_offset=self.dmrs_n_offset)
        ul, il = np.unique(l, return_inverse=True)
        un, inn = np.unique(m // 3, return_inverse=True)
        table = pdcch_dmrs(self.dmrs_n_id, self.slot, ul, un, self.n_symb_slot)
        return l, k, table[il.reshape(l.shape), inn.reshape(l.shape), m % 3]
