"""LDPC encoder / decoder throughput on one core (TS 38.212 §5.3.2 codes).

Usage: ``python bench/ldpc.py [--json] [--quick] [--quality]``

* decoder rows: BG1 (K = 8448) and BG2 (K = 3840), Z_c = 384, rate 1/3 (BG1: all
  N = 25344 d-bits sent; BG2: the first 11520 d-bits sent, the rest LLR 0), BPSK over
  AWGN (LLR = 2y/sigma^2); layered decoder, float32 and int8 arithmetic, at the
  waterfall (BLER about 1e-2) and at 3 dB with 20 iterations and early termination,
  and with exactly 5 iterations (no early termination);
* encoder throughput (1,000 code blocks);
* peak memory of a 1,000-code-block BG1 decode (tracemalloc peak of the call: the
  outputs and the kernel's fixed scratch, NRT allocations being traced too);
* ``--quality``: BLER sweeps of layered normalised min-sum vs flooding sum-product
  (20 iterations) and their BLER = 1e-2 crossings (a few minutes).

Throughput is decoded information bits per second, K * n_cb / time, measured after
a warm-up call (JIT compilation excluded) with NUMBA_NUM_THREADS=1. ``--json`` prints
one JSON object per measured configuration.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
from _bench import bler_crossing, metadata  # noqa: E402

from nrlink.rx.ldpc_decoder import LdpcDecoderConfig, ldpc_decode  # noqa: E402
from nrlink.spec.ts38212.ldpc import ldpc_encode, lifted_graph  # noqa: E402

Z_C = 384
#: (bg, transmitted d-bits) of the rate-1/3 code blocks.
CODES = {1: 66 * Z_C, 2: 30 * Z_C}
#: Eb/N0 where layered NMS float32 (20 iterations) has BLER about 1e-2 (from --quality).
WATERFALL_DB = {1: 0.75, 2: 0.75}
HIGH_DB = 3.0
SEED = 20240601


META = metadata(SEED)


def make_batch(bg, n_tx, ebn0_db, n_cb, rng):
    """Random code blocks, their codewords and BPSK-AWGN LLRs (zeros past n_tx)."""
    g = lifted_graph(bg, Z_C)
    c = rng.integers(0, 2, (n_cb, g.k), dtype=np.uint8)
    d = ldpc_encode(c, bg, Z_C)
    rate = g.k / n_tx
    sigma2 = 1.0 / (2.0 * rate * 10 ** (ebn0_db / 10))
    llr = np.zeros((n_cb, g.n), np.float32)
    y = 1.0 - 2.0 * d[:, :n_tx] + rng.normal(0.0, math.sqrt(sigma2), (n_cb, n_tx))
    llr[:, :n_tx] = 2.0 * y / sigma2
    return c, llr


def decode_row(name, bg, ebn0_db, cfg, n_cb, rng, chunk=500):
    """Decode n_cb code blocks (in batches of ``chunk``: bounded memory); only the
    decode calls are timed."""
    g = lifted_graph(bg, Z_C)
    n_tx = CODES[bg]
    c, llr = make_batch(bg, n_tx, ebn0_db, 2, rng)
    ldpc_decode(llr, bg, Z_C, cfg)  # warm-up (JIT or cache load)
    dt, errors, iters = 0.0, 0, 0
    for start in range(0, n_cb, chunk):
        c, llr = make_batch(bg, n_tx, ebn0_db, min(chunk, n_cb - start), rng)
        t0 = time.perf_counter()
        res = ldpc_decode(llr, bg, Z_C, cfg)
        dt += time.perf_counter() - t0
        errors += int(np.any(res.bits != c, axis=1).sum())
        iters += int(res.iterations.sum())
    return dict(
        name=name, bg=bg, z_c=Z_C, k=g.k, n=n_tx, rate=round(g.k / n_tx, 4), ebn0_db=ebn0_db,
        schedule=cfg.schedule, rule=cfg.rule, precision=cfg.precision,
        max_iterations=cfg.max_iterations, early_termination=cfg.early_termination,
        alpha=cfg.alpha, beta=cfg.beta, n_cb=n_cb, seconds=round(dt, 4),
        mbps_info=round(g.k * n_cb / dt / 1e6, 2), mean_iterations=round(iters / n_cb, 2),
        bler=errors / n_cb, peak_mem_mb=None, **META,
    )


def encoder_row(bg, n_cb, rng):
    g = lifted_graph(bg, Z_C)
    c = rng.integers(0, 2, (n_cb, g.k), dtype=np.uint8)
    ldpc_encode(c[:2], bg, Z_C)
    dt = math.inf
    for _ in range(3):  # best of 3: short runs, first-touch page faults vary
        t0 = time.perf_counter()
        ldpc_encode(c, bg, Z_C)
        dt = min(dt, time.perf_counter() - t0)
    return dict(
        name=f"encode_bg{bg}", bg=bg, z_c=Z_C, k=g.k, n=g.n, rate=round(g.k / g.n, 4),
        ebn0_db=None, schedule=None, rule=None, precision=None, max_iterations=None,
        early_termination=None, n_cb=n_cb, seconds=round(dt, 4),
        mbps_info=round(g.k * n_cb / dt / 1e6, 1), mean_iterations=None, bler=None,
        peak_mem_mb=None, **META,
    )


def kernel_scratch_bytes(bg, cfg):
    """Scratch the decoder kernel allocates once per call (independent of the number
    of code blocks): posteriors, messages of every edge, one block row of Q, lane
    state; flooding adds the accumulator, sum-product its float64 buffers. The fused
    float32 layered min-sum kernel keeps Q in the messages, the posteriors twice (with
    a 16-value mirror per column) and a loop schedule (at most 2 segments per edge and
    lane chunk, 7 int64 each)."""
    g = lifted_graph(bg, Z_C)
    nv, ne = g.n_cols * Z_C, g.rows.size * Z_C
    deg_max = int(np.bincount(g.rows).max())
    if cfg.precision == "int8":
        return nv + ne + deg_max * Z_C + 7 * Z_C
    if cfg.schedule == "layered" and cfg.rule != "spa":
        n_ch = 1 if Z_C <= 256 else 2
        return 4 * (g.n_cols * (Z_C + 16) + nv + ne + 10 * Z_C) + 56 * 2 * n_ch * g.rows.size
    b = 4 * (2 * nv + ne + deg_max * Z_C + 5 * Z_C)
    if cfg.schedule == "flooding":
        b += 4 * nv
    if cfg.rule == "spa":
        b += 8 * (2 * deg_max + 1) * Z_C
    return b


def memory_row(cfg, n_cb, rng):
    """Peak memory of one decode call of n_cb BG1 code blocks (input LLRs excluded):
    the tracemalloc peak of the call, which sees NumPy's and Numba's (NRT) heap
    allocations, i.e. the outputs and the kernel's fixed scratch."""
    bg = 1
    g = lifted_graph(bg, Z_C)
    llr = np.empty((n_cb, g.n), np.float32)
    for i in range(0, n_cb, 50):
        llr[i : i + 50] = make_batch(bg, CODES[bg], HIGH_DB, min(50, n_cb - i), rng)[1]
    ldpc_decode(llr[:2], bg, Z_C, cfg)
    tracemalloc.start()
    t0 = time.perf_counter()
    ldpc_decode(llr, bg, Z_C, cfg)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scratch = kernel_scratch_bytes(bg, cfg)
    return dict(
        name="decode_memory", bg=bg, z_c=Z_C, k=g.k, n=g.n, rate=round(g.k / g.n, 4),
        ebn0_db=HIGH_DB, schedule=cfg.schedule, rule=cfg.rule, precision=cfg.precision,
        max_iterations=cfg.max_iterations, early_termination=cfg.early_termination,
        n_cb=n_cb, seconds=round(dt, 4), mbps_info=round(g.k * n_cb / dt / 1e6, 2),
        mean_iterations=None, bler=None, peak_mem_mb=round(peak / 2**20, 2),
        kernel_scratch_mb=round(scratch / 2**20, 2),
        input_llr_mb=round(llr.nbytes / 2**20, 1), **META,
    )


