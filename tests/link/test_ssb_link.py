"""Tests of the SS/PBCH burst transmitter (TS 38.213 §4.1, TS 38.211 §7.4.3, §5.3.1).

Named test_ssb_link.py so that its module name differs from tests/spec/ts38211/test_ssb.py
under pytest's default import mode.
"""

import numpy as np
import pytest

from nrlink.config.ssb import SsbConfig
from nrlink.errors import ConfigError
from nrlink.link.ssb import ssb_blocks, ssb_half_frame_grid, ssb_waveform
from nrlink.rx.demapping import demap_llr
from nrlink.rx.pbch import pbch_decode
from nrlink.spec.ts38211.numerology import samples_per_slot
from nrlink.spec.ts38211.ofdm import ofdm_demodulate
from nrlink.spec.ts38211.pbch import pbch_symbols
from nrlink.spec.ts38211.ssb import ssb_grid, ssb_indices
from nrlink.spec.ts38212.bch import bch_encode


def decode_grid(config, grid, half_frame):
    """PBCH of every transmitted block read back from the half-frame grid."""
    idx = ssb_indices(config.n_id_cell)
    k = config.ssb_offset_sc
    out = []
    for i, s in zip(config.transmitted_ssb_indices, config.first_symbols, strict=True):
        block = grid[s:s + 4, k:k + 240]
        d = block[idx.pbch[0], idx.pbch[1]] / config.beta_pbch
        i_bar = i % 4 + 4 * half_frame if config.l_max == 4 else i % 8
        out.append(pbch_decode(demap_llr(d, 2, 0.5), config.n_id_cell, l_max=config.l_max,
                               i_ssb_bar=int(i_bar)))
    return out


@pytest.mark.parametrize("kwargs, sfn, half_frame", [
    ({"case": "A", "carrier_frequency_hz": 2.1e9, "n_size_grid": 25, "ssb_offset_sc": 30,
      "ssb_positions_in_burst": (1, 0, 1, 1), "k_ssb": 20}, 301, 1),
    ({"case": "C", "carrier_frequency_hz": 3.5e9, "n_id_cell": 1007, "beta_pbch": 0.5}, 0, 0),
    ({"case": "D", "carrier_frequency_hz": 28e9, "n_size_grid": 20,
      "ssb_positions_in_burst": tuple(int(i % 9 == 0) for i in range(64))}, 1023, 1),
])
def test_grid_places_each_block_and_decodes(kwargs, sfn, half_frame):
    c = SsbConfig(**kwargs)
    grid = ssb_half_frame_grid(c, sfn, half_frame)
    assert grid.shape == (c.n_symbols_half_frame, c.n_sc) and grid.dtype == np.complex64
    blocks = ssb_blocks(c, sfn, half_frame)
    k = c.ssb_offset_sc
    mask = np.zeros(grid.shape, dtype=bool)
    for t, s in enumerate(c.first_symbols):
        np.testing.assert_array_equal(grid[s:s + 4, k:k + 240], blocks[t])
        mask[s:s + 4, k:k + 240] = True
    assert not grid[~mask].any()
    for t, r in enumerate(decode_grid(c, grid, half_frame)):
        assert bool(r.crc_ok)
        assert r.mib[()] == c.mib(sfn)
        assert int(r.half_frame) == half_frame
        i = int(c.transmitted_ssb_indices[t])
        assert int(r.ssb_index) == (i % 4 if c.l_max == 4 else i)


def test_blocks_are_the_spec_chain():
    c = SsbConfig(case="B", carrier_frequency_hz=2e9, ssb_positions_in_burst=(0, 0, 1, 0),
                  beta_pss=2.0)
    blocks = ssb_blocks(c, 77, 1)
    b = bch_encode(c.mib(77), 1, c.n_id_cell, l_max=4, ssb_index=2)
    d = pbch_symbols(b, c.n_id_cell, l_max=4, ssb_index=2)
    want = ssb_grid(c.n_id_cell, 2 + 4, d, beta_pss=2.0)  # ī_SSB = i_SSB + 4 n_hf
    np.testing.assert_array_equal(blocks[0], want)


def test_waveform_demodulates_to_the_grid():
    c = SsbConfig(case="A", carrier_frequency_hz=3.5e9, n_size_grid=24)
    fft = 512
    x = ssb_waveform(c, 12, 1, fft_size=fft)
    assert x.dtype == np.complex64 and x.shape == (fft * 15 * 5,)  # N_FFT Δf · 5 ms
    grid = ssb_half_frame_grid(c, 12, 1)
    start = 0
    for s in range(5):
        n = samples_per_slot(0, fft_size=fft, slot=5 + s)
        rx = ofdm_demodulate(x[start:start + n], mu=0, fft_size=fft, n_sc=c.n_sc, slot=5 + s)
        np.testing.assert_allclose(rx, grid[14 * s:14 * s + 14], atol=1e-5)
        start += n
    assert start == x.size


def test_raises():
    c = SsbConfig()
    with pytest.raises(ConfigError, match="config"):
        ssb_half_frame_grid({"case": "C"}, 0, 0)
    with pytest.raises(ConfigError, match="sfn"):
        ssb_half_frame_grid(c, 1024, 0)
    with pytest.raises(ConfigError, match="half_frame"):
        ssb_blocks(c, 0, 2)
    with pytest.raises(ConfigError, match="fft_size"):
        ssb_waveform(c, 0, 0, fft_size=100)
