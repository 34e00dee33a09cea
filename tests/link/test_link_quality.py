"""Link quality against the issue's references (long: ``pytest -m slow``).

Tolerances are binomial: with n TBs at true BLER p the count of errors has standard
deviation sqrt(n p (1 − p)); the bounds below leave more than 4 of them.
"""

import numpy as np
import pytest

from nrlink.config import CarrierConfig, DmrsConfig, PuschConfig, TdlConfig
from nrlink.link.harq import HarqConfig
from nrlink.link.links import PuschLink
from nrlink.rx.receiver import ReceiverConfig

AWGN_CFG = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=52), mcs_index=14,
                       mcs_table="qam64", dmrs=DmrsConfig(config_type=1, additional_position=1))


def _bler(est: str, snr: float, tbs: int = 1000, seed: int = 5) -> float:
    link = PuschLink(AWGN_CFG, receiver=ReceiverConfig(channel_estimation=est),
                     harq=HarqConfig(max_transmissions=1))
    return link.run(snr, tbs // 50, batch_size=50, rng=np.random.default_rng(seed)).bler


@pytest.mark.slow
def test_awgn_bler_10pct_point_is_at_most_8db_and_better_csi_helps():
    """PUSCH 52 PRB MCS 14, 1 rx, LS + linear + LMMSE: BLER ≤ 10 % at 8.0 dB (the issue's
    bound; nrlink measures ≈ 0.001 there), and at 7.25 dB (LS BLER ≈ 0.85) LMMSE
    estimation and perfect CSI do much better than LS."""
    assert _bler("ls-linear", 8.0) <= 0.1
    ls, lmmse, perfect = (_bler(e, 7.25) for e in ("ls-linear", "lmmse", "perfect"))
    assert ls > 0.5 and lmmse < ls - 0.2 and perfect < lmmse


@pytest.mark.slow
def test_fading_harq_throughput_reaches_95pct_and_beats_no_harq():
    """TDL-C 300 ns / 100 Hz, 2 rx, MCS 16: throughput with HARQ ≥ 95 % at 12 dB, and near
    the 30 % BLER point (8 dB) clearly above the throughput without HARQ."""
    pusch = PuschConfig(carrier=CarrierConfig(scs_khz=30, n_size_grid=52), mcs_index=16)
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=100.0, num_rx=2)
    rng = np.random.default_rng(7)
    high = PuschLink(pusch, channel=ch).run(12.0, 20, batch_size=25, rng=rng)
    assert high.throughput >= 0.95
    harq = PuschLink(pusch, channel=ch).run(8.0, 20, batch_size=25, rng=rng)
    plain = PuschLink(pusch, channel=ch, harq=HarqConfig(max_transmissions=1)).run(
        8.0, 20, batch_size=25, rng=rng)
    assert 0.15 < plain.bler < 0.6
    assert harq.throughput > plain.throughput + 0.1
