"""Figures and tables of a campaign's results, read back from the results database.

:func:`plot_campaign` draws BLER (log scale) and throughput (linear, %) against SNR, one
curve per configuration, with the stored confidence intervals as error bars;
:func:`campaign_table_rows` gives the per-point rows that ``nrlink show`` prints.

Matplotlib is used object-oriented only (:class:`~matplotlib.figure.Figure` on an Agg
canvas): no pyplot state, no global backend switch, safe in threads and in a GUI session.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from nrlink.errors import ConfigError
from nrlink.sim.store import ResultsStore

__all__ = ["METRICS", "campaign_table_rows", "default_metrics", "plot_campaign"]

#: Plottable metrics: name -> (axis label, log scale, scale factor of the values).
METRICS: dict[str, tuple[str, bool, float]] = {
    "bler": ("BLER (first transmission)", True, 1.0),
    "residual_bler": ("residual BLER (after HARQ)", True, 1.0),
    "ber": ("BER (first transmission, uncoded)", True, 1.0),
    "throughput": ("throughput (% of maximum)", False, 100.0),
    # control-channel links (nrlink.link.control)
    "ack_miss_rate": ("ACK missed detection probability", True, 1.0),
    "nack_to_ack_rate": ("NACK→ACK probability", True, 1.0),
    "false_alarm_rate": ("false alarm probability (DTX)", True, 1.0),
    "dtx_to_ack_rate": ("false ACK probability (DTX→ACK)", True, 1.0),
    "sr_miss_rate": ("SR missed detection probability", True, 1.0),
    "undetected_rate": ("undetected error probability (CRC passed, wrong)", True, 1.0),
    "cell_id_miss_rate": ("cell-id / SSB-index miss probability", True, 1.0),
    "wrong_dci_rate": ("wrong-DCI / wrong-RNTI detection probability", True, 1.0),
}

_MARKERS = ("o", "s", "^", "D", "P", "X", "*", "h", "<", ">")
_PLOTTED = ("done", "running")  # statuses whose stored statistics are drawn


def _check_metrics(metrics) -> tuple[str, ...]:
    allowed = ", ".join(METRICS)
    if isinstance(metrics, str) or not isinstance(metrics, Sequence) or not metrics:
        raise ConfigError(f"metrics={metrics!r} is not allowed: metrics must be a non-empty "
                          f"sequence of names among {allowed}")
    for m in metrics:
        if m not in METRICS:
            raise ConfigError(f"metrics={tuple(metrics)!r} is not allowed: {m!r} is not one "
                              f"of {allowed}")
    if len(set(metrics)) != len(metrics):
        raise ConfigError(f"metrics={tuple(metrics)!r} is not allowed: a metric is repeated")
    return tuple(metrics)


def default_metrics(store: ResultsStore, campaign_id: int) -> tuple[str, ...]:
    """What ``nrlink run`` / ``nrlink plot`` draw by default: BLER and throughput for the
    shared channels; BLER and the stored event rates (at most three) for the control
    links."""
    link_type = (store.description(campaign_id).get("link") or {}).get("type")
    if link_type in ("pusch", "pdsch", "tb", None):
        return ("bler", "throughput")
    rates = sorted({k for r in store.point_results(campaign_id) for k in r.stats
                    if k in METRICS and k.endswith("_rate")})
    return ("bler", *rates[:3])


def _num(v) -> float | None:
    """A finite float, or None (missing / None / NaN)."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _curves(store: ResultsStore, campaign_id: int) -> dict[int, tuple[str, list]]:
    """The plottable points by configuration: ``{config: (label, [(snr, stats), ...])}``."""
    out: dict[int, tuple[str, list]] = {}
    for row in store.point_results(campaign_id):
        params = row.params
        cfg = params.get("config", 0)
        label = str(params.get("label", f"configuration {cfg}"))
        entry = out.setdefault(cfg, (label, []))
        snr = _num(params.get("snr_db"))
        if row.status in _PLOTTED and row.stats and snr is not None:
            entry[1].append((snr, row.stats))
    for _, pts in out.values():
        pts.sort(key=lambda t: t[0])
    return dict(sorted(out.items(), key=lambda kv: kv[0]))


