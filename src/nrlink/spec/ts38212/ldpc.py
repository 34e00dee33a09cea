"""LDPC base graphs, lifting and encoding.

Implements TS 38.212 §5.3.2 (Tables 5.3.2-1, 5.3.2-2, 5.3.2-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numba import njit

from nrlink.errors import ConfigError
from nrlink.spec.tables import ldpc_base_graph_table

__all__ = [
    "LIFTING_SIZE_SETS",
    "LIFTING_SIZES",
    "LiftedGraph",
    "lifted_graph",
    "lifting_set_index",
    "ldpc_encode",
]

#: TS 38.212 Table 5.3.2-1: the sets of lifting sizes Z_c, indexed by i_LS = 0..7.
LIFTING_SIZE_SETS: tuple[tuple[int, ...], ...] = tuple(
    tuple(a * 2**j for j in range(8) if a * 2**j <= 384) for a in (2, 3, 5, 7, 9, 11, 13, 15)
)
#: All 51 lifting sizes, ascending.
LIFTING_SIZES: tuple[int, ...] = tuple(sorted(z for s in LIFTING_SIZE_SETS for z in s))

#: Number of systematic base-graph columns K_b,max per base graph (22 for BG1, 10 for BG2).
N_SYS_COLS = {1: 22, 2: 10}
#: Base graph dimensions (rows, columns) per TS 38.212 §5.3.2.
BG_SHAPE = {1: (46, 68), 2: (42, 52)}


def lifting_set_index(z_c: int) -> int:
    """Index i_LS of the lifting-size set that contains ``z_c`` (TS 38.212 Table 5.3.2-1)."""
    for i, s in enumerate(LIFTING_SIZE_SETS):
        if z_c in s:
            return i
    raise ConfigError(
        f"z_c={z_c!r} is not allowed: z_c must be one of the 51 lifting sizes of "
        f"TS 38.212 Table 5.3.2-1 ({', '.join(map(str, LIFTING_SIZES))})"
    )


@dataclass(frozen=True, slots=True)
class LiftedGraph:
    """Parity-check matrix H of base graph ``bg`` lifted by ``z_c`` (TS 38.212 §5.3.2).

    H has ``n_rows * z_c`` rows and ``n_cols * z_c`` columns. Block (i, j) of H is
    the z_c × z_c identity cyclically shifted right by P_ij = V(i, j) mod z_c, i.e.
    row r of that block has its one in column (r + P_ij) mod z_c.

    Attributes
    ----------
    bg : int
        Base graph, 1 or 2.
    z_c : int
        Lifting size Z_c.
    i_ls : int
        Lifting-size set index i_LS.
    rows, cols, shifts : ndarray of int32, shape (n_edges,)
        Block row i, block column j and shift P_ij of each non-zero block,
        sorted by (i, j).
    """

    bg: int
    z_c: int
    i_ls: int
    rows: np.ndarray
    cols: np.ndarray
    shifts: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of base-graph rows (46 for BG1, 42 for BG2)."""
        return BG_SHAPE[self.bg][0]

    @property
    def n_cols(self) -> int:
        """Number of base-graph columns (68 for BG1, 52 for BG2)."""
        return BG_SHAPE[self.bg][1]

    @property
    def k_b(self) -> int:
        """Number of systematic base-graph columns (22 for BG1, 10 for BG2)."""
        return N_SYS_COLS[self.bg]

    @property
    def k(self) -> int:
        """Code block length K = 22 Z_c (BG1) or 10 Z_c (BG2), filler bits included."""
        return self.k_b * self.z_c

    @property
    def n(self) -> int:
        """Encoder output length N = 66 Z_c (BG1) or 50 Z_c (BG2): the codeword
        without its first 2 Z_c (punctured) systematic bits."""
        return (self.n_cols - 2) * self.z_c

    def dense_h(self) -> np.ndarray:
        """The full parity-check matrix H as a dense ``uint8`` array (for tests only)."""
        z = self.z_c
        h = np.zeros((self.n_rows * z, self.n_cols * z), dtype=np.uint8)
        r = np.arange(z)
        for i, j, p in zip(self.rows, self.cols, self.shifts, strict=True):
            h[i * z + r, j * z + (r + p) % z] = 1
        return h


