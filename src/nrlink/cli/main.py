"""The ``nrlink`` command line: run simulation campaigns, list presets, show, plot and
export results, and run the TS 38.104 PUSCH conformance suite.

A thin layer over :mod:`nrlink.sim` (campaigns, engine, results store, figures): every
command imports what it needs when it runs, so ``nrlink --help`` stays fast. Errors in
what the user gave (a campaign that does not validate, a missing database, ...) print one
red line and exit with status 2; an interrupted run exits with status 130 and resumes
when the same command is run again.
"""

from __future__ import annotations

import collections
import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = ["app", "main"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="nrlink",
    help="nrlink: an open, spec-exact and fast 5G NR physical-layer link simulator.\n\n"
         "Run BLER / throughput campaigns (a TOML file or a built-in preset), resume them "
         "after an interruption, and show, plot or export their results database.",
    epilog="Example: nrlink run quick --workers 2 && nrlink show quick.db",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# --------------------------------------------------------------------------- helpers
def _console(stderr: bool = False):
    """A rich console on the current stdout / stderr; 160 columns when not a terminal."""
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=160)
    return console


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` as one red line on stderr and exit with ``code``."""
    from rich.text import Text

    line = " ".join(str(message).split())
    _console(stderr=True).print(Text(f"error: {line}", style="bold red"), soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def _user_errors():
    """Turn the errors of what the user gave into one red line and exit status 2."""
    from nrlink.errors import ConfigError

    try:
        yield
    except ConfigError as e:  # CampaignError is a ConfigError
        _fail(str(e))


def _open_store(db: Path, *, readonly: bool):
    from nrlink.sim.store import ResultsStore

    return ResultsStore(db, readonly=readonly)


def _campaign_ids(store, campaign: int | None) -> list[int]:
    if campaign is not None:
        return [store.campaign(campaign).id]  # ConfigError when missing
    ids = [c.id for c in store.campaigns()]
    if not ids:
        _fail(f"{store.path} holds no campaign")
    return ids


def _db_name(name: str) -> str:
    """The default database file of a campaign: its name made file-name safe, ``.db``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "campaign"
    return f"{stem}.db"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _p(v: float | None) -> str:
    """A probability for a table: 3 significant digits, scientific below 1e-3."""
    if v is None:
        return "–"
    if v == 0:
        return "0"
    return f"{v:.3g}" if v >= 1e-3 else f"{v:.2e}"


def _results_table(store, cid: int):
    """The rich table of a campaign's points (``nrlink show``, end of ``nrlink run``)."""
    from rich.table import Table

    from nrlink.sim.plot import campaign_table_rows

    info = store.campaign(cid)
    rows = campaign_table_rows(store, cid)
    stopping = store.description(cid).get("stopping") or {}
    conf = float(stopping.get("confidence", 0.95))
    multi = len({r["config"] for r in rows}) > 1
    table = Table(title=f"campaign {cid}: {info.name}", title_justify="left",
                  caption=f"{info.n_points} points, {info.n_units} units · code "
                          f"{info.code_version}", caption_justify="left")
    if multi:
        table.add_column("configuration")
    for name in ("SNR (dB)", "status", "TBs", "errors", "BLER",
                 f"BLER {100 * conf:g} % CI", "residual BLER", "throughput", "BER",
                 "reason"):
        table.add_column(name, justify="left" if name in ("status", "reason") else "right")
    for r in rows:
        status = r["status"] + (" (partial)" if r["partial"] else "")
        style = {"skipped": "dim", "pending": "yellow"}.get(r["status"])
        ci = (f"{_p(r['bler_lo'])} – {_p(r['bler_hi'])}"
              if r["bler_lo"] is not None and r["bler_hi"] is not None else "–")
        tput = "–" if r["throughput"] is None else f"{100 * r['throughput']:.1f} %"
        cells = [f"{r['snr_db']:g}" if r["snr_db"] is not None else "–", status,
                 "–" if r["tbs"] is None else str(r["tbs"]),
                 "–" if r["errors"] is None else str(r["errors"]),
                 _p(r["bler"]), ci, _p(r["residual_bler"]), tput, _p(r["ber"]),
                 r["reason"] or ""]
        table.add_row(*([r["label"]] if multi else []), *cells, style=style)
    return table


# --------------------------------------------------------------------------- progress
@dataclass
class _Row:
    label: str
    snr_db: float | None
    status: str
    tbs: int
    errors: int
    units: int
    in_flight: int
    settled: int
    points: int


@dataclass
class _Snapshot:
    rows: list[_Row]
    total: int
    done: int
    skipped: int
    units_run: int
    units_reused: int
    fraction: float
    t: float


def _point_fraction(p, rule) -> float:
    """How far an open point is towards its stopping rule (0..0.95; an estimate)."""
    tbs, errors = p.tbs, p.errors
    f = tbs / rule.max_tbs
    if rule.target_errors is not None and tbs >= rule.min_tbs:
        f = max(f, errors / rule.target_errors)
    return min(f, 0.95)


def _snapshot(run) -> _Snapshot:
    """Plain data of a :class:`~nrlink.sim.engine.CampaignRun` for the live display."""
    rule = run.campaign.stopping
    by_config: dict[int, list] = {}
    for p in run.points:
        by_config.setdefault(p.config_index, []).append(p)
    rows, credit = [], 0.0
    for chain in by_config.values():
        settled = [p for p in chain if p.status in ("done", "skipped")]
        credit += len(settled)
        current = next((p for p in chain if p.status not in ("done", "skipped")), None)
        if current is None:
            last = next((p for p in reversed(chain) if p.status == "done"), chain[-1])
            rows.append(_Row(chain[0].label, None, "finished", last.tbs, last.errors, 0, 0,
                             len(settled), len(chain)))
            continue
        credit += _point_fraction(current, rule)
        rows.append(_Row(current.label, current.snr_db, current.status, current.tbs,
                         current.errors, len(current.units), len(current.in_flight),
                         len(settled), len(chain)))
    n = len(run.points)
    return _Snapshot(rows, n, sum(p.status == "done" for p in run.points),
                     sum(p.status == "skipped" for p in run.points), run.units_run,
                     run.units_reused, credit / n if n else 1.0, time.perf_counter())


def _hms(s: float) -> str:
    s = int(round(max(s, 0.0)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


@dataclass
class _Dashboard:
    """The live display of ``nrlink run``: one row per configuration, then an overall bar.

    The ETA is an estimate: the fraction of the campaign settled (done or skipped points,
    plus each running point's progress towards its stopping rule: errors / target_errors
    or TBs / max_tbs, whichever is further), extrapolated at the rate it grew over the
    last ``window_s`` seconds (since the first finished unit of this run, at the start).
    Points skipped past the BLER floor make the campaign end sooner than it says; slow
    high-SNR points, later.
    """

    name: str
    total: int
    t0: float = field(default_factory=time.perf_counter)
    snap: _Snapshot | None = None
    history: collections.deque = field(default_factory=collections.deque)
    window_s: float = 60.0
    max_rows: int = 24
    lock: threading.Lock = field(default_factory=threading.Lock)

    def update(self, run) -> None:
        snap = _snapshot(run)
        with self.lock:
            self.snap = snap
            self.history.append((snap.t, snap.fraction))
            while len(self.history) > 2 and self.history[1][0] < snap.t - self.window_s:
                self.history.popleft()  # keep one sample at or before the window's start

    def eta(self, now: float) -> float | None:
        """Seconds left (an estimate), or None before the fraction has grown."""
        with self.lock:
            if not self.history:
                return None
            (t_old, f_old), (t, f) = self.history[0], self.history[-1]
        if f <= f_old or t <= t_old:
            return None
        rate = (f - f_old) / (t - t_old)
        return max(0.0, (1.0 - f) / rate - (now - t))

    def __rich__(self):
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        now = time.perf_counter()
        with self.lock:
            snap = self.snap
        table = Table(title=f"{self.name}", title_justify="left", expand=False)
        for col in ("configuration", "SNR (dB)", "status", "TBs", "errors", "BLER",
                    "units", "points"):
            table.add_column(col, justify="left" if col in ("configuration", "status")
                             else "right")
        if snap is None:
            table.add_row("starting…", "", "", "", "", "", "", f"0/{self.total}")
            fraction, done, skipped, units = 0.0, 0, 0, "0 units"
        else:
            rows = sorted(snap.rows, key=lambda r: r.status == "finished")
            for r in rows[: self.max_rows]:
                bler = _p(r.errors / r.tbs) if r.tbs else "–"
                units = f"{r.units}" + (f" (+{r.in_flight})" if r.in_flight else "")
                table.add_row(r.label, "–" if r.snr_db is None else f"{r.snr_db:g}",
                              r.status, str(r.tbs), str(r.errors), bler,
                              units if r.status != "finished" else "",
                              f"{r.settled}/{r.points}",
                              style="dim" if r.status == "finished" else None)
            if len(rows) > self.max_rows:
                table.add_row(f"… {len(rows) - self.max_rows} more", *[""] * 7)
            fraction, done, skipped = snap.fraction, snap.done, snap.skipped
            units = f"{snap.units_run} units run, {snap.units_reused} reused"
        eta = self.eta(now)
        bar = Table.grid(padding=(0, 1))
        bar.add_row(ProgressBar(total=1.0, completed=fraction, width=40),
                    Text(f"{100 * fraction:5.1f} %  {done + skipped}/{self.total} points "
                         f"settled ({skipped} skipped)"))
        line = Text.assemble(
            f"{units} · elapsed {_hms(now - self.t0)} · ",
            ("ETA " + (f"~{_hms(eta)} (estimate)" if eta is not None else "estimating…"),
             "bold"))
        return Group(table, bar, line)


class _LineReporter:
    """Progress for a non-terminal (a log file): one line per point that settles."""

    def __init__(self, console, total: int):
        self.console, self.total, self.seen = console, total, set()

    def update(self, run) -> None:
        from rich.text import Text

        for p in run.points:
            if p.status in ("done", "skipped") and p.index not in self.seen:
                self.seen.add(p.index)
                what = (f"BLER {_p(p.errors / p.tbs) if p.tbs else '–'} "
                        f"({p.errors}/{p.tbs}), {p.reason}" if p.status == "done"
                        else f"skipped ({p.reason})")
                self.console.print(Text(
                    f"[{len(self.seen)}/{self.total}] {p.label} SNR {p.snr_db:g} dB: {what}"),
                    soft_wrap=True, highlight=False)


def _executor_context(workers: int | None, dask: str | None):
    """``make_executor(workers, dask)`` of :mod:`nrlink.sim.executors` (imported here)."""
    from nrlink.sim.executors import make_executor

    return make_executor(workers=workers, dask=dask)


# --------------------------------------------------------------------------- commands
@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          is_eager=True)] = False,
) -> None:
    if version:
        from nrlink import __version__

        typer.echo(f"nrlink {__version__}")
        raise typer.Exit()


@app.command(
    help="Run (or resume) a simulation campaign; every finished work unit is stored in a "
         "database.\n\n"
         "Shows live progress per configuration and an overall bar with an ETA. The ETA is "
         "an estimate: the fraction of points settled (a running point counts by its "
         "progress towards the stopping rule), extrapolated at the rate seen so far. At "
         "the end, prints the results table and writes a plot beside the database "
         "(<db stem>.png).\n\n"
         "Ctrl-C stops cleanly: every finished unit is kept, and the same command resumes "
         "the campaign (exit status 130). An invalid campaign exits with status 2.",
    epilog="Example: nrlink run quick --workers 2   ·   nrlink run my.toml --dask local "
           "--db results/my.db   ·   nrlink run my.toml --dask tcp://10.0.0.5:8786",
)
def run(
    campaign: Annotated[str, typer.Argument(
        help="A campaign TOML file, or the name of a built-in preset (nrlink presets).",
        metavar="CAMPAIGN", show_default=False)],
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, show_default="one per CPU core",
        help="Worker processes on this machine (1: in this process, no pool).")] = None,
    dask: Annotated[str | None, typer.Option(
        "--dask", metavar="ADDR",
        help="Run on Dask: 'local' starts a local cluster, else a scheduler address.")] = None,
    db: Annotated[Path | None, typer.Option(
        "--db", show_default="<campaign name>.db",
        help="Results database (created if missing; a rerun resumes from it).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress display and no results table.")] = False,
) -> None:
    """``nrlink run``: run or resume a campaign, then print its table and write its plot."""
    console = _console()
    store = None
    try:
        with _user_errors():
            from nrlink.sim.campaign import load_campaign

            camp = load_campaign(campaign)
            db_path = Path(db) if db is not None else Path(_db_name(camp.name))
            if db_path.parent != Path():
                try:
                    db_path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    _fail(f"--db {db_path}: cannot create the directory {db_path.parent} "
                          f"({e.strerror or e})")
            store = _open_store(db_path, readonly=False)
            if result_warning := _version_warning(store, camp):
                console.print(result_warning, style="yellow", soft_wrap=True, highlight=False)
            result = _run(camp, store, console, workers=workers, dask=dask, quiet=quiet)
            png = db_path.with_suffix(".png")
            from nrlink.sim.plot import plot_campaign

            plot_campaign(store, result.campaign_id, png)
            if not quiet:
                console.print(_results_table(store, result.campaign_id))
            console.print(
                f"{len(camp.points)} points, {result.units_run} units run, "
                f"{result.units_reused} reused, {result.wall_s:.1f} s", highlight=False)
            console.print(f"results: {db_path}  (campaign {result.campaign_id}; nrlink show "
                          f"{db_path})", soft_wrap=True, highlight=False)
            console.print(f"plot:    {png}", soft_wrap=True, highlight=False)
    except KeyboardInterrupt:
        from rich.text import Text

        _console(stderr=True).print(
            Text("interrupted: rerun the same command to resume", style="bold yellow"),
            soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if store is not None:
            store.close()


def _version_warning(store, camp) -> str | None:
    """A warning when this campaign's stored units come from another nrlink version."""
    from nrlink.sim.engine import campaign_key
    from nrlink.sim.store import code_version

    for c in store.campaigns():
        if c.name == camp.name and c.hash == campaign_key(camp) and c.n_units:
            if c.code_version != code_version():
                return (f"warning: resuming campaign {c.id}, whose stored units were computed "
                        f"by nrlink {c.code_version}; this is {code_version()} (delete the "
                        "database or rename the campaign to start afresh)")
    return None


def _run(camp, store, console, *, workers, dask, quiet):
    from nrlink.sim.engine import run_campaign

    with contextlib.ExitStack() as stack:
        try:
            executor, n = stack.enter_context(_executor_context(workers, dask))
        except ImportError as e:
            _fail(f"{e} (Dask runs need: pip install 'nrlink[dask]')")
        except OSError as e:  # e.g. no Dask scheduler at that address
            _fail(f"cannot start the executor (--workers {workers}, --dask {dask}): {e}")
        limit = 2 * n if executor is not None else None
        if quiet:
            return run_campaign(camp, store, executor=executor, max_in_flight=limit)
        where = ("in this process" if executor is None else
                 f"{n} workers" + (f" on Dask ({dask})" if dask else ""))
        console.print(f"campaign {camp.name}: {len(camp.points)} points "
                      f"({_plural(len(camp.configurations), 'configuration')} × "
                      f"{_plural(len(camp.snr_db), 'SNR')}), {where}; results in "
                      f"{store.path}", soft_wrap=True, highlight=False)
        if console.is_terminal:
            from rich.live import Live

            board = _Dashboard(camp.name, len(camp.points))
            with Live(board, console=console, refresh_per_second=4, transient=True):
                return run_campaign(camp, store, executor=executor, max_in_flight=limit,
                                    progress=board.update)
        reporter = _LineReporter(console, len(camp.points))
        return run_campaign(camp, store, executor=executor, max_in_flight=limit,
                            progress=reporter.update)


@app.command(help="List the built-in campaign presets (run one with: nrlink run NAME).",
             epilog="Example: nrlink presets   (then: nrlink run quick)")
def presets() -> None:
    """``nrlink presets``: a table of the preset names and descriptions."""
    from rich.table import Table

    from nrlink.sim.presets import preset_names, preset_summary

    table = Table(title="built-in campaigns (nrlink run NAME)", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("description")
    for name in preset_names():
        table.add_row(name, preset_summary(name))
    _console().print(table)


_DB_ARG = typer.Argument(help="A results database written by nrlink run.", metavar="DB",
                         show_default=False)
_CAMPAIGN_OPT = typer.Option("--campaign", "-c", min=0,
                             help="Only this campaign id (nrlink show lists them).")


@app.command(help="Print the per-point results of every campaign in a results database "
                  "(or of one): TBs, errors, BLER and its confidence interval, residual "
                  "BLER, throughput, BER, why each point stopped.",
             epilog="Example: nrlink show quick.db --campaign 1")
def show(
    db: Annotated[Path, _DB_ARG],
    campaign: Annotated[int | None, _CAMPAIGN_OPT] = None,
) -> None:
    """``nrlink show``: the results table of each campaign."""
    console = _console()
    with _user_errors(), _open_store(db, readonly=True) as store:
        for cid in _campaign_ids(store, campaign):
            console.print(_results_table(store, cid))


@app.command(help="Plot BLER (log scale) and throughput against SNR, one curve per "
                  "configuration, with confidence-interval error bars. Without --campaign: "
                  "the database's latest campaign.",
             epilog="Example: nrlink plot quick.db -o quick-bler.png --campaign 1")
def plot(
    db: Annotated[Path, _DB_ARG],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default="<db stem>.png",
        help="Figure file (.png, .pdf, .svg, ...).")] = None,
    campaign: Annotated[int | None, _CAMPAIGN_OPT] = None,
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", show_default="bler and throughput",
        help="A subplot per metric: bler, residual_bler, ber, throughput (repeatable).")]
        = None,
) -> None:
    """``nrlink plot``: write a campaign's figure."""
    from nrlink.errors import ConfigError
    from nrlink.sim.plot import plot_campaign

    console = _console()
    out = output if output is not None else Path(db).with_suffix(".png")
    with _user_errors(), _open_store(db, readonly=True) as store:
        ids = _campaign_ids(store, campaign)
        if len(ids) > 1:
            console.print(f"note: {db} holds campaigns {', '.join(map(str, ids))}; plotting "
                          f"the latest, {ids[-1]} (choose with --campaign)", highlight=False,
                          soft_wrap=True)
        try:
            plot_campaign(store, ids[-1], out, metrics=tuple(metric or ("bler", "throughput")))
        except ConfigError:
            raise
        except (OSError, ValueError) as e:  # unwritable path, unknown image format
            _fail(f"-o {out}: cannot write the figure ({e})")
    console.print(f"plot: {out}", soft_wrap=True, highlight=False)


@app.command(help="Export one row per point (parameters, statistics, count totals) to CSV "
                  "or Parquet, chosen by the suffix of -o (Parquet needs pyarrow).",
             epilog="Example: nrlink export quick.db -o quick.csv   ·   nrlink export "
                    "quick.db -o quick.parquet --campaign 2")
def export(
    db: Annotated[Path, _DB_ARG],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="results.csv or results.parquet (format by suffix; Parquet "
                               "needs pyarrow).", show_default=False)],
    campaign: Annotated[int | None, _CAMPAIGN_OPT] = None,
) -> None:
    """``nrlink export``: the results table to a file."""
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        _fail(f"-o {output}: unknown format {suffix or '(no suffix)'!r}; use .csv or .parquet")
    with _user_errors(), _open_store(db, readonly=True) as store:
        cid = _campaign_ids(store, campaign)[0] if campaign is not None else None
        try:
            n = (store.export_csv(output, cid) if suffix == ".csv"
                 else store.export_parquet(output, cid))
        except ImportError as e:
            _fail(f"{e}; or export to a .csv file")
        except OSError as e:
            _fail(f"-o {output}: cannot write ({e})")
    _console().print(f"exported {n} rows to {output}", soft_wrap=True, highlight=False)


# --------------------------------------------------------------------------- conformance
_VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "inconclusive": "bold yellow"}


def _receiver_value(text: str):
    """A ``--receiver`` value: true/false, none, an int, a float, else the text."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _parse_receiver(items: list[str] | None):
    """``--receiver KEY=VALUE ...`` as a dict, validated by ``ReceiverConfig``; returns
    (the given keys, the full configuration)."""
    from nrlink.errors import ConfigError
    from nrlink.rx.receiver import ReceiverConfig

    given: dict = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            _fail(f"--receiver {item!r} is not allowed: expected KEY=VALUE, e.g. "
                  "channel_estimation=perfect or detector=zf")
        if key in given:
            _fail(f"--receiver {key} is given twice")
        given[key] = _receiver_value(value.strip())
    try:
        cfg = ReceiverConfig.from_dict(given, path="--receiver ")
    except (ConfigError, TypeError) as e:
        _fail(str(e))
    return given, cfg


def _cases_table(cases):
    """The rich table of ``nrlink conformance --list``."""
    from rich.table import Table

    table = Table(title="TS 38.104 PUSCH requirements (nrlink conformance)",
                  title_justify="left")
    for col in ("#", "case", "table", "required SNR", "FRC", "correlation"):
        table.add_column(col, justify="right" if col in ("#", "required SNR") else "left",
                         no_wrap=col == "case")
    for i, q in enumerate(cases, 1):
        f = q.frc
        table.add_row(str(i), q.case_id, q.table, f"{q.required_snr_db:g} dB",
                      f"{f.n_prb} PRB {f.scs_khz} kHz {f.modulation} {f.target_code_rate}, "
                      f"{f.layers}L" + (", DFT-s" if f.transform_precoding else ""),
                      q.correlation)
    return table


def _conformance_table(results):
    """The rich table printed at the end of ``nrlink conformance``."""
    from rich.table import Table
    from rich.text import Text

    from nrlink.sim.conformance import margin_text, throughput_text

    table = Table(title="TS 38.104 PUSCH conformance", title_justify="left",
                  caption="throughput (95 % CI) and verdict at the required SNR; margin: the "
                          "SNR at 70 % minus the required SNR", caption_justify="left")
    for col in ("case", "required SNR", "throughput [95 % CI]", "verdict", "SNR at 70 %",
                "margin"):
        table.add_column(col, justify="left" if col in ("case", "verdict") else "right",
                         no_wrap=col == "case")
    for r in results:
        x70 = ("–" if r.snr_at_target_db is None else
               f"{r.margin_bound + ' ' if r.margin_bound else ''}{r.snr_at_target_db:.2f} dB")
        table.add_row(r.case_id, f"{r.requirement.required_snr_db:g} dB",
                      throughput_text(r.at_required),
                      Text(r.verdict, style=_VERDICT_STYLE.get(r.verdict, "")), x70,
                      margin_text(r))
    return table


class _CaseProgress:
    """Progress of ``nrlink conformance``: a status line (terminal) or plain lines.

    ``update`` is the engine's ``progress`` callback (a CampaignRun: one SNR of the current
    case); a failure to display never stops the measurement.
    """

    def __init__(self, console, total: int):
        self.console, self.total = console, total
        self.index, self.case_id, self.status = 0, "", None
        self.printed: set = set()

    def start(self, index: int, case_id: str) -> None:
        self.index, self.case_id = index, case_id
        if self.status is not None:
            from rich.text import Text

            self.status.update(Text(self._line(None, 0, 0, None)))

    def _line(self, snr, tbs, tx, thr) -> str:
        where = "starting…" if snr is None else f"SNR {snr:+.2f} dB"
        rate = "" if thr is None else f", throughput {100 * thr:.1f} %"
        return (f"[{self.index}/{self.total}] {self.case_id} · {where} · {tbs} TBs "
                f"({tx} transmissions){rate}")

    def update(self, run) -> None:
        from rich.text import Text

        with contextlib.suppress(Exception):
            p = run.points[0]
            t = p.totals()
            thr = t["bits_delivered"] / t["bits_max"] if t.get("bits_max") else None
            line = self._line(p.snr_db, p.tbs, t.get("transmissions", 0), thr)
            if self.status is not None:
                self.status.update(Text(line))
            elif run.finished and (self.index, p.snr_db) not in self.printed:
                self.printed.add((self.index, p.snr_db))
                self.console.print(line, soft_wrap=True, highlight=False, markup=False)

    def done(self, r, seconds: float) -> None:
        from rich.text import Text

        from nrlink.sim.conformance import margin_text, throughput_text

        self.console.print(Text.assemble(
            f"[{self.index}/{self.total}] {r.case_id}: {throughput_text(r.at_required)} at "
            f"{r.requirement.required_snr_db:g} dB, ",
            (r.verdict, _VERDICT_STYLE.get(r.verdict, "")),
            f", margin {margin_text(r)} ({len(r.points)} SNRs, {seconds:.0f} s)"),
            soft_wrap=True, highlight=False)


@app.command(
    help="Run the TS 38.104 §8.2 gNB PUSCH performance requirements as test cases and "
         "print a verdict per case.\n\n"
         "Each case (an FRC over a TDL channel, n_tx x n_rx antennas, HARQ with up to 4 "
         "transmissions) is measured at its required SNR and 1 dB apart around it until the "
         "70 % throughput crossing is bracketed; every SNR is a resumable campaign stored "
         "in --db. The table gives the throughput at the required SNR with its 95 % "
         "interval, the verdict (pass: lower bound ≥ 70 %; fail: upper bound < 70 %; else "
         "inconclusive) and the margin (the SNR reaching 70 % minus the required SNR; "
         "negative is better).\n\n"
         "Failing cases still exit with status 0 (a measurement); usage errors exit with 2; "
         "Ctrl-C exits with 130 and the same command resumes.",
    epilog="Example: nrlink conformance --filter 8.2.1.2-1 --workers 2 --report report.html"
           "   ·   nrlink conformance --filter G-FR1-A4 --receiver "
           "channel_estimation=perfect   ·   nrlink conformance --list",
)
def conformance(
    filter_: Annotated[str | None, typer.Option(
        "--filter", "-f", metavar="TEXT", show_default="every case",
        help="Only the cases whose id (e.g. 'G-FR1-A3-8 1x2 TDLB100-400') or TS 38.104 "
             "table (e.g. 8.2.1.2-1) contains TEXT (case-insensitive).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, show_default="one per CPU core",
        help="Worker processes on this machine (1: in this process, no pool).")] = None,
    dask: Annotated[str | None, typer.Option(
        "--dask", metavar="ADDR",
        help="Run on Dask: 'local' starts a local cluster, else a scheduler address.")] = None,
    db: Annotated[Path, typer.Option(
        "--db", help="Results database (created if missing; a rerun resumes from it).")]
        = Path("conformance.db"),
    report: Annotated[Path | None, typer.Option(
        "--report", metavar="HTML",
        help="Write a self-contained HTML report (table and one plot per case).")] = None,
    receiver: Annotated[list[str] | None, typer.Option(
        "--receiver", "-r", metavar="KEY=VALUE", show_default="ls-linear estimation, LMMSE",
        help="A receiver setting (repeatable), e.g. channel_estimation=perfect, detector=zf, "
             "demapper=logmap.")] = None,
    max_tbs: Annotated[int | None, typer.Option(
        "--max-tbs", min=1, show_default="2401: 95 % half-width ≤ 2 points",
        help="Transport blocks (first transmissions) per SNR.")] = None,
    list_: Annotated[bool, typer.Option(
        "--list", help="Print the selected cases and exit.")] = False,
) -> None:
    """``nrlink conformance``: measure the selected TS 38.104 PUSCH requirement rows."""
    console = _console()
    store = None
    try:
        with _user_errors():
            from nrlink.sim.conformance import select_cases

            cases = select_cases(filter_)
            given, rx_cfg = _parse_receiver(receiver)
            if list_:
                console.print(_cases_table(cases))
                console.print(_plural(len(cases), "case"), highlight=False)
                return
            _check_cases(cases, given, max_tbs)
            for opt, path in (("--db", db), ("--report", report)):
                if path is None:
                    continue
                if path.is_dir():
                    _fail(f"{opt} {path} is a directory; give a file name")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    _fail(f"{opt} {path}: cannot create the directory {path.parent} "
                          f"({e.strerror or e})")
            store = _open_store(db, readonly=False)
            if warning := _stale_warning(store, cases, given):
                console.print(warning, style="yellow", soft_wrap=True, highlight=False,
                              markup=False)
            results, wall, where = _run_cases(cases, store, console, workers=workers,
                                              dask=dask, receiver=given, max_tbs=max_tbs)
            console.print(_conformance_table(results))
            for r in results:
                for note in r.notes:
                    console.print(f"note: {r.case_id}: {note}", soft_wrap=True,
                                  highlight=False, markup=False, style="dim")
            n = {v: sum(r.verdict == v for r in results) for v in _VERDICT_STYLE}
            console.print(f"{n['pass']} pass, {n['fail']} fail, {n['inconclusive']} "
                          "inconclusive", highlight=False)
            console.print(f"{_plural(len(results), 'case')} in {_hms(wall)} ({where}); "
                          f"results: {db}", soft_wrap=True, highlight=False)
            if report is not None:
                from nrlink.sim.conformance import tbs_for_half_width
                from nrlink.sim.report import write_report
                from nrlink.sim.store import code_version

                rx_label = ", ".join(f"{k}={v}" for k, v in rx_cfg.to_dict().items())
                meta = {"nrlink": code_version(), "receiver": rx_label,
                        "execution": f"{where}; {_hms(wall)}",
                        "transport blocks per SNR": str(max_tbs) if max_tbs else
                        f"{tbs_for_half_width()} (95 % half-width ≤ 2 points)",
                        "filter": filter_ or "every case", "database": str(db)}
                try:
                    write_report(results, report, meta=meta)
                except OSError as e:
                    _fail(f"--report {report}: cannot write ({e})")
                console.print(f"report: {report}", soft_wrap=True, highlight=False)
    except KeyboardInterrupt:
        from rich.text import Text

        _console(stderr=True).print(
            Text("interrupted: rerun the same command to resume", style="bold yellow"),
            soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if store is not None:
            store.close()


def _check_cases(cases, receiver: dict, max_tbs: int | None) -> None:
    """Build every selected case's campaign once (no simulation), so that a receiver the
    case cannot use (e.g. detector=ml with 64QAM) exits with status 2 before any run."""
    from nrlink.errors import ConfigError
    from nrlink.sim.campaign import Campaign
    from nrlink.sim.conformance import case_document

    for q in cases:
        try:
            Campaign(case_document(q, q.required_snr_db, receiver=receiver, max_tbs=max_tbs))
        except ConfigError as e:
            _fail(f"case {q.case_id}: {e}")


def _stale_warning(store, cases, receiver: dict) -> str | None:
    """A warning when stored units of the selected cases (this receiver) come from another
    nrlink version: they are reused as they are."""
    from nrlink.sim.conformance import case_document
    from nrlink.sim.store import code_version

    now = code_version()
    keys = set()
    for q in cases:
        name = case_document(q, q.required_snr_db, receiver=receiver)["name"]
        keys.add((name.split(" @ ")[0] + " @ ", name[name.rindex(" ["):]))
    old = sorted({c.code_version for c in store.campaigns()
                  if c.n_units and c.code_version != now
                  and any(c.name.startswith(a) and c.name.endswith(b) for a, b in keys)})
    if not old:
        return None
    return (f"warning: {store.path} holds units of these cases computed by nrlink "
            f"{', '.join(old)}; this is {now}; they are reused as they are (delete the "
            "database, or give another --db, to measure afresh)")


def _run_cases(cases, store, console, *, workers, dask, receiver, max_tbs):
    """Run the cases in order on one executor; (results, wall seconds, where it ran)."""
    from nrlink.sim.conformance import run_case

    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        try:
            executor, n = stack.enter_context(_executor_context(workers, dask))
        except ImportError as e:
            _fail(f"{e} (Dask runs need: pip install 'nrlink[dask]')")
        except OSError as e:
            _fail(f"cannot start the executor (--workers {workers}, --dask {dask}): {e}")
        where = ("in this process" if executor is None else
                 f"{n} workers" + (f" on Dask ({dask})" if dask else ""))
        console.print(f"{_plural(len(cases), 'case')}, {where}; results in {store.path}",
                      soft_wrap=True, highlight=False)
        progress = _CaseProgress(console, len(cases))
        if console.is_terminal:
            progress.status = stack.enter_context(console.status("starting…"))
        results = []
        for i, q in enumerate(cases, 1):
            progress.start(i, q.case_id)
            t = time.perf_counter()
            r = run_case(q, store, executor=executor, workers=n, receiver=receiver,
                         max_tbs=max_tbs, progress=progress.update)
            results.append(r)
            progress.done(r, time.perf_counter() - t)
    return results, time.perf_counter() - t0, where


def main() -> None:
    """The ``nrlink`` console script."""
    app(prog_name="nrlink")


if __name__ == "__main__":  # pragma: no cover
    main()
