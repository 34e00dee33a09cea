"""TransportBlockLink (link/coding.py): TBs over QAM-AWGN with HARQ."""

import numpy as np
import pytest

from nrlink.config import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.link.coding import TransportBlockLink
from nrlink.link.harq import HarqConfig

CFG = TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2400, qm=4)


def test_waterfall_and_harq_gain():
    """16QAM rate ~0.42: fails at 2 dB, passes at 12 dB; at 4 dB the IR retransmissions
    deliver most TBs that the first transmission lost."""
    rng = np.random.default_rng(3)
    lo = TransportBlockLink(CFG, harq=HarqConfig(max_transmissions=1)).run(2.0, 4, batch_size=8,
                                                                           rng=rng)
    hi = TransportBlockLink(CFG).run(12.0, 4, batch_size=8, rng=rng)
    mid = TransportBlockLink(CFG).run(4.0, 8, batch_size=8, rng=rng)
    assert lo.bler == 1.0 and lo.throughput == 0.0 and lo.ber > 0.01
    assert hi.bler == 0.0 and hi.throughput == 1.0 and hi.ber == 0.0
    assert mid.bler > 0.5 and mid.throughput > 0.3
    assert mid.statistics.delivered_at[1] > 0
    assert hi.per_tb.ack.shape == (4, 8, 1) and hi.sinr_db == 12.0


def test_reproducible_and_statistics_consistent():
    a = TransportBlockLink(CFG).run(5.0, 5, batch_size=4, rng=np.random.default_rng(9))
    b = TransportBlockLink(CFG).run(5.0, 5, batch_size=4, rng=np.random.default_rng(9))
    assert a.statistics == b.statistics
    t = a.per_tb
    assert int(t.ack.sum()) == a.statistics.tbs_delivered
    assert int(t.bit_errors[t.new_data].sum()) == a.statistics.first_transmission_bit_errors


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"tb_config": {"tbs": 100}}, "tb_config"),
    ({"tb_config": CFG, "demapper": "exact"}, "demapper='exact'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        TransportBlockLink(**kwargs)
    with pytest.raises(ConfigError, match="num_slots"):
        TransportBlockLink(CFG).run(1.0, 0, rng=np.random.default_rng(0))


def test_drain_gives_the_true_residual_bler_of_short_runs():
    """At an SNR where nothing decodes, a 2-slot run with 4 transmissions still ends with
    every TB dropped: residual BLER 1, throughput 0 (without drain: no TB completes)."""
    r = TransportBlockLink(CFG).run(-4.0, 2, batch_size=8, rng=np.random.default_rng(1))
    s = r.statistics
    assert s.tbs_started == s.tbs_failed == 8 and s.residual_bler == 1.0  # slot 2 is a
    assert s.throughput == 0.0 and s.transmissions == 32  # retransmission, 2 drain slots
    assert r.per_tb.ack.shape == (4, 8, 1) and r.per_tb.active.all()
    cut = TransportBlockLink(CFG).run(-4.0, 2, batch_size=8, rng=np.random.default_rng(1),
                                      drain=False)
    assert cut.statistics.tbs_completed == 0
