"""Cell search (PSS/SSS/PBCH DM-RS detection, CFO, PBCH → MIB): detection curve and speed.

Usage: ``python bench/cell_search.py [--json] [--quick] [--trials N]``

Scenario per trial: one SS/PBCH block (15 kHz SCS, L_max = 8, random ī_SSB, half frame
and SFN, real BCH/PBCH chain) at symbols 2..5 of a slot, OFDM-modulated with N_FFT = 512
(7.68 Msample/s; the receiver correlates at the decimated rate, D = 2), symbols 0..6 sent,
preceded by a random delay of 0..1919 samples (so the block start lies anywhere in a
window of 1920 + 1096 samples), a random CFO uniform in ±7.5 kHz (half a subcarrier),
a random N_ID^cell over all 1008, one receive antenna, AWGN. SNR: per RE over the SSB
REs, Es/N0 (unit-energy SSB REs, N0 per sample = per RE with orthonormal OFDM).

Rows:

* ``pd_awgn``: per SNR from −12 to 0 dB in 1 dB steps (2 dB with ``--quick``),
  ``--trials`` searches (default 2000, 300 with ``--quick``): the detection probability
  P_d (``detected`` and N_ID^cell and ī_SSB right), the same without the ``detected``
  flag (ids right), the timing error rate (|error| > 1 sample), the RMS CFO error of the
  correct detections, and the MIB BLER (PBCH CRC failed or MIB/SFN wrong).
* ``snr_at_pd_99``: the SNR where P_d falls below 99 % (linear interpolation in P_d).
* ``sweep_1008``: every N_ID^cell once at −3 dB (and at 10 dB): how many were found.
* ``speed`` / ``speed_no_pbch``: searches per second (batch of 256, best of 3 after a
  warm-up), with and without PBCH (polar CA-SCL L = 8) decoding.

NUMBA_NUM_THREADS=1; ``--json`` prints one JSON object per row.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _bench import emit, metadata  # noqa: E402

from nrlink.link.ssb import ssb_trial_waveforms  # noqa: E402
from nrlink.rx.cell_search import CellSearchConfig, cell_search  # noqa: E402

SEED = 20260301
FFT, MU, L_MAX, DELAY_MAX, CFO_MAX = 512, 0, 8, 1920, 7500.0
PD_TARGET = 0.99
SCENARIO = "AWGN 15 kHz N_FFT=512 1 rx, CFO U(+-7.5 kHz), L_max=8"


def make_batch(n_id, snr_db: float, rng):
    """Received samples of one SS/PBCH block per element and the truth."""
    b = n_id.size
    t = ssb_trial_waveforms(n_id, l_max=L_MAX, mu=MU, fft_size=FFT, rng=rng)
    x = t.x
    delay = rng.integers(0, DELAY_MAX, b)
    n = x.shape[-1] + DELAY_MAX
    y = np.zeros((b, 1, n), np.complex64)
    y[np.arange(b)[:, None], 0, delay[:, None] + np.arange(x.shape[-1])] = x
    cfo = rng.uniform(-CFO_MAX, CFO_MAX, b)
    fs = FFT * 15e3 * 2**MU
    y *= np.exp(2j * np.pi * cfo[:, None, None] * np.arange(n) / fs).astype(np.complex64)
    y *= np.exp(2j * np.pi * rng.random((b, 1, 1))).astype(np.complex64)
    nv = 10 ** (-snr_db / 10)
    y += (rng.standard_normal((*y.shape, 2), dtype=np.float32).view(np.complex64)[..., 0]
          * np.float32(math.sqrt(nv / 2)))
    return y, {"n_id": n_id, "i_ssb_bar": t.i_ssb_bar, "timing": delay + t.start, "cfo": cfo,
               "sfn": t.sfn}


def evaluate(n_id, snr_db: float, rng, batch: int = 500) -> dict:
    """Counts over ``n_id.size`` searches (in batches)."""
    c = {"found": 0, "ids": 0, "timing_err": 0, "mib_err": 0, "cfo_sq": 0.0}
    for i in range(0, n_id.size, batch):
        y, t = make_batch(n_id[i:i + batch], snr_db, rng)
        r = cell_search(y, mu=MU, fft_size=FFT, l_max=L_MAX)
        ids = (r.n_id_cell == t["n_id"]) & (r.i_ssb_bar == t["i_ssb_bar"])
        found = ids & r.detected
        c["found"] += int(found.sum())
        c["ids"] += int(ids.sum())
        c["timing_err"] += int(np.sum(np.abs(r.timing - t["timing"]) > 1))
        c["mib_err"] += int(np.sum(~(r.crc_ok & ids & (r.pbch.sfn == t["sfn"]))))
        c["cfo_sq"] += float(np.sum((r.cfo_hz - t["cfo"])[found] ** 2))
    return c


def pd_rows(trials: int, grid, rng) -> list[dict]:
    rows, points = [], []
    for snr in grid:
        c = evaluate(rng.integers(0, 1008, trials), float(snr), rng)
        pd = c["found"] / trials
        points.append((float(snr), pd))
        rows.append({"name": "pd_awgn", "snr_db": float(snr), "trials": trials, "pd": pd,
                     "ids_right": c["ids"] / trials, "timing_error_rate": c["timing_err"] / trials,
                     "cfo_rms_hz": math.sqrt(c["cfo_sq"] / max(c["found"], 1)),
                     "mib_bler": c["mib_err"] / trials, "scenario": SCENARIO})
    cross = None
    for (s0, p0), (s1, p1) in zip(points, points[1:], strict=False):
        if p0 < PD_TARGET <= p1:
            cross = s0 + (s1 - s0) * (PD_TARGET - p0) / (p1 - p0)
    rows.append({"name": "snr_at_pd_99", "snr_db": cross,
                 "scenario": "P_d = 0.99, linear interpolation in P_d"})
    return rows


def sweep_rows(rng) -> list[dict]:
    rows = []
    for snr in (10.0, -3.0):
        c = evaluate(np.arange(1008), snr, rng, batch=504)
        rows.append({"name": "sweep_1008", "snr_db": snr, "trials": 1008, "pd": c["found"] / 1008,
                     "found": c["found"], "mib_bler": c["mib_err"] / 1008,
                     "scenario": "every N_ID^cell once"})
    return rows


def speed_rows(rng) -> list[dict]:
    y, _ = make_batch(rng.integers(0, 1008, 256), 0.0, rng)
    rows = []
    for name, cfg in (("speed", CellSearchConfig()),
                      ("speed_no_pbch", CellSearchConfig(decode_pbch=False))):
        cell_search(y[:4], mu=MU, fft_size=FFT, l_max=L_MAX, config=cfg)  # warm-up / JIT
        dt = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            cell_search(y, mu=MU, fft_size=FFT, l_max=L_MAX, config=cfg)
            dt = min(dt, time.perf_counter() - t0)
        rows.append({"name": name, "trials": y.shape[0], "samples": y.shape[-1],
                     "searches_per_s": y.shape[0] / dt, "ms_per_search": 1e3 * dt / y.shape[0],
                     "scenario": f"{y.shape[-1]} samples at 7.68 MHz, SNR 0 dB"})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--quick", action="store_true", help="300 trials, 2 dB steps, no sweep")
    ap.add_argument("--trials", type=int, default=None, help="searches per SNR point")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    trials = args.trials or (300 if args.quick else 2000)
    grid = np.arange(-12.0, 0.01, 2.0 if args.quick else 1.0)
    rows = speed_rows(rng) + pd_rows(trials, grid, rng)
    if not args.quick:
        rows += sweep_rows(rng)
    cols = [("name", "row", "s"), ("snr_db", "SNR dB", ".1f"), ("pd", "P_d", ".4f"),
            ("ids_right", "ids right", ".4f"), ("timing_error_rate", "t err", ".4f"),
            ("cfo_rms_hz", "CFO rms Hz", ".0f"), ("mib_bler", "MIB BLER", ".4f"),
            ("trials", "trials", "d"), ("searches_per_s", "searches/s", ".0f"),
            ("ms_per_search", "ms/search", ".2f"), ("scenario", "scenario", "s")]
    emit(rows, metadata(SEED), args.json, cols)


if __name__ == "__main__":
    main()
