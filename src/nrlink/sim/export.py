"""Export of the results database: one flat table per (campaign, point), CSV or Parquet."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Mapping

from nrlink.sim.store import ResultsStore, _add_counts

__all__ = ["export_csv", "export_parquet", "results_table"]


def results_table(store: ResultsStore,
                  campaign_id: int | None = None) -> tuple[list[str], list[dict]]:
    """The export table: column names and one dict per (campaign, point).

    Columns: ``campaign_id, campaign, point, status, last_unit, reason, n_units``,
    then the point parameters (nested dicts flattened as ``a.b``, lists as JSON),
    the statistics, and the count totals behind them (list counts as ``name_0, name_1,
    ...``): units ``0..last_unit`` of a finished point, so they do not depend on how many
    units the workers ran ahead; none for a skipped point.
    A name already taken by an earlier column gets the prefix ``param.``,
    ``stat.`` or ``count.``.
    """
    ids = ([c.id for c in store.campaigns()] if campaign_id is None
           else [store.campaign(campaign_id).id])
    fixed = ["campaign_id", "campaign", "point", "status", "last_unit", "reason", "n_units"]
    names: dict[str, None] = dict.fromkeys(fixed)
    sections: dict[tuple[str, str], str] = {}  # (section, key) -> column

    def column(section: str, key: str) -> str:
        if (section, key) not in sections:
            col = key if key not in names else f"{section}.{key}"
            sections[(section, key)] = col
            names[col] = None
        return sections[(section, key)]

    rows = []
    for cid in ids:
        name = store.campaign(cid).name
        totals: dict[int, dict] = {}
        for p, counts in store.unit_count_rows(cid):
            _add_counts(totals.setdefault(p, {}), counts)
        for pr in store.point_results(cid):
            # the counts that make the point's result: units 0..last_unit of a finished
            # point (not the units dispatched beyond it), none for a skipped one, and
            # everything stored so far for a point still running
            if pr.status == "done" and pr.last_unit is not None:
                totals[pr.point] = store.point_totals(cid, pr.point, upto_unit=pr.last_unit)
            elif pr.status == "skipped":
                totals[pr.point] = {}
            row = {"campaign_id": cid, "campaign": name, "point": pr.point,
                   "status": pr.status, "last_unit": pr.last_unit, "reason": pr.reason,
                   "n_units": pr.n_units}
            for key, value in _flatten(pr.params):
                row[column("param", key)] = value
            for key, value in pr.stats.items():
                row[column("stat", key)] = value
            for key, value in totals.get(pr.point, {}).items():
                if isinstance(value, list):
                    for i, v in enumerate(value):
                        row[column("count", f"{key}_{i}")] = v
                else:
                    row[column("count", key)] = value
            rows.append(row)
    return list(names), rows


def export_csv(store: ResultsStore, path: str | os.PathLike,
               campaign_id: int | None = None) -> int:
    """Write :func:`results_table` to a CSV file (empty cells for missing values).

    Returns the number of rows written.
    """
    columns, rows = results_table(store, campaign_id)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return len(rows)


def export_parquet(store: ResultsStore, path: str | os.PathLike,
                   campaign_id: int | None = None) -> int:
    """Write :func:`results_table` to a Parquet file (needs ``pyarrow``); return rows.

    Raises :class:`ImportError` ``"pyarrow is not installed: pip install pyarrow"``
    when ``pyarrow`` is missing.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("pyarrow is not installed: pip install pyarrow "
                          "(or use export_csv)") from exc
    columns, rows = results_table(store, campaign_id)
    data = {c: [row.get(c) for row in rows] for c in columns}
    arrays = {}
    for c, values in data.items():
        try:
            arrays[c] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them as text
            arrays[c] = pa.array([None if v is None else str(v) for v in values])
    pq.write_table(pa.table(arrays), str(path))
    return len(rows)


def _flatten(params: Mapping, prefix: str = "") -> Iterator[tuple[str, object]]:
    """Flatten nested dicts to ``("a.b", value)``; lists and other values become JSON text."""
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, name + ".")
        elif value is None or isinstance(value, str | int | float):
            yield name, value
        else:
            yield name, json.dumps(value, separators=(",", ":"))
