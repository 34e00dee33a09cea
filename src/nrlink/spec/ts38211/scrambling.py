"""Bit scrambling of PDSCH/PUSCH codewords and scrambling initialisations c_init.

Implements TS 38.211 §6.3.1.1 (PUSCH) and §7.3.1.1 (PDSCH); c_init of §7.3.2.3 (PDCCH)
and §7.3.3.1 (PBCH).
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38211.sync import N_ID_CELL_MAX

__all__ = [
    "c_init_pbch",
    "c_init_pdcch",
    "c_init_pdsch",
    "c_init_pusch",
    "descramble_llr",
    "scramble",
]


def _check_rnti_id(n_rnti, n_id, clause: str, n_id_max: int = 1023) -> tuple[int, int]:
    """Validate n_RNTI (0..65535) and n_ID (0..n_id_max)."""
    n_rnti = check_int("n_rnti", n_rnti, "an integer in 0..65535", clause, lo=0, hi=65535)
    n_id = check_int("n_id", n_id, f"an integer in 0..{n_id_max}", clause, lo=0, hi=n_id_max)
    return n_rnti, n_id


def c_init_pdsch(n_rnti: int, n_id: int, q: int = 0) -> int:
    """Scrambling initialisation of PDSCH codeword ``q``.

    Implements TS 38.211 §7.3.1.1.

    c_init = n_RNTI · 2^15 + q · 2^14 + n_ID.

    Parameters
    ----------
    n_rnti : int
        RNTI n_RNTI associated with the PDSCH transmission, 0..65535.
    n_id : int
        Data scrambling identity n_ID (``dataScramblingIdentityPDSCH``, or N_ID^cell
        when not configured), 0..1023.
    q : int, default 0
        Codeword index q, 0 or 1.

    Returns
    -------
    c_init : int

    Raises
    ------
    ConfigError
        If a parameter is out of range.

    Examples
    --------
    >>> c_init_pdsch(n_rnti=1, n_id=1, q=1)
    49153
    """
    clause = "TS 38.211 §7.3.1.1"
    n_rnti, n_id = _check_rnti_id(n_rnti, n_id, clause)
    q = check_int("q", q, "one of 0, 1", clause, choices=(0, 1))
    return n_rnti * 2**15 + q * 2**14 + n_id


def c_init_pusch(n_rnti: int, n_id: int) -> int:
    """Scrambling initialisation of the PUSCH codeword.

    Implements TS 38.211 §6.3.1.1.

    c_init = n_RNTI · 2^15 + n_ID.

    Parameters
    ----------
    n_rnti : int
        RNTI n_RNTI, 0..65535.
    n_id : int
        Data scrambling identity n_ID (``dataScramblingIdentityPUSCH``, or N_ID^cell
        when not configured), 0..1023.

    Returns
    -------
    c_init : int

    Raises
    ------
    ConfigError
        If a parameter is out of range.
    """
    n_rnti, n_id = _check_rnti_id(n_rnti, n_id, "TS 38.211 §6.3.1.1")
    return n_rnti * 2**15 + n_id


def c_init_pdcch(n_rnti: int, n_id: int) -> int:
    """Scrambling initialisation of a PDCCH.

    Implements TS 38.211 §7.3.2.3.

    c_init = (n_RNTI · 2^16 + n_ID) mod 2^31.

    Parameters
    ----------
    n_rnti : int
        n_RNTI: the C-RNTI for a UE-specific search space with
        ``pdcch-DMRS-ScramblingID`` configured, otherwise 0; 0..65535.
    n_id : int
        n_ID: ``pdcch-DMRS-ScramblingID`` (0..65535) if configured, otherwise
        N_ID^cell (0..1007).

    Returns
    -------
    c_init : int

    Raises
    ------
    ConfigError
        If a parameter is out of range.
    """
    n_rnti, n_id = _check_rnti_id(n_rnti, n_id, "TS 38.211 §7.3.2.3", n_id_max=65535)
    return (n_rnti * 2**16 + n_id) % 2**31


def c_init_pbch(n_id_cell: int) -> int:
    """Scrambling initialisation of the PBCH.

    Implements TS 38.211 §7.3.3.1.

    c_init = N_ID^cell. (The PBCH sequence is then read from offset v · M_bit, which
    is the caller's business.)

    Parameters
    ----------
    n_id_cell : int
        Physical cell identity N_ID^cell, 0..1007.

    Returns
    -------
    c_init : int

    Raises
    ------
    ConfigError
        If ``n_id_cell`` is out of range.
    """
    return check_int(
        "n_id_cell", n_id_cell, f"an integer in 0..{N_ID_CELL_MAX}", "TS 38.211 §7.3.3.1",
        lo=0, hi=N_ID_CELL_MAX,
    )  # fmt: skip


def _sequence_for(c_init, batch_shape: tuple[int, ...], n: int, clause: str) -> np.ndarray:
    """c(0..n-1) for ``c_init`` broadcast against ``batch_shape``; shape c_init.shape + (n,)."""
    c_arr = np.asarray(c_init)
    try:
        ok = np.broadcast_shapes(c_arr.shape, batch_shape) == batch_shape
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(
            f"c_init of shape {c_arr.shape} is not allowed: c_init must be a scalar or "
            f"broadcastable to the leading shape {batch_shape} of the input ({clause})"
        )
    if c_arr.ndim == 0 or c_arr.size <= 1:
        return gold_sequence(c_arr, n)
    # Usually few distinct values (one per UE / codeword): generate each once.
    if not np.issubdtype(c_arr.dtype, np.integer) or c_arr.dtype == np.bool_:
        return gold_sequence(c_arr, n)  # raises the ConfigError
    uniq, inv = np.unique(c_arr, return_inverse=True)
    return gold_sequence(uniq, n)[inv.reshape(c_arr.shape)]


def scramble(b, c_init) -> np.ndarray:
    """Scramble the bits of a codeword: b_scr(i) = (b(i) + c(i)) mod 2.

    Implements TS 38.211 §7.3.1.1 (PDSCH) and §6.3.1.1 (PUSCH, data bits only).

    Parameters
    ----------
    b : array_like of uint8 or int8, shape (..., M_bit)
        Codeword bits b(0), ..., b(M_bit - 1), values 0/1, any leading batch shape.
    c_init : int or array_like of int
        Scrambling initialisation (see :func:`c_init_pdsch`, :func:`c_init_pusch`):
        a scalar, or an integer array broadcastable to ``b.shape[:-1]``.

    Returns
    -------
    b_scr : ndarray of uint8, shape of ``b``
        Scrambled bits. Scrambling is an involution: ``scramble(scramble(b, x), x) == b``.

    Raises
    ------
    ConfigError
        If ``b`` is not 0/1 integer bits, or ``c_init`` is out of range or has a shape
        that does not broadcast to ``b.shape[:-1]``.

    Notes
    -----
    Data only: the PUSCH UCI placeholder bits "x" and "y" of TS 38.211 §6.3.1.1
    (repetition and placeholder handling when UCI is multiplexed on PUSCH) are not
    implemented; every input bit is treated as a data bit.

    Examples
    --------
    >>> b = np.zeros(8, dtype=np.uint8)
    >>> scramble(b, 1000)  # all-zero input gives c(n) itself
    array([0, 0, 0, 0, 1, 1, 0, 0], dtype=uint8)
    """
    clause = "TS 38.211 §7.3.1.1, §6.3.1.1"
    b8 = as_bits("b", b, clause)
    c = _sequence_for(c_init, b8.shape[:-1], b8.shape[-1], clause)
    return np.bitwise_xor(b8, c)


def descramble_llr(llr, c_init) -> np.ndarray:
    """Descramble LLRs: flip the sign of llr(i) where c(i) = 1.

    Implements TS 38.211 §7.3.1.1 (PDSCH) and §6.3.1.1 (PUSCH, data bits only), at the
    receiver.

    With the nrlink convention (positive LLR means bit 0), an LLR of b_scr(i) is an
    LLR of b(i) where c(i) = 0 and its negation where c(i) = 1.

    Parameters
    ----------
    llr : array_like of float, shape (..., M_bit)
        LLRs of the scrambled bits, any leading batch shape.
    c_init : int or array_like of int
        Scrambling initialisation: a scalar, or an integer array broadcastable to
        ``llr.shape[:-1]``.

    Returns
    -------
    llr_descr : ndarray of float32, shape of ``llr``
        LLRs of the unscrambled bits b(i).

    Raises
    ------
    ConfigError
        If ``llr`` is not real floating point, or ``c_init`` is out of range or has a
        shape that does not broadcast to ``llr.shape[:-1]``.

    Notes
    -----
    Data only: the PUSCH UCI placeholder bits of §6.3.1.1 are not implemented.
    """
    clause = "TS 38.211 §7.3.1.1, §6.3.1.1"
    llr = np.asarray(llr)
    if llr.ndim == 0:
        raise ConfigError(f"llr with shape () is not allowed: llr must have a bit axis ({clause})")
    if not np.issubdtype(llr.dtype, np.floating):
        raise ConfigError(
            f"llr of dtype {llr.dtype} is not allowed: llr must be real floating point ({clause})"
        )
    llr32 = llr.astype(np.float32, copy=False)
    c = _sequence_for(c_init, llr.shape[:-1], llr.shape[-1], clause)
    return np.where(c.astype(bool), -llr32, llr32)