# ----------------------------------------------------------------- quality sweep
def sweep(bg, cfg, grid, n_cb, rng, target=1e-2, verbose=True):
    """BLER at increasing Eb/N0 until it is at or below ``target``."""
    points = []
    for ebn0 in grid:
        c, llr = make_batch(bg, CODES[bg], ebn0, n_cb, rng)
        res = ldpc_decode(llr, bg, Z_C, cfg)
        bler = float(np.mean(np.any(res.bits != c, axis=1)))
        points.append((ebn0, bler, n_cb))
        if verbose:
            print(f"  bg{bg} {cfg.schedule:8s} {cfg.rule:3s} {cfg.precision:7s} "
                  f"Eb/N0 {ebn0:4.2f} dB  BLER {bler:.4f}  ({n_cb} blocks, "
                  f"mean it {res.iterations.mean():.1f})", flush=True)
        if bler <= target:
            break
    return points


def quality(n_cb, as_json):
    rng = np.random.default_rng(SEED + 1)
    configs = {
        "layered_nms": LdpcDecoderConfig(),
        "layered_oms": LdpcDecoderConfig(rule="oms"),
        "layered_nms_int8": LdpcDecoderConfig(precision="int8"),
        "layered_oms_int8": LdpcDecoderConfig(precision="int8", rule="oms"),
        "flooding_spa": LdpcDecoderConfig(schedule="flooding", rule="spa"),
    }
    grids = {1: np.round(np.arange(0.4, 1.3, 0.1), 2), 2: np.round(np.arange(0.5, 1.4, 0.1), 2)}
    out = []
    for bg in (1, 2):
        crossings = {}
        for name, cfg in configs.items():
            pts = sweep(bg, cfg, grids[bg], n_cb, rng, verbose=not as_json)
            crossings[name] = bler_crossing(pts)
            rec = dict(name=f"quality_{name}", bg=bg, z_c=Z_C, n=CODES[bg],
                       schedule=cfg.schedule, rule=cfg.rule, precision=cfg.precision,
                       max_iterations=cfg.max_iterations, n_cb=n_cb,
                       points=[[x, b] for x, b, _ in pts],
                       ebn0_db_at_bler_1e2=crossings[name], **META)
            out.append(rec)
            if as_json:
                print(json.dumps(rec))
        spa = crossings["flooding_spa"]
        if as_json:
            continue
        print(f"BG{bg} Eb/N0 at BLER 1e-2 (20 iterations): "
              + ", ".join(f"{k} {v:.2f} dB" if v is not None else f"{k} n/a"
                          for k, v in crossings.items()))
        if spa is not None and crossings["layered_nms"] is not None:
            print(f"BG{bg} layered NMS - flooding SPA = {crossings['layered_nms'] - spa:+.2f} dB")
    return out


