"""TS 38.212 — multiplexing and channel coding.

Modules: :mod:`.crc` (§5.1), :mod:`.segmentation` (§7.2.1-2, §5.2.2), :mod:`.ldpc`
(§5.3.2), :mod:`.rate_matching` (§5.4.2, §5.5) and :mod:`.sch` (the whole DL-SCH /
UL-SCH transport-block chain, §7.2 / §6.2).
"""

from nrlink.spec.ts38212.crc import crc_attach, crc_check, crc_remainder
from nrlink.spec.ts38212.ldpc import ldpc_encode, lifted_graph
from nrlink.spec.ts38212.rate_matching import (
    bit_deinterleave,
    bit_interleave,
    k0,
    n_cb,
    rate_match,
    rate_match_lengths,
    rate_recover,
)
from nrlink.spec.ts38212.sch import (
    TransportBlockPlan,
    encode_transport_block,
    plan_transport_block,
    rate_recover_transport_block,
)
from nrlink.spec.ts38212.segmentation import (
    SegmentationInfo,
    desegment,
    segment,
    segmentation_info,
    select_base_graph,
    tb_crc_length,
)

__all__ = [
    "SegmentationInfo",
    "TransportBlockPlan",
    "bit_deinterleave",
    "bit_interleave",
    "crc_attach",
    "crc_check",
    "crc_remainder",
    "desegment",
    "encode_transport_block",
    "k0",
    "ldpc_encode",
    "lifted_graph",
    "n_cb",
    "plan_transport_block",
    "rate_match",
    "rate_match_lengths",
    "rate_recover",
    "rate_recover_transport_block",
    "segment",
    "segmentation_info",
    "select_base_graph",
    "tb_crc_length",
]
