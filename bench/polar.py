"""Polar encoder / decoder throughput on one core and BLER curves (TS 38.212 §5.3.1, §5.4.1).

Usage: ``python bench/polar.py [--json] [--quick] [--quality] [--codewords N]``

Speed rows: codewords per second of ``polar_decode`` for the downlink (DCI-like) code
A = 64 payload bits, E = 128 (CRC24C, K = 88, N = 128), with SC (``list_size=1``) and
CA-SCL with L = 8 (and L = 32 unless ``--quick``), on a batch of 4000 codewords (400
with ``--quick``) of BPSK over AWGN at Eb/N0 = 3 dB, timed after a JIT warm-up call; and
codewords per second of ``polar_encode`` (best of 3) on the same batch size.

``--quality``: BLER versus Eb/N0 per payload bit (sigma^2 = 1 / (2 (A/E) 10^(Eb/N0 / 10)),
BPSK x = 1 - 2c, LLR = 2y / sigma^2) for SC at 3.0 .. 6.0 dB and CA-SCL L = 8 at
2.5 .. 5.0 dB in 0.5 dB steps, ``--codewords`` per point (default 20000), fixed seed; a
summary row per decoder with the Eb/N0 of BLER 1e-2 (interpolated linearly in
log10 BLER) and the gap SC - L8 in dB.

NUMBA_NUM_THREADS=1; ``--json`` prints one JSON object per row.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _bench import bler_crossing, emit, metadata  # noqa: E402

from nrlink.rx.polar_decoder import polar_decode  # noqa: E402
from nrlink.spec.ts38212.polar import polar_encode  # noqa: E402

SEED = 20260212
A, E, LINK = 64, 128, "downlink"
SPEED_EBN0_DB = 3.0
BLER_TARGET = 1e-2
#: decoder label -> (list size, Eb/N0 grid of --quality)
DECODERS = {
    "sc": (1, tuple(np.round(np.arange(3.0, 6.01, 0.5), 2))),
    "scl8": (8, tuple(np.round(np.arange(2.5, 5.01, 0.5), 2))),
}
CODE = f"downlink A={A} E={E} (CRC24C, N=128)"


def make_batch(n_cw: int, ebn0_db: float, rng):
    """Random payloads and the BPSK-AWGN LLRs of their codewords."""
    a = rng.integers(0, 2, (n_cw, A), dtype=np.uint8)
    f = polar_encode(a, A, E, LINK)
    sigma2 = 1.0 / (2.0 * (A / E) * 10 ** (ebn0_db / 10))
    y = 1.0 - 2.0 * f + rng.normal(0.0, math.sqrt(sigma2), f.shape)
    return a, (2.0 * y / sigma2).astype(np.float32)


def decode_row(label: str, list_size: int, n_cw: int, rng) -> dict:
    a, llr = make_batch(n_cw, SPEED_EBN0_DB, rng)
    polar_decode(llr[:2], A, E, LINK, list_size=list_size)  # JIT warm-up / cache load
    t0 = time.perf_counter()
    res = polar_decode(llr, A, E, LINK, list_size=list_size)
    dt = time.perf_counter() - t0
    return {"name": f"decode_{label}", "list_size": list_size, "ebn0_db": SPEED_EBN0_DB,
            "codewords": n_cw, "seconds": dt, "codewords_per_s": n_cw / dt,
            "us_per_codeword": dt * 1e6 / n_cw,
            "bler": float(np.mean(np.any(res.bits != a, axis=1))), "code": CODE}


def encode_row(n_cw: int, rng) -> dict:
    a = rng.integers(0, 2, (n_cw, A), dtype=np.uint8)
    polar_encode(a[:2], A, E, LINK)
    dt = math.inf
    for _ in range(3):  # best of 3
        t0 = time.perf_counter()
        polar_encode(a, A, E, LINK)
        dt = min(dt, time.perf_counter() - t0)
    return {"name": "encode", "codewords": n_cw, "seconds": dt, "codewords_per_s": n_cw / dt,
            "us_per_codeword": dt * 1e6 / n_cw, "code": CODE}


def speed_rows(quick: bool, rng) -> list[dict]:
    n_cw = 400 if quick else 4000
    sizes = {"sc": 1, "scl8": 8} if quick else {"sc": 1, "scl8": 8, "scl32": 32}
    rows = [decode_row(label, size, n_cw, rng) for label, size in sizes.items()]
    rows.append(encode_row(n_cw, rng))
    return rows


def quality_rows(n_cw: int) -> list[dict]:
    rng = np.random.default_rng(SEED + 1)
    rows, crossings = [], {}
    for label, (list_size, grid) in DECODERS.items():
        points = []
        for ebn0 in grid:
            a, llr = make_batch(n_cw, float(ebn0), rng)
            res = polar_decode(llr, A, E, LINK, list_size=list_size)
            errors = int(np.any(res.bits != a, axis=1).sum())
            points.append((float(ebn0), errors / n_cw, n_cw))
            rows.append({"name": f"bler_{label}", "list_size": list_size,
                         "ebn0_db": float(ebn0), "codewords": n_cw, "errors": errors,
                         "bler": errors / n_cw,
                         "crc_fail": float(np.mean(~res.crc_ok)), "code": CODE})
        crossings[label] = bler_crossing(points)
        rows.append({"name": f"ebn0_at_bler_1e2_{label}", "list_size": list_size,
                     "ebn0_db": crossings[label], "code": "interpolated in log10 BLER"})
    gap = (None if None in (crossings["sc"], crossings["scl8"])
           else crossings["sc"] - crossings["scl8"])
    rows.append({"name": "gap_sc_minus_scl8_db", "gap_db": gap,
                 "code": "Eb/N0 at BLER 1e-2, SC - CA-SCL L=8"})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--quick", action="store_true", help="400 codewords, no L = 32 (seconds)")
    ap.add_argument("--quality", action="store_true", help="also the BLER curves")
    ap.add_argument("--codewords", type=int, default=20000, help="codewords per BLER point")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    rows = speed_rows(args.quick, rng)
    cols = [("name", "row", "s"), ("list_size", "L", "d"),
            ("codewords_per_s", "codewords/s", ".0f"), ("us_per_codeword", "us/cw", ".2f"),
            ("codewords", "codewords", "d"), ("code", "configuration", "s")]
    if args.quality:
        rows += quality_rows(args.codewords)
        cols = [("name", "row", "s"), ("list_size", "L", "d"), ("ebn0_db", "Eb/N0 dB", ".2f"),
                ("bler", "BLER", ".5f"), ("errors", "errors", "d"),
                ("codewords", "codewords", "d"), ("gap_db", "gap dB", ".2f"),
                ("codewords_per_s", "codewords/s", ".0f"), ("code", "configuration", "s")]
    emit(rows, metadata(SEED), args.json, cols)


if __name__ == "__main__":
    main()
