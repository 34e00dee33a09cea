"""End-to-end PUSCH links (link/links.py): sanity, HARQ, errors before simulating."""

import numpy as np
import pytest

from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PuschConfig, TdlConfig
from nrlink.errors import ConfigError
from nrlink.link.harq import HarqConfig
from nrlink.link.links import PdschLink, PuschLink
from nrlink.rx.receiver import ReceiverConfig

CFG = PuschConfig(carrier=CarrierConfig(n_size_grid=24), mcs_index=14)


def test_awgn_high_snr_delivers_everything():
    r = PuschLink(CFG).run(15.0, 4, batch_size=4, rng=np.random.default_rng(1))
    assert r.bler == 0.0 and r.throughput == 1.0
    assert r.statistics.tbs_delivered == 16
    assert abs(r.sinr_db - 15.0) < 1.0


def test_awgn_low_snr_fails_and_harq_helps():
    """At 3 dB nothing passes first time; with 4 transmissions of IR, TBs get through."""
    no_harq = PuschLink(CFG, harq=HarqConfig(max_transmissions=1)).run(
        3.0, 8, batch_size=4, rng=np.random.default_rng(2))
    harq = PuschLink(CFG).run(3.0, 8, batch_size=4, rng=np.random.default_rng(2))
    assert no_harq.bler == 1.0 and no_harq.throughput == 0.0
    assert harq.throughput > 0.2


def test_reproducible_with_a_seed():
    a = PuschLink(CFG).run(7.5, 3, batch_size=4, rng=np.random.default_rng(5))
    b = PuschLink(CFG).run(7.5, 3, batch_size=4, rng=np.random.default_rng(5))
    assert a.statistics == b.statistics and a.sinr_db == b.sinr_db


def test_tdl_link_with_perfect_and_estimated_csi():
    ch = TdlConfig.from_name("TDLC300-100", num_tx=1, num_rx=2)
    for est in ("ls-linear", "perfect"):
        r = PuschLink(CFG, channel=ch, receiver=ReceiverConfig(channel_estimation=est)).run(
            25.0, 2, batch_size=4, rng=np.random.default_rng(3))
        assert r.bler <= 0.25 and np.isfinite(r.sinr_db)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"config": PuschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=2,
                            num_antenna_ports=2),
      "channel": TdlConfig.from_name("TDLA30-10", num_tx=2, num_rx=1)},
     r"num_layers=2 .* 1 receive antennas"),
    ({"config": CFG, "channel": TdlConfig.from_name("TDLA30-10", num_tx=2, num_rx=2)},
     r"2 transmit antennas but the transmission has 1"),
    ({"config": PuschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=2,
                            num_antenna_ports=2), "num_rx": 4},
     r"num_rx=4 is not allowed with 2 antenna ports over AWGN"),
    ({"config": CFG, "channel": "TDL-C"}, r"channel='TDL-C' is not allowed"),
    ({"config": {"mcs_index": 3}}, r"config must be a PuschConfig"),
])
def test_bad_links_fail_before_simulating(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PuschLink(**kwargs)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"snr_db": float("nan")}, "snr_db"),
    ({"num_slots": 0}, "num_slots"),
    ({"batch_size": 0}, "batch_size"),
    ({"rng": 3}, "rng"),
])
def test_run_arguments(kwargs, match):
    args = {"snr_db": 5.0, "num_slots": 1, "batch_size": 1, "rng": np.random.default_rng(0)}
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        PuschLink(CFG).run(args.pop("snr_db"), args.pop("num_slots"), **args)


def test_pdsch_two_codewords_awgn():
    """8 layers (two codewords) over an 8×8 identity channel: both TBs of every slot pass at
    high SNR; the SNR is per receive antenna with the transmit power ||W||² = 8 spread over
    the ports."""
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=8, mcs_index=10,
                      dmrs=DmrsConfig(length=2))
    r = PdschLink(cfg).run(25.0, 2, batch_size=2, rng=np.random.default_rng(4))
    assert r.statistics.tbs_delivered == 8 and r.bler == 0.0


