"""Frozen, validated configuration objects."""

from nrlink.config.transport_block import TransportBlockConfig

__all__ = ["TransportBlockConfig"]
