"""Tests of the PBCH decoder (inverse of TS 38.211 §7.3.3 and TS 38.212 §7.1).

Named test_pbch_decoder.py (not test_pbch.py) so that its module name differs from
tests/spec/ts38211/test_pbch.py under pytest's default import mode.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.channel.awgn import awgn
from nrlink.errors import ConfigError
from nrlink.rx.demapping import demap_llr
from nrlink.rx.pbch import pbch_decode, pbch_decode_symbols
from nrlink.spec.ts38211.pbch import pbch_symbols
from nrlink.spec.ts38212.bch import Mib, bch_encode, bch_payload
from nrlink.spec.ts38213.ssb_burst import i_ssb_bar


@st.composite
def blocks(draw):
    """(mib, half_frame, l_max, ssb_index, n_id_cell) consistent with one another."""
    l_max = draw(st.sampled_from([4, 8, 64]))
    fr2 = l_max == 64
    m = Mib(
        system_frame_number=draw(st.integers(0, 1023)),
        sub_carrier_spacing_common=draw(st.sampled_from([60, 120] if fr2 else [15, 30])),
        k_ssb=draw(st.integers(0, 15 if fr2 else 31)),
        dmrs_type_a_position=draw(st.sampled_from([2, 3])),
        pdcch_config_sib1=draw(st.integers(0, 255)),
        cell_barred=draw(st.sampled_from(["barred", "notBarred"])),
        intra_freq_reselection=draw(st.sampled_from(["allowed", "notAllowed"])),
        spare=draw(st.integers(0, 1)),
    )
    return (m, draw(st.integers(0, 1)), l_max, draw(st.integers(0, l_max - 1)),
            draw(st.integers(0, 1007)))


def transmit(m, hrf, l_max, ssb_index, n_id):
    b = bch_encode(m, hrf, n_id, l_max=l_max, ssb_index=ssb_index)
    return pbch_symbols(b, n_id, l_max=l_max, ssb_index=ssb_index)


@settings(max_examples=40, deadline=None)
@given(blocks())
def test_noiseless_round_trip(block):
    m, hrf, l_max, ssb_index, n_id = block
    d = transmit(m, hrf, l_max, ssb_index, n_id)
    llr = demap_llr(d, 2, 0.5)
    i_bar = int(i_ssb_bar(ssb_index, hrf, l_max=l_max))
    r = pbch_decode(llr, n_id, l_max=l_max, i_ssb_bar=i_bar)
    assert r.crc_ok.shape == () and bool(r.crc_ok)
    assert r.mib[()] == m
    assert int(r.sfn) == m.system_frame_number
    assert int(r.half_frame) == hrf
    assert int(r.k_ssb) == m.k_ssb
    assert int(r.ssb_index) == (ssb_index if l_max != 4 else ssb_index % 4)
    assert int(r.ssb_index_msb) == (ssb_index >> 3 if l_max == 64 else 0)
    np.testing.assert_array_equal(r.payload, bch_payload(m, hrf, l_max=l_max,
                                                         ssb_index=ssb_index))


def test_batched_decode_with_per_block_ids():
    l_max = 64
    ms = [Mib(system_frame_number=s, sub_carrier_spacing_common=120, k_ssb=s % 16)
          for s in (1, 200, 513, 1023)]
    idx = np.array([0, 9, 42, 63])
    hrf = np.array([1, 0, 1, 0])
    n_id = np.array([3, 3, 1000, 517])
    b = bch_encode(ms, hrf, n_id, l_max=l_max, ssb_index=idx)
    d = pbch_symbols(b, n_id, l_max=l_max, ssb_index=idx)
    r = pbch_decode(demap_llr(d, 2, 1.0).reshape(2, 2, 864), n_id.reshape(2, 2), l_max=l_max,
                    i_ssb_bar=i_ssb_bar(idx, hrf, l_max=l_max).reshape(2, 2))
    assert r.crc_ok.shape == (2, 2) and r.crc_ok.all()
    assert r.mib.reshape(-1).tolist() == ms
    assert r.sfn.reshape(-1).tolist() == [1, 200, 513, 1023]
    assert r.ssb_index.reshape(-1).tolist() == idx.tolist()
    assert r.half_frame.reshape(-1).tolist() == hrf.tolist()
    assert r.payload.shape == (2, 2, 32)


def test_wrong_cell_or_block_fails_the_crc():
    m = Mib(system_frame_number=300, k_ssb=5)
    llr = demap_llr(transmit(m, 0, 8, 5, 41), 2, 0.5)
    ok = pbch_decode(llr, 41, l_max=8, i_ssb_bar=5)
    assert bool(ok.crc_ok) and ok.mib[()] == m
    for n_id, i_bar in ((42, 5), (41, 4)):
        r = pbch_decode(llr, n_id, l_max=8, i_ssb_bar=i_bar)
        assert not bool(r.crc_ok) and r.mib[()] is None


def test_awgn_decodes_at_low_snr():
    """PBCH rate 56/864: every block decodes at Es/N0 = −3 dB (seeded)."""
    rng = np.random.default_rng(7)
    n = 24
    sfn = rng.integers(0, 1024, n)
    idx = rng.integers(0, 8, n)
    ms = [Mib(system_frame_number=int(s)) for s in sfn]
    b = bch_encode(ms, 1, 11, l_max=8, ssb_index=idx)
    d = pbch_symbols(b, 11, l_max=8, ssb_index=idx)
    nv = 10 ** 0.3
    y = awgn(d, nv, rng=rng)
    r = pbch_decode_symbols(y, nv, 11, l_max=8, i_ssb_bar=idx)
    assert r.crc_ok.all()
    assert r.sfn.tolist() == sfn.tolist()


def test_l_max_4_reads_nu_and_half_frame():
    m = Mib(system_frame_number=7, k_ssb=23)
    for hrf in (0, 1):
        for i in range(4):
            llr = demap_llr(transmit(m, hrf, 4, i, 9), 2, 0.5)
            r = pbch_decode(llr, 9, l_max=4, i_ssb_bar=i + 4 * hrf)
            assert bool(r.crc_ok) and int(r.half_frame) == hrf and int(r.ssb_index) == i
            assert int(r.k_ssb) == 23


def test_raises():
    llr = np.zeros(864, np.float32)
    with pytest.raises(ConfigError, match="l_max"):
        pbch_decode(llr, 0, l_max=5, i_ssb_bar=0)
    with pytest.raises(ConfigError, match="i_ssb_bar"):
        pbch_decode(llr, 0, l_max=8, i_ssb_bar=8)
    with pytest.raises(ConfigError, match="llr"):
        pbch_decode(np.float32(0), 0, l_max=8, i_ssb_bar=0)
    with pytest.raises(ConfigError, match="batch shape"):
        pbch_decode(np.zeros((2, 864), np.float32), 0, l_max=8, i_ssb_bar=[0, 1, 2])
    with pytest.raises(ConfigError, match="llr has length"):
        pbch_decode(np.zeros(863, np.float32), 0, l_max=8, i_ssb_bar=0)
    with pytest.raises(ConfigError, match="n_id_cell"):
        pbch_decode(llr, 1008, l_max=8, i_ssb_bar=0)
    with pytest.raises(ConfigError, match="list_size"):
        pbch_decode(llr, 0, l_max=8, i_ssb_bar=0, list_size=3)
    with pytest.raises(ConfigError, match="finite"):
        pbch_decode(np.full(864, np.nan, np.float32), 0, l_max=8, i_ssb_bar=0)
