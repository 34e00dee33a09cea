"""The receive chain (rx/receiver.py): noiseless loopback and the Sionna interop check."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PuschConfig
from nrlink.errors import ConfigError
from nrlink.link.pdsch import PdschTransmitter
from nrlink.link.pusch import PuschTransmitter
from nrlink.link.sch import decode_tb
from nrlink.rx.receiver import ReceiverConfig, receive_llr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "link"))
from test_pusch import _config_from_vector  # noqa: E402


@pytest.mark.parametrize("case", ["case0", "case1", "case2", "case3"])
def test_pusch_grid_vectors_decode_to_the_stored_tb(vectors, case):
    """Interop: Sionna's transmitted PUSCH grids, received over an identity channel (one
    receive antenna per port) without noise, decode to the stored TB bits with estimated
    channels (the DM-RS also carries the precoder)."""
    v = vectors("pusch_grid")
    cfg = _config_from_vector(v, case)
    out = receive_llr(v[f"{case}_grid"], cfg)
    res = decode_tb(out.llr[0], cfg.resources.tb_configs[0])
    assert res.tb_crc_ok.all()
    np.testing.assert_array_equal(res.bits, v[f"{case}_b"])


def _loopback(cfg, tx, bits_list, n_rx, rng, receiver):
    grid = tx.grid(bits_list if len(bits_list) > 1 else bits_list[0])  # (B, ports, ...)
    ports = grid.shape[1]
    h = (rng.standard_normal((n_rx, ports)) + 1j * rng.standard_normal((n_rx, ports)))
    y = np.einsum("rp,bpsk->brsk", h.astype(np.complex64), grid)
    return receive_llr(y, cfg, receiver)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), layers=st.sampled_from([1, 2, 4]),
       config_type=st.sampled_from([1, 2]), length=st.sampled_from([1, 2]),
       add_pos=st.integers(0, 1), tp=st.booleans(), mcs=st.integers(0, 27))
def test_pusch_noiseless_loopback(seed, layers, config_type, length, add_pos, tp, mcs):
    """Random valid PUSCH, random flat MIMO channel, no noise, estimated channel → every
    TB bit recovered."""
    rng = np.random.default_rng(seed)
    if tp:
        layers, config_type = 1, 1
    try:
        cfg = PuschConfig(
            carrier=CarrierConfig(n_size_grid=int(rng.integers(4, 30))), n_prb=None,
            num_layers=layers, num_antenna_ports=layers, precoding="non-codebook",
            transform_precoding=tp, mcs_table="tp-qam64" if tp else "qam64", mcs_index=mcs,
            dmrs=DmrsConfig(config_type=config_type, length=length, additional_position=add_pos,
                            num_cdm_groups_without_data=2),
        )
    except (ConfigError, NotImplementedError):
        return
    tx = PuschTransmitter(cfg)
    bits = rng.integers(0, 2, (2, tx.tbs), dtype=np.uint8)
    out = _loopback(cfg, tx, [bits], layers + int(rng.integers(0, 2)), rng, None)
    res = decode_tb(out.llr[0], cfg.resources.tb_configs[0])
    assert res.tb_crc_ok.all()
    np.testing.assert_array_equal(res.bits, bits)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), layers=st.sampled_from([1, 2, 3, 4, 6, 8]),
       config_type=st.sampled_from([1, 2]), table=st.sampled_from(["qam64", "qam256"]))
def test_pdsch_noiseless_loopback(seed, layers, config_type, table):
    """Random valid PDSCH (up to 8 layers / two codewords), random flat channel, no noise,
    estimated channel → every TB of every codeword recovered."""
    rng = np.random.default_rng(seed)
    length = 2 if layers > (4 if config_type == 1 else 6) else 1
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=int(rng.integers(3, 20))),
                      num_layers=layers, mcs_table=table, mcs_index=int(rng.integers(0, 20)),
                      dmrs=DmrsConfig(config_type=config_type, length=length,
                                      num_cdm_groups_without_data=config_type + 1))
    tx = PdschTransmitter(cfg)
    bits = [rng.integers(0, 2, (1, t), dtype=np.uint8) for t in tx.tbs]
    out = _loopback(cfg, tx, bits, layers, rng, None)
    for q, tb_cfg in enumerate(cfg.resources.tb_configs):
        res = decode_tb(out.llr[q], tb_cfg)
        assert res.tb_crc_ok.all()
        np.testing.assert_array_equal(res.bits, bits[q])


@pytest.mark.parametrize("detector", ["lmmse", "zf", "ml"])
@pytest.mark.parametrize("estimation", ["ls-linear", "lmmse"])
def test_detectors_and_estimators_loopback(detector, estimation):
    rng = np.random.default_rng(3)
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=12), num_layers=2,
                      num_antenna_ports=2, precoding="codebook", tpmi=1, mcs_index=12)
    tx = PuschTransmitter(cfg)
    bits = rng.integers(0, 2, (2, tx.tbs), dtype=np.uint8)
    out = _loopback(cfg, tx, [bits], 2, rng,
                    ReceiverConfig(detector=detector, channel_estimation=estimation))
    res = decode_tb(out.llr[0], cfg.resources.tb_configs[0])
    np.testing.assert_array_equal(res.bits, bits)


def test_perfect_csi_needs_the_channel():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=4))
    y = np.zeros((1, 1, 14, 48), np.complex64)
    with pytest.raises(ConfigError, match="perfect"):
        receive_llr(y, cfg, ReceiverConfig(channel_estimation="perfect"))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"channel_estimation": "ideal"}, "channel_estimation"),
    ({"detector": "mmse"}, "detector"),
    ({"demapper": "exact"}, "demapper"),
    ({"delay_spread_s": -1.0}, "delay_spread_s"),
])
def test_receiver_config_validation(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        ReceiverConfig(**kwargs)


def test_grid_shape_and_layers_checked():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=4), num_layers=2, num_antenna_ports=2)
    with pytest.raises(ConfigError, match="y.shape"):
        receive_llr(np.zeros((1, 2, 14, 47), np.complex64), cfg)
    with pytest.raises(ConfigError, match="num_layers=2 .* 1 receive antennas"):
        receive_llr(np.zeros((1, 1, 14, 48), np.complex64), cfg)
    assert json  # (imported for the vector helper's JSON)
