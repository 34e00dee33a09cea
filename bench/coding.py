"""Throughput of the TS 38.212 / TS 38.211 coding blocks and of the whole TB chain, one core.

Usage: ``python bench/coding.py [--json]``

Rows: CRC24A attach and check, Gold sequence generation and scrambling, rate matching
and rate recovery, and transport-block encode (``encode_tb``) and decode (``decode_tb``,
noiseless LLRs, so the LDPC decoder stops after one iteration: the row measures the
chain around the decoder; ``bench/ldpc.py`` measures the decoder itself). Throughput is
in Mbit/s of the block's input bits (TB bits for the chain rows), best of 5 after a
warm-up call.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from _bench import best_time, emit, metadata  # noqa: E402

from nrlink.config import TransportBlockConfig  # noqa: E402
from nrlink.link.sch import decode_tb, encode_tb  # noqa: E402
from nrlink.spec.ts38211.prbs import gold_sequence  # noqa: E402
from nrlink.spec.ts38211.scrambling import scramble  # noqa: E402
from nrlink.spec.ts38212.crc import crc_attach, crc_check  # noqa: E402
from nrlink.spec.ts38212.ldpc import ldpc_encode  # noqa: E402
from nrlink.spec.ts38212.rate_matching import rate_match  # noqa: E402
from nrlink.spec.ts38212.sch import rate_recover_transport_block  # noqa: E402
from nrlink.spec.ts38212.segmentation import segment  # noqa: E402

SEED = 20261125


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    rows = []

    def row(name, bits, fn, **extra):
        t = best_time(fn)
        rows.append({"name": name, "bits": bits, "seconds": t, "mbps": bits / t / 1e6, **extra})

    a = rng.integers(0, 2, (100, 100_000), dtype=np.uint8)
    b = crc_attach(a, "24A")
    row("crc24a_attach", a.size, lambda: crc_attach(a, "24A"), batch="100 x 100000")
    row("crc24a_check", b.size, lambda: crc_check(b, "24A"), batch="100 x 100024")
    row("gold_sequence", 10**6, lambda: gold_sequence(0x1234567, 10**6), batch="1 x 1e6")
    f = rng.integers(0, 2, (8, 100_000), dtype=np.uint8)
    row("scramble", f.size, lambda: scramble(f, 12345), batch="8 x 100000")

    # A large 256QAM 4-layer PDSCH-like TB: A = 100,000 bits, C = 12 code blocks, BG1.
    cfg = TransportBlockConfig(tbs=100_000, target_code_rate=0.75, g=133_344, qm=8, layers=4)
    p = cfg.plan
    tb = rng.integers(0, 2, (8, cfg.tbs), dtype=np.uint8)
    cw = encode_tb(tb, cfg)
    llr = (8.0 * (1.0 - 2.0 * cw)).astype(np.float32)
    cbs = segment(crc_attach(tb, p.tb_crc), p.seg)
    d = ldpc_encode(cbs, p.seg.bg, p.seg.z_c)
    def rm():
        return rate_match(d, bg=p.seg.bg, z_c=p.seg.z_c, k=p.seg.k, k_prime=p.seg.k_prime,
                          e=p.e, rv=0, n_cb=p.n_cb, qm=p.qm)

    desc = f"8 TBs, A={cfg.tbs}, C={p.c}, BG{p.seg.bg}, Z_c={p.seg.z_c}, G={cfg.g}"
    row("rate_match", cw.size, rm, batch=desc)
    row("rate_recover", cw.size, lambda: rate_recover_transport_block(llr, p), batch=desc)
    row("encode_tb", tb.size, lambda: encode_tb(tb, cfg), batch=desc)
    row("decode_tb_noiseless", tb.size, lambda: decode_tb(llr, cfg), batch=desc)
    emit(rows, metadata(SEED), args.json,
         [("name", "block", "s"), ("mbps", "Mbit/s", ".0f"), ("seconds", "seconds", ".5f"),
          ("batch", "batch", "s")])


if __name__ == "__main__":
    main()
