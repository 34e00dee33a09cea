"""TS 38.104 §8.2 gNB PUSCH demodulation requirements as runnable test cases.

Every row of the packaged ``ts38104_pusch.json`` (a copy of ``shared/requirements``) is a
**case**: a fixed reference channel (FRC, TS 38.104 Annex A) over a TDL propagation
condition (Annex G) with its Doppler and correlation, ``n_tx`` × ``n_rx`` antennas, HARQ
with up to 4 transmissions and RV 0, 2, 3, 1, and a requirement: the throughput must
reach ``fraction`` (70 %) of the FRC's maximum at ``required_snr_db``.

Each (case, SNR) is a campaign of the engine (:mod:`nrlink.sim.engine`), so a suite is
resumable and stored in the results database. A case measures the required SNR, then
SNRs 1 dB apart around it until the 70 % crossing is bracketed, and reports:

* the throughput at the required SNR with its 95 % Wilson interval (delivered TBs over
  transmissions, the TBS being fixed) and a **verdict**: *pass* when the lower bound is
  ≥ 70 %, *fail* when the upper bound is below, else *inconclusive*;
* the **margin**: the SNR at which the throughput reaches 70 % (linear interpolation
  between the bracketing SNRs) minus the required SNR (negative: better than required).

Statistics: every SNR runs rounds of ``max_tbs`` transport blocks (first transmissions),
2401 by default — the binomial half-width bound of 2 percentage points whatever the
throughput (z = 1.96, p(1 − p) ≤ 1/4, transmissions ≥ TBs). The interval is computed
across the independent work units (:func:`unit_interval`), because the slots of a unit
share a slowly fading channel; rounds are added (up to 4) until its half-width is ≤ 2
points, and a case whose interval at the required SNR stays wider is reported
inconclusive. HARQ retransmissions follow a NACK in the next slot (one process per link;
the link drains its processes at the end of a unit), which changes the slot timing of a
real 16-process HARQ but not the delivered-bits-per-transmission ratio measured here.

Choices where the JSON leaves a condition open (TS 38.104 Annex A / §8.2.1 as understood):

* the FRC's MCS is the row of the 64QAM MCS table (TS 38.214 Table 5.1.3.1-1, or Table
  6.1.4.1-1 with transform precoding) with the FRC's modulation and target code rate;
  the TBS follows from the TS 38.214 §6.1.4.2 procedure with that MCS;
* 14 symbols, mapping type A, DM-RS type 1 single-symbol with one additional position
  (pos1) at dmrs-TypeA-Position 2, 2 CDM groups without data, no PT-RS (the JSON's common
  conditions); the carrier is the allocation (PRB 0..n_prb − 1), cell id 0, RNTI 1;
* 2 layers are sent on 2 antenna ports with codebook precoding TPMI 0 (W = I/√2);
* the channel is the TS 38.104 Annex G TDL test channel with uplink (gNB-side) MIMO
  correlation at the row's level; the SNR is per receive antenna (TS 38.104 §8.1).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from importlib.resources import files

import numpy as np

from nrlink.config.carrier import CarrierConfig
from nrlink.config.pusch import PuschConfig
from nrlink.errors import ConfigError
from nrlink.sim.campaign import Campaign
from nrlink.sim.engine import run_campaign
from nrlink.sim.stopping import clustered_interval
from nrlink.sim.store import ResultsStore
from nrlink.spec.ts38214.mcs import max_mcs_index, mcs_entry

__all__ = ["CasePoint", "CaseResult", "Frc", "Requirement", "case_document", "crossing",
           "frc_campaign_document", "frc_names",
           "load_suite", "margin_text", "run_case", "select_cases", "summary_rows",
           "tbs_for_half_width", "throughput_text", "unit_interval", "verdict"]

_QM = {"pi/2-BPSK": 1, "BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}
CONFIDENCE = 0.95
HALF_WIDTH = 0.02  # the bound on the 95 % interval half-width of the throughput
#: The practical receiver of the suite: DM-RS LMMSE (Wiener) channel estimation and LMMSE
#: detection (with the ReceiverConfig defaults for the rest). ``{"channel_estimation":
#: "ls-linear"}`` or ``"perfect"`` show the estimation loss.
DEFAULT_RECEIVER = {"channel_estimation": "lmmse"}


def tbs_for_half_width(half_width: float = 0.02, confidence: float = CONFIDENCE) -> int:
    """Transport blocks that bound the binomial interval half-width by ``half_width``.

    ``ceil(z² / (4 h²))``: the normal-approximation half-width z·sqrt(p(1 − p)/n) is
    largest at p = 1/2.
    """
    z = float(_z(confidence))
    return math.ceil(z * z / (4 * half_width * half_width))


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


@dataclass(frozen=True, slots=True)
class Frc:
    """A fixed reference channel of TS 38.104 Annex A (as the JSON lists it)."""

    name: str
    scs_khz: int
    n_prb: int
    modulation: str
    target_code_rate: str
    layers: int
    transform_precoding: bool
    annex_table: str

    @property
    def mcs_table(self) -> str:
        return "tp-qam64" if self.transform_precoding else "qam64"

    @property
    def mcs_index(self) -> int:
        """The MCS of the FRC's modulation and target code rate (see the module notes)."""
        qm = _QM.get(self.modulation)
        rate = Fraction(self.target_code_rate)
        for i in range(max_mcs_index(self.mcs_table) + 1):
            e = mcs_entry(i, self.mcs_table)
            if e.qm == qm and abs(e.r - float(rate)) < 1e-9:
                return i
        raise ConfigError(
            f"FRC {self.name}: modulation={self.modulation!r}, target_code_rate="
            f"{self.target_code_rate} is in no row of MCS table {self.mcs_table!r} "
            "(TS 38.214 Tables 5.1.3.1-1 / 6.1.4.1-1)"
        )

    def config(self) -> PuschConfig:
        """The FRC's PUSCH configuration (TS 38.104 Annex A, choices in the module notes)."""
        return PuschConfig(
            carrier=CarrierConfig(scs_khz=self.scs_khz, n_size_grid=self.n_prb),
            mcs_table=self.mcs_table, mcs_index=self.mcs_index, num_layers=self.layers,
            num_antenna_ports=self.layers, precoding="codebook", tpmi=0,
            transform_precoding=self.transform_precoding)


