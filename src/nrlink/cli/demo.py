"""A small LDPC BLER demo: transport blocks over BPSK-AWGN, one table per code rate.

Run with ``make demo`` or ``python -m nrlink.cli.demo [--tbs 3000] [--blocks 400]``.
A later release replaces it with a campaign (sweep engine, results database).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from nrlink import __version__
from nrlink.config import TransportBlockConfig
from nrlink.link.sch import decode_tb, encode_tb
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (95 % for z = 1.96)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def run_point(cfg: TransportBlockConfig, ebn0_db: float, n_blocks: int, batch: int,
              rng: np.random.Generator, decoder: LdpcDecoderConfig):
    """Simulate ``n_blocks`` transport blocks at one Eb/N0; return (errors, n, mean iters)."""
    rate = cfg.tbs / cfg.g  # information bits per coded (BPSK) bit
    sigma2 = 1.0 / (2.0 * rate * 10 ** (ebn0_db / 10))
    errors = done = 0
    iters = 0.0
    while done < n_blocks:
        m = min(batch, n_blocks - done)
        bits = rng.integers(0, 2, (m, cfg.tbs), dtype=np.uint8)
        x = 1.0 - 2.0 * encode_tb(bits, cfg).astype(np.float32)  # BPSK: 0 -> +1, 1 -> -1
        y = x + np.float32(math.sqrt(sigma2)) * rng.standard_normal(x.shape, dtype=np.float32)
        res = decode_tb(y * np.float32(2.0 / sigma2), cfg, decoder=decoder)
        errors += int(np.count_nonzero(~res.tb_crc_ok | (res.bits != bits).any(axis=-1)))
        iters += float(res.iterations.mean()) * m
        done += m
    return errors, done, iters / done


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tbs", type=int, default=3000, help="transport block size A (bits)")
    ap.add_argument("--blocks", type=int, default=2000, help="transport blocks per point")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)

    decoder = LdpcDecoderConfig()
    print(f"nrlink {__version__} — LDPC BLER demo: TB of A = {args.tbs} bits, BPSK over AWGN, "
          f"{decoder.schedule} {decoder.rule}, ≤ {decoder.max_iterations} iterations, "
          f"{args.blocks} TBs per point, seed {args.seed}")
    root = np.random.SeedSequence(args.seed)
    for (rate, grid), seq in zip(
        [(1 / 3, [0.25, 0.5, 0.75, 1.0]), (1 / 2, [1.0, 1.25, 1.5, 1.75]),
         (2 / 3, [1.75, 2.0, 2.25, 2.5])], root.spawn(3), strict=True
    ):
        g = int(round(args.tbs / rate))
        cfg = TransportBlockConfig(tbs=args.tbs, target_code_rate=min(rate, 0.9), g=g, qm=1)
        p = cfg.plan
        print(f"\nR = {args.tbs}/{g} ≈ {rate:.3f}: BG{p.seg.bg}, C = {p.c}, Z_c = {p.seg.z_c}, "
              f"K = {p.seg.k}, N = {p.seg.n}")
        print(f"{'Eb/N0 [dB]':>10} {'TBs':>6} {'errors':>7} {'BLER':>9} {'95% CI':>21} "
              f"{'iters':>6} {'time [s]':>8}")
        for ebn0, pseq in zip(grid, seq.spawn(len(grid)), strict=True):
            t0 = time.perf_counter()
            err, n, it = run_point(cfg, ebn0, args.blocks, 100, np.random.default_rng(pseq),
                                   decoder)
            lo, hi = wilson_interval(err, n)
            print(f"{ebn0:>10.2f} {n:>6d} {err:>7d} {err / n:>9.2e} [{lo:>8.2e}, {hi:>8.2e}] "
                  f"{it:>6.2f} {time.perf_counter() - t0:>8.2f}")


if __name__ == "__main__":
    main()
