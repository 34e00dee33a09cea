"""A self-contained HTML report of a TS 38.104 PUSCH conformance run.

Implements the reporting of TS 38.104 §8.2 (the requirement tables as measured by
:mod:`nrlink.sim.conformance`).

:func:`write_report` writes **one** HTML file that opens offline: inline CSS, no script, no
external resource; every figure is a PNG embedded as a ``data:`` URI. It holds a header
(date, nrlink code version, receiver, machine and whatever else the caller adds), a summary
(cases passed / failed / inconclusive), a table with one row per case and one section per
case with its throughput-vs-SNR figure (:func:`plot_case`) and its measured points. Every
piece of text is escaped with :func:`html.escape`.

Matplotlib is used object-oriented only (a :class:`~matplotlib.figure.Figure` on an Agg
canvas): no pyplot state, no global backend switch.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import math
import os
import platform
from pathlib import Path

from nrlink.errors import ConfigError
from nrlink.sim.conformance import CaseResult, margin_text, summary_rows, throughput_text

__all__ = ["VERDICTS", "plot_case", "render_report", "write_report"]

#: The verdicts of :func:`nrlink.sim.conformance.verdict`, in report order, and their colour.
VERDICTS: dict[str, str] = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}
_OTHER = "#57606a"

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.meta th { width: 12em; }
.verdict { font-weight: bold; text-transform: uppercase; white-space: nowrap; }
.pass { color: #1a7f37; } .fail { color: #cf222e; } .inconclusive { color: #9a6700; }
td.verdict.pass { background: #dafbe1; } td.verdict.fail { background: #ffebe9; }
td.verdict.inconclusive { background: #fff8c5; }
.summary { font-size: 1.15em; margin: 0.6em 0 1em; }
.summary span { margin-right: 1.2em; }
.note { color: #57606a; font-size: 0.9em; }
img.plot { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _finite(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _check_results(results) -> list[CaseResult]:
    if isinstance(results, CaseResult):
        results = [results]
    try:
        out = list(results)
    except TypeError:
        raise ConfigError(f"results={results!r} is not allowed: expected a list of "
                          "CaseResult (nrlink.sim.conformance.run_case)") from None
    for i, r in enumerate(out):
        if not isinstance(r, CaseResult):
            raise ConfigError(f"results[{i}]={r!r} is not allowed: expected a CaseResult "
                              "(nrlink.sim.conformance.run_case)")
    return out


# --------------------------------------------------------------------------- figure
def plot_case(result: CaseResult, *, dpi: int = 100) -> bytes:
    """The throughput-vs-SNR figure of one case, as PNG bytes.

    Implements the figure of a TS 38.104 §8.2 requirement row as measured by
    :func:`nrlink.sim.conformance.run_case`.

    Throughput (% of the FRC's maximum) against SNR (dB) with the 95 % interval of every
    point as an error bar; a horizontal dashed line at the required fraction (70 %), a
    vertical dotted line at the required SNR, the point at the required SNR drawn in its
    verdict's colour, and the interpolated crossing of the required fraction marked with a
    star (or, when the sweep only bounds it, an arrow at the sweep's edge).

    Parameters
    ----------
    result : CaseResult
        The case (points may be empty: the point at the required SNR is then drawn alone).
    dpi : int, default 100
        Resolution of the 6.4 × 4 in figure.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(result, CaseResult):
        raise ConfigError(f"result={result!r} is not allowed: expected a CaseResult")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 20 <= dpi <= 600:
        raise ConfigError(f"dpi={dpi!r} is not allowed: it must be an integer in 20..600")
    req = result.requirement
    target = 100.0 * float(req.fraction)
    pts = sorted(result.points or (result.at_required,), key=lambda p: p.snr_db)

    fig = Figure(figsize=(6.4, 4.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs, ys, below, above = [], [], [], []
    for p in pts:
        x, y = _finite(p.snr_db), _finite(p.throughput)
        if x is None or y is None:
            continue
        lo, hi = _finite(p.lo), _finite(p.hi)
        xs.append(x)
        ys.append(100 * y)
        below.append(0.0 if lo is None else max(0.0, 100 * (y - lo)))
        above.append(0.0 if hi is None else max(0.0, 100 * (hi - y)))
    if xs:
        ax.errorbar(xs, ys, yerr=[below, above], color="C0", marker="o", markersize=4.5,
                    linewidth=1.4, capsize=3, elinewidth=0.9,
                    label="measured (95 % CI)")
    ax.axhline(target, color="0.3", linestyle="--", linewidth=1.0,
               label=f"required {target:g} %")
    s0 = float(req.required_snr_db)
    ax.axvline(s0, color="0.3", linestyle=":", linewidth=1.2,
               label=f"required SNR {s0:g} dB")
    a = result.at_required
    ay, alo, ahi = _finite(a.throughput), _finite(a.lo), _finite(a.hi)
    if ay is not None:
        ax.errorbar([s0], [100 * ay],
                    yerr=[[0.0 if alo is None else max(0.0, 100 * (ay - alo))],
                          [0.0 if ahi is None else max(0.0, 100 * (ahi - ay))]],
                    color=VERDICTS.get(result.verdict, _OTHER), marker="s", markersize=7,
                    linestyle="none", capsize=4, elinewidth=1.6, zorder=5,
                    label=f"at required SNR: {result.verdict}")
    x70 = _finite(result.snr_at_target_db)
    if x70 is not None:
        if result.margin_bound:
            dx = -0.6 if result.margin_bound == "<" else 0.6
            ax.annotate("", xy=(x70 + dx, target), xytext=(x70, target),
                        arrowprops={"arrowstyle": "->", "color": "C3", "lw": 1.6})
            ax.plot([], [], color="C3", label=f"{target:g} % crossing "
                    f"{result.margin_bound} {x70:.2f} dB (not bracketed)")
        else:
            ax.plot([x70], [target], marker="*", markersize=13, color="C3",
                    linestyle="none", zorder=6,
                    label=f"{target:g} % at {x70:.2f} dB (margin {margin_text(result)})")
    all_x = xs + [s0] + ([x70] if x70 is not None else [])
    ax.set_xlim(min(all_x) - 0.5, max(all_x) + 0.5)
    lows = [y - b for y, b in zip(ys, below, strict=True)] + [target]
    ax.set_ylim(max(0.0, min(60.0, 10 * math.floor((min(lows) - 5) / 10))), 102.0)
    ax.set_xlabel("SNR per receive antenna (dB)")
    ax.set_ylabel("throughput (% of maximum)")
    ax.grid(True, alpha=0.4)
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    title = f"{result.case_id}  ·  TS 38.104 {req.table}".replace("$", r"\$")  # no mathtext
    ax.set_title(title, fontsize="medium")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# --------------------------------------------------------------------------- HTML
def _default_meta(results: list[CaseResult]) -> dict[str, str]:
    from nrlink.sim.store import code_version

    receivers = sorted({r.receiver for r in results})
    cpu = os.cpu_count()
    return {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "nrlink": code_version(),
        "receiver": ", ".join(receivers) if receivers else "–",
        "machine": f"{platform.node() or '?'} · {platform.platform()} · "
                   f"{cpu or '?'} CPUs · Python {platform.python_version()}",
    }


def _snr(v, fmt: str = "{:+.2f} dB") -> str:
    f = _finite(v)
    return "–" if f is None else fmt.format(f)


def _verdict_cell(verdict: str) -> str:
    cls = verdict if verdict in VERDICTS else "other"
    return f'<td class="verdict {cls}">{_esc(verdict)}</td>'


def _case_section(i: int, r: CaseResult, anchor: str) -> str:
    q = r.requirement
    png = base64.b64encode(plot_case(r)).decode("ascii")
    facts = [
        ("requirement", f"TS 38.104 table {q.table} ({q.version}): throughput ≥ "
                        f"{q.fraction:.0%} of the maximum at {q.required_snr_db:g} dB"),
        ("FRC", f"{q.frc.name} (Annex {q.frc.annex_table}): {q.frc.n_prb} PRB, "
                f"{q.frc.scs_khz} kHz, {q.frc.modulation} R={q.frc.target_code_rate}, "
                f"{q.frc.layers} layer{'s' if q.frc.layers != 1 else ''}"
                + (", transform precoding" if q.frc.transform_precoding else "")),
        ("channel", f"{q.channel_name}, {q.correlation} correlation, {q.n_tx}×{q.n_rx}"),
        ("receiver", r.receiver),
        ("at required SNR", f"{throughput_text(r.at_required)} over "
                            f"{r.at_required.transmissions} transmissions"),
        ("verdict", r.verdict),
        (f"SNR at {q.fraction:.0%}", (r.margin_bound + " " if r.margin_bound else "")
         + _snr(r.snr_at_target_db, "{:.2f} dB")),
        ("margin", margin_text(r)),
    ]
    facts += [("note", n) for n in r.notes]
    rows = "\n".join(
        f"<tr><th>{_esc(k)}</th>"
        + (_verdict_cell(v) if k == "verdict" else f"<td>{_esc(v)}</td>") + "</tr>"
        for k, v in facts)
    pts = sorted(r.points or (r.at_required,), key=lambda p: p.snr_db)
    prow = "\n".join(
        f'<tr><td class="num">{_esc(_snr(p.snr_db, "{:g}"))}</td>'
        f'<td class="num">{_esc(throughput_text(p))}</td>'
        f'<td class="num">{p.tbs}</td><td class="num">{p.transmissions}</td>'
        f'<td class="num">{_esc(_snr(p.bler, "{:.3g}"))}</td></tr>'
        for p in pts)
    alt = _esc(f"throughput against SNR of {r.case_id}")
    return f"""
<section id="{_esc(anchor)}">
<h2>{i}. {_esc(r.case_id)} <span class="verdict {_esc(r.verdict)}">{_esc(r.verdict)}</span></h2>
<table class="meta">
{rows}
</table>
<img src="data:image/png;base64,{png}" class="plot" alt="{alt}">
<table class="points">
<tr><th>SNR (dB)</th><th>throughput [95 % CI]</th><th>TBs</th><th>transmissions</th>
<th>BLER (1st tx)</th></tr>
{prow}
</table>
</section>"""


def render_report(results, *, title: str = "nrlink — TS 38.104 PUSCH conformance",
                  meta: dict | None = None) -> str:
    """The HTML text of :func:`write_report` (same arguments, no file).

    Implements the report of the TS 38.104 §8.2 requirements (see :func:`write_report`).
    """
    results = _check_results(results)
    if meta is not None and not isinstance(meta, dict):
        raise ConfigError(f"meta={meta!r} is not allowed: expected a dict of text")
    info = _default_meta(results)
    info.update({str(k): v for k, v in (meta or {}).items()})
    rows = summary_rows(results)
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    other = len(results) - sum(counts.values())
    anchors = [f"case-{i + 1}-{row['slug'] or 'case'}" for i, row in enumerate(rows)]

    meta_rows = "\n".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
                          for k, v in info.items() if v is not None)
    summary = " ".join(f'<span class="{v}"><b>{counts[v]}</b> {v}</span>' for v in VERDICTS)
    if other:
        summary += f" <span><b>{other}</b> other</span>"
    body_rows = []
    for r, row, anchor in zip(results, rows, anchors, strict=True):
        x70 = (r.margin_bound + " " if r.margin_bound else "") + _snr(r.snr_at_target_db,
                                                                      "{:.2f} dB")
        body_rows.append(
            "<tr>"
            f'<td><a href="#{_esc(anchor)}">{_esc(r.case_id)}</a></td>'
            f"<td>{_esc(row['table'])}</td>"
            f'<td class="num">{_esc(_snr(row["required_snr_db"], "{:g} dB"))}</td>'
            f'<td class="num">{_esc(throughput_text(r.at_required))}</td>'
            + _verdict_cell(r.verdict)
            + f'<td class="num">{_esc(x70)}</td>'
            f'<td class="num">{_esc(margin_text(r))}</td>'
            f"<td>{_esc(row['notes'])}</td>"
            "</tr>")
    sections = "\n".join(_case_section(i, r, a)
                         for i, (r, a) in enumerate(zip(results, anchors, strict=True), 1))
    fraction = results[0].requirement.fraction if results else 0.7
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{_esc(title)}</h1>
<table class="meta">
{meta_rows}
</table>
</header>
<h2 id="summary">Summary</h2>
<p class="summary">{len(results)} case{'' if len(results) == 1 else 's'}: {summary}</p>
<p class="note">Throughput is the fraction of the FRC's maximum (delivered TB bits over the
bits of every transmission, HARQ with up to 4 transmissions, RV 0, 2, 3, 1), with its 95 %
Wilson interval. Verdict at the required SNR: <span class="pass">pass</span> when the lower
bound is ≥ {fraction:.0%}, <span class="fail">fail</span> when the upper bound is below,
else <span class="inconclusive">inconclusive</span>. Margin: the SNR where the throughput
reaches {fraction:.0%} (linear interpolation of the sweep) minus the required SNR; negative
is better than required; "&lt;" / "&gt;" when the sweep only bounds it.</p>
<table class="cases">
<thead><tr><th>case</th><th>TS 38.104 table</th><th>required SNR</th>
<th>throughput at required SNR [95 % CI]</th><th>verdict</th><th>SNR at {fraction:.0%}</th>
<th>margin</th><th>notes</th></tr></thead>
<tbody>
{chr(10).join(body_rows)}
</tbody>
</table>
{sections}
</body>
</html>
"""


def write_report(results, path: str | os.PathLike, *,
                 title: str = "nrlink — TS 38.104 PUSCH conformance",
                 meta: dict | None = None) -> Path:
    """Write the self-contained HTML report of a conformance run.

    Implements the report of the TS 38.104 §8.2 requirements measured by
    :func:`nrlink.sim.conformance.run_case`.

    Parameters
    ----------
    results : list of CaseResult
        The cases, in report order.
    path : str or os.PathLike
        The HTML file to write (its directory must exist).
    title : str, default "nrlink — TS 38.104 PUSCH conformance"
    meta : dict, optional
        Header lines ``{name: text}``, added to (or replacing) the defaults: ``date``
        (now, UTC), ``nrlink`` (:func:`nrlink.sim.store.code_version`), ``receiver`` (the
        cases' receiver labels) and ``machine`` (host, platform, CPUs, Python). A value of
        None drops the line.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigError
        ``results`` is not a list of CaseResult, or ``meta`` is not a dict.
    OSError
        The file cannot be written.
    """
    text = render_report(results, title=title, meta=meta)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