@dataclass(frozen=True, slots=True)
class Requirement:
    """One row of the requirement tables (TS 38.104 §8.2.1 / §8.2.2)."""

    table: str
    version: str
    channel_bandwidth_mhz: float
    scs_khz: int
    frc: Frc
    propagation: str
    max_doppler_hz: int
    correlation: str
    n_tx: int
    n_rx: int
    fraction: float
    required_snr_db: float

    @property
    def channel_name(self) -> str:
        """The TS 38.104 Annex G test-channel name, e.g. ``TDLB100-400``."""
        return f"{self.propagation}-{self.max_doppler_hz}"

    @property
    def case_id(self) -> str:
        return f"{self.frc.name} {self.n_tx}x{self.n_rx} {self.channel_name}"


@cache
def _raw_suite(path: str | None) -> dict:
    if path is None:
        text = (files("nrlink.spec.tables") / "requirements" / "ts38104_pusch.json").read_text(
            encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return json.loads(text)


def load_suite(path: str | None = None) -> tuple[Requirement, ...]:
    """Every requirement row of the packaged (or given) JSON, in file order."""
    raw = _raw_suite(None if path is None else str(path))
    try:
        frcs = {name: Frc(name=name, **d) for name, d in raw["frcs"].items()}
    except TypeError as e:
        raise ConfigError(f"frcs: {e} (fields: {', '.join(Frc.__slots__)})") from e
    out = []
    for i, r in enumerate(raw["requirements"]):
        if r["frc"] not in frcs:
            raise ConfigError(f"requirements[{i}].frc={r['frc']!r} is not among the FRCs of "
                              "the file")
        out.append(Requirement(
            table=r["table"], version=r["version"],
            channel_bandwidth_mhz=r["channel_bandwidth_mhz"], scs_khz=r["scs_khz"],
            frc=frcs[r["frc"]], propagation=r["propagation"],
            max_doppler_hz=r["max_doppler_hz"], correlation=r["correlation"],
            n_tx=r["n_tx"], n_rx=r["n_rx"], fraction=r["fraction_of_max_throughput"],
            required_snr_db=r["required_snr_db"]))
    return tuple(out)


def select_cases(pattern: str | None = None, path: str | None = None) -> tuple[Requirement,
                                                                              ...]:
    """The cases whose id (``"G-FR1-A3-8 1x2 TDLB100-400"``) or table contains
    ``pattern`` (case-insensitive), or of a channel bandwidth (``"5 MHz"``); ``None``: all.
    No match is a ConfigError."""
    suite = load_suite(path)
    if pattern is None:
        return suite
    p = pattern.lower().strip()
    bw = re.fullmatch(r"(\d+(?:\.\d+)?)\s*mhz", p)
    if bw:  # "5 MHz": the rows of that channel bandwidth
        sel = tuple(r for r in suite if r.channel_bandwidth_mhz == float(bw.group(1)))
    else:
        sel = tuple(r for r in suite if p in r.case_id.lower() or p in r.table.lower())
    if not sel:
        raise ConfigError(f"--filter {pattern!r} matches no case (cases: "
                          f"{', '.join(sorted({r.frc.name for r in suite}))})")
    return sel


def case_document(req: Requirement, snr_db: float, *, receiver: dict | None = None,
                  max_tbs: int | None = None, batch_size: int = 8,
                  slots_per_unit: int = 10) -> dict:
    """The campaign (one SNR point) of case ``req`` at ``snr_db``.

    ``receiver`` overrides :data:`DEFAULT_RECEIVER` key by key.
    """
    receiver = {**DEFAULT_RECEIVER, **(receiver or {})}
    rx_label = ",".join(f"{k}={v}" for k, v in sorted(receiver.items())) or "default"
    return {
        "name": f"conformance {req.case_id} @ {snr_db:+.2f} dB [{rx_label}]",
        "description": f"TS 38.104 {req.table} ({req.version}): {req.case_id}, required "
                       f"{req.fraction:.0%} at {req.required_snr_db} dB",
        # one seed per case: the SNRs of a case share their random numbers, which keeps
        # the throughput curve smooth for the margin interpolation
        "seed": zlib.crc32(req.case_id.encode()),
        "link": {"type": "pusch", "pusch": req.frc.config().to_dict()},
        "channel": {"type": "tdl", "name": req.channel_name, "num_tx": req.n_tx,
                    "num_rx": req.n_rx, "correlation": req.correlation.lower(),
                    "link_direction": "uplink"},
        "receiver": receiver,
        "harq": {"rv_sequence": [0, 2, 3, 1], "max_transmissions": 4},
        "snr": {"values_db": [round(float(snr_db), 6)]},
        "stopping": {"target_errors": None,
                     "max_tbs": tbs_for_half_width() if max_tbs is None else max_tbs},
        "run": {"batch_size": batch_size, "slots_per_unit": slots_per_unit},
    }


def frc_names() -> tuple[str, ...]:
    """The FRCs of the requirement file (``nrlink run G-FR1-A4-8`` runs one)."""
    seen: dict[str, None] = {}
    for r in load_suite():
        seen.setdefault(r.frc.name, None)
    return tuple(seen)


def frc_campaign_document(name: str, *, step_db: float = 1.0) -> dict:
    """A BLER/throughput sweep preset of FRC ``name`` under its first requirement row.

    The FRC's PUSCH over that row's test channel and antennas, with HARQ (RV 0-2-3-1, 4
    transmissions) and the practical receiver, from the required SNR − 4 dB to + 2 dB in
    ``step_db`` steps, 2401 TBs per SNR (the conformance statistics).
    """
    rows = [r for r in load_suite() if r.frc.name == name]
    if not rows:
        raise ConfigError(f"{name!r} is not an FRC of the requirement file (FRCs: "
                          f"{', '.join(frc_names())})")
    req = rows[0]
    doc = case_document(req, req.required_snr_db)
    s0 = req.required_snr_db
    doc["name"] = name
    doc["description"] = (f"FRC {name} (TS 38.104 Annex {req.frc.annex_table}) over "
                          f"{req.channel_name} {req.n_tx}x{req.n_rx}: throughput vs SNR "
                          f"around the required {s0} dB ({req.table})")
    doc["snr"] = {"values_db": [round(s0 + k * step_db, 6)
                                for k in range(int(-4 / step_db), int(2 / step_db) + 1)]}
    return doc


@dataclass(frozen=True, slots=True)
class CasePoint:
    """Throughput of a case at one SNR, with its 95 % interval."""

    snr_db: float
    throughput: float
    lo: float
    hi: float
    tbs: int
    transmissions: int
    bler: float
    units: int = 0

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one requirement row."""

    requirement: Requirement
    receiver: str
    points: tuple[CasePoint, ...]
    at_required: CasePoint
    verdict: str
    snr_at_target_db: float | None
    margin_db: float | None
    margin_bound: str = ""  # "<" or ">" when the sweep only bounds the margin
    notes: tuple[str, ...] = field(default=())

    @property
    def case_id(self) -> str:
        return self.requirement.case_id

    @property
    def half_width_ok(self) -> bool:
        return self.at_required.half_width <= HALF_WIDTH + 1e-12


def verdict(point: CasePoint, fraction: float) -> str:
    """pass (lower bound ≥ fraction), fail (upper bound < fraction) or inconclusive."""
    if point.lo >= fraction:
        return "pass"
    if point.hi < fraction:
        return "fail"
    return "inconclusive"


def crossing(points: list[CasePoint], fraction: float) -> tuple[float | None, str]:
    """SNR where the throughput reaches ``fraction``: linear interpolation between the
    first pair of SNRs that brackets it; or (the sweep's edge, "<"/">") if none does."""
    pts = sorted(points, key=lambda p: p.snr_db)
    for a, b in zip(pts, pts[1:], strict=False):
        if a.throughput < fraction <= b.throughput:
            t = (fraction - a.throughput) / (b.throughput - a.throughput)
            return a.snr_db + t * (b.snr_db - a.snr_db), ""
    if pts and pts[0].throughput >= fraction:
        return pts[0].snr_db, "<"
    return (pts[-1].snr_db if pts else None), ">"


def unit_interval(delivered, transmissions, *, confidence: float = CONFIDENCE
                  ) -> tuple[float, float, float]:
    """Throughput ``Σd / Σt`` of independent work units and its confidence interval
    (:func:`nrlink.sim.stopping.clustered_interval`: the between-unit interval, widened to
    the Wilson one)."""
    d = np.asarray(delivered, dtype=np.float64)
    t = np.asarray(transmissions, dtype=np.float64)
    if d.size == 0 or t.sum() == 0:
        return 0.0, 0.0, 1.0
    lo, hi = clustered_interval(d, t, confidence=confidence)
    return float(d.sum() / t.sum()), lo, hi


def _measure(req, snr_db, store, *, executor, workers, receiver, max_tbs, progress,
             max_rounds: int = 4):
    """Throughput at one SNR: rounds of ``max_tbs`` TBs (each round a campaign with its own
    seed), until the interval half-width is ≤ 2 points or ``max_rounds`` rounds ran."""
    units = []
    for k in range(max_rounds):
        doc = case_document(req, snr_db, receiver=receiver, max_tbs=max_tbs)
        if k:
            doc["name"] += f" round {k + 1}"
            doc["seed"] = (doc["seed"] + k * 0x9E3779B9) % 2**63
        run = run_campaign(Campaign(doc), store, executor=executor, workers=workers,
                           max_in_flight=2 * workers if executor is not None else None,
                           progress=progress)
        p = run.points[0]
        units += [p.units[u] for u in range(p.last_unit + 1)]
        d = [u["tbs_delivered"] for u in units]
        t = [u["transmissions"] for u in units]
        thr, lo, hi = unit_interval(d, t)
        if (hi - lo) / 2 <= HALF_WIDTH:
            break
    tbs = sum(u["first_transmissions"] for u in units)
    errs = sum(u["first_transmission_errors"] for u in units)
    return CasePoint(snr_db=float(snr_db), throughput=thr, lo=lo, hi=hi, tbs=tbs,
                     transmissions=int(sum(t)), bler=errs / tbs if tbs else float("nan"),
                     units=len(units))


def run_case(req: Requirement, store: ResultsStore, *, executor=None, workers: int = 1,
             receiver: dict | None = None, max_tbs: int | None = None, step_db: float = 1.0,
             max_extra: int = 6, progress=None) -> CaseResult:
    """Measure one case: the required SNR, then SNRs ``step_db`` apart on either side until
    the ``fraction`` crossing is bracketed (at most ``max_extra`` more), each a stored,
    resumable campaign."""
    f, s0 = req.fraction, req.required_snr_db
    pts = {}

    def at(snr):
        snr = round(snr, 6)
        if snr not in pts:
            pts[snr] = _measure(req, snr, store, executor=executor, workers=workers,
                                receiver=receiver, max_tbs=max_tbs, progress=progress)
        return pts[snr]

    at(s0 - step_db)
    at(s0)
    at(s0 + step_db)
    for _ in range(max_extra):
        lo_snr, hi_snr = min(pts), max(pts)
        if pts[lo_snr].throughput >= f:
            at(lo_snr - step_db)
        elif pts[hi_snr].throughput < f:
            at(hi_snr + step_db)
        else:
            break
    points = tuple(pts[k] for k in sorted(pts))
    x, bound = crossing(list(points), f)
    req_pt = pts[round(s0, 6)]
    notes = []
    v = verdict(req_pt, f)
    if req_pt.half_width > HALF_WIDTH + 1e-12:
        notes.append(f"interval half-width {req_pt.half_width:.1%} > 2 points after "
                     f"{req_pt.transmissions} transmissions ({req_pt.units} units)")
        v = "inconclusive"
    rx = ",".join(f"{k}={w}" for k, w in sorted({**DEFAULT_RECEIVER, **(receiver or {})}
                                                   .items()))
    return CaseResult(requirement=req, receiver=rx, points=points, at_required=req_pt,
                      verdict=v, snr_at_target_db=x,
                      margin_db=None if x is None else x - s0, margin_bound=bound,
                      notes=tuple(notes))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def summary_rows(results: list[CaseResult]) -> list[dict]:
    """One plain dict per case, for tables, CSV and the README."""
    rows = []
    for r in results:
        q, p = r.requirement, r.at_required
        rows.append({
            "case": r.case_id, "table": q.table, "frc": q.frc.name,
            "channel": q.channel_name, "antennas": f"{q.n_tx}x{q.n_rx}",
            "required_snr_db": q.required_snr_db, "throughput": p.throughput,
            "throughput_lo": p.lo, "throughput_hi": p.hi, "transmissions": p.transmissions,
            "verdict": r.verdict, "snr_at_70_db": r.snr_at_target_db,
            "margin_db": r.margin_db, "margin_bound": r.margin_bound,
            "receiver": r.receiver, "notes": "; ".join(r.notes), "slug": _slug(r.case_id),
        })
    return rows


def margin_text(r: CaseResult) -> str:
    """``-1.23 dB``, or a bound such as ``< -3.00 dB`` when the sweep did not bracket it."""
    if r.margin_db is None:
        return "–"
    return f"{r.margin_bound + ' ' if r.margin_bound else ''}{r.margin_db:+.2f} dB"


def throughput_text(p: CasePoint) -> str:
    return f"{p.throughput:.1%} [{p.lo:.1%}, {p.hi:.1%}]"
