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


def _interrupted() -> NoReturn:
    """Ctrl-C: say how to resume, exit with status 130 (the stored units are kept)."""
    from rich.text import Text

    _console(stderr=True).print(
        Text("interrupted: rerun the same command to resume", style="bold yellow"),
        soft_wrap=True)
    raise typer.Exit(EXIT_INTERRUPTED) from None


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
    rates = sorted({k for r in rows for k in r["rates"]})
    link_type = (store.description(cid).get("link") or {}).get("type")
    shared = link_type in ("pusch", "pdsch", "tb")  # control links: rates, no HARQ
    names = ("SNR (dB)", "status", "TBs" if shared else "blocks", "errors", "BLER",
             f"BLER {100 * conf:g} % CI",
             *(("residual BLER", "throughput", "BER") if shared else
               tuple(k[:-5].replace("_", " ") for k in rates)), "reason")
    for name in names:
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
                 _p(r["bler"]), ci,
                 *((_p(r["residual_bler"]), tput, _p(r["ber"])) if shared else
                   (_p(r["rates"].get(k)) for k in rates)), r["reason"] or ""]
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
            from nrlink.sim.plot import default_metrics, plot_campaign

            plot_campaign(store, result.campaign_id, png,
                          metrics=default_metrics(store, result.campaign_id))
            if not quiet:
                console.print(_results_table(store, result.campaign_id))
            console.print(
                f"{len(camp.points)} points, {result.units_run} units run, "
                f"{result.units_reused} reused, {result.wall_s:.1f} s", highlight=False)
            console.print(f"results: {db_path}  (campaign {result.campaign_id}; nrlink show "
                          f"{db_path})", soft_wrap=True, highlight=False)
            console.print(f"plot:    {png}", soft_wrap=True, highlight=False)
    except KeyboardInterrupt:
        _interrupted()
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
    from nrlink.sim.conformance import frc_names

    frcs = frc_names()
    table.add_row(f"{frcs[0]} … ({len(frcs)})",
                  "TS 38.104 fixed reference channels (PUSCH FRCs of the conformance suite) "
                  f"over their first requirement's channel: {', '.join(frcs)}")
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
        "--metric", "-m",
        show_default="bler and throughput; control links: bler and their rates",
        help="A subplot per metric: bler, residual_bler, ber, throughput, or a control "
             "link's rate (ack_miss_rate, nack_to_ack_rate, false_alarm_rate, "
             "dtx_to_ack_rate, sr_miss_rate, cell_id_miss_rate, undetected_rate, "
             "wrong_dci_rate) (repeatable).")]
        = None,
) -> None:
    """``nrlink plot``: write a campaign's figure."""
    from nrlink.errors import ConfigError
    from nrlink.sim.plot import default_metrics, plot_campaign

    console = _console()
    out = output if output is not None else Path(db).with_suffix(".png")
    with _user_errors(), _open_store(db, readonly=True) as store:
        ids = _campaign_ids(store, campaign)
        if len(ids) > 1:
            console.print(f"note: {db} holds campaigns {', '.join(map(str, ids))}; plotting "
                          f"the latest, {ids[-1]} (choose with --campaign)", highlight=False,
                          soft_wrap=True)
        try:
            plot_campaign(store, ids[-1], out,
                          metrics=tuple(metric or default_metrics(store, ids[-1])))
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


# the conformance command lives in its own module; importing it registers it on ``app``
from nrlink.cli import conformance as _conformance  # noqa: E402, F401


def main() -> None:
    """The ``nrlink`` console script."""
    app(prog_name="nrlink")


if __name__ == "__main__":  # pragma: no cover
    main()
