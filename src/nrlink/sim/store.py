"""The campaign results database: one SQLite file per set of simulation campaigns.

A campaign is a sweep described by a JSON-able ``description`` (the parameters, the
points, the stopping rule, ...). It is split into *points* (one parameter set each,
e.g. one SNR) and every point into *work units* (a fixed number of slots or transport
blocks drawn from their own seed). The store keeps the campaign description and the
code version, every finished unit (point, unit index, seed, counts) and the derived
per-point statistics.

Crash safety: each unit is written in its own transaction (``BEGIN IMMEDIATE`` …
``COMMIT``) to a database in WAL mode, and a unit is identified by
``UNIQUE(campaign_id, point, unit)``. Killing the process at any moment (``SIGKILL``)
loses at most the unit being written, never half of it; rerunning the campaign
re-records every unit and the store keeps exactly one copy of each. With
``synchronous=NORMAL`` a committed unit survives any process crash (only a power cut
may lose the last commits, never corrupt the file).

Only the Python standard library (:mod:`sqlite3`, :mod:`csv`) is used; Parquet export
needs the optional ``pyarrow``.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nrlink.errors import ConfigError

__all__ = ["SCHEMA_VERSION", "POINT_STATUSES", "CampaignRow", "PointRow", "ResultsStore",
           "UnitRow", "canonical_json", "code_version"]

#: Version of the database layout, kept in ``PRAGMA user_version``.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of an nrlink results database ("nrlk").
APPLICATION_ID = 0x6E726C6B
#: Allowed values of a point's ``status`` (``"pending"`` is reported, never stored).
POINT_STATUSES = ("running", "done", "skipped")

_SCHEMA = """
CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    hash         TEXT NOT NULL,
    code_version TEXT NOT NULL,
    created      TEXT NOT NULL,
    updated      TEXT NOT NULL,
    UNIQUE (name, hash)
);
CREATE TABLE points (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    point       INTEGER NOT NULL CHECK (point >= 0),
    params      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, point)
);
CREATE TABLE units (
    campaign_id INTEGER NOT NULL,
    point       INTEGER NOT NULL,
    unit        INTEGER NOT NULL CHECK (unit >= 0),
    seed        TEXT NOT NULL,
    counts      TEXT NOT NULL,
    elapsed_s   REAL NOT NULL,
    worker      TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, point, unit),
    FOREIGN KEY (campaign_id, point) REFERENCES points(campaign_id, point) ON DELETE CASCADE
);
CREATE TABLE point_results (
    campaign_id INTEGER NOT NULL,
    point       INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'skipped')),
    last_unit   INTEGER,
    reason      TEXT,
    stats       TEXT NOT NULL,
    updated     TEXT NOT NULL,
    PRIMARY KEY (campaign_id, point),
    FOREIGN KEY (campaign_id, point) REFERENCES points(campaign_id, point) ON DELETE CASCADE
);
"""


@dataclass(frozen=True)
class UnitRow:
    """One finished work unit."""

    point: int
    unit: int
    seed: str
    counts: dict
    elapsed_s: float
    worker: str
    finished_at: str


@dataclass(frozen=True)
class PointRow:
    """One point of a campaign with its derived statistics (``status="pending"``: none yet)."""

    point: int
    params: dict
    status: str
    last_unit: int | None
    reason: str | None
    stats: dict
    n_units: int
    updated: str | None


@dataclass(frozen=True)
class CampaignRow:
    """One campaign: identity, code version, timestamps and sizes."""

    id: int
    name: str
    hash: str
    code_version: str
    created: str
    updated: str
    n_points: int
    n_units: int


def _json_default(obj):
    """Let :func:`json.dumps` take NumPy scalars and arrays (via ``.item()``/``.tolist()``)."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def canonical_json(obj, name: str = "description") -> str:
    """Canonical JSON of ``obj``: sorted keys, no spaces, no NaN/inf.

    Raises :class:`ConfigError` naming ``name`` when ``obj`` is not JSON-serialisable.
    """
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False,
                          default=_json_default)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}={obj!r} is not allowed: {name} must be JSON-serialisable "
                          f"with finite numbers ({exc})") from exc


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _check_nonneg_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be an integer >= 0")
    return int(value)


