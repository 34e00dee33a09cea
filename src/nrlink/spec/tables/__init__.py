"""3GPP tables shipped as data files, and their loaders.

The CSV and JSON files are copies of ``shared/tables`` (checked equal by the tests):
``tr38901/TDL-A.json`` … ``CDL-E.json`` are TR 38.901 v19.2 Tables 7.7.1-1..5 and
7.7.2-1..5; ``tr38901/TDL-A30.json`` etc. are the TS 38.101-4 Annex B.2.1 test-channel
variants (delay spread in ns in the name, delays in ns).
"""

import json
from functools import cache
from importlib.resources import files
from types import MappingProxyType

import numpy as np

__all__ = ["TR38901_TABLES", "ldpc_base_graph_table", "tr38901_table"]

#: Names of the packaged TR 38.901 / TS 38.101-4 delay-profile tables.
TR38901_TABLES: tuple[str, ...] = (
    "TDL-A", "TDL-B", "TDL-C", "TDL-D", "TDL-E",
    "CDL-A", "CDL-B", "CDL-C", "CDL-D", "CDL-E",
    "TDL-A10", "TDL-A30", "TDL-B100", "TDL-C60", "TDL-C300", "TDL-D10", "TDL-D30",
)


@cache
def tr38901_table(name: str) -> MappingProxyType:
    """The packaged table ``name`` (one of :data:`TR38901_TABLES`) as a read-only mapping.

    Implements the data of TR 38.901 §7.7.1 (Tables 7.7.1-1..5, CDL), §7.7.2 (Tables
    7.7.2-1..5, TDL) and TS 38.101-4 Annex B.2.1 (TDL test variants). Keys as in the JSON
    files: ``delays`` (normalised, or ns where ``scale_delays`` is false), ``powers``
    (dB), ``los`` (the first entry is the specular LoS path), and for CDL ``aod``,
    ``aoa``, ``zod``, ``zoa`` (degrees), ``cASD``, ``cASA``, ``cZSD``, ``cZSA``
    (degrees), ``xpr`` (dB). Lists are returned as tuples.
    """
    if name not in TR38901_TABLES:
        raise ValueError(
            f"name={name!r} is not allowed: name must be one of {', '.join(TR38901_TABLES)} "
            "(TR 38.901 §7.7, TS 38.101-4 Annex B.2.1)"
        )
    data = json.loads((files(__package__) / "tr38901" / f"{name}.json").read_text())
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


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
