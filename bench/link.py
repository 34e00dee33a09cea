"""End-to-end link throughput and BLER curves, one core.

Usage: ``python bench/link.py [--json] [--bler] [--tbs N]``

Speed rows: end-to-end slots per second (one slot of one link = one TB) for the PUSCH of
issue 5 — 52 PRB, 30 kHz, MCS 14 (table 1), 1 layer, 1 rx antenna, DM-RS type 1 with one
additional position, AWGN, LS + linear interpolation + LMMSE, layered min-sum LDPC — with the
stage breakdown (transmitter, channel + noise, estimation, detection, demapping and
descrambling, decoding with HARQ) from the link's own timers, on a batch of 8 links; and the
same for the PDSCH of 273 PRB with 4 layers and 4 rx antennas over TDL-C 300 ns / 100 Hz.

``--bler``: BLER of the first transmission versus per-RE SNR 6.5 … 9.0 dB (0.25 dB steps),
``--tbs`` TBs per point (default 1000), for three receivers: LS + linear, LMMSE (Wiener)
channel estimation, and perfect CSI, and the SNR of BLER 10 % of each (interpolated in
log BLER). One JSON row per point with ``--json``.

``--fading``: PUSCH 52 PRB MCS 16 over TDL-C 300 ns / 100 Hz with 2 rx antennas,
throughput relative to the maximum (TS 38.101-4) with HARQ (RV 0, 2, 3, 1, 4
transmissions) and without, ``--slots`` slots per point (default 1000).
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _bench import emit, metadata  # noqa: E402

from nrlink.config import (  # noqa: E402
    CarrierConfig,
    DmrsConfig,
    PdschConfig,
    PuschConfig,
    TdlConfig,
)
from nrlink.link.harq import HarqConfig  # noqa: E402
from nrlink.link.links import PdschLink, PuschLink  # noqa: E402
from nrlink.rx.receiver import ReceiverConfig  # noqa: E402

SEED = 20261125
CFG = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=52), mcs_index=14,
                  mcs_table="qam64", dmrs=DmrsConfig(config_type=1, additional_position=1))
BATCH = 8


STAGES = ("transmitter", "channel", "estimation", "detection", "demapping", "decoding")


def _timed(link, snr_db: float, slots: int, batch: int, rng, name: str, desc: str) -> list[dict]:
    """End-to-end row and the stage breakdown (the link's own timers) of one run."""
    link.run(snr_db, 1, batch_size=batch, rng=rng)  # JIT warm-up
    timings: dict = {}
    t0 = time.perf_counter()
    link.run(snr_db, slots, batch_size=batch, rng=rng, timings=timings)
    dt = time.perf_counter() - t0
    n = slots * batch
    rows = [{"name": f"{name}_end_to_end", "slots_per_s": n / dt, "ms_per_slot": dt * 1e3 / n,
             "batch": desc}]
    for stage in STAGES:
        rows.append({"name": f"{name}_stage_{stage}", "ms_per_slot": timings[stage] * 1e3 / n,
                     "share": timings[stage] / dt, "batch": f"per slot, batch of {batch}"})
    return rows


def speed_rows(rng) -> list[dict]:
    rows = _timed(PuschLink(CFG, harq=HarqConfig(max_transmissions=1)), 8.0, 40, BATCH, rng,
                  "pusch_awgn", "PUSCH 52 PRB 30 kHz MCS 14, 1 layer, 1 rx, AWGN 8 dB, LS + "
                  "linear, LMMSE, batch 8")
    # PDSCH 273 PRB, 4 layers, 4 rx, TDL-C 300 ns / 100 Hz.
    pd = PdschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=273), num_layers=4,
                     mcs_index=14)
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=100.0, num_tx=4, num_rx=4)
    rows += _timed(PdschLink(pd, channel=ch, harq=HarqConfig(max_transmissions=1)), 25.0, 4, 2,
                   rng, "pdsch_273prb_4x4_tdlc", "PDSCH 273 PRB 30 kHz MCS 14, 4 layers, 4 rx, "
                   "TDL-C 300 ns 100 Hz, 25 dB, batch 2")
    return rows


BLER_SNRS = (6.5, 6.75, 7.0, 7.25, 7.5, 7.75, 8.0, 8.25, 8.5, 8.75, 9.0)


