"""3GPP tables shipped as data files, and their loaders.

The CSV files are copies of ``shared/tables`` (checked equal by the tests).
"""

from functools import cache
from importlib.resources import files

import numpy as np

__all__ = ["ldpc_base_graph_table"]


@cache
def ldpc_base_graph_table(bg: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shift coefficients V(i, j) of LDPC base graph ``bg``.

    Implements TS 38.212 §5.3.2 (Table 5.3.2-2 for BG1, Table 5.3.2-3 for BG2).

    Returns
    -------
    rows, cols : ndarray of int32, shape (n_edges,)
        Row index i and column index j of every non-zero block, sorted by (i, j).
    v : ndarray of int32, shape (n_edges, 8)
        V(i, j) for the lifting-size sets i_LS = 0..7.
    """
    if bg not in (1, 2):
        raise ValueError(f"bg={bg!r} is not allowed: bg must be 1 or 2 (TS 38.212 §5.3.2)")
    text = (files(__package__) / f"ldpc_bg{bg}.csv").read_text()
    rows, cols, vals = [], [], []
    row = -1
    for line in text.splitlines()[2:]:
        fields = line.split(";")
        if len(fields) < 10 or not fields[1].strip():
            continue
        if fields[0].strip():
            row = int(fields[0])
        rows.append(row)
        cols.append(int(fields[1]))
        vals.append([int(x) for x in fields[2:10]])
    r = np.asarray(rows, dtype=np.int32)
    c = np.asarray(cols, dtype=np.int32)
    v = np.asarray(vals, dtype=np.int32)
    order = np.lexsort((c, r))
    for a in (r, c, v):
        a.setflags(write=False)
    return r[order], c[order], v[order]
