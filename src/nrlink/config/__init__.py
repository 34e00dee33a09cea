"""Frozen, validated configuration objects."""

from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.cdl import AntennaArrayConfig, CdlConfig
from nrlink.config.dmrs import DmrsConfig, PtrsConfig
from nrlink.config.pdsch import PdschConfig, RateMatchPattern
from nrlink.config.pusch import PuschConfig
from nrlink.config.tdl import TdlConfig
from nrlink.config.transport_block import TransportBlockConfig

__all__ = [
    "AntennaArrayConfig",
    "BwpConfig",
    "CarrierConfig",
    "CdlConfig",
    "DmrsConfig",
    "PdschConfig",
    "PtrsConfig",
    "PuschConfig",
    "RateMatchPattern",
    "TdlConfig",
    "TransportBlockConfig",
]
