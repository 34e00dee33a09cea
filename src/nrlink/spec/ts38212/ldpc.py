"""LDPC base graphs, lifting and encoding.

Implements TS 38.212 §5.3.2 (Tables 5.3.2-1, 5.3.2-2, 5.3.2-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from nrlink.errors import ConfigError
from nrlink.spec.tables import ldpc_base_graph_table

__all__ = [
    "LIFTING_SIZE_SETS",
    "LIFTING_SIZES",
    "LiftedGraph",
    "lifted_graph",
    "lifting_set_index",
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