# ----------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--quick", action="store_true", help="fewer code blocks (< 1 min)")
    ap.add_argument("--quality", action="store_true", help="BLER sweeps (minutes)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    n_fast, n_slow = (300, 100) if args.quick else (3000, 1000)
    rows = []
    for bg in (1, 2):
        rows.append(encoder_row(bg, 200 if args.quick else 1000, rng))
    for bg in (1, 2):
        for precision in ("float32", "int8"):
            n_cb = n_slow if precision == "float32" else n_fast
            base = LdpcDecoderConfig(precision=precision)
            for label, ebn0, cfg in (
                ("waterfall", WATERFALL_DB[bg], base),
                ("high_snr", HIGH_DB, base),
                ("fixed5", HIGH_DB, LdpcDecoderConfig(precision=precision,
                                                      max_iterations=5,
                                                      early_termination=False)),
            ):
                rows.append(decode_row(f"decode_{label}", bg, ebn0, cfg, n_cb, rng))
        fast_oms = LdpcDecoderConfig(precision="int8", rule="oms")
        rows.append(decode_row("decode_waterfall", bg, WATERFALL_DB[bg], fast_oms, n_fast, rng))
    for precision in ("float32", "int8"):
        rows.append(memory_row(LdpcDecoderConfig(precision=precision),
                               200 if args.quick else 1000, rng))
    if args.json:
        for r in rows:
            print(json.dumps(r))
    else:
        print_table(rows)
    if args.quality:
        quality(100 if args.quick else 400, args.json)


def print_table(rows):
    print(f"# nrlink {META['nrlink']}, numba {META['numba']}, numpy {META['numpy']}, "
          f"{META['cpu']}, NUMBA_NUM_THREADS={META['numba_threads']}")
    hdr = (f"{'name':18s} {'bg':>2s} {'rate':>6s} {'Eb/N0':>5s} {'sched':8s} {'rule':4s} "
           f"{'prec':7s} {'it':>3s} {'ET':>2s} {'n_cb':>5s} {'sec':>7s} {'Mbit/s':>8s} "
           f"{'mean it':>7s} {'BLER':>7s} {'peak MB':>8s}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(
            f"{r['name']:18s} {r['bg']:>2d} {r['rate']:>6.3f} "
            f"{_s(r['ebn0_db'], '5.2f')} {_s(r['schedule'], '8s')} {_s(r['rule'], '4s')} "
            f"{_s(r['precision'], '7s')} {_s(r['max_iterations'], '3d')} "
            f"{_s(None if r['early_termination'] is None else int(r['early_termination']), '2d')} "
            f"{r['n_cb']:>5d} {r['seconds']:>7.3f} {r['mbps_info']:>8.1f} "
            f"{_s(r['mean_iterations'], '7.2f')} {_s(r['bler'], '7.4f')} "
            f"{_s(r['peak_mem_mb'], '8.1f')}"
            + (f"  (incl. kernel scratch {r['kernel_scratch_mb']:.2f} MB; "
               f"input LLRs {r['input_llr_mb']} MB not counted)"
               if "input_llr_mb" in r else "")
        )


def _s(v, fmt):
    width = int("".join(ch for ch in fmt.split(".")[0] if ch.isdigit()) or 0)
    return format(v, fmt) if v is not None else "-".rjust(width)


if __name__ == "__main__":
    main()
