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
    "descramble_llr_with_placeholders",
    "scramble",
    "scramble_with_placeholders",
]

#: Placeholder codes of TS 38.212 Tables 5.3.3.1-1 / 5.3.3.2-1 in nrlink bit arrays (the
#: values of :data:`nrlink.spec.ts38212.small_block.PLACEHOLDER_X` / ``_Y``).
_X, _Y = 2, 3


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
    Data only: every input bit is treated as a data bit; bits that carry the UCI
    placeholders "x" and "y" of TS 38.211 §6.3.1.1 go through
    :func:`scramble_with_placeholders`.

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


def _as_llr(llr, clause: str) -> np.ndarray:
    """``llr`` as an array with a bit axis and a floating dtype, else a ConfigError."""
    llr = np.asarray(llr)
    if llr.ndim == 0:
        raise ConfigError(f"llr with shape () is not allowed: llr must have a bit axis ({clause})")
    if not np.issubdtype(llr.dtype, np.floating):
        raise ConfigError(
            f"llr of dtype {llr.dtype} is not allowed: llr must be real floating point ({clause})"
        )
    return llr


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
    Data only: for LLRs of bits that carried the UCI placeholders of §6.3.1.1 use
    :func:`descramble_llr_with_placeholders`.
    """
    clause = "TS 38.211 §7.3.1.1, §6.3.1.1"
    llr = _as_llr(llr, clause)
    llr32 = llr.astype(np.float32, copy=False)
    c = _sequence_for(c_init, llr.shape[:-1], llr.shape[-1], clause)
    return np.where(c.astype(bool), -llr32, llr32)


def _placeholder_codes(name: str, b, clause: str) -> np.ndarray:
    """Validate an integer array of codes 0/1 (bits), 2 (x), 3 (y) as uint8."""
    arr = np.asarray(b)
    if arr.ndim == 0:
        raise ConfigError(f"{name} with shape () is not allowed: {name} must have a bit axis "
                          f"({clause})")
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ConfigError(f"{name} of dtype {arr.dtype} is not allowed: {name} must be an "
                          f"integer array of bits 0/1 and placeholders 2 (x), 3 (y) ({clause})")
    if arr.size and (arr.min() < 0 or arr.max() > _Y):
        raise ConfigError(f"{name} holds values outside 0..3: {name} must hold bits 0/1 and "
                          f"placeholders 2 (x), 3 (y) ({clause})")
    return arr.astype(np.uint8)


def _last_non_y(codes: np.ndarray, name: str, clause: str) -> np.ndarray:
    """Index (along the last axis) of the latest position ≤ i that is not a y."""
    pos = np.arange(codes.shape[-1])
    last = np.maximum.accumulate(np.where(codes == _Y, -1, pos), axis=-1)
    if last.size and (last < 0).any():
        raise ConfigError(f"{name} starts with the placeholder y (3): y repeats the previous "
                          f"scrambled bit and cannot come first ({clause})")
    return last


def scramble_with_placeholders(b, c_init) -> np.ndarray:
    """Scramble bits that contain the UCI placeholders x and y.

    Implements TS 38.211 §6.3.1.1 (placeholder rule, for the placeholders of TS 38.212
    Tables 5.3.3.1-1 and 5.3.3.2-1).

    b_scr(i) = 1 if b(i) = x; b_scr(i) = b_scr(i−1) if b(i) = y; else
    (b(i) + c(i)) mod 2. With no placeholder in ``b`` this equals :func:`scramble`.

    Parameters
    ----------
    b : array_like of int, shape (..., M_bit)
        Bits 0/1 and the placeholder codes 2 (x) and 3 (y) of
        :mod:`nrlink.spec.ts38212.small_block`; a y may not come first.
    c_init : int or array_like of int
        Scrambling initialisation: a scalar, or an integer array broadcastable to
        ``b.shape[:-1]``.

    Returns
    -------
    b_scr : ndarray of uint8, shape of ``b``, values 0/1

    Raises
    ------
    ConfigError
        ``b`` not an integer array of values 0..3 or starting with y, ``c_init`` out of
        range or of a shape that does not broadcast to ``b.shape[:-1]``.

    Examples
    --------
    >>> scramble_with_placeholders(np.array([1, 3, 2, 2], np.uint8), 0)  # c(0..3) = 0
    array([1, 1, 1, 1], dtype=uint8)
    """
    clause = "TS 38.211 §6.3.1.1"
    codes = _placeholder_codes("b", b, clause)
    last = _last_non_y(codes, "b", clause)
    c = _sequence_for(c_init, codes.shape[:-1], codes.shape[-1], clause)
    out = np.where(codes == _X, np.uint8(1), (codes & 1) ^ c).astype(np.uint8)
    return np.take_along_axis(np.broadcast_to(out, codes.shape), last, axis=-1)


def descramble_llr_with_placeholders(llr, pattern, c_init) -> np.ndarray:
    """Descramble LLRs of bits scrambled with placeholders, at the receiver.

    Implements TS 38.211 §6.3.1.1 (inverse of :func:`scramble_with_placeholders`).

    For a data position the sign of llr(i) is flipped where c(i) = 1 (as
    :func:`descramble_llr`). An x position carries no information and gets LLR 0. A y
    position repeats the scrambled bit b_scr(j) of the last non-y position j before it,
    so it is returned as a second LLR of the bit b(j): llr(i) with its sign flipped
    where c(j) = 1 (0 if j is an x). The decoders of
    :mod:`nrlink.rx.uci_decoder` expect exactly this: they add the LLR of a y position
    to the bit before it.

    Parameters
    ----------
    llr : array_like of float, shape (..., M_bit)
        LLRs of the scrambled bits (positive means bit 0).
    pattern : array_like of int, broadcastable to ``llr.shape``
        Where the placeholders are: codes 2 (x) and 3 (y), bits (any 0/1) elsewhere,
        e.g. the transmitted sequence of an all-zero payload
        (``uci_encode(np.zeros(A, np.uint8), e, qm=qm)``).
    c_init : int or array_like of int
        Scrambling initialisation, broadcastable to ``llr.shape[:-1]``.

    Returns
    -------
    llr_descr : ndarray of float32, shape of ``llr``

    Raises
    ------
    ConfigError
        ``llr`` not real floating point, ``pattern`` not codes 0..3 of a broadcastable
        shape or starting with y, ``c_init`` out of range or of a bad shape.
    """
    clause = "TS 38.211 §6.3.1.1"
    llr = _as_llr(llr, clause)
    codes = _placeholder_codes("pattern", pattern, clause)
    try:
        codes = np.broadcast_to(codes, llr.shape)
    except ValueError:
        raise ConfigError(f"pattern of shape {codes.shape} is not allowed: pattern must "
                          f"broadcast to the shape {llr.shape} of llr ({clause})") from None
    last = _last_non_y(codes, "pattern", clause)
    c = _sequence_for(c_init, llr.shape[:-1], llr.shape[-1], clause)
    c = np.broadcast_to(c, llr.shape)
    flip = np.take_along_axis(c, last, axis=-1).astype(bool)
    silent = np.take_along_axis(codes, last, axis=-1) == _X
    llr32 = llr.astype(np.float32, copy=False)
    return np.where(silent, np.float32(0), np.where(flip, -llr32, llr32)).astype(np.float32)