def snr_at_bler(snrs, blers, target: float = 0.1) -> float:
    """SNR where the BLER crosses ``target``, interpolated linearly in log10(BLER)."""
    for i in range(len(snrs) - 1):
        (s0, b0), (s1, b1) = (snrs[i], blers[i]), (snrs[i + 1], blers[i + 1])
        if b0 >= target > b1:
            lo, hi = np.log10(max(b0, 1e-6)), np.log10(max(b1, 1e-6))
            return float(s0 + (s1 - s0) * (lo - np.log10(target)) / (lo - hi))
    return float("nan")


def bler_rows(rng, tbs: int) -> list[dict]:
    rows = []
    receivers = {"ls-linear": ReceiverConfig(channel_estimation="ls-linear"),
                 "lmmse": ReceiverConfig(channel_estimation="lmmse"),
                 "perfect": ReceiverConfig(channel_estimation="perfect")}
    slots = max(1, tbs // 50)
    for name, rc in receivers.items():
        link = PuschLink(CFG, receiver=rc, harq=HarqConfig(max_transmissions=1))
        curve = []
        for snr in BLER_SNRS:
            r = link.run(snr, slots, batch_size=50, rng=rng)
            s = r.statistics
            curve.append(r.bler)
            rows.append({"name": f"bler_{name}", "receiver": name, "snr_db": snr,
                         "tbs": s.first_transmissions, "errors": s.first_transmission_errors,
                         "bler": r.bler, "sinr_db": r.sinr_db,
                         "batch": "PUSCH 52 PRB MCS 14 AWGN, 1 rx, LMMSE detector"})
        rows.append({"name": f"snr_at_bler_10pct_{name}", "receiver": name,
                     "snr_db": snr_at_bler(BLER_SNRS, curve),
                     "batch": "interpolated in log BLER"})
    return rows


def fading_rows(rng, slots: int) -> list[dict]:
    """PUSCH over TDL-C 300 ns / 100 Hz, 2 rx, MCS 16: throughput with and without HARQ."""
    pusch = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=52), mcs_index=16)
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=100.0, num_rx=2)
    rows = []
    for name, harq in (("harq", HarqConfig()), ("no_harq", HarqConfig(max_transmissions=1))):
        link = PuschLink(pusch, channel=ch, harq=harq)
        for snr in (4.0, 6.0, 8.0, 10.0, 12.0, 15.0):
            # 25 independent links (channel realisations) of slots/25 slots each
            r = link.run(snr, max(1, slots // 25), batch_size=25, rng=rng)
            rows.append({"name": f"fading_{name}", "snr_db": snr, "bler": r.bler,
                         "throughput": r.throughput,
                         "residual_bler": r.statistics.residual_bler,
                         "tbs": r.statistics.first_transmissions,
                         "batch": "PUSCH 52 PRB MCS 16, TDL-C 300 ns 100 Hz, 2 rx"})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--bler", action="store_true", help="also the BLER curves")
    ap.add_argument("--tbs", type=int, default=1000, help="TBs per BLER point")
    ap.add_argument("--fading", action="store_true",
                    help="also throughput vs SNR over TDL-C with and without HARQ")
    ap.add_argument("--slots", type=int, default=1000, help="slots per fading point")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    rows = speed_rows(rng)
    cols = [("name", "row", "s"), ("slots_per_s", "slots/s", ".0f"),
            ("ms_per_slot", "ms/slot", ".3f"), ("batch", "configuration", "s")]
    if args.bler:
        rows += bler_rows(rng, args.tbs)
        cols = [("name", "row", "s"), ("snr_db", "SNR dB", ".1f"), ("bler", "BLER", ".4f"),
                ("tbs", "TBs", "d"), ("slots_per_s", "slots/s", ".0f"),
                ("ms_per_slot", "ms/slot", ".3f")]
    if args.fading:
        rows += fading_rows(rng, args.slots)
        cols = [("name", "row", "s"), ("snr_db", "SNR dB", ".1f"), ("bler", "BLER", ".4f"),
                ("throughput", "throughput", ".3f"), ("slots_per_s", "slots/s", ".0f"),
                ("ms_per_slot", "ms/slot", ".3f")]
    emit(rows, metadata(SEED), args.json, cols)


if __name__ == "__main__":
    main()