def test_pdsch_4_layers_4_rx_tdl():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=12), num_layers=4, mcs_index=5)
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=10.0, num_tx=4, num_rx=4)
    r = PdschLink(cfg, channel=ch).run(30.0, 2, batch_size=4, rng=np.random.default_rng(6))
    assert r.bler <= 0.25 and np.isfinite(r.sinr_db)


def test_pusch_link_refuses_a_precoder():
    with pytest.raises(ConfigError, match="precoder is not allowed for PUSCH"):
        PuschLink(CFG, precoder=np.eye(1))


def test_time_domain_path_matches_the_grid_path():
    """The waveform path (OFDM, band-limited time-varying convolution, demodulation with the
    FFT window in the middle of the CP) gives the same post-equalisation SINR as the per-RE
    path at low Doppler, and decodes at high SNR."""
    ch = TdlConfig(model="TDL-A", delay_spread_ns=100.0, doppler_hz=5.0, num_rx=2)
    grid = PuschLink(CFG, channel=ch).run(20.0, 2, batch_size=4, rng=np.random.default_rng(8))
    wave = PuschLink(CFG, channel=ch, waveform=True).run(20.0, 2, batch_size=4,
                                                        rng=np.random.default_rng(8))
    assert wave.bler == grid.bler == 0.0
    assert abs(wave.sinr_db - grid.sinr_db) < 0.5
    with pytest.raises(ConfigError, match="waveform"):
        PuschLink(CFG, channel=ch, waveform="yes")


@pytest.mark.parametrize(("make", "match"), [
    (lambda: PuschConfig(carrier=CarrierConfig(n_size_grid=24), dmrs=DmrsConfig(ports=(0, 1))),
     r"dmrs.ports=\(0, 1\) is not allowed with num_layers=1"),
    (lambda: PdschConfig(carrier=CarrierConfig(n_size_grid=24), num_layers=2,
                         dmrs=DmrsConfig(ports=(0,))),
     r"dmrs.ports=\(0,\) is not allowed with num_layers=2"),
    (lambda: PuschConfig(carrier=CarrierConfig(n_size_grid=24), prb_start=20, n_prb=10),
     r"prb_start=20, n_prb=10 is not allowed: the allocation must lie inside the BWP"),
    (lambda: PdschConfig(carrier=CarrierConfig(n_size_grid=24), prb_start=20, n_prb=10),
     r"prb_start=20, n_prb=10 is not allowed: the allocation must lie inside the BWP"),
])
def test_inconsistent_configurations_fail_before_a_link_exists(make, match):
    """DM-RS ports that do not match the layers and allocations outside the BWP are refused
    when the configuration (and so the link) is built, before any slot is simulated."""
    with pytest.raises(ConfigError, match=match):
        cfg = make()
        (PuschLink if isinstance(cfg, PuschConfig) else PdschLink)(cfg)


def test_per_tb_results_agree_with_the_statistics():
    """Every transmission's CRC, bit errors, iterations, RV and SINR are returned, and they
    add up to the HARQ statistics."""
    ch = TdlConfig.from_name("TDLC300-100", num_tx=1, num_rx=2)
    r = PuschLink(CFG, channel=ch).run(8.0, 6, batch_size=4, rng=np.random.default_rng(11))
    t, s = r.per_tb, r.statistics
    assert t.ack.shape == t.bit_errors.shape == t.rv.shape == (6, 4, 1)
    assert t.sinr_db.shape == (6, 4) and t.tbs == (CFG.resources.tbs[0],)
    assert int(t.ack.sum()) == s.tbs_delivered
    assert int((~t.ack & t.new_data).sum()) == s.first_transmission_errors
    assert int(t.bit_errors[t.new_data].sum()) == s.first_transmission_bit_errors
    assert not t.bit_errors[t.tb_crc_ok].any()  # no undetected errors here
    assert (t.bit_errors[~t.tb_crc_ok] > 0).all()
    np.testing.assert_array_equal(t.rv, np.array([0, 2, 3, 1])[t.transmission_index])
    assert 0 < s.first_transmission_errors < 24 and r.ber == s.ber_first > 0
    assert ((t.iterations >= 1) & (t.iterations <= 25)).all()
    assert r.sinr_db == pytest.approx(float(np.mean(t.sinr_db)))
    # retransmissions follow NACKs of the same link
    nack = ~t.ack[:-1] & (t.transmission_index[:-1] < 3)
    assert (t.transmission_index[1:][nack] == t.transmission_index[:-1][nack] + 1).all()
    assert t.new_data[1:][~nack].all()


