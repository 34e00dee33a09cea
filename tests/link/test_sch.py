"""Transport-block encode/decode (TS 38.212 §7.2 / §6.2) end to end."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrlink.config import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.link.sch import decode_tb, encode_tb, new_harq_buffer
from nrlink.spec.ts38211.scrambling import c_init_pdsch, c_init_pusch, scramble
from nrlink.spec.ts38212.ldpc import ldpc_encode, lifted_graph
from nrlink.spec.ts38212.rate_matching import rate_match

LLR_NOISELESS = 8.0  # |LLR| of an error-free observation


def noiseless_llr(f: np.ndarray) -> np.ndarray:
    return (LLR_NOISELESS * (1.0 - 2.0 * f)).astype(np.float32)


def _cases(v):
    return sorted({k.split("_")[0] for k in v}, key=lambda c: int(c[4:]))


def test_tb_encode_matches_sionna_with_scrambling(vectors):
    """TB CRC → segmentation → LDPC → rate matching → concatenation → scrambling."""
    v = vectors("tb_encode")
    cases = _cases(v)
    assert len(cases) == 4
    for case in cases:
        p = json.loads(str(v[f"{case}_params"]))
        a = int(v[f"{case}_tb_size"])
        cfg = TransportBlockConfig(tbs=a, target_code_rate=p["target_coderate"],
                                   g=p["num_coded_bits"], qm=p["num_bits_per_symbol"],
                                   layers=p["num_layers"])
        assert cfg.plan.c == int(v[f"{case}_num_cbs"]), case
        if p["channel_type"] == "PUSCH":
            c_init = c_init_pusch(p["n_rnti"], p["n_id"])
        else:
            c_init = c_init_pdsch(p["n_rnti"], p["n_id"], 0)
        f = encode_tb(v[f"{case}_b"], cfg)
        np.testing.assert_array_equal(scramble(f, c_init), v[f"{case}_c"], err_msg=case)


def test_ldpc_encode_ratematch_matches_sionna(vectors):
    """One code block (no CRC), filler bits, LDPC and rate matching RV 0, N_cb = N."""
    v = vectors("ldpc_encode_ratematch")
    cases = _cases(v)
    assert len(cases) == 10
    for case in cases:
        k, n, qm, bg, z_c = (int(v[f"{case}_{x}"]) for x in ("k", "n", "qm", "bg", "zc"))
        g = lifted_graph(bg, z_c)
        u = v[f"{case}_u"]
        c = np.zeros((u.shape[0], 1, g.k), np.uint8)
        c[:, 0, :k] = u
        d = ldpc_encode(c, bg, z_c)
        f = rate_match(d, bg=bg, z_c=z_c, k=g.k, k_prime=k, e=[n], rv=0, n_cb=g.n,
                       qm=qm if qm else 1)
        np.testing.assert_array_equal(f, v[f"{case}_c"], err_msg=case)


# -------------------------------------------------------------------- round trips

@st.composite
def tb_configs(draw, cover_buffer=False):
    tbs = draw(st.sampled_from([24, 100, 292, 293, 1000, 3824, 3825, 8424, 9000, 20000]))
    r = draw(st.sampled_from([30 / 1024, 0.2, 1 / 3, 0.5, 0.67, 0.8, 948 / 1024]))
    qm = draw(st.sampled_from([1, 2, 4, 6, 8, 10]))
    layers = draw(st.integers(1, 4))
    lbrm = draw(st.booleans())
    step = qm * layers
    probe = TransportBlockConfig(tbs=tbs, target_code_rate=r, g=step * 2 * (tbs + 200), qm=qm,
                                 layers=layers)
    seg = probe.plan.seg
    tbs_lbrm = None
    if lbrm:  # a TBS_LBRM that makes N_cb < N for this TB
        tbs_lbrm = int(draw(st.floats(0.5, 0.95)) * seg.n * seg.c * 2 / 3)
    payload = seg.b + seg.c * seg.l_cb
    if cover_buffer:  # every circular-buffer bit transmitted at least once, from any k0
        g_min = seg.c * (seg.n + 2 * step)
    else:
        g_min = int(np.ceil(payload / min(r, 0.9)))
    g = step * int(np.ceil(g_min / step))
    g += step * draw(st.integers(0, 50))
    return TransportBlockConfig(tbs=tbs, target_code_rate=r, g=g, qm=qm, layers=layers,
                                tbs_lbrm=tbs_lbrm)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=tb_configs(), seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 3))
def test_noiseless_round_trip_rv0(cfg, seed, batch):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, (batch, cfg.tbs), dtype=np.uint8)
    f = encode_tb(bits, cfg)
    assert f.shape == (batch, cfg.g)
    res = decode_tb(noiseless_llr(f), cfg)
    np.testing.assert_array_equal(res.bits, bits)
    assert res.tb_crc_ok.all() and res.cb_crc_ok.all() and res.syndrome_ok.all()
    assert res.iterations.shape == (batch, cfg.plan.c)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=tb_configs(cover_buffer=True), rv=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_noiseless_round_trip_every_rv_alone(cfg, rv, seed):
    cfg = cfg.replace(rv=rv)
    bits = np.random.default_rng(seed).integers(0, 2, (2, cfg.tbs), dtype=np.uint8)
    res = decode_tb(noiseless_llr(encode_tb(bits, cfg)), cfg)
    np.testing.assert_array_equal(res.bits, bits)
    assert res.tb_crc_ok.all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=tb_configs(), rv=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_noiseless_round_trip_retransmission_combined(cfg, rv, seed):
    """Erased, then RV 0, then RV rv, all into one buffer: IR combining decodes.

    (An all-erased transmission decodes to the all-zero word, whose CRC is zero: CRC
    status alone cannot flag it, so simulations also compare the bits.)
    """
    bits = np.random.default_rng(seed).integers(0, 2, (1, cfg.tbs), dtype=np.uint8)
    first = decode_tb(np.zeros((1, cfg.g), np.float32), cfg)  # initial transmission lost
    assert not first.harq_buffer.any()
    cfg_rv = cfg.replace(rv=rv)
    buf = first.harq_buffer
    res = decode_tb(noiseless_llr(encode_tb(bits, cfg)), cfg, harq_buffer=buf)
    res = decode_tb(noiseless_llr(encode_tb(bits, cfg_rv)), cfg_rv, harq_buffer=res.harq_buffer)
    assert res.harq_buffer is buf  # accumulated in place
    np.testing.assert_array_equal(res.bits, bits)
    assert res.tb_crc_ok.all()


def test_harq_incremental_redundancy_recovers_what_one_transmission_cannot():
    """High-rate TB at low SNR: RV 0 alone fails, RV 0+2+3+1 combined decodes."""
    rng = np.random.default_rng(20261125)
    cfg = TransportBlockConfig(tbs=3000, target_code_rate=0.8, g=3600, qm=2)
    bits = rng.integers(0, 2, (40, cfg.tbs), dtype=np.uint8)
    sigma2 = 10 ** (-2.0 / 10)  # Es/N0 = 2 dB per BPSK symbol: far below rate 0.83's threshold
    buf = new_harq_buffer(cfg, (40,))
    ok = []
    for rv in (0, 2, 3, 1):
        c = cfg.replace(rv=rv)
        x = 1.0 - 2.0 * encode_tb(bits, c)
        y = x + np.sqrt(sigma2) * rng.standard_normal(x.shape)
        res = decode_tb((2 * y / sigma2).astype(np.float32), c, harq_buffer=buf)
        ok.append(int(res.tb_crc_ok.sum()))
    assert ok[0] <= 2  # a single transmission almost never decodes
    assert ok[-1] >= 38  # four combined transmissions (rate ≈ 0.21) nearly always do
    assert ok == sorted(ok)


def test_chase_combining_same_rv_accumulates():
    cfg = TransportBlockConfig(tbs=500, target_code_rate=0.5, g=1000, qm=2)
    bits = np.random.default_rng(1).integers(0, 2, (1, 500), dtype=np.uint8)
    llr = noiseless_llr(encode_tb(bits, cfg))
    r1 = decode_tb(llr, cfg)
    before = r1.harq_buffer.copy()
    r2 = decode_tb(llr, cfg, harq_buffer=r1.harq_buffer)
    np.testing.assert_allclose(r2.harq_buffer, 2 * before)


def test_single_bit_error_in_tb_detected_by_tb_crc():
    """A decoded TB whose bits are flipped after decoding fails the TB CRC (§7.2.1)."""
    from nrlink.spec.ts38212.crc import crc_attach, crc_check

    rng = np.random.default_rng(3)
    for a in (100, 5000):
        poly = "16" if a <= 3824 else "24A"
        b = crc_attach(rng.integers(0, 2, (a,), dtype=np.uint8), poly)
        for pos in rng.integers(0, b.size, 20):
            bad = b.copy()
            bad[pos] ^= 1
            assert not crc_check(bad, poly)


def test_batch_shapes_and_zero_batch():
    cfg = TransportBlockConfig(tbs=200, target_code_rate=0.5, g=400, qm=2)
    bits = np.zeros((2, 3, 200), np.uint8)
    f = encode_tb(bits, cfg)
    assert f.shape == (2, 3, 400)
    res = decode_tb(noiseless_llr(f), cfg)
    assert res.bits.shape == (2, 3, 200) and res.tb_crc_ok.shape == (2, 3)
    assert res.harq_buffer.shape == (2, 3, cfg.plan.c, cfg.plan.seg.n)
    assert encode_tb(np.zeros((0, 200), np.uint8), cfg).shape == (0, 400)


# -------------------------------------------------------------------- validation

BASE = dict(tbs=1000, target_code_rate=0.5, g=2400, qm=2)


def test_encode_rejects_wrong_length_and_values():
    cfg = TransportBlockConfig(**BASE)
    with pytest.raises(ConfigError, match=r"transport block size A = 1000"):
        encode_tb(np.zeros(999, np.uint8), cfg)
    with pytest.raises(ConfigError, match="other than 0 and 1"):
        encode_tb(np.full(1000, 2, np.uint8), cfg)


def test_decode_rejects_wrong_llr_length_and_buffer():
    cfg = TransportBlockConfig(**BASE)
    with pytest.raises(ConfigError, match=r"G = 2400"):
        decode_tb(np.zeros(2399, np.float32), cfg)
    with pytest.raises(ConfigError, match="harq_buffer has shape"):
        decode_tb(np.zeros((1, 2400), np.float32), cfg, harq_buffer=np.zeros((1, 2, 3), np.float32))
