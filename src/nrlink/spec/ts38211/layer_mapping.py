"""Layer mapping of the shared channels (codeword-to-layer mapping) and its inverse.

Implements TS 38.211 §7.3.1.3 (PDSCH, Table 7.3.1.3-1) and §6.3.1.3 (PUSCH,
Table 6.3.1.3-1).

With υ layers and codeword q carrying υ_q of them, layer ν of the codeword gets every
υ_q-th symbol::

    x^(ν)(i) = d^(q)(υ_q · i + ν),   i = 0 .. M_symb^layer − 1

One codeword carries 1..4 layers (both tables); 5..8 layers (PDSCH only) use two
codewords, codeword 0 on the first ⌊υ/2⌋ layers and codeword 1 on the remaining ⌈υ/2⌉,
with M_symb^layer = M_symb^(0)/⌊υ/2⌋ = M_symb^(1)/⌈υ/2⌉. The PUSCH table is the
single-codeword half of the PDSCH table, so one function serves both channels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nrlink.errors import ConfigError, check_int

__all__ = ["MAX_LAYERS", "codeword_layers", "layer_demap", "layer_map"]

#: Largest number of layers υ of Table 7.3.1.3-1 (PDSCH, two codewords).
MAX_LAYERS = 8
#: Largest number of layers carried by a single codeword (Tables 7.3.1.3-1, 6.3.1.3-1).
MAX_LAYERS_ONE_CODEWORD = 4

_CLAUSE = "TS 38.211 §7.3.1.3 (Table 7.3.1.3-1) / §6.3.1.3 (Table 6.3.1.3-1)"


def codeword_layers(num_layers: int) -> tuple[int, ...]:
    """Number of layers carried by each codeword for υ layers.

    Implements TS 38.211 §7.3.1.3 (Table 7.3.1.3-1) and §6.3.1.3 (Table 6.3.1.3-1).

    Parameters
    ----------
    num_layers : int
        Number of layers υ, 1..8.

    Returns
    -------
    layers : tuple of int
        ``(υ,)`` for υ ≤ 4 (one codeword); ``(⌊υ/2⌋, ⌈υ/2⌉)`` for υ = 5..8 (two
        codewords).

    Raises
    ------
    ConfigError
        If ``num_layers`` is not an integer in 1..8.

    Examples
    --------
    >>> codeword_layers(3)
    (3,)
    >>> codeword_layers(5)
    (2, 3)
    """
    v = check_int("num_layers", num_layers, "an integer in 1..8", _CLAUSE, lo=1, hi=MAX_LAYERS)
    if v <= MAX_LAYERS_ONE_CODEWORD:
        return (v,)
    return (v // 2, v - v // 2)


def _as_codewords(d) -> list[np.ndarray]:
    """Split the ``d`` argument into a list of codeword arrays."""
    if isinstance(d, np.ndarray):
        return [d]
    if isinstance(d, Sequence) and len(d) > 0 and all(np.ndim(di) >= 1 for di in d):
        return [np.asarray(di) for di in d]
    return [np.asarray(d)]


def layer_map(d, num_layers: int) -> np.ndarray:
    """Map the modulation symbols of one or two codewords onto υ layers.

    Implements TS 38.211 §7.3.1.3 (Table 7.3.1.3-1) and §6.3.1.3 (Table 6.3.1.3-1).

    Layer ν of codeword q (carrying υ_q layers) gets x^(ν)(i) = d^(q)(υ_q·i + ν); the
    layers of codeword 1 follow those of codeword 0.

    Parameters
    ----------
    d : ndarray, shape (..., M_symb), or sequence of two ndarrays
        The symbols d^(q)(0..M_symb^(q) − 1) of one codeword (an ndarray, for υ = 1..4),
        or of the two codewords ``(d0, d1)`` (for υ = 5..8), each with the same batch
        shape. A list or tuple is read as a sequence of codewords, so pass a batched
        single codeword as an ndarray. Any dtype (symbols are usually complex64).
    num_layers : int
        Number of layers υ, 1..8.

    Returns
    -------
    x : ndarray, shape (..., υ, M_symb^layer)
        The layers x^(0..υ−1), same dtype as ``d``.

    Raises
    ------
    ConfigError
        If ``num_layers`` is outside 1..8, the number of codewords does not match
        ``num_layers`` (one for 1..4 layers, two for 5..8), a codeword has no symbol
        axis, M_symb^(q) is not a multiple of the codeword's layer count, the two
        codewords give different M_symb^layer, or their batch shapes differ.

    Examples
    --------
    >>> layer_map(np.arange(6), 2)
    array([[0, 2, 4],
           [1, 3, 5]])
    >>> layer_map([np.arange(4), np.arange(10, 16)], 5)
    array([[ 0,  2],
           [ 1,  3],
           [10, 13],
           [11, 14],
           [12, 15]])
    """
    per_cw = codeword_layers(num_layers)
    cws = _as_codewords(d)
    if len(cws) != len(per_cw):
        raise ConfigError(
            f"num_layers={num_layers} is not allowed with {len(cws)} codeword(s): "
            f"{len(per_cw)} codeword(s) carry {num_layers} layers (1..4 layers: one "
            f"codeword, 5..8 layers: two) ({_CLAUSE})"
        )
    m_layer = None
    parts = []
    for q, (dq, v_q) in enumerate(zip(cws, per_cw, strict=True)):
        if dq.ndim < 1:
            raise ConfigError(
                f"d^({q}) has shape {dq.shape}: it needs a last axis of M_symb^({q}) "
                f"symbols ({_CLAUSE})"
            )
        m_q = dq.shape[-1]
        if m_q % v_q:
            raise ConfigError(
                f"M_symb^({q})={m_q} is not allowed: codeword {q} is mapped onto {v_q} "
                f"layers, so M_symb^({q}) must be a multiple of {v_q} ({_CLAUSE})"
            )
        if m_layer is not None and m_q // v_q != m_layer:
            raise ConfigError(
                f"M_symb^(1)={m_q} is not allowed: with {num_layers} layers "
                f"M_symb^layer = M_symb^(0)/{per_cw[0]} = {m_layer} must equal "
                f"M_symb^(1)/{v_q}, so M_symb^(1) must be {m_layer * v_q} ({_CLAUSE})"
            )
        m_layer = m_q // v_q
        # (..., M_layer, υ_q) row i holds d(υ_q·i + ν), ν = 0..υ_q − 1
        parts.append(np.swapaxes(dq.reshape(*dq.shape[:-1], m_layer, v_q), -1, -2))
    if len(parts) == 1:
        return np.ascontiguousarray(parts[0])
    if parts[0].shape[:-2] != parts[1].shape[:-2]:
        raise ConfigError(
            f"the codewords have batch shapes {parts[0].shape[:-2]} and "
            f"{parts[1].shape[:-2]}: both codewords must have the same batch shape "
            f"({_CLAUSE})"
        )
    return np.concatenate(parts, axis=-2)


def layer_demap(x, num_codewords: int = 1):
    """Recover the codeword symbols from the layers (inverse of :func:`layer_map`).

    Implements TS 38.211 §7.3.1.3 (Table 7.3.1.3-1) and §6.3.1.3 (Table 6.3.1.3-1).

    d^(q)(υ_q·i + ν) = x^(ν')(i) with ν' the ν-th layer of codeword q. Pure reordering,
    so any dtype works: equalised symbols, LLR-like values or per-RE noise variances.

    Parameters
    ----------
    x : array_like, shape (..., υ, M_symb^layer)
        The layers.
    num_codewords : {1, 2}, default 1
        1 for υ = 1..4 layers, 2 for υ = 5..8 layers.

    Returns
    -------
    d : ndarray, shape (..., υ · M_symb^layer), or tuple of two ndarrays
        One codeword for ``num_codewords=1``; ``(d0, d1)`` of shapes
        (..., ⌊υ/2⌋·M_symb^layer) and (..., ⌈υ/2⌉·M_symb^layer) for 2. Same dtype as
        ``x``.

    Raises
    ------
    ConfigError
        If ``num_codewords`` is not 1 or 2, ``x`` has fewer than two axes, or the
        number of layers υ = ``x.shape[-2]`` does not fit ``num_codewords``.

    Examples
    --------
    >>> layer_demap(np.array([[0, 2, 4], [1, 3, 5]]))
    array([0, 1, 2, 3, 4, 5])
    """
    num_codewords = check_int("num_codewords", num_codewords, "one of 1, 2", _CLAUSE,
                              choices=(1, 2))
    x = np.asarray(x)
    if x.ndim < 2:
        raise ConfigError(
            f"x has shape {x.shape}: it needs axes (..., num_layers, M_symb^layer) "
            f"({_CLAUSE})"
        )
    v = x.shape[-2]
    allowed = "1..4" if num_codewords == 1 else "5..8"
    if not (1 <= v <= MAX_LAYERS) or len(codeword_layers(v)) != num_codewords:
        raise ConfigError(
            f"num_layers={v} (x.shape[-2]) is not allowed with num_codewords="
            f"{num_codewords}: num_layers must be in {allowed} ({_CLAUSE})"
        )
    per_cw = codeword_layers(v)
    m_layer = x.shape[-1]
    batch = x.shape[:-2]
    out = []
    start = 0
    for v_q in per_cw:
        xq = x[..., start : start + v_q, :]
        out.append(np.swapaxes(xq, -1, -2).reshape(*batch, v_q * m_layer))
        start += v_q
    return out[0] if num_codewords == 1 else tuple(out)
