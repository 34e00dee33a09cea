"""Radio channels: AWGN and the TR 38.901 link-level models (TDL, CDL).

A channel is a configuration (:class:`~nrlink.config.TdlConfig`,
:class:`~nrlink.config.CdlConfig`) plus a random generator: ``TdlChannel(cfg).realise(
batch_size, rng=rng)`` draws independent realisations, whose ``cir(times)`` gives the
:class:`ChannelImpulseResponse` at any instants (fading is continuous in time).
:mod:`nrlink.channel.apply` applies it to a resource grid (per-RE channel) or to a
time-domain waveform (band-limited convolution); :mod:`nrlink.channel.awgn` adds noise.
"""

from nrlink.channel.apply import (
    apply_ofdm_channel,
    apply_time_channel,
    ofdm_channel,
    ofdm_symbol_times,
    sample_times,
    time_channel_taps,
)
from nrlink.channel.awgn import awgn, noise_variance
from nrlink.channel.cdl import CdlChannel, CdlRealisation
from nrlink.channel.cir import ChannelImpulseResponse
from nrlink.channel.tdl import TdlChannel, TdlRealisation

__all__ = [
    "CdlChannel",
    "CdlRealisation",
    "ChannelImpulseResponse",
    "TdlChannel",
    "TdlRealisation",
    "apply_ofdm_channel",
    "apply_time_channel",
    "awgn",
    "noise_variance",
    "ofdm_channel",
    "ofdm_symbol_times",
    "sample_times",
    "time_channel_taps",
]
