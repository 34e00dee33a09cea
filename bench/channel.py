"""Cost of generating and applying TR 38.901 channels, one core.

Usage: ``python bench/channel.py [--json]``

Rows, each for one 52-PRB, 30 kHz slot (14 OFDM symbols, 624 subcarriers, FFT 1024) and
one channel realisation, in ms per slot (best of 5 after a warm-up call):

* ``tdlc_4x4_freq``: TDL-C (24 taps, 300 ns, 100 Hz, medium correlation) 4×4 drawn, evaluated at
  the 14 symbol instants, turned into the per-RE channel and applied to the grid — the
  acceptance row of issue 4 (target ≤ 1 ms); ``..._realise``, ``..._cir``,
  ``..._ofdm_channel``, ``..._apply`` split it up; ``tdlc300_4x4_freq``: the same with
  the 12-tap TS 38.101-4 profile TDLC300-100;
* ``tdlc_4x4_time``: the same channel evaluated at every sample and applied to the
  time-domain slot by band-limited convolution; ``tdlc_4x4_time_coarse``: coefficients
  every 16 samples, linearly interpolated (what a simulation at low Doppler would use);
* ``cdlc_4x4_freq``: CDL-C (300 ns, 3 m/s at 3.5 GHz, cross-polarised 1×2×2 arrays)
  drawn and applied in the frequency domain;
* ``awgn_4rx``: complex noise on the 4 × 14 × 624 received grid.
"""

from __future__ import annotations

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

import argparse  # noqa: E402

import numpy as np  # noqa: E402
from _bench import best_time, emit, metadata  # noqa: E402

from nrlink.channel import (  # noqa: E402
    CdlChannel,
    TdlChannel,
    apply_ofdm_channel,
    apply_time_channel,
    awgn,
    ofdm_channel,
    ofdm_symbol_times,
    sample_times,
)
from nrlink.config import AntennaArrayConfig, CdlConfig, TdlConfig  # noqa: E402
from nrlink.spec.ts38211.ofdm import ofdm_modulate  # noqa: E402

SEED = 20261125
MU, FFT, N_SC, SCS = 1, 1024, 52 * 12, 30e3
FS = FFT * SCS


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    rows = []

    def row(name, fn, desc):
        t = best_time(fn)
        rows.append({"name": name, "ms": t * 1e3, "seconds": t, "batch": desc})

    grid = (rng.standard_normal((1, 4, 14, N_SC))
            + 1j * rng.standard_normal((1, 4, 14, N_SC))).astype(np.complex64)
    t_sym = ofdm_symbol_times(mu=MU, fft_size=FFT)
    tdl = TdlChannel(TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=100.0,
                               num_tx=4, num_rx=4, correlation="medium"))
    desc = "TDL-C (24 taps) 300 ns 100 Hz 4x4 medium, 52 PRB 30 kHz slot, 1 realisation"

    def freq():
        cir = tdl.realise(1, rng=rng).cir(t_sym)
        return apply_ofdm_channel(grid, ofdm_channel(cir, n_sc=N_SC, scs_hz=SCS))

    real = tdl.realise(1, rng=rng)
    cir = real.cir(t_sym)
    h = ofdm_channel(cir, n_sc=N_SC, scs_hz=SCS)
    row("tdlc_4x4_freq", freq, desc)
    row("tdlc_4x4_freq_realise", lambda: tdl.realise(1, rng=rng), desc)
    row("tdlc_4x4_freq_cir", lambda: real.cir(t_sym), desc)
    row("tdlc_4x4_freq_ofdm_channel", lambda: ofdm_channel(cir, n_sc=N_SC, scs_hz=SCS), desc)
    row("tdlc_4x4_freq_apply", lambda: apply_ofdm_channel(grid, h), desc)

    x = ofdm_modulate(grid, mu=MU, fft_size=FFT)
    t_all = sample_times(x.shape[-1], FS)
    t_coarse = sample_times(x.shape[-1] // 16 + 1, FS / 16)

    def time_exact():
        c = tdl.realise(1, rng=rng).cir(t_all)
        return apply_time_channel(x, c, sample_rate_hz=FS)

    def time_coarse():
        c = tdl.realise(1, rng=rng).cir(t_coarse)
        return apply_time_channel(x, c, sample_rate_hz=FS)

    t300 = TdlChannel(TdlConfig(model="TDLC300", doppler_hz=100.0, num_tx=4, num_rx=4,
                                correlation="medium"))

    def freq300():
        c = t300.realise(1, rng=rng).cir(t_sym)
        return apply_ofdm_channel(grid, ofdm_channel(c, n_sc=N_SC, scs_hz=SCS))

    row("tdlc300_4x4_freq", freq300, "TDLC300-100 (12 taps) 4x4 medium, 52 PRB 30 kHz slot")
    row("tdlc_4x4_time", time_exact, desc + f", {x.shape[-1]} samples, every sample")
    row("tdlc_4x4_time_coarse", time_coarse, desc + ", coefficients every 16 samples")

    arr = AntennaArrayConfig(num_rows=1, num_cols=2, polarization="cross")
    cdl = CdlChannel(CdlConfig(model="CDL-C", delay_spread_ns=300.0, ue_speed_mps=3.0,
                               carrier_frequency_hz=3.5e9, tx_array=arr, rx_array=arr))

    def cdl_freq():
        c = cdl.realise(1, rng=rng).cir(t_sym)
        return apply_ofdm_channel(grid, ofdm_channel(c, n_sc=N_SC, scs_hz=SCS))

    row("cdlc_4x4_freq", cdl_freq, "CDL-C 300 ns 3 m/s 3.5 GHz, 1x2x2 arrays, 52 PRB slot")
    y = apply_ofdm_channel(grid, h)
    row("awgn_4rx", lambda: awgn(y, 0.1, rng=rng), "4 x 14 x 624 REs")
    emit(rows, metadata(SEED), args.json,
         [("name", "block", "s"), ("ms", "ms/slot", ".3f"), ("batch", "configuration", "s")])


if __name__ == "__main__":
    main()
