"""The SS/PBCH block: resource elements of PSS, SSS, PBCH and PBCH DM-RS, and the block grid.

Implements TS 38.211 §7.4.3.1 (Table 7.4.3.1-1).

An SS/PBCH block spans 4 OFDM symbols l = 0..3 and 240 subcarriers k = 0..239 (20 RBs).
Subcarrier k = 0 is the lowest of the block; where the block sits in a carrier
(k_SSB, N_CRB^SSB, the first symbol of the burst pattern) is the caller's choice. Every
map is returned as index arrays (l, k) **in mapping order**, so ``grid[..., l, k] = d``
maps a sequence d and ``grid[..., l, k]`` extracts it.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from nrlink.errors import ConfigError
from nrlink.spec._checks import check_real
from nrlink.spec.ts38211.sync import (
    SYNC_LENGTH,
    _check_n_id_cell,
    _check_pbch_ids,
    n_id_cell_parts,
    pbch_dmrs,
    pss,
    sss,
)

__all__ = [
    "PBCH_LENGTH",
    "SSB_N_SC",
    "SSB_N_SYMB",
    "SsbIndices",
    "ssb_grid",
    "ssb_indices",
]

_CLAUSE = "TS 38.211 §7.4.3.1"

#: Subcarriers of an SS/PBCH block (Table 7.4.3.1-1).
SSB_N_SC = 240
#: OFDM symbols of an SS/PBCH block (Table 7.4.3.1-1).
SSB_N_SYMB = 4
#: Number of PBCH data REs (QPSK symbols d_PBCH) in one SS/PBCH block: 864 bits / 2.
PBCH_LENGTH = 432


class SsbIndices:
    """(l, k) index arrays of the signals of one SS/PBCH block, in mapping order.

    Implements TS 38.211 §7.4.3.1 (Table 7.4.3.1-1).

    Attributes
    ----------
    pss, sss : tuple of ndarray, each (127,)
        l = 0 and l = 2, k = 56..182.
    pbch_dmrs : tuple of ndarray, each (144,)
        k = 4i + ν (ν = N_ID^cell mod 4) on l = 1, 3 (all 240 subcarriers) and l = 2
        (k < 48 or k ≥ 192), ordered by increasing k first, then l (§7.4.3.1.3).
    pbch : tuple of ndarray, each (432,)
        The remaining PBCH REs, same order.
    """

    __slots__ = ("pbch", "pbch_dmrs", "pss", "sss")

    def __init__(self, pss, sss, pbch_dmrs, pbch):
        self.pss, self.sss, self.pbch_dmrs, self.pbch = pss, sss, pbch_dmrs, pbch


@cache
def _indices(nu: int) -> SsbIndices:
    k_sync = np.arange(56, 56 + SYNC_LENGTH)
    l_idx, k_idx = np.meshgrid(np.arange(SSB_N_SYMB), np.arange(SSB_N_SC), indexing="ij")
    pbch_region = (l_idx == 1) | (l_idx == 3) | ((l_idx == 2) & ((k_idx < 48) | (k_idx >= 192)))
    dmrs = pbch_region & (k_idx % 4 == nu)
    data = pbch_region & ~dmrs

    def ordered(mask):
        # "in increasing order of first the index k and then the index l": k varies fastest
        # within one symbol l, the symbols in increasing l.
        l_, k_ = np.nonzero(mask)  # row-major: l outer, k inner
        return l_.astype(np.intp), k_.astype(np.intp)

    out = SsbIndices(
        (np.zeros(SYNC_LENGTH, np.intp), k_sync.astype(np.intp)),
        (np.full(SYNC_LENGTH, 2, np.intp), k_sync.astype(np.intp)),
        ordered(dmrs),
        ordered(data),
    )
    for arrs in (out.pss, out.sss, out.pbch_dmrs, out.pbch):
        for a in arrs:
            a.setflags(write=False)
    return out


def ssb_indices(n_id_cell: int) -> SsbIndices:
    """The (l, k) positions of PSS, SSS, PBCH DM-RS and PBCH in an SS/PBCH block.

    Implements TS 38.211 §7.4.3.1 (Table 7.4.3.1-1).

    Parameters
    ----------
    n_id_cell : int
        Physical cell identity N_ID^cell, 0..1007 (sets ν = N_ID^cell mod 4).

    Returns
    -------
    SsbIndices
        Read-only index arrays in mapping order; 127 + 127 + 144 + 432 REs. The other
        96 REs of symbols 0 and 2 are set to zero.

    Examples
    --------
    >>> idx = ssb_indices(5)
    >>> idx.pbch_dmrs[1][:3]
    array([1, 5, 9])
    """
    n = _check_n_id_cell(n_id_cell)
    if n.ndim != 0:
        raise ConfigError(f"n_id_cell={n_id_cell!r} is not allowed: n_id_cell must be one "
                          f"integer in 0..1007 ({_CLAUSE})")
    return _indices(int(n) % 4)


def ssb_grid(n_id_cell, i_ssb_bar, d_pbch, *, beta_pss: float = 1.0, beta_sss: float = 1.0,
             beta_pbch: float = 1.0, beta_dmrs: float = 1.0) -> np.ndarray:
    """The 4 × 240 resource grid of one SS/PBCH block (a batch of them).

    Implements TS 38.211 §7.4.3.1 (Table 7.4.3.1-1) with the sequences of §7.4.2.2
    (PSS), §7.4.2.3 (SSS) and §7.4.1.4.1 (PBCH DM-RS).

    Parameters
    ----------
    n_id_cell : int
        Physical cell identity N_ID^cell, 0..1007.
    i_ssb_bar : int
        ī_SSB, 0..7, of the PBCH DM-RS (§7.4.1.4.1).
    d_pbch : array_like of complex, shape (..., 432)
        The PBCH QPSK symbols d_PBCH(0..431) (§7.3.3.2), batch dimension(s) first.
    beta_pss, beta_sss, beta_pbch, beta_dmrs : float, optional
        Amplitude scaling factors β of §7.4.3.1.1-3 (default 1).

    Returns
    -------
    grid : ndarray of complex64, shape (..., 4, 240)

    Raises
    ------
    ConfigError
        ``n_id_cell`` or ``i_ssb_bar`` out of range, ``d_pbch`` not of length 432, or a β
        not a finite positive number.
    """
    n_id_cell, i_ssb_bar = (int(x) for x in _check_pbch_ids(n_id_cell, i_ssb_bar))
    betas = [check_real(name, v, "a finite number > 0", _CLAUSE, positive=True)
             for name, v in (("beta_pss", beta_pss), ("beta_sss", beta_sss),
                             ("beta_pbch", beta_pbch), ("beta_dmrs", beta_dmrs))]
    d = np.asarray(d_pbch)
    if d.ndim == 0 or d.shape[-1] != PBCH_LENGTH:
        raise ConfigError(f"d_pbch has shape {d.shape}: its last axis must hold the "
                          f"{PBCH_LENGTH} PBCH symbols ({_CLAUSE})")
    if not np.issubdtype(d.dtype, np.number) or np.issubdtype(d.dtype, np.bool_):
        raise ConfigError(f"d_pbch has dtype {d.dtype}: it must be complex ({_CLAUSE})")
    idx = ssb_indices(n_id_cell)
    n_id_2 = n_id_cell_parts(n_id_cell)[1]
    grid = np.zeros((*d.shape[:-1], SSB_N_SYMB, SSB_N_SC), dtype=np.complex64)
    grid[..., idx.pss[0], idx.pss[1]] = betas[0] * pss(n_id_2)
    grid[..., idx.sss[0], idx.sss[1]] = betas[1] * sss(n_id_cell)
    grid[..., idx.pbch[0], idx.pbch[1]] = betas[2] * d
    grid[..., idx.pbch_dmrs[0], idx.pbch_dmrs[1]] = betas[3] * pbch_dmrs(n_id_cell, i_ssb_bar)
    return grid