def test_per_tb_results_two_codewords():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=5, mcs_index=10,
                      dmrs=DmrsConfig(length=2))
    r = PdschLink(cfg).run(25.0, 2, batch_size=2, rng=np.random.default_rng(4))
    assert r.per_tb.ack.shape == (2, 2, 2) and r.per_tb.ack.all()
    assert r.per_tb.tbs == cfg.resources.tbs and len(set(r.per_tb.tbs)) == 2


def test_time_domain_path_finds_a_delayed_slot():
    """A propagation delay of 3.7 µs (longer than the 2.3 µs CP) is found from the DM-RS: the
    receiver starts each slot at the strongest path, a few samples after the delay, and the
    link performs as with no delay; the ideal-timing receiver starts at the delay."""
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=5.0, num_rx=2)
    delay, fs = 3.7e-6, 512 * 30e3
    base = PuschLink(CFG, channel=ch, waveform=True).run(20.0, 3, batch_size=4,
                                                          rng=np.random.default_rng(8))
    est = PuschLink(CFG, channel=ch, waveform=True, timing_offset_s=delay).run(
        20.0, 3, batch_size=4, rng=np.random.default_rng(8))
    ideal = PuschLink(CFG, channel=ch, waveform=True, timing_offset_s=delay,
                      receiver=ReceiverConfig(timing="ideal")).run(
        20.0, 3, batch_size=4, rng=np.random.default_rng(8))
    d = round(delay * fs)
    assert est.per_tb.timing_offset.shape == (3, 4)
    assert ((est.per_tb.timing_offset >= d) & (est.per_tb.timing_offset <= d + 5)).all()
    np.testing.assert_array_equal(est.per_tb.timing_offset - d, base.per_tb.timing_offset)
    assert (ideal.per_tb.timing_offset == d).all()
    assert est.bler == ideal.bler == base.bler == 0.0
    assert abs(est.sinr_db - base.sinr_db) < 0.5 and abs(ideal.sinr_db - base.sinr_db) < 0.5
    assert base.per_tb.timing_offset is not None
    grid = PuschLink(CFG, channel=ch).run(20.0, 1, batch_size=1, rng=np.random.default_rng(8))
    assert grid.per_tb.timing_offset is None


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"timing_offset_s": 1e-6}, r"timing_offset_s=1e-06 is not allowed without waveform"),
    ({"timing_offset_s": -1e-6, "waveform": True}, r"timing_offset_s=-1e-06 .* \[0, 0.00025\)"),
    ({"timing_offset_s": 3e-4, "waveform": True}, r"timing_offset_s=0.0003 is not allowed"),
    ({"receiver": {"timing": "late"}}, r"timing='late' is not allowed"),
])
def test_bad_timing_arguments(kwargs, match):
    ch = TdlConfig(model="TDL-C", delay_spread_ns=300.0, doppler_hz=5.0, num_rx=2)
    with pytest.raises(ConfigError, match=match):
        if isinstance(kwargs.get("receiver"), dict):
            kwargs = {"receiver": ReceiverConfig.from_dict(kwargs["receiver"])}
        PuschLink(CFG, channel=ch, **kwargs)


def test_waveform_needs_a_fading_channel():
    with pytest.raises(ConfigError, match="waveform=True is not allowed over AWGN"):
        PuschLink(CFG, waveform=True)