def _check_counts(counts) -> dict[str, int | list[int]]:
    """Validate unit counts: ``{name: int >= 0 or list of ints >= 0}``; return plain Python."""
    allowed = "counts must map names (str) to integers >= 0 or lists of integers >= 0"
    if not isinstance(counts, Mapping):
        raise ConfigError(f"counts={counts!r} is not allowed: {allowed}")
    out: dict[str, int | list[int]] = {}
    for key, value in counts.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"counts key {key!r} is not allowed: {allowed}")
        items = value.tolist() if hasattr(value, "tolist") else value
        is_list = isinstance(items, list | tuple)
        seq = list(items) if is_list else [items]
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0
                   for v in seq):
            raise ConfigError(f"counts[{key!r}]={value!r} is not allowed: {allowed}")
        out[key] = [int(v) for v in seq] if is_list else int(seq[0])
    return out


def _add_counts(total: dict, counts: Mapping) -> None:
    """Add ``counts`` into ``total`` in place; lists element-wise, padded with zeros."""
    for key, value in counts.items():
        old = total.get(key)
        if old is None:
            total[key] = list(value) if isinstance(value, list) else value
        elif isinstance(value, list) != isinstance(old, list):
            raise ConfigError(f"counts[{key!r}]={value!r} is not allowed: other units of this "
                              f"point store {key!r} as {type(old).__name__}")
        elif isinstance(value, list):
            old.extend([0] * (len(value) - len(old)))  # no-op when old is the longer
            for i, v in enumerate(value):
                old[i] += v
        else:
            total[key] = old + value


def _check_stats(stats) -> dict:
    allowed = "stats must map names (str) to numbers or None"
    if not isinstance(stats, Mapping):
        raise ConfigError(f"stats={stats!r} is not allowed: {allowed}")
    out = {}
    for key, value in stats.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"stats key {key!r} is not allowed: {allowed}")
        if value is not None and not isinstance(value, numbers.Real):
            raise ConfigError(f"stats[{key!r}]={value!r} is not allowed: {allowed}")
        out[key] = (value if value is None else
                    int(value) if isinstance(value, numbers.Integral) else float(value))
    return out


def code_version() -> str:
    """The nrlink version plus the git commit when the package sits in a git checkout.

    E.g. ``"0.1.0 (git 5fd0db9)"`` or ``"0.1.0 (git 5fd0db9+dirty)"`` when tracked files
    under the package directory are modified; just ``"0.1.0"`` when the package is not
    a tracked part of a git checkout or ``git`` is not available (failures are ignored).
    """
    import nrlink

    version = nrlink.__version__
    pkg = Path(nrlink.__file__).resolve().parent

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(pkg), *args], capture_output=True, text=True,
                              timeout=5, check=False)

    try:
        # the package's own __init__.py must be tracked: a venv inside another repo is not ours
        if git("ls-files", "--error-unmatch", "__init__.py").returncode != 0:
            return version
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0 or not head.stdout.strip():
            return version
        status = git("status", "--porcelain", "--untracked-files=no", "--", ".")
        dirty = "+dirty" if status.returncode != 0 or status.stdout.strip() else ""
        return f"{version} (git {head.stdout.strip()}{dirty})"
    except (OSError, subprocess.SubprocessError):
        return version


