"""Transform precoding (DFT spreading) and precoding of the shared channels.

Implements TS 38.211 §6.3.1.4 (transform precoding), §6.3.1.5 (PUSCH precoding,
Tables 6.3.1.5-1..7) and §7.3.1.4 (PDSCH antenna port mapping with an
implementation-chosen precoder).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool
from nrlink.spec.ts38211.numerology import N_GRID_SIZE_MAX, N_SC_RB

__all__ = [
    "is_valid_transform_precoding_prb",
    "precode",
    "pusch_precoding_matrix",
    "transform_deprecode",
    "transform_precode",
    "valid_transform_precoding_prbs",
]

_TP_CLAUSE = "TS 38.211 §6.3.1.4, TS 38.214 §6.1.2.2"
_PREC_CLAUSE = "TS 38.211 §6.3.1.5"

# --------------------------------------------------------------------------------------
# Transform precoding, TS 38.211 §6.3.1.4


def is_valid_transform_precoding_prb(n_prb: int) -> bool:
    """Whether n_PRB resource blocks may carry a transform-precoded PUSCH.

    Implements TS 38.211 §6.3.1.4 (M_RB^PUSCH = 2^α2 · 3^α3 · 5^α5, TS 38.214 §6.1.2.2).

    Parameters
    ----------
    n_prb : int
        Number of resource blocks M_RB^PUSCH.

    Returns
    -------
    bool
        True if ``n_prb`` ≥ 1 and its only prime factors are 2, 3 and 5.

    Examples
    --------
    >>> is_valid_transform_precoding_prb(45), is_valid_transform_precoding_prb(7)
    (True, False)
    """
    if isinstance(n_prb, bool) or not isinstance(n_prb, int | np.integer) or n_prb < 1:
        return False
    n = int(n_prb)
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


def valid_transform_precoding_prbs(max_prb: int = N_GRID_SIZE_MAX) -> tuple[int, ...]:
    """All n_PRB in 1..max_prb allowed for a transform-precoded PUSCH, ascending.

    Implements TS 38.211 §6.3.1.4 (M_RB^PUSCH = 2^α2 · 3^α3 · 5^α5, TS 38.214 §6.1.2.2).

    Parameters
    ----------
    max_prb : int, default 275
        Largest n_PRB considered (≥ 1); 275 is the largest carrier (TS 38.211 §4.4.2).

    Returns
    -------
    tuple of int
        The 5-smooth numbers up to ``max_prb`` (53 values for 275).

    Raises
    ------
    ConfigError
        If ``max_prb`` is not an integer ≥ 1.

    Examples
    --------
    >>> valid_transform_precoding_prbs(20)
    (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20)
    """
    max_prb = check_int("max_prb", max_prb, "an integer ≥ 1", _TP_CLAUSE, lo=1)
    return _smooth_numbers(max_prb)


@lru_cache(maxsize=16)
def _smooth_numbers(limit: int) -> tuple[int, ...]:
    out = []
    p2 = 1
    while p2 <= limit:
        p3 = p2
        while p3 <= limit:
            p5 = p3
            while p5 <= limit:
                out.append(p5)
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return tuple(sorted(out))


def _check_m_sc(m_sc) -> int:
    allowed = "12 · n_prb with n_prb = 2^α2 · 3^α3 · 5^α5 (e.g. 12, 24, 36, 48, 60, 72, 96)"
    m_sc = check_int("m_sc", m_sc, allowed, _TP_CLAUSE, lo=N_SC_RB)
    if m_sc % N_SC_RB or not is_valid_transform_precoding_prb(m_sc // N_SC_RB):
        raise ConfigError(
            f"m_sc={m_sc} is not allowed: m_sc must be {allowed} ({_TP_CLAUSE})"
        )
    return m_sc


def _blockwise_dft(name: str, a, m_sc, transform) -> np.ndarray:
    """Orthonormal ``transform`` (scipy.fft.fft or ifft) of each block of m_sc symbols."""
    m_sc = _check_m_sc(m_sc)
    a = np.asarray(a)
    if a.ndim < 1 or a.shape[-1] % m_sc:
        raise ConfigError(
            f"{name} has shape {a.shape}: its last axis M_symb^layer must be a multiple "
            f"of M_sc^PUSCH = m_sc = {m_sc} (one block per OFDM symbol) ({_TP_CLAUSE})"
        )
    if a.dtype != np.complex128:
        a = a.astype(np.complex64, copy=False)
    blocks = a.reshape(*a.shape[:-1], a.shape[-1] // m_sc, m_sc)
    out = transform(blocks, axis=-1, norm="ortho")
    return out.reshape(a.shape).astype(np.complex64, copy=False)


def transform_precode(x, m_sc: int) -> np.ndarray:
    """DFT-spread the symbols of one layer, one block of M_sc^PUSCH per OFDM symbol.

    Implements TS 38.211 §6.3.1.4.

    y(l·M_sc + k) = 1/√M_sc · Σ_{i=0}^{M_sc−1} x(l·M_sc + i) · e^{−j2πik/M_sc}, for
    k = 0..M_sc−1 and l = 0..M_symb/M_sc − 1 (an orthonormal DFT of each block).

    Parameters
    ----------
    x : array_like, shape (..., M_symb)
        The layer's symbols x(0..M_symb−1); M_symb a multiple of ``m_sc``. Transform
        precoding applies to one layer (υ = 1); any batch shape.
    m_sc : int
        M_sc^PUSCH = 12 · M_RB^PUSCH, with M_RB^PUSCH = 2^α2 · 3^α3 · 5^α5.

    Returns
    -------
    y : ndarray of complex64, shape (..., M_symb)

    Raises
    ------
    ConfigError
        If ``m_sc`` is not 12 times a 5-smooth number, or M_symb is not a multiple of
        ``m_sc``.

    Examples
    --------
    >>> y = transform_precode(np.ones(24), 12)
    >>> np.round(y[[0, 1, 12]].real, 4)
    array([3.4641, 0.    , 3.4641], dtype=float32)
    """
    return _blockwise_dft("x", x, m_sc, scipy.fft.fft)


def transform_deprecode(y, m_sc: int) -> np.ndarray:
    """Undo transform precoding (inverse DFT of each block of M_sc^PUSCH symbols).

    Implements TS 38.211 §6.3.1.4 (inverse, at the receiver).

    x(l·M_sc + i) = 1/√M_sc · Σ_{k=0}^{M_sc−1} y(l·M_sc + k) · e^{+j2πik/M_sc}.

    Parameters
    ----------
    y : array_like, shape (..., M_symb)
        Transform-precoded symbols (e.g. equalised), M_symb a multiple of ``m_sc``.
    m_sc : int
        M_sc^PUSCH, as for :func:`transform_precode`.

    Returns
    -------
    x : ndarray of complex64, shape (..., M_symb)

    Raises
    ------
    ConfigError
        As :func:`transform_precode`.

    Examples
    --------
    >>> x = np.exp(1j * np.arange(36))
    >>> bool(np.allclose(transform_deprecode(transform_precode(x, 36), 36), x, atol=1e-6))
    True
    """
    return _blockwise_dft("y", y, m_sc, scipy.fft.ifft)


# --------------------------------------------------------------------------------------
# PUSCH codebook, TS 38.211 §6.3.1.5, Tables 6.3.1.5-1..7
#
# Each table is (scale, entries): entry TPMI = t is W / scale written row by row
# (row = antenna port, column = layer), with entries in {0, ±1, ±j}. Where a table
# uses two scale factors the entries are (scale, rows) pairs. Ordered by TPMI.

j = 1j

# Table 6.3.1.5-1: single-layer transmission using two antenna ports.
_W_1L_2P = [
    (1, 0), (0, 1), (1, 1), (1, -1), (1, j), (1, -j),
]  # fmt: skip

# Table 6.3.1.5-2: single-layer, four antenna ports, transform precoding enabled.
_W_1L_4P_TP = [
    (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1),          # 0-3
    (1, 0, 1, 0), (1, 0, -1, 0), (1, 0, j, 0), (1, 0, -j, 0),        # 4-7
    (0, 1, 0, 1), (0, 1, 0, -1), (0, 1, 0, j), (0, 1, 0, -j),        # 8-11
    (1, 1, 1, -1), (1, 1, j, j), (1, 1, -1, 1), (1, 1, -j, -j),      # 12-15
    (1, j, 1, j), (1, j, j, 1), (1, j, -1, -j), (1, j, -j, -1),      # 16-19
    (1, -1, 1, 1), (1, -1, j, -j), (1, -1, -1, -1), (1, -1, -j, j),  # 20-23
    (1, -j, 1, -j), (1, -j, j, -1), (1, -j, -1, j), (1, -j, -j, 1),  # 24-27
]  # fmt: skip

# Table 6.3.1.5-3: single-layer, four antenna ports, transform precoding disabled.
_W_1L_4P = [
    (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1),          # 0-3
    (1, 0, 1, 0), (1, 0, -1, 0), (1, 0, j, 0), (1, 0, -j, 0),        # 4-7
    (0, 1, 0, 1), (0, 1, 0, -1), (0, 1, 0, j), (0, 1, 0, -j),        # 8-11
    (1, 1, 1, 1), (1, 1, j, j), (1, 1, -1, -1), (1, 1, -j, -j),      # 12-15
    (1, j, 1, j), (1, j, j, -1), (1, j, -1, -j), (1, j, -j, 1),      # 16-19
    (1, -1, 1, -1), (1, -1, j, -j), (1, -1, -1, 1), (1, -1, -j, j),  # 20-23
    (1, -j, 1, -j), (1, -j, j, 1), (1, -j, -1, j), (1, -j, -j, -1),  # 24-27
]  # fmt: skip

# Table 6.3.1.5-4: two-layer transmission using two antenna ports.
_W_2L_2P = [
    (2**-0.5, [(1, 0), (0, 1)]),    # 0
    (1 / 2, [(1, 1), (1, -1)]),     # 1
    (1 / 2, [(1, 1), (j, -j)]),     # 2
]  # fmt: skip

# Table 6.3.1.5-5: two-layer, four antenna ports, transform precoding disabled.
_S = 1 / (2 * 2**0.5)
_W_2L_4P = [
    (1 / 2, [(1, 0), (0, 1), (0, 0), (0, 0)]),     # 0
    (1 / 2, [(1, 0), (0, 0), (0, 1), (0, 0)]),     # 1
    (1 / 2, [(1, 0), (0, 0), (0, 0), (0, 1)]),     # 2
    (1 / 2, [(0, 0), (1, 0), (0, 1), (0, 0)]),     # 3
    (1 / 2, [(0, 0), (1, 0), (0, 0), (0, 1)]),     # 4
    (1 / 2, [(0, 0), (0, 0), (1, 0), (0, 1)]),     # 5
    (1 / 2, [(1, 0), (0, 1), (1, 0), (0, -j)]),    # 6
    (1 / 2, [(1, 0), (0, 1), (1, 0), (0, j)]),     # 7
    (1 / 2, [(1, 0), (0, 1), (-j, 0), (0, 1)]),    # 8
    (1 / 2, [(1, 0), (0, 1), (-j, 0), (0, -1)]),   # 9
    (1 / 2, [(1, 0), (0, 1), (-1, 0), (0, -j)]),   # 10
    (1 / 2, [(1, 0), (0, 1), (-1, 0), (0, j)]),    # 11
    (1 / 2, [(1, 0), (0, 1), (j, 0), (0, 1)]),     # 12
    (1 / 2, [(1, 0), (0, 1), (j, 0), (0, -1)]),    # 13
    (_S, [(1, 1), (1, 1), (1, -1), (1, -1)]),      # 14
    (_S, [(1, 1), (1, 1), (j, -j), (j, -j)]),      # 15
    (_S, [(1, 1), (j, j), (1, -1), (j, -j)]),      # 16
    (_S, [(1, 1), (j, j), (j, -j), (-1, 1)]),      # 17
    (_S, [(1, 1), (-1, -1), (1, -1), (-1, 1)]),    # 18
    (_S, [(1, 1), (-1, -1), (j, -j), (-j, j)]),    # 19
    (_S, [(1, 1), (-j, -j), (1, -1), (-j, j)]),    # 20
    (_S, [(1, 1), (-j, -j), (j, -j), (1, -1)]),    # 21
]  # fmt: skip

# Table 6.3.1.5-6: three-layer, four antenna ports, transform precoding disabled.
_S3 = 1 / (2 * 3**0.5)
_W_3L_4P = [
    (1 / 2, [(1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]),        # 0
    (1 / 2, [(1, 0, 0), (0, 1, 0), (1, 0, 0), (0, 0, 1)]),        # 1
    (1 / 2, [(1, 0, 0), (0, 1, 0), (-1, 0, 0), (0, 0, 1)]),       # 2
    (_S3, [(1, 1, 1), (1, -1, 1), (1, 1, -1), (1, -1, -1)]),      # 3
    (_S3, [(1, 1, 1), (1, -1, 1), (j, j, -j), (j, -j, -j)]),      # 4
    (_S3, [(1, 1, 1), (-1, 1, -1), (1, 1, -1), (-1, 1, 1)]),      # 5
    (_S3, [(1, 1, 1), (-1, 1, -1), (j, j, -j), (-j, j, j)]),      # 6
]  # fmt: skip

# Table 6.3.1.5-7: four-layer, four antenna ports, transform precoding disabled.
_W_4L_4P = [
    (1 / 2, [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)]),      # 0
    (_S, [(1, 1, 0, 0), (0, 0, 1, 1), (1, -1, 0, 0), (0, 0, 1, -1)]),       # 1
    (_S, [(1, 1, 0, 0), (0, 0, 1, 1), (j, -j, 0, 0), (0, 0, j, -j)]),       # 2
    (1 / 4, [(1, 1, 1, 1), (1, -1, 1, -1), (1, 1, -1, -1), (1, -1, -1, 1)]),  # 3
    (1 / 4, [(1, 1, 1, 1), (1, -1, 1, -1), (j, j, -j, -j), (j, -j, -j, j)]),  # 4
]  # fmt: skip

del j


def _stack_1layer(scale: float, rows) -> np.ndarray:
    w = scale * np.asarray(rows, dtype=np.complex128)[:, :, None]
    return w.astype(np.complex64)


def _stack(entries) -> np.ndarray:
    return np.stack([s * np.asarray(w, dtype=np.complex128) for s, w in entries]).astype(
        np.complex64
    )


# (num_layers, num_ports, transform_precoding) -> (table name, W for every TPMI)
_CODEBOOKS: dict[tuple[int, int, bool], tuple[str, np.ndarray]] = {
    (1, 2, False): ("Table 6.3.1.5-1", _stack_1layer(2**-0.5, _W_1L_2P)),
    (1, 4, True): ("Table 6.3.1.5-2", _stack_1layer(1 / 2, _W_1L_4P_TP)),
    (1, 4, False): ("Table 6.3.1.5-3", _stack_1layer(1 / 2, _W_1L_4P)),
    (2, 2, False): ("Table 6.3.1.5-4", _stack(_W_2L_2P)),
    (2, 4, False): ("Table 6.3.1.5-5", _stack(_W_2L_4P)),
    (3, 4, False): ("Table 6.3.1.5-6", _stack(_W_3L_4P)),
    (4, 4, False): ("Table 6.3.1.5-7", _stack(_W_4L_4P)),
}
_CODEBOOKS[(1, 2, True)] = _CODEBOOKS[(1, 2, False)]
for _arr in _CODEBOOKS.values():
    _arr[1].setflags(write=False)


def pusch_precoding_matrix(
    tpmi: int, num_layers: int, num_ports: int, *, transform_precoding: bool = False
) -> np.ndarray:
    """Codebook precoding matrix W of the PUSCH for a TPMI.

    Implements TS 38.211 §6.3.1.5 (Tables 6.3.1.5-1 to 6.3.1.5-7).

    Parameters
    ----------
    tpmi : int
        Transmitted precoding matrix indicator (TS 38.212 §7.3.1.1.2): 0..5 (1 layer,
        2 ports, Table 6.3.1.5-1), 0..27 (1 layer, 4 ports, Table 6.3.1.5-2 with and
        6.3.1.5-3 without transform precoding), 0..2 (2 layers, 2 ports, Table
        6.3.1.5-4), 0..21 (2 layers, 4 ports, Table 6.3.1.5-5), 0..6 (3 layers, 4 ports,
        Table 6.3.1.5-6), 0..4 (4 layers, 4 ports, Table 6.3.1.5-7); 0 for one port.
    num_layers : int
        Number of layers υ, 1..4 (≤ ``num_ports``).
    num_ports : {1, 2, 4}
        Number of antenna ports ρ.
    transform_precoding : bool, default False
        Whether transform precoding is enabled; then only one layer is allowed
        (§6.3.1.4) and 4 ports use Table 6.3.1.5-2.

    Returns
    -------
    w : ndarray of complex64, shape (num_ports, num_layers)
        W including its scaling factor (1/√2, 1/2, 1/(2√2), 1/(2√3) or 1/4); ``[[1]]``
        for a single antenna port. Read-only (shared); copy it to modify.

    Raises
    ------
    ConfigError
        If ``num_ports`` is not 1, 2 or 4, ``num_layers`` is outside 1..4 or exceeds
        ``num_ports``, ``transform_precoding`` is set with more than one layer, or
        ``tpmi`` is outside the table's range.

    Examples
    --------
    >>> (pusch_precoding_matrix(4, 1, 2) * np.sqrt(2)).round(6)
    array([[1.+0.j],
           [0.+1.j]])
    >>> pusch_precoding_matrix(0, 4, 4) * 2
    array([[1.+0.j, 0.+0.j, 0.+0.j, 0.+0.j],
           [0.+0.j, 1.+0.j, 0.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j, 1.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j, 0.+0.j, 1.+0.j]], dtype=complex64)
    """
    num_ports = check_int("num_ports", num_ports, "one of 1, 2, 4", _PREC_CLAUSE,
                          choices=(1, 2, 4))
    num_layers = check_int("num_layers", num_layers, "an integer in 1..4",
                           "TS 38.211 §6.3.1.3 (Table 6.3.1.3-1)", lo=1, hi=4)
    if num_layers > num_ports:
        raise ConfigError(
            f"num_layers={num_layers} is not allowed with num_ports={num_ports}: "
            f"num_layers must be ≤ num_ports ({_PREC_CLAUSE})"
        )
    transform_precoding = check_bool("transform_precoding", transform_precoding, _TP_CLAUSE)
    if transform_precoding and num_layers != 1:
        raise ConfigError(
            f"num_layers={num_layers} is not allowed with transform_precoding=True: "
            f"transform precoding supports num_layers = 1 only (TS 38.211 §6.3.1.4)"
        )
    if num_ports == 1:
        tpmi = check_int("tpmi", tpmi, "0 (single antenna port, W = [1])", _PREC_CLAUSE,
                         choices=(0,))
        w = np.ones((1, 1), np.complex64)
        w.setflags(write=False)
        return w
    table, ws = _CODEBOOKS[(num_layers, num_ports, transform_precoding)]
    tpmi = check_int(
        "tpmi", tpmi,
        f"an integer in 0..{len(ws) - 1} for {num_layers} layer(s) on {num_ports} ports",
        f"{_PREC_CLAUSE}, {table}", lo=0, hi=len(ws) - 1,
    )
    return ws[tpmi]


# --------------------------------------------------------------------------------------
# Precoding, TS 38.211 §6.3.1.5 / §7.3.1.4


def precode(x, w) -> np.ndarray:
    """Precode layers onto antenna ports, z = W · x for every resource element.

    Implements TS 38.211 §6.3.1.5 (PUSCH) and §7.3.1.4 (PDSCH, implementation-chosen W).

    [z^(p0)(i), ..., z^(p_{ρ−1})(i)]^T = W [y^(0)(i), ..., y^(υ−1)(i)]^T.

    Parameters
    ----------
    x : array_like, shape (..., υ, n)
        Layers (after transform precoding, if any), n symbols per layer.
    w : array_like, shape (ρ, υ) or (..., n, ρ, υ)
        One precoding matrix for all symbols (e.g. from :func:`pusch_precoding_matrix`),
        or one matrix per symbol i (e.g. per subcarrier or per PRG), broadcast against
        the batch shape of ``x``; the axis before (ρ, υ) is the symbol axis, and may be
        1 (e.g. one matrix per batch element: shape (B, 1, ρ, υ)).

    Returns
    -------
    z : ndarray, shape (..., ρ, n)
        complex64, or complex128 if ``x`` or ``w`` is.

    Raises
    ------
    ConfigError
        If ``x`` has fewer than two axes, ``w`` is not at least 2-D, the layer counts
        of ``x`` and ``w`` differ, or a per-symbol ``w`` does not broadcast against
        ``x``.

    Examples
    --------
    >>> w = pusch_precoding_matrix(1, 2, 2)
    >>> precode(np.array([[1, 1], [1, -1]]), w) * 2
    array([[2.+0.j, 0.+0.j],
           [0.+0.j, 2.+0.j]], dtype=complex64)
    """
    x = np.asarray(x)
    w = np.asarray(w)
    clause = "TS 38.211 §6.3.1.5 / §7.3.1.4"
    if x.ndim < 2:
        raise ConfigError(f"x has shape {x.shape}: it needs axes (..., num_layers, n) ({clause})")
    if w.ndim < 2:
        raise ConfigError(
            f"w has shape {w.shape}: it must be (num_ports, num_layers) or "
            f"(..., n, num_ports, num_layers) ({clause})"
        )
    if w.shape[-1] != x.shape[-2]:
        raise ConfigError(
            f"w has shape {w.shape} for x of shape {x.shape}: w.shape[-1] (num_layers of "
            f"W) must equal x.shape[-2] = {x.shape[-2]} ({clause})"
        )
    double = np.complex128 in (x.dtype, w.dtype)
    dtype = np.dtype(np.complex128 if double else np.complex64)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if w.ndim == 2:
        return np.matmul(w, x)
    n = x.shape[-1]
    if w.shape[-3] not in (1, n):
        raise ConfigError(
            f"w has shape {w.shape} for x of shape {x.shape}: the symbol axis w.shape[-3] "
            f"must be 1 or n = {n} ({clause})"
        )
    try:
        np.broadcast_shapes(w.shape[:-3], x.shape[:-2])
    except ValueError:
        raise ConfigError(
            f"w has shape {w.shape} for x of shape {x.shape}: the batch shapes "
            f"{w.shape[:-3]} and {x.shape[:-2]} do not broadcast ({clause})"
        ) from None
    # (..., n, ρ, υ) @ (..., n, υ, 1) -> (..., n, ρ, 1) -> (..., ρ, n)
    z = np.matmul(w, np.swapaxes(x, -1, -2)[..., None])[..., 0]
    return np.ascontiguousarray(np.swapaxes(z, -1, -2))