def test_drain_completes_every_transport_block():
    """With drain (default) the run ends only when every TB started is delivered or dropped:
    no truncation bias however few slots; the retransmission-only slots send no new data and
    leave links without a TB in flight idle."""
    ch = TdlConfig.from_name("TDLC300-100", num_tx=1, num_rx=2)
    r = PuschLink(CFG, channel=ch).run(4.0, 3, batch_size=4, rng=np.random.default_rng(12))
    s, t = r.statistics, r.per_tb
    assert s.tbs_started == s.tbs_completed == s.first_transmissions
    assert 3 <= t.ack.shape[0] <= 3 + 3
    assert not t.new_data[3:].any()
    assert not (t.ack | t.tb_crc_ok)[~t.active].any() and not t.bit_errors[~t.active].any()
    assert s.transmissions == int(t.active.sum())
    assert s.bits_max == s.transmissions * t.tbs[0]
    cut = PuschLink(CFG, channel=ch).run(4.0, 3, batch_size=4, rng=np.random.default_rng(12),
                                         drain=False)
    assert cut.per_tb.ack.shape[0] == 3 and cut.per_tb.active.all()
    assert cut.statistics.tbs_completed < cut.statistics.tbs_started
    with pytest.raises(ConfigError, match="drain"):
        PuschLink(CFG).run(4.0, 1, rng=np.random.default_rng(0), drain=1)


@pytest.mark.parametrize(("cfg", "match"), [
    (PuschConfig(carrier=CarrierConfig(n_size_grid=8), mcs_index=20),
     r"detector='ml' is not allowed with num_layers=1 and Q_m=6"),
    (PdschConfig(carrier=CarrierConfig(n_size_grid=8), num_layers=4, mcs_index=2),
     r"detector='ml' is not allowed with num_layers=4"),
    (PuschConfig(carrier=CarrierConfig(n_size_grid=8), mcs_index=2, transform_precoding=True,
                 mcs_table="tp-qam64"),
     r"detector='ml' is not allowed with transform_precoding=True"),
])
def test_ml_detector_limits_are_checked_when_the_link_is_built(cfg, match):
    ch = TdlConfig.from_name("TDLA30-10", num_tx=cfg.num_layers, num_rx=4)
    cls = PuschLink if isinstance(cfg, PuschConfig) else PdschLink
    with pytest.raises(ConfigError, match=match):
        cls(cfg, channel=ch, receiver=ReceiverConfig(detector="ml"))


def test_receiver_must_be_a_receiver_config():
    with pytest.raises(ConfigError, match="receiver=.* must be a ReceiverConfig"):
        PuschLink(CFG, receiver={"detector": "zf"})
    with pytest.raises(ConfigError, match="snr_db=True"):
        PuschLink(CFG).run(True, 1, rng=np.random.default_rng(0))
    r = PuschLink(CFG).run(np.int64(30), 1, batch_size=1, rng=np.random.default_rng(0))
    assert r.bler == 0.0


@pytest.mark.parametrize(("table", "mcs"), [("qam64", 27), ("qam256", 27), ("qam64LowSE", 28),
                                            ("qam1024", 20)])
def test_pdsch_every_mcs_table_over_8_receive_antennas(table, mcs):
    """MCS tables 1–4 (TS 38.214 Tables 5.1.3.1-1..-4), 2 layers over a 2x8 TDL channel with
    estimated channels: every TB of every slot decodes at high SNR."""
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=12), num_layers=2, mcs_table=table,
                      mcs_index=mcs)
    ch = TdlConfig(model="TDL-A", delay_spread_ns=30.0, doppler_hz=5.0, num_tx=2, num_rx=8)
    r = PdschLink(cfg, channel=ch, receiver=ReceiverConfig(channel_estimation="lmmse")).run(
        45.0, 2, batch_size=2, rng=np.random.default_rng(13))
    assert r.bler == 0.0 and r.statistics.tbs_delivered == 4