class ResultsStore:
    """The results database of simulation campaigns (SQLite, WAL mode).

    Parameters
    ----------
    path : str or os.PathLike
        Database file; created with its schema when missing (unless ``readonly``).
    readonly : bool
        Open an existing database read-only (``file:...?mode=ro``), for ``show`` and
        ``export``; a missing file raises :class:`ConfigError` naming the path.
    timeout_s : float
        How long a write waits for another process's lock (``busy_timeout``).

    Use it as a context manager (closed on exit) or call :meth:`close`.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d, ResultsStore(os.path.join(d, "r.db")) as db:
    ...     cid = db.open_campaign("demo", {"snr_db": [0, 1]}, code_version="x")
    ...     db.define_points(cid, [{"snr_db": 0}, {"snr_db": 1}])
    ...     db.record_unit(cid, 0, 0, seed="1", counts={"blocks": 10, "errors": 2},
    ...                    elapsed_s=0.1)
    ...     db.record_unit(cid, 0, 0, seed="1", counts={"blocks": 10, "errors": 2},
    ...                    elapsed_s=0.1)
    ...     db.point_totals(cid, 0)
    True
    False
    {'blocks': 10, 'errors': 2}
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False,
                 timeout_s: float = 60.0):
        self.path = Path(path)
        self.readonly = bool(readonly)
        if not (isinstance(timeout_s, numbers.Real) and timeout_s >= 0):
            raise ConfigError(f"timeout_s={timeout_s!r} is not allowed: timeout_s must be a "
                              f"number of seconds >= 0")
        self._conn: sqlite3.Connection | None = None
        if self.readonly and not self.path.is_file():
            raise ConfigError(f"path={str(self.path)!r} is not allowed: the results database "
                              f"does not exist (read-only open)")
        target = self.path.resolve().as_uri() + "?mode=ro" if self.readonly else str(self.path)
        try:
            conn = sqlite3.connect(target, uri=self.readonly, timeout=timeout_s,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise ConfigError(f"path={str(self.path)!r} is not allowed: cannot open the results "
                              f"database ({exc})") from exc
        self._conn = conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if self.readonly:
                self.journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                self._check_schema(creating=False)
            else:
                self.journal_mode = self._enable_wal(conn, timeout_s)
                conn.execute("PRAGMA synchronous = NORMAL")
                with self._write():
                    self._check_schema(creating=True)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ConfigError(f"path={str(self.path)!r} is not allowed: not a usable results "
                              f"database ({exc})") from exc
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ plumbing
    @staticmethod
    def _enable_wal(conn: sqlite3.Connection, timeout_s: float) -> str:
        """Switch to WAL, retrying while another process holds the lock: SQLite answers
        "database is locked" to a journal-mode change at once, without waiting on the busy
        timeout, when two processes open a new database together."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)

    def _check_schema(self, *, creating: bool) -> None:
        conn = self._db
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        where = f"path={str(self.path)!r}"
        if version > SCHEMA_VERSION:
            raise ConfigError(f"{where} is not allowed: the database has schema version "
                              f"{version}, written by a newer nrlink; this one reads versions "
                              f"<= {SCHEMA_VERSION} (upgrade nrlink)")
        if version == 0:
            n_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if n_tables or not creating:
                raise ConfigError(f"{where} is not allowed: not an nrlink results database")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif app_id != APPLICATION_ID:
            raise ConfigError(f"{where} is not allowed: not an nrlink results database "
                              f"(application_id={app_id:#x})")

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ConfigError(f"path={str(self.path)!r}: the results database is closed")
        return self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error)."""
        if self.readonly:
            raise ConfigError(f"path={str(self.path)!r}: the results database is opened "
                              f"read-only (readonly=True)")
        conn = self._db
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_campaign(self, campaign_id) -> int:
        cid = _check_nonneg_int("campaign_id", campaign_id)
        if self._db.execute("SELECT 1 FROM campaigns WHERE id = ?", (cid,)).fetchone() is None:
            raise ConfigError(f"campaign_id={campaign_id!r} is not allowed: no such campaign in "
                              f"{str(self.path)!r}")
        return cid

    def _check_point(self, campaign_id, point) -> tuple[int, int]:
        cid = self._check_campaign(campaign_id)
        p = _check_nonneg_int("point", point)
        row = self._db.execute("SELECT 1 FROM points WHERE campaign_id = ? AND point = ?",
                               (cid, p)).fetchone()
        if row is None:
            n = self._db.execute("SELECT count(*) FROM points WHERE campaign_id = ?",
                                 (cid,)).fetchone()[0]
            raise ConfigError(f"point={point!r} is not allowed: campaign {cid} defines points "
                              f"0..{n - 1} (define_points first)")
        return cid, p

    # ------------------------------------------------------------------ campaigns and points
    def open_campaign(self, name: str, description: dict, *, code_version: str) -> int:
        """Open (create or resume) a campaign and return its id.

        A campaign is identified by its ``name`` and the SHA-256 of the canonical JSON of
        ``description`` (:func:`canonical_json`): the same pair reopens the same campaign;
        a different description under the same name is a new campaign. ``code_version``
        is stored at creation (a resumed campaign keeps its first one).
        """
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"name={name!r} is not allowed: name must be a non-empty string")
        if not isinstance(description, Mapping):
            raise ConfigError(f"description={description!r} is not allowed: description must "
                              f"be a dict")
        if not isinstance(code_version, str):
            raise ConfigError(f"code_version={code_version!r} is not allowed: code_version "
                              f"must be a string")
        text = canonical_json(dict(description))
        digest = hashlib.sha256(text.encode()).hexdigest()
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO campaigns (name, description, hash, code_version, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, hash) DO UPDATE SET updated = ?",
                (name, text, digest, code_version, now, now, now))
            cid = conn.execute("SELECT id FROM campaigns WHERE name = ? AND hash = ?",
                               (name, digest)).fetchone()[0]
        return int(cid)

    def define_points(self, campaign_id: int, points: list[dict]) -> None:
        """Store the parameters of points ``0..P-1`` (idempotent).

        Raises :class:`ConfigError` when the campaign already has points that differ
        (number or parameters) from ``points``.
        """
        cid = self._check_campaign(campaign_id)
        if isinstance(points, Mapping | str | bytes) or not hasattr(points, "__iter__"):
            raise ConfigError(f"points={points!r} is not allowed: points must be a list of dicts")
        points = list(points)
        texts = []
        for i, p in enumerate(points):
            if not isinstance(p, Mapping):
                raise ConfigError(f"points[{i}]={p!r} is not allowed: each point must be a dict")
            texts.append(canonical_json(dict(p), f"points[{i}]"))
        with self._write() as conn:
            stored = conn.execute("SELECT point, params FROM points WHERE campaign_id = ? "
                                  "ORDER BY point", (cid,)).fetchall()
            if stored:
                if len(stored) != len(texts):
                    raise ConfigError(f"points has {len(texts)} entries: not allowed, campaign "
                                      f"{cid} already defines {len(stored)} points")
                for (i, params), text in zip(stored, texts, strict=True):
                    if canonical_json(json.loads(params)) != text:
                        raise ConfigError(f"points[{i}]={points[i]!r} is not allowed: campaign "
                                          f"{cid} stores {params} for point {i}")
                return
            conn.executemany(
                "INSERT INTO points (campaign_id, point, params) VALUES (?, ?, ?)",
                [(cid, i, json.dumps(dict(p), default=_json_default))
                 for i, p in enumerate(points)])

    def campaigns(self) -> list[CampaignRow]:
        """Every campaign of the database, by id."""
        rows = self._db.execute(self._CAMPAIGN_SQL + " ORDER BY c.id")
        return [self._campaign_row(r) for r in rows]

    _CAMPAIGN_SQL = (
        "SELECT c.id, c.name, c.hash, c.code_version, c.created, c.updated,"
        " (SELECT count(*) FROM points p WHERE p.campaign_id = c.id),"
        " (SELECT count(*) FROM units u WHERE u.campaign_id = c.id)"
        " FROM campaigns c")

    @staticmethod
    def _campaign_row(r) -> CampaignRow:
        return CampaignRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]))

    def campaign(self, campaign_id: int) -> CampaignRow:
        """One campaign's row."""
        cid = self._check_campaign(campaign_id)
        return self._campaign_row(
            self._db.execute(self._CAMPAIGN_SQL + " WHERE c.id = ?", (cid,)).fetchone())

    def description(self, campaign_id: int) -> dict:
        """The campaign description as stored (canonical JSON, parsed)."""
        cid = self._check_campaign(campaign_id)
        text = self._db.execute("SELECT description FROM campaigns WHERE id = ?",
                                (cid,)).fetchone()[0]
        return json.loads(text)

    # ------------------------------------------------------------------ units
    def record_unit(self, campaign_id: int, point: int, unit: int, *, seed: str,
                    counts: Mapping[str, int | list[int]], elapsed_s: float,
                    worker: str = "") -> bool:
        """Record one finished work unit in its own transaction.

        Returns True when inserted, False when ``(campaign_id, point, unit)`` is already
        stored (the duplicate is ignored: a resumed run may redo a unit).
        """
        counts = _check_counts(counts)
        unit = _check_nonneg_int("unit", unit)
        if not isinstance(seed, str):
            raise ConfigError(f"seed={seed!r} is not allowed: seed must be a string")
        if not isinstance(elapsed_s, numbers.Real) or not math.isfinite(elapsed_s) \
                or elapsed_s < 0:
            raise ConfigError(f"elapsed_s={elapsed_s!r} is not allowed: elapsed_s must be a "
                              f"finite number of seconds >= 0")
        if not isinstance(worker, str):
            raise ConfigError(f"worker={worker!r} is not allowed: worker must be a string")
        now = _now()
        with self._write() as conn:
            cid, p = self._check_point(campaign_id, point)
            cur = conn.execute(
                "INSERT INTO units (campaign_id, point, unit, seed, counts, elapsed_s, worker,"
                " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, point, unit) DO NOTHING",
                (cid, p, unit, seed, json.dumps(counts, separators=(",", ":")),
                 float(elapsed_s), worker, now))
            inserted = cur.rowcount == 1
            if inserted:
                conn.execute("UPDATE campaigns SET updated = ? WHERE id = ?", (now, cid))
        return inserted

    def units(self, campaign_id: int, point: int | None = None) -> list[UnitRow]:
        """The finished units of a campaign (or of one point), ordered by (point, unit)."""
        sql = ("SELECT point, unit, seed, counts, elapsed_s, worker, finished_at FROM units"
               " WHERE campaign_id = ?")
        if point is None:
            args: tuple = (self._check_campaign(campaign_id),)
        else:
            args, sql = self._check_point(campaign_id, point), sql + " AND point = ?"
        rows = self._db.execute(sql + " ORDER BY point, unit", args)
        return [UnitRow(int(r[0]), int(r[1]), r[2], json.loads(r[3]), float(r[4]), r[5], r[6])
                for r in rows]

    def unit_indices(self, campaign_id: int, point: int) -> set[int]:
        """Indices of the finished units of one point."""
        cid, p = self._check_point(campaign_id, point)
        rows = self._db.execute("SELECT unit FROM units WHERE campaign_id = ? AND point = ?",
                                (cid, p))
        return {int(r[0]) for r in rows}

    def point_totals(self, campaign_id: int, point: int, *,
                     upto_unit: int | None = None) -> dict[str, int | list[int]]:
        """Element-wise sum of the counts of a point's units (only units <= ``upto_unit``).

        Integer counts are added; list counts are added element-wise, the shorter ones
        padded with zeros. No units: ``{}``.
        """
        cid, p = self._check_point(campaign_id, point)
        sql = "SELECT counts FROM units WHERE campaign_id = ? AND point = ?"
        args: tuple = (cid, p)
        if upto_unit is not None:
            sql += " AND unit <= ?"
            args += (_check_nonneg_int("upto_unit", upto_unit),)
        total: dict = {}
        for (text,) in self._db.execute(sql + " ORDER BY unit", args):
            _add_counts(total, json.loads(text))
        return total

    # ------------------------------------------------------------------ point results
    def set_point_result(self, campaign_id: int, point: int, *, status: str,
                         last_unit: int | None, stats: Mapping[str, float | int | None],
                         reason: str | None = None) -> None:
        """Store (insert or replace) the derived statistics of one point.

        ``status`` is one of ``"running"``, ``"done"``, ``"skipped"``; ``last_unit`` the
        last unit the statistics include; ``stats`` e.g. BLER, its confidence bounds,
        throughput, BER; ``reason`` why the point stopped or was skipped.
        """
        if status not in POINT_STATUSES:
            raise ConfigError(f"status={status!r} is not allowed: status must be one of "
                              f"{', '.join(POINT_STATUSES)}")
        if last_unit is not None:
            last_unit = _check_nonneg_int("last_unit", last_unit)
        if reason is not None and not isinstance(reason, str):
            raise ConfigError(f"reason={reason!r} is not allowed: reason must be a string or "
                              f"None")
        text = json.dumps(_check_stats(stats), separators=(",", ":"))
        now = _now()
        with self._write() as conn:
            cid, p = self._check_point(campaign_id, point)
            conn.execute(
                "INSERT INTO point_results (campaign_id, point, status, last_unit, reason,"
                " stats, updated) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (campaign_id, point) DO UPDATE SET status = excluded.status,"
                " last_unit = excluded.last_unit, reason = excluded.reason,"
                " stats = excluded.stats, updated = excluded.updated",
                (cid, p, status, last_unit, reason, text, now))
            conn.execute("UPDATE campaigns SET updated = ? WHERE id = ?", (now, cid))

    def point_results(self, campaign_id: int) -> list[PointRow]:
        """Every point of a campaign with its statistics (``"pending"`` when none stored)."""
        cid = self._check_campaign(campaign_id)
        rows = self._db.execute(
            "SELECT p.point, p.params, r.status, r.last_unit, r.reason, r.stats,"
            " (SELECT count(*) FROM units u WHERE u.campaign_id = p.campaign_id"
            "  AND u.point = p.point), r.updated"
            " FROM points p LEFT JOIN point_results r"
            " ON r.campaign_id = p.campaign_id AND r.point = p.point"
            " WHERE p.campaign_id = ? ORDER BY p.point", (cid,))
        return [PointRow(int(r[0]), json.loads(r[1]), r[2] or "pending",
                         None if r[3] is None else int(r[3]), r[4],
                         json.loads(r[5]) if r[5] else {}, int(r[6]), r[7]) for r in rows]

    # ------------------------------------------------------------------ export
    def table(self, campaign_id: int | None = None) -> tuple[list[str], list[dict]]:
        """The export table: :func:`nrlink.sim.export.results_table`."""
        from nrlink.sim.export import results_table

        return results_table(self, campaign_id)

    def export_csv(self, path: str | os.PathLike, campaign_id: int | None = None) -> int:
        """Write :meth:`table` to a CSV file: :func:`nrlink.sim.export.export_csv`."""
        from nrlink.sim.export import export_csv

        return export_csv(self, path, campaign_id)

    def export_parquet(self, path: str | os.PathLike, campaign_id: int | None = None) -> int:
        """Write :meth:`table` to a Parquet file: :func:`nrlink.sim.export.export_parquet`."""
        from nrlink.sim.export import export_parquet

        return export_parquet(self, path, campaign_id)

    def unit_count_rows(self, campaign_id: int) -> Iterator[tuple[int, dict]]:
        """``(point, counts)`` of every stored unit of a campaign, in (point, unit) order."""
        cid = self._check_campaign(campaign_id)
        for p, text in self._db.execute(
                "SELECT point, counts FROM units WHERE campaign_id = ? ORDER BY point, unit",
                (cid,)):
            yield int(p), json.loads(text)
