"""Throughput of the TS 38.211 physical-layer blocks, one core.

Usage: ``python bench/phy.py [--json]``

Rows: modulation, soft demapping (max-log and exact log-MAP, per-RE noise variance) and
hard demapping for each QAM order, in M LLR/s (M bits/s for the mappers); OFDM
modulation + demodulation of one slot (273 PRB at 30 kHz, FFT 4096, normal CP, one port)
in ms per slot; transform precoding of a 270-PRB slot; the PUSCH transmitter (TB bits to
resource grid) in ms per slot. Best of 5 after a warm-up call.

Acceptance targets (issue 3): max-log 256QAM ≥ 50 M LLR/s; OFDM mod + demod ≤ 5 ms.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from _bench import best_time, emit, metadata  # noqa: E402

from nrlink.config import CarrierConfig, PuschConfig  # noqa: E402
from nrlink.link.pusch import PuschTransmitter  # noqa: E402
from nrlink.rx.demapping import demap_llr, hard_demap  # noqa: E402
from nrlink.spec.ts38211.modulation import modulate  # noqa: E402
from nrlink.spec.ts38211.ofdm import ofdm_demodulate, ofdm_modulate  # noqa: E402
from nrlink.spec.ts38211.precoding import transform_precode  # noqa: E402

SEED = 20261125


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    ap.add_argument("--quick", action="store_true", help="smaller inputs (smoke test)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    rows = []
    n_sym = 100_000 if args.quick else 1_000_000

    def row(name, fn, *, unit, per, **extra):
        t = best_time(fn)
        r = {"name": name, "seconds": t, **extra}
        if unit == "ms":
            r["ms"] = t * 1e3 / per
        else:
            r["mps"] = per / t / 1e6
        r["unit"] = unit
        rows.append(r)

    for qm in (2, 4, 6, 8, 10):
        bits = rng.integers(0, 2, (1, n_sym * qm), dtype=np.uint8)
        x = modulate(bits, qm)
        nv = rng.uniform(0.05, 0.2, x.shape).astype(np.float32)
        y = (x + np.sqrt(nv / 2) * (rng.standard_normal(x.shape)
                                    + 1j * rng.standard_normal(x.shape))).astype(np.complex64)
        desc = f"{n_sym} symbols, per-RE noise variance"
        row(f"modulate_qm{qm}", lambda b=bits, q=qm: modulate(b, q), unit="Mbit/s",
            per=bits.size, batch=desc)
        row(f"demap_maxlog_qm{qm}", lambda y=y, q=qm, nv=nv: demap_llr(y, q, nv),
            unit="M LLR/s", per=bits.size, batch=desc)
        row(f"demap_logmap_qm{qm}",
            lambda y=y, q=qm, nv=nv: demap_llr(y, q, nv, method="logmap"),
            unit="M LLR/s", per=bits.size, batch=desc)
        row(f"hard_demap_qm{qm}", lambda y=y, q=qm: hard_demap(y, q), unit="Mbit/s",
            per=bits.size, batch=desc)

    n_sc = 273 * 12
    grid = (rng.standard_normal((14, n_sc)) + 1j * rng.standard_normal((14, n_sc))).astype(
        np.complex64)
    kw = dict(mu=1, cp="normal", fft_size=4096, slot=0)

    def mod_demod():
        return ofdm_demodulate(ofdm_modulate(grid, **kw), n_sc=n_sc, **kw)

    desc = "1 slot, 273 PRB, 30 kHz, FFT 4096, normal CP, 1 port"
    row("ofdm_modulate", lambda: ofdm_modulate(grid, **kw), unit="ms", per=1, batch=desc)
    row("ofdm_mod_demod", mod_demod, unit="ms", per=1, batch=desc)
    m_sc = 270 * 12  # 273 = 3·7·13 is not a transform-precoding size; 270 = 2·3³·5 is
    x = grid[:, :m_sc].reshape(1, -1)
    row("transform_precode", lambda: transform_precode(x, m_sc), unit="ms", per=1,
        batch="1 slot, 270 PRB (M_sc = 3240), 14 symbols")

    # PUSCH transmitter: 273 PRB at 30 kHz, 256QAM, 4 layers, DM-RS type 1, one slot.
    cfg = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=273), mcs_table="qam256",
                      mcs_index=20, num_layers=4, num_antenna_ports=4)
    tx = PuschTransmitter(cfg)
    tb = rng.integers(0, 2, (1, tx.tbs), dtype=np.uint8)
    row("pusch_tx_grid", lambda: tx.grid(tb), unit="ms", per=1,
        batch=f"1 slot, 273 PRB, 256QAM, 4 layers, TBS {tx.tbs}")

    emit(rows, metadata(SEED), args.json,
         [("name", "block", "s"), ("mps", "M/s", ".1f"), ("unit", "unit", "s"),
          ("ms", "ms/slot", ".3f"), ("seconds", "seconds", ".5f"), ("batch", "batch", "s")])


if __name__ == "__main__":
    main()