@cache
def lifted_graph(bg: int, z_c: int) -> LiftedGraph:
    """Return the :class:`LiftedGraph` of base graph ``bg`` for lifting size ``z_c``.

    Implements TS 38.212 §5.3.2: P_ij = V(i, j) mod Z_c with V from Table 5.3.2-2
    (BG1) or 5.3.2-3 (BG2) for the set i_LS containing Z_c.
    """
    if bg not in (1, 2):
        raise ConfigError(f"bg={bg!r} is not allowed: bg must be 1 or 2 (TS 38.212 §5.3.2)")
    i_ls = lifting_set_index(z_c)
    rows, cols, v = ldpc_base_graph_table(bg)
    shifts = (v[:, i_ls] % z_c).astype(np.int32)
    shifts.setflags(write=False)
    return LiftedGraph(bg=bg, z_c=z_c, i_ls=i_ls, rows=rows, cols=cols, shifts=shifts)


# --------------------------------------------------------------------------- encoding


@dataclass(frozen=True, slots=True)
class _EncoderPlan:
    """The encoder as a program of contiguous XOR runs (see :func:`_encoder_plan`).

    Step s computes ``acc = (lam[row] if it is a core row else 0) ^ XOR of its runs``
    and writes ``P^{-shift} acc`` into block column ``col`` of the codeword. A run
    ``(dst, src, length)`` does ``acc[dst:dst+length] ^= cw[src:src+length]``.
    Steps 0..3 compute lam_0..lam_3 (the systematic parts of the core rows).
    """

    step_ptr: np.ndarray  # (n_steps + 1,) runs of each step
    run_dst: np.ndarray
    run_src: np.ndarray
    run_len: np.ndarray
    step_rows: np.ndarray  # (n_steps,) base-graph row of each step (-1 for lam steps)
    step_cols: np.ndarray  # target block column (-1 for lam steps)
    step_shifts: np.ndarray
    first_shift: int  # x such that the core rows 0..3 sum to P^x p_0 = sum of lam_i


def _runs(z_c: int, col: int, shift: int) -> list[tuple[int, int, int]]:
    """Runs of block (·, col) with shift p: acc[r] ^= cw[col z + (r + p) mod z]."""
    out = [(0, col * z_c + shift, z_c - shift)]
    if shift:
        out.append((z_c - shift, col * z_c, shift))
    return out


