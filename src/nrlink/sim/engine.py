"""The campaign engine: work units on an executor, stopping rules, the results database.

Every point (configuration × SNR) is simulated in **work units** of ``batch_size`` links ×
``slots_per_unit`` slots. Unit ``u`` of point ``p`` draws everything from
``SeedSequence(seed, spawn_key=(p, u))`` (:meth:`Campaign.point_rng`), so its counts do not
depend on which worker runs it or when. A point's result is the sum over its units
``0..u*``, where ``u*`` is the first unit at which the cumulative counts satisfy the
stopping rule (:func:`first_stopping_unit`); units dispatched beyond ``u*`` (to keep the
workers busy) are stored but not counted. Points of one configuration run in SNR order, and
once one ends below the rule's BLER floor the later ones are skipped. Hence the per-point
counts are identical for any number of workers, any executor and any interruption:
every finished unit is committed to the :class:`ResultsStore` as it arrives, and a rerun
of the same campaign picks up the stored units and dispatches only the missing ones.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field

import numpy as np

from nrlink.errors import ConfigError
from nrlink.sim.campaign import Campaign
from nrlink.sim.stopping import binomial_interval, clustered_interval, units_needed_estimate
from nrlink.sim.store import ResultsStore, _add_counts, canonical_json, code_version

__all__ = ["CampaignRun", "PointState", "UnitTask", "campaign_key", "point_statistics",
           "run_campaign", "run_unit", "unit_counts"]

COUNTER_NAMES = (
    "slots", "transmissions", "link_slots", "tbs_started", "tbs_delivered", "tbs_failed",
    "tbs_undetected",
    "first_transmissions", "first_transmission_errors", "transmissions_completed",
    "bits_delivered", "bits_max", "first_transmission_bits", "first_transmission_bit_errors",
    "bits_completed", "residual_bit_errors",
)


def unit_counts(result) -> dict:
    """The integer counts of one work unit.

    A :class:`~nrlink.link.links.LinkResult` (shared channels, HARQ) gives the HARQ
    counters; a result with a ``counts()`` method (the control-channel links of
    :mod:`nrlink.link.control`) gives its own dict of integer counters, in which
    ``first_transmissions`` / ``first_transmission_errors`` are the blocks sent and the
    blocks lost (MIB, DCI, UCI) and each ``<name>_events`` / ``<name>_trials`` pair is an
    extra event rate (false alarm, NACK→ACK, ...).
    """
    if callable(getattr(result, "counts", None)):
        out = {k: int(v) for k, v in result.counts().items()}
        return out
    s = result.statistics
    out: dict = {k: int(getattr(s, k)) for k in COUNTER_NAMES}
    out["delivered_at"] = [int(v) for v in s.delivered_at]
    # iterations per TB, summed in units of 1/1000 so that counts stay integers
    t = result.per_tb
    out["iterations_milli"] = int(round(1000 * float(t.iterations[t.active].sum())))
    out["decodings"] = int(np.count_nonzero(t.active))
    return out


@dataclass(frozen=True, slots=True)
class UnitTask:
    """What a worker needs to run one unit (picklable; the campaign travels as plain data)."""

    document: dict
    key: str
    point: int
    unit: int
    config_index: int
    snr_db: float


@dataclass(frozen=True, slots=True)
class UnitResult:
    point: int
    unit: int
    counts: dict
    elapsed_s: float
    worker: str


_CAMPAIGNS: dict[str, Campaign] = {}


def run_unit(task: UnitTask) -> UnitResult:
    """Run one work unit (in a worker process): the campaign and its links are built once
    per process and reused, so Numba kernels and tables are set up once, not per unit."""
    t0 = time.perf_counter()
    camp = _CAMPAIGNS.get(task.key)
    if camp is None:
        camp = _CAMPAIGNS[task.key] = Campaign(task.document)
    link = camp.link(task.config_index)
    r = link.run(task.snr_db, camp.run.slots_per_unit, batch_size=camp.run.batch_size,
                 rng=camp.point_rng(task.point, task.unit))
    return UnitResult(task.point, task.unit, unit_counts(r), time.perf_counter() - t0,
                      f"{socket.gethostname()}:{os.getpid()}")


def _sum_counts(rows: list[dict]) -> dict:
    """A new dict of the element-wise sum of unit counts (the store's rule, lists padded)."""
    out: dict = {}
    for c in rows:
        _add_counts(out, c)
    return out


def point_statistics(counts: dict, *, confidence: float = 0.95,
                     method: str = "wilson", units: list[dict] | None = None) -> dict:
    """BLER, residual BLER, throughput and BER with their confidence intervals.

    The BLER over first transmissions, the residual BLER over completed TBs, the BER over
    first-transmission bits, and the throughput over transmissions (each transmission
    delivers its TB or not; exact for a single TBS). Intervals are binomial (``method``,
    ``confidence``) on the totals; given the per-unit ``units`` counts they are widened to
    the between-unit interval (:func:`~nrlink.sim.stopping.clustered_interval`), which
    stays honest when the slots of a unit share a slowly fading channel.
    """
    def ratio(k, n):
        return k / n if n else None

    def ci(k, n, k_key=None, n_key=None):
        if not n:
            return None, None
        if units and k_key is not None:
            return clustered_interval([u.get(k_key, 0) for u in units],
                                      [sum(u.get(x, 0) for x in n_key) for u in units],
                                      confidence=confidence, method=method)
        lo, hi = binomial_interval(k, n, confidence=confidence, method=method)
        return float(lo), float(hi)

    e, n = counts.get("first_transmission_errors", 0), counts.get("first_transmissions", 0)
    f, c = counts.get("tbs_failed", 0), counts.get("tbs_delivered", 0) + counts.get(
        "tbs_failed", 0)
    be, bn = counts.get("first_transmission_bit_errors", 0), counts.get(
        "first_transmission_bits", 0)
    d, t = counts.get("tbs_delivered", 0), counts.get("transmissions", 0)
    out = {"tbs": n, "errors": e, "bler": ratio(e, n), "residual_bler": ratio(f, c),
           "ber": ratio(be, bn),
           "throughput": ratio(counts.get("bits_delivered", 0), counts.get("bits_max", 0)),
           "bits_per_slot": ratio(counts.get("bits_delivered", 0),
                                  counts.get("link_slots", t)),
           "mean_iterations": ratio(counts.get("iterations_milli", 0) / 1000,
                                    counts.get("decodings", 0))}
    out["bler_lo"], out["bler_hi"] = ci(e, n, "first_transmission_errors",
                                        ("first_transmissions",))
    out["residual_bler_lo"], out["residual_bler_hi"] = ci(f, c, "tbs_failed",
                                                          ("tbs_delivered", "tbs_failed"))
    out["ber_lo"], out["ber_hi"] = ci(be, bn, "first_transmission_bit_errors",
                                      ("first_transmission_bits",))
    lo, hi = ci(d, t, "tbs_delivered", ("transmissions",))
    out["throughput_lo"], out["throughput_hi"] = lo, hi
    for key in sorted(counts):  # extra event rates of the control-channel links
        if key.endswith("_trials") and f"{key[:-7]}_events" in counts:
            name = key[:-7]
            k_ev, n_tr = counts[f"{name}_events"], counts[key]
            out[f"{name}_rate"] = ratio(k_ev, n_tr)
            out[f"{name}_rate_lo"], out[f"{name}_rate_hi"] = ci(k_ev, n_tr, f"{name}_events",
                                                                (key,))
    return out


@dataclass
class PointState:
    """Progress of one point as the engine sees it.

    ``units`` holds the finished units' counts; the contiguous prefix 0..prefix_len−1 is
    summed incrementally (``prefix_totals``) so that each arriving unit costs O(1).
    """

    index: int
    config_index: int
    label: str
    snr_db: float
    status: str = "pending"  # pending, running, done, skipped
    units: dict = field(default_factory=dict)  # unit -> counts
    in_flight: set = field(default_factory=set)
    next_unit: int = 0
    last_unit: int | None = None
    reason: str | None = None
    elapsed_s: float = 0.0
    prefix_len: int = 0
    prefix_totals: dict = field(default_factory=dict)

    def add(self, unit: int, counts: dict) -> list[tuple[int, dict]]:
        """Store a finished unit; return the units newly joined to the prefix with the
        cumulative counts after each."""
        self.units[unit] = counts
        grown = []
        while self.prefix_len in self.units:
            self.prefix_totals = _sum_counts([self.prefix_totals, self.units[self.prefix_len]])
            grown.append((self.prefix_len, self.prefix_totals))
            self.prefix_len += 1
        return grown

    def totals(self) -> dict:
        """Counts of the units that count: 0..last_unit once done, the finished prefix
        while running, nothing for a skipped point."""
        if self.status == "skipped":
            return {}
        return self.prefix_totals

    @property
    def tbs(self) -> int:
        return self.totals().get("first_transmissions", 0)

    @property
    def errors(self) -> int:
        return self.totals().get("first_transmission_errors", 0)


@dataclass
class CampaignRun:
    """What :func:`run_campaign` returns (and passes to ``progress`` after every unit)."""

    campaign: Campaign
    campaign_id: int
    points: list[PointState]
    units_run: int = 0
    units_reused: int = 0
    wall_s: float = 0.0
    busy_s: float = 0.0
    coordinator_s: float = 0.0

    @property
    def finished(self) -> bool:
        return all(p.status in ("done", "skipped") for p in self.points)


def _absorb(camp: Campaign, p: PointState, unit: int, counts: dict) -> None:
    """Add a finished unit to a running point; the point is done at the first prefix unit
    where the cumulative counts satisfy the stopping rule (units beyond it are ignored)."""
    if p.status in ("done", "skipped"):
        return
    rule = camp.stopping
    for u, cum in p.add(unit, counts):
        reason = rule.stop_reason(cum.get("first_transmission_errors", 0),
                                  cum.get("first_transmissions", 0))
        if reason is not None:
            p.status, p.last_unit, p.reason = "done", u, reason
            p.prefix_totals = dict(cum)
            p.prefix_len = u + 1
            return


def _store_point(store: ResultsStore, cid: int, camp: Campaign, p: PointState) -> None:
    units = [p.units[u] for u in range(p.prefix_len)] if p.status == "done" else None
    stats = point_statistics(p.totals(), confidence=camp.stopping.confidence,
                             method=camp.stopping.interval,
                             units=units) if p.status != "skipped" else {}
    store.set_point_result(cid, p.index, status=p.status, last_unit=p.last_unit, stats=stats,
                           reason=p.reason)


def campaign_key(campaign: Campaign) -> str:
    """SHA-256 of the campaign's canonical JSON: its identity in the results store."""
    return hashlib.sha256(canonical_json(campaign.to_dict()).encode()).hexdigest()


def run_campaign(campaign: Campaign, store: ResultsStore, *, executor: Executor | None = None,
                 workers: int | None = None, max_in_flight: int | None = None,
                 progress: Callable[[CampaignRun], None] | None = None) -> CampaignRun:
    """Run (or resume) a campaign to completion; every finished unit is committed.

    Parameters
    ----------
    campaign : Campaign
    store : ResultsStore
        The results database (opened for writing).
    executor : concurrent.futures.Executor, optional
        Where units run (a process pool, a Dask ``client.get_executor()``, ...). None: in
        this process, one unit at a time.
    workers : int, optional
        The executor's worker count (default: its ``_max_workers`` where it has one, else 1).
    max_in_flight : int, optional
        Units submitted and not finished (default: twice the workers; 1 in process).
    progress : callable, optional
        Called with the :class:`CampaignRun` after every finished unit.

    Returns
    -------
    CampaignRun
    """
    if not isinstance(campaign, Campaign):
        raise ConfigError(f"campaign={campaign!r} is not allowed: it must be a Campaign")
    t_start = time.perf_counter()
    doc = campaign.to_dict()
    cid = store.open_campaign(campaign.name, doc, code_version=code_version())
    store.define_points(cid, [pt.params for pt in campaign.points])
    key = campaign_key(campaign)  # workers cache the campaign by it
    points = [PointState(pt.index, pt.config_index, pt.label, pt.snr_db)
              for pt in campaign.points]
    run = CampaignRun(campaign, cid, points)
    stored: set[int] = set()  # points whose final result is in the store (this run)
    for row in sorted(store.units(cid), key=lambda r: (r.point, r.unit)):
        _absorb(campaign, points[row.point], row.unit, row.counts)
        points[row.point].elapsed_s += row.elapsed_s
        run.units_reused += 1
    n_snr = len(campaign.snr_db)
    chains = [points[c * n_snr:(c + 1) * n_snr] for c in range(len(campaign.configurations))]
    rule = campaign.stopping
    tbs_per_unit = campaign.run.slots  # upper bound of first transmissions per unit

    def settle() -> None:
        """Evaluate points in chain order; skip past the floor; store final results."""
        for chain in chains:
            skip = False
            for p in chain:
                if skip:
                    if p.status != "skipped":
                        p.status, p.reason, p.last_unit = "skipped", "below_floor", None
                        _store_point(store, cid, campaign, p)
                    continue
                if p.status == "done" and p.index not in stored:
                    _store_point(store, cid, campaign, p)
                    stored.add(p.index)
                if p.status == "done":
                    t = p.totals()
                    if rule.below_floor(t["first_transmission_errors"],
                                        t["first_transmissions"]):
                        skip = True
                    continue
                break  # later points of the chain wait (or are speculative)

    def wanted() -> list[PointState]:
        """Points that may receive new units: every chain's first open point, then (to keep
        the workers busy while they finish) the next open point of each chain."""
        first, second = [], []
        for chain in chains:
            open_ = [p for p in chain if p.status not in ("done", "skipped")]
            first.extend(open_[:1])
            second.extend(open_[1:2])
        return first + second

    def need(p: PointState) -> int:
        t = p.prefix_totals
        n_units = units_needed_estimate(t.get("first_transmission_errors", 0),
                                        t.get("first_transmissions", 0), tbs_per_unit, rule)
        pending = len(p.in_flight) + len(p.units) - p.prefix_len
        return max(0, n_units - pending)

    workers = workers or getattr(executor, "_max_workers", None) or 1
    limit = max_in_flight or (2 * workers if executor is not None else 1)
    futures: dict[Future, PointState] = {}
    settle()

    def submit(p: PointState) -> None:
        while p.next_unit in p.units or p.next_unit in p.in_flight:
            p.next_unit += 1
        u = p.next_unit
        p.next_unit += 1
        p.in_flight.add(u)
        p.status = "running"
        task = UnitTask(doc, key, p.index, u, p.config_index, p.snr_db)
        if executor is None:
            fut: Future = Future()
            try:
                fut.set_result(run_unit(task))
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                fut.set_exception(e)
        else:
            fut = executor.submit(run_unit, task)
        futures[fut] = p

    def collect(done) -> None:
        for fut in done:
            p = futures.pop(fut)
            res = fut.result()
            p.in_flight.discard(res.unit)
            store.record_unit(cid, res.point, res.unit, seed=campaign.unit_seed(
                res.point, res.unit), counts=res.counts, elapsed_s=res.elapsed_s,
                worker=res.worker)
            _absorb(campaign, p, res.unit, res.counts)
            p.elapsed_s += res.elapsed_s
            run.busy_s += res.elapsed_s
            run.units_run += 1

    finished = False
    try:
        while not run.finished:
            t0 = time.perf_counter()
            # fill the pipeline: round robin over the wanted points, in their order
            cands = wanted()
            while len(futures) < limit:
                open_ = [p for p in cands if need(p) > 0]
                if not open_:
                    break
                for p in open_:
                    if len(futures) >= limit:
                        break
                    submit(p)
            if not futures:  # every wanted point has its estimate in hand: one more unit
                submit(cands[0])
            run.coordinator_s += time.perf_counter() - t0
            done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            t0 = time.perf_counter()
            collect(done)
            settle()
            run.coordinator_s += time.perf_counter() - t0
            run.wall_s = time.perf_counter() - t_start
            if progress is not None:
                progress(run)
        # units still running (dispatched ahead, not needed): let them finish and store
        # them rather than tear them down mid-flight (at most max_in_flight units)
        collect(wait(list(futures)).done)
        finished = True
    finally:
        if not finished:  # an error or an interruption: drop what has not started
            for fut in futures:
                fut.cancel()
    run.wall_s = time.perf_counter() - t_start
    return run
