"""Time-domain and frequency-domain application of one TDL realisation agree (issue 4).

The same realisation is evaluated at every sample (time-domain convolution of the OFDM
slot, then OFDM demodulation) and at the centre of each FFT window (per-RE channel applied
to the grid). At low Doppler and with every path inside the cyclic prefix the two differ
only by the intra-symbol time variation and the fractional-delay interpolation.
"""

import numpy as np
import pytest

from nrlink.channel import (
    TdlChannel,
    apply_ofdm_channel,
    apply_time_channel,
    ofdm_channel,
    ofdm_symbol_times,
    sample_times,
)
from nrlink.config import TdlConfig
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.ofdm import ofdm_demodulate, ofdm_modulate

MU, FFT, N_SC, SCS = 1, 1024, 52 * 12, 30e3
FS = FFT * SCS


def _nmse_db(model: str, delay_spread_ns: float | None, doppler_hz: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    cfg = TdlConfig(model=model, delay_spread_ns=delay_spread_ns, doppler_hz=doppler_hz,
                    num_tx=2, num_rx=2, correlation="medium")
    real = TdlChannel(cfg).realise(2, rng=rng)
    bits = rng.integers(0, 2, (2, 2, 14 * N_SC * 2), dtype=np.uint8)
    grid = modulate(bits, 2).reshape(2, 2, 14, N_SC)
    x = ofdm_modulate(grid, mu=MU, fft_size=FFT)
    y = apply_time_channel(x, real.cir(sample_times(x.shape[-1], FS)), sample_rate_hz=FS)
    # Window in the middle of the CP: the band-limited (sinc) taps reach a few samples
    # before each path, which a window right after the CP would see as ISI.
    y_time = ofdm_demodulate(y, mu=MU, fft_size=FFT, n_sc=N_SC, cp_fraction=0.5)
    h = ofdm_channel(real.cir(ofdm_symbol_times(mu=MU, fft_size=FFT, cp_fraction=0.5)),
                     n_sc=N_SC, scs_hz=SCS)
    y_freq = apply_ofdm_channel(grid, h)
    err = np.sum(np.abs(y_time - y_freq) ** 2) / np.sum(np.abs(y_freq) ** 2)
    return 10 * np.log10(err)


@pytest.mark.parametrize("model", ["TDL-A", "TDL-C"])
def test_time_and_frequency_domain_agree_100ns_5hz(model):
    """Acceptance: NMSE ≤ −30 dB for a 100 ns TDL at 5 Hz Doppler (measured ≈ −54 dB; the
    −45 dB bound also catches a per-RE channel evaluated at the wrong instant)."""
    assert _nmse_db(model, 100.0, 5.0, seed=1) <= -45.0


def test_agreement_degrades_with_doppler_as_expected():
    """Inter-carrier interference grows with Doppler: at 300 Hz (TDLA30-300) the paths agree
    to ≈ −38.6 dB with the channel taken at the FFT-window centres; taking it at the window
    start gives ≈ −32.7 dB, one window early ≈ −27.6 dB, so −35 dB pins the convention."""
    low = _nmse_db("TDLA30", None, 5.0, seed=2)
    high = _nmse_db("TDLA30", None, 300.0, seed=2)
    assert low <= -45.0 and low < high <= -35.0