def _errorbar_extents(v: float, lo, hi, scale: float) -> tuple[float, float]:
    lo, hi = _num(lo), _num(hi)
    below = 0.0 if lo is None else max(0.0, v - lo * scale)
    above = 0.0 if hi is None else max(0.0, hi * scale - v)
    return below, above


def _log_limits(values: list[float], highs: list[float], *,
                probability: bool = False) -> tuple[float, float, float]:
    """(bottom, top, y of the zero markers) of a log axis holding ``values`` > 0.

    ``probability``: a block error rate, whose axis always reaches 1 (top 1.5).
    """
    pos = [v for v in values + highs if v > 0]
    lo = min(pos) if pos else 1e-3
    decade = 10.0 ** math.floor(math.log10(lo) + 1e-12)
    zero_y = decade / 3.0  # half a decade below the lowest value
    top = max(pos) if pos else 1.0
    top = max(top * 1.5, decade * 10.0, 1.5 if probability else 0.0)
    return zero_y / 1.6, top, zero_y


def plot_campaign(store: ResultsStore, campaign_id: int, path: str | os.PathLike, *,
                  metrics: Sequence[str] = ("bler", "throughput")) -> Path:
    """Draw a campaign's curves against SNR and save the figure.

    One subplot per metric, side by side (about 5 × 4.5 in each, 150 dpi; the file
    format follows the suffix of ``path``: ``.png``, ``.pdf``, ``.svg``, ...). X axis:
    SNR (dB); one curve per configuration (its sweep label), with asymmetric
    confidence-interval error bars from the stored ``<metric>_lo`` / ``<metric>_hi``.
    Points that are skipped or pending (no statistics stored) are omitted.

    BLER, residual BLER and BER use a log y axis. A point with a value of 0 (no error
    counted) cannot sit on a log axis: it is **drawn at the bottom of the axis with a
    hollow downward triangle** in its curve's colour, with an error bar up to its
    interval's upper bound (the BLER is below that bound with the stored confidence);
    it is not joined to the curve's line. Throughput (a fraction 0..1) is drawn in %
    on a linear axis.

    Parameters
    ----------
    store : ResultsStore
        The results database (read-only is enough).
    campaign_id : int
        The campaign to draw (:meth:`ResultsStore.campaigns`).
    path : str or os.PathLike
        Where to write the figure.
    metrics : sequence of str, default ("bler", "throughput")
        Among ``"bler"``, ``"residual_bler"``, ``"ber"``, ``"throughput"`` and the control
        links' rates (the ``*_rate`` keys of :data:`METRICS`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigError
        Unknown metrics, or no such campaign in the store.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    metrics = _check_metrics(metrics)
    name = store.campaign(campaign_id).name
    curves = _curves(store, campaign_id)
    path = Path(path)

    fig = Figure(figsize=(5.0 * len(metrics), 4.5), dpi=150, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    colors = [f"C{i}" for i in range(10)]  # the style's colour cycle
    any_points = any(pts for _, pts in curves.values())
    any_zero = False
    for ax, metric in zip(axes, metrics, strict=True):
        ylabel, log, scale = METRICS[metric]
        ax.set_xlabel("SNR (dB)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.5)
        if log:
            ax.set_yscale("log")
            ax.grid(True, which="minor", alpha=0.15)
            vals = [s[metric] for _, pts in curves.values() for _, s in pts
                    if _num(s.get(metric)) is not None]
            highs = [h for _, pts in curves.values() for _, s in pts
                     if (h := _num(s.get(f"{metric}_hi"))) is not None]
            bottom, top, zero_y = _log_limits([float(v) for v in vals], highs,
                                              probability=metric != "ber")
        for i, (_, (label, pts)) in enumerate(curves.items()):
            color, marker = colors[i % len(colors)], _MARKERS[i % len(_MARKERS)]
            xs, ys, err = [], [], ([], [])
            zx, zerr = [], []
            for snr, s in pts:
                v = _num(s.get(metric))
                if v is None:
                    continue
                v *= scale
                if log and v <= 0:
                    hi = _num(s.get(f"{metric}_hi"))
                    zx.append(snr)
                    zerr.append(max(0.0, (hi if hi is not None else zero_y) - zero_y))
                    continue
                below, above = _errorbar_extents(v, s.get(f"{metric}_lo"),
                                                 s.get(f"{metric}_hi"), scale)
                if log and v - below <= 0:  # a lower bound of 0: bar down to the bottom
                    below = v - bottom
                xs.append(snr)
                ys.append(v)
                err[0].append(below)
                err[1].append(above)
            if xs:
                ax.errorbar(xs, ys, yerr=[err[0], err[1]], color=color, marker=marker,
                            markersize=4.5, linewidth=1.4, capsize=2.5, elinewidth=0.9,
                            label=label)
            else:  # keep the configuration in the legend
                ax.plot([], [], color=color, marker=marker, label=label)
            if zx:
                any_zero = True
                ax.errorbar(zx, [zero_y] * len(zx), yerr=[[0.0] * len(zx), zerr],
                            color=color, marker="v", markerfacecolor="none", markersize=6,
                            linestyle="none", capsize=2.5, elinewidth=0.9, alpha=0.8)
        if log:
            ax.set_ylim(bottom, top)
        else:
            ax.set_ylim(-2.0, 102.0)
    handles, labels = axes[0].get_legend_handles_labels()
    if any_zero:
        handles.append(Line2D([], [], color="0.35", marker="v", markerfacecolor="none",
                              linestyle="none"))
        labels.append("0 errors (bar: CI upper bound)")
    if handles:
        axes[0].legend(handles, labels, loc="best", fontsize="small", framealpha=0.8)
    if not any_points:
        for ax in axes:
            ax.text(0.5, 0.5, "no results yet", transform=ax.transAxes, ha="center",
                    va="center", color="0.4")
    fig.suptitle(name)
    fig.savefig(path)
    return path


def _prob(stats: dict, key: str):
    v = stats.get(key)
    return None if v is None else float(v)


def campaign_table_rows(store: ResultsStore, campaign_id: int) -> list[dict]:
    """One dict per point of a campaign, in point order, for tables (``nrlink show``).

    Keys: ``point, config, label, snr_db, status, n_units, tbs, errors, bler, bler_lo,
    bler_hi, residual_bler, throughput, ber, mean_iterations, rates, reason, partial``
    (``rates``: the control links' event rates, name → value). Values
    that do not exist (skipped points, no decoding) are None.

    Points that are done (or skipped) report their stored statistics. A point without
    stored statistics but with finished units (an interrupted run) reports the totals
    of its units so far with ``partial=True``; its status stays as stored
    (``"pending"``).
    """
    rows = []
    results = store.point_results(campaign_id)
    partial_stats = None
    for r in results:
        stats = r.stats
        partial = False
        if not stats and r.status != "skipped" and r.n_units:
            if partial_stats is None:
                partial_stats = _partial_statistics(store, campaign_id)
            stats = partial_stats(r.point)
            partial = True
        rows.append({
            "point": r.point,
            "config": r.params.get("config", 0),
            "label": str(r.params.get("label", "")),
            "snr_db": _num(r.params.get("snr_db")),
            "status": r.status,
            "n_units": r.n_units,
            "tbs": stats.get("tbs"),
            "errors": stats.get("errors"),
            "bler": _prob(stats, "bler"),
            "bler_lo": _prob(stats, "bler_lo"),
            "bler_hi": _prob(stats, "bler_hi"),
            "residual_bler": _prob(stats, "residual_bler"),
            "throughput": _prob(stats, "throughput"),
            "ber": _prob(stats, "ber"),
            "mean_iterations": _prob(stats, "mean_iterations"),
            "rates": {k: float(v) for k, v in stats.items() if k.endswith("_rate")
                      and v is not None},
            "reason": r.reason,
            "partial": partial,
        })
    return rows


def _partial_statistics(store: ResultsStore, campaign_id: int):
    """``point -> statistics`` of all of a point's stored units (the campaign's interval)."""
    from nrlink.sim.engine import point_statistics  # imports the links: only when needed

    stopping = store.description(campaign_id).get("stopping") or {}
    confidence = stopping.get("confidence", 0.95)
    method = stopping.get("interval", "wilson")

    def stats(point: int) -> dict:
        return point_statistics(store.point_totals(campaign_id, point),
                                confidence=confidence, method=method)

    return stats