@cache
def _encoder_plan(bg: int, z_c: int) -> _EncoderPlan:
    """Derive the back-substitution program of the parity part of H (TS 38.212 §5.3.2).

    The parity part is a 4×4 block "double diagonal" core (rows 0..3, columns
    K_b..K_b+3) followed by an identity extension. Summing the core rows cancels
    every parity circulant except one in column K_b, P^x, so P^x p_0 = Σ_i λ_i
    with λ_i the row sums of the systematic part; each further parity column is
    then the only unknown of some row. This plan is checked, not assumed.
    """
    g = lifted_graph(bg, z_c)
    kb = g.k_b
    edge_ptr = np.searchsorted(g.rows, np.arange(g.n_rows + 1))
    core = (g.rows < 4) & (g.cols >= kb)
    odd: dict[tuple[int, int], int] = {}
    for c, p in zip(g.cols[core], g.shifts[core], strict=True):
        odd[(int(c), int(p))] = odd.get((int(c), int(p)), 0) ^ 1
    survivors = [cp for cp, o in odd.items() if o]
    if len(survivors) != 1 or survivors[0][0] != kb:  # pragma: no cover - table integrity
        raise RuntimeError(f"unexpected LDPC core structure for bg={bg}, z_c={z_c}")

    def row_edges(i):
        e = slice(edge_ptr[i], edge_ptr[i + 1])
        return [(int(c), int(p)) for c, p in zip(g.cols[e], g.shifts[e], strict=True)]

    steps = []  # (row, col, shift, runs)
    for i in range(4):
        runs = [r for c, p in row_edges(i) if c < kb for r in _runs(z_c, c, p)]
        steps.append((-1, -1, 0, runs))
    known = {kb}
    pending = set(range(g.n_rows))
    while len(known) < g.n_cols - kb:
        for i in sorted(pending):
            unknown = [(c, p) for c, p in row_edges(i) if c >= kb and c not in known]
            if len(unknown) == 1:
                col, shift = unknown[0]
                srcs = [(c, p) for c, p in row_edges(i) if c != col and (i >= 4 or c >= kb)]
                steps.append((i, col, shift, [r for c, p in srcs for r in _runs(z_c, c, p)]))
                known.add(col)
                pending.discard(i)
                break
        else:  # pragma: no cover - table integrity
            raise RuntimeError(f"LDPC parity part not solvable for bg={bg}, z_c={z_c}")
    runs = [r for st in steps for r in st[3]]
    ptr = np.cumsum([0] + [len(st[3]) for st in steps])
    arr = np.asarray(runs, dtype=np.int64).reshape(-1, 3)
    return _EncoderPlan(
        step_ptr=ptr.astype(np.int64), run_dst=arr[:, 0].copy(), run_src=arr[:, 1].copy(),
        run_len=arr[:, 2].copy(), step_rows=np.asarray([s[0] for s in steps], np.int64),
        step_cols=np.asarray([s[1] for s in steps], np.int64),
        step_shifts=np.asarray([s[2] for s in steps], np.int64), first_shift=survivors[0][1],
    )


@njit(cache=True, inline="always")
def _copy(dst, src):
    """dst[:] = src[:] as an explicit loop (vectorised; slice assignment is not)."""
    for r in range(dst.shape[0]):
        dst[r] = src[r]


@njit(cache=True, inline="always")
def _xor_runs(acc, cw, s, step_ptr, run_dst, run_src, run_len):
    for q in range(step_ptr[s], step_ptr[s + 1]):
        n = run_len[q]
        a = acc[run_dst[q]: run_dst[q] + n]
        x = cw[run_src[q]: run_src[q] + n]
        for r in range(n):  # 1-D slices: LLVM proves no aliasing and vectorises
            a[r] = a[r] ^ x[r]


@njit(cache=True, inline="always")
def _solve_shifted(cw, col, p, acc, z):
    """Write w = P^{-p} acc into block column col of cw: w[(r + p) mod z] = acc[r]."""
    w1 = cw[col * z + p: (col + 1) * z]
    a1 = acc[: z - p]
    for r in range(z - p):
        w1[r] = a1[r]
    w2 = cw[col * z: col * z + p]
    a2 = acc[z - p:]
    for r in range(p):
        w2[r] = a2[r]


@njit(cache=True)
def _ldpc_encode_kernel(c, kb, n_cols, step_ptr, run_dst, run_src, run_len, step_rows,
                        step_cols, step_shifts, first_shift, out):
    """c: (B, kb * z) uint8 -> out: (B, (n_cols - 2) * z) uint8 (d, without the first 2 blocks)."""
    n_blocks = c.shape[0]
    z = c.shape[1] // kb
    cw = np.zeros(n_cols * z, dtype=np.uint8)
    lam = np.zeros(4 * z, dtype=np.uint8)
    acc = np.zeros(z, dtype=np.uint8)
    for b in range(n_blocks):
        _copy(cw[: kb * z], c[b])
        # lam_i: systematic part of the core rows 0..3; p_0 = P^{-x} sum_i lam_i.
        acc[:] = 0
        for i in range(4):
            li = lam[i * z: (i + 1) * z]
            li[:] = 0
            _xor_runs(li, cw, i, step_ptr, run_dst, run_src, run_len)
            for r in range(z):
                acc[r] = acc[r] ^ li[r]
        _solve_shifted(cw, kb, first_shift, acc, z)
        # Back substitution: each further step solves the only unknown column of a row.
        for s in range(4, step_rows.shape[0]):
            i = step_rows[s]
            if i < 4:  # core row: systematic part known (lam_i), add the solved parity blocks
                _copy(acc, lam[i * z: (i + 1) * z])
            else:
                acc[:] = 0
            _xor_runs(acc, cw, s, step_ptr, run_dst, run_src, run_len)
            _solve_shifted(cw, step_cols[s], step_shifts[s], acc, z)
        _copy(out[b], cw[2 * z:])


