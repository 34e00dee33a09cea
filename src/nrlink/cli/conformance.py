"""``nrlink conformance``: the TS 38.104 PUSCH requirements, run and reported.

Registered on the :data:`nrlink.cli.main.app` typer application (imported by it).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Annotated

import typer

from nrlink.cli.main import (
    _console,
    _executor_context,
    _fail,
    _hms,
    _interrupted,
    _open_store,
    _plural,
    _user_errors,
    app,
)

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
    from nrlink.sim.conformance import DEFAULT_RECEIVER

    try:  # what the cases run: the suite's default receiver, overridden key by key
        cfg = ReceiverConfig.from_dict({**DEFAULT_RECEIVER, **given}, path="--receiver ")
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
        "--receiver", "-r", metavar="KEY=VALUE",
        show_default="LMMSE (Wiener) estimation, LMMSE detection",
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
        _interrupted()
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