_NOT_BITS = "c holds values other than 0 and 1: bits must be 0/1 (TS 38.212 §5.3.2)"


def ldpc_encode(c: np.ndarray, bg: int, z_c: int) -> np.ndarray:
    """Encode code blocks with the 5G NR LDPC code.

    Implements TS 38.212 §5.3.2.

    Parameters
    ----------
    c : array_like of uint8, shape (..., K)
        Code block bits c_0..c_{K-1}, K = 22 Z_c (BG1) or 10 Z_c (BG2), with the
        filler bits (<NULL> in the spec) given as 0, as the encoder treats them.
    bg : {1, 2}
        LDPC base graph.
    z_c : int
        Lifting size Z_c (one of :data:`LIFTING_SIZES`).

    Returns
    -------
    d : ndarray of uint8, shape (..., N)
        Encoded bits d_0..d_{N-1}, N = 66 Z_c (BG1) or 50 Z_c (BG2): the
        codeword without its first 2 Z_c systematic bits, followed by the parity
        bits w. Filler positions hold 0 (the caller knows where they are:
        K'-2Z_c .. K-2Z_c-1).

    Raises
    ------
    ConfigError
        If ``bg`` or ``z_c`` is not allowed, the last dimension of ``c`` is not
        K, or ``c`` holds values other than 0 and 1.

    Notes
    -----
    The parity bits are found by back substitution through the structure of the
    parity part of H (no matrix inverse), vectorised along Z_c in a Numba kernel.

    Examples
    --------
    >>> import numpy as np
    >>> d = ldpc_encode(np.zeros((3, 22 * 16), np.uint8), bg=1, z_c=16)
    >>> d.shape
    (3, 1056)
    """
    g = lifted_graph(bg, z_c)
    c = np.asarray(c)
    if c.ndim < 1 or c.shape[-1] != g.k:
        raise ConfigError(
            f"c has shape {c.shape}: its last dimension must be K = {g.k_b}·Z_c = {g.k} "
            f"for bg={bg}, z_c={z_c} (TS 38.212 §5.3.2)"
        )
    if c.dtype != np.uint8:
        if not (np.issubdtype(c.dtype, np.integer) or c.dtype == np.bool_):
            raise ConfigError(
                f"c has dtype {c.dtype}: bits must be integers 0/1 (TS 38.212 §5.3.2)"
            )
        if c.size and (c.min() < 0 or c.max() > 1):
            raise ConfigError(_NOT_BITS)
        c = c.astype(np.uint8)
    elif c.size and c.max() > 1:
        raise ConfigError(_NOT_BITS)
    lead = c.shape[:-1]
    cb = np.ascontiguousarray(c.reshape(-1, g.k))
    out = np.empty((cb.shape[0], g.n), dtype=np.uint8)
    plan = _encoder_plan(bg, z_c)
    _ldpc_encode_kernel(cb, g.k_b, g.n_cols, plan.step_ptr, plan.run_dst, plan.run_src,
                        plan.run_len, plan.step_rows, plan.step_cols, plan.step_shifts,
                        plan.first_shift, out)
    return out.reshape(*lead, g.n)
