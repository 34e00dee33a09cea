"""Transport-block encoding and decoding of the shared channels (DL-SCH / UL-SCH).

The user-facing pair :func:`encode_tb` / :func:`decode_tb` wraps TS 38.212 §7.2
(§6.2 for UL-SCH) around a :class:`~nrlink.config.TransportBlockConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig, ldpc_decode
from nrlink.spec.ts38212.crc import crc_check
from nrlink.spec.ts38212.sch import (
    encode_transport_block,
    filler_mask,
    rate_recover_transport_block,
)
from nrlink.spec.ts38212.segmentation import desegment

__all__ = ["FILLER_LLR", "TbDecodeResult", "encode_tb", "decode_tb", "new_harq_buffer"]

#: LLR given to the decoder for the filler bits, which are known to be 0 (§5.2.2).
FILLER_LLR = np.float32(1e4)


@dataclass(frozen=True, slots=True)
class TbDecodeResult:
    """Outcome of :func:`decode_tb` for a batch of transport blocks.

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., A)
        Decoded transport block bits.
    tb_crc_ok : ndarray of bool, shape (...)
        TB CRC check (TS 38.212 §7.2.1) passed.
    cb_crc_ok : ndarray of bool, shape (..., C)
        Code block CRC check (§5.2.2) passed (all True when C = 1: no CB CRC).
    iterations : ndarray of int32, shape (..., C)
        LDPC decoder iterations per code block.
    syndrome_ok : ndarray of bool, shape (..., C)
        The decoder's output is a codeword (zero syndrome).
    harq_buffer : ndarray of float32, shape (..., C, N)
        The soft buffer after this transmission; pass it to the next
        :func:`decode_tb` of a retransmission of the same transport block.
    """

    bits: np.ndarray
    tb_crc_ok: np.ndarray
    cb_crc_ok: np.ndarray
    iterations: np.ndarray
    syndrome_ok: np.ndarray
    harq_buffer: np.ndarray


def encode_tb(bits: np.ndarray, config: TransportBlockConfig) -> np.ndarray:
    """Transport block bits → rate-matched, concatenated codeword bits (before scrambling).

    Implements TS 38.212 §7.2.1–§7.2.6 / §6.2.1–§6.2.6 (TB CRC, segmentation and CB
    CRC, LDPC, rate matching with the configured RV and LBRM, concatenation).

    Parameters
    ----------
    bits : array_like of 0/1, shape (..., A)
    config : TransportBlockConfig

    Returns
    -------
    ndarray of uint8, shape (..., G)

    Examples
    --------
    >>> import numpy as np
    >>> cfg = TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2000, qm=2)
    >>> encode_tb(np.zeros((4, 1000), np.uint8), cfg).shape
    (4, 2000)
    """
    return encode_transport_block(bits, config.plan)


def new_harq_buffer(config: TransportBlockConfig, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
    """An empty (all-zero) soft buffer of shape (*batch_shape, C, N) for ``config``."""
    seg = config.plan.seg
    return np.zeros((*batch_shape, seg.c, seg.n), dtype=np.float32)


def decode_tb(
    llr: np.ndarray,
    config: TransportBlockConfig,
    *,
    harq_buffer: np.ndarray | None = None,
    decoder: LdpcDecoderConfig | None = None,
) -> TbDecodeResult:
    """Codeword LLRs (+ HARQ soft buffer) → transport block bits and CRC status.

    Implements the receiver side of TS 38.212 §7.2 / §6.2: bit de-interleaving and
    rate recovery into the N_cb soft buffer (accumulating over retransmissions), LDPC
    decoding, code block CRC check and desegmentation, TB CRC check.

    Parameters
    ----------
    llr : array_like of float, shape (..., G)
        Descrambled codeword LLRs, positive for bit 0.
    config : TransportBlockConfig
        The configuration of this transmission (its ``rv`` places the LLRs).
    harq_buffer : ndarray of float32, shape (..., C, N), optional
        Soft buffer of the earlier transmissions of the same transport blocks
        (from a previous result's ``harq_buffer``); updated in place. ``None`` starts
        from an empty buffer (initial transmission).
    decoder : LdpcDecoderConfig, optional
        LDPC decoder settings (default: layered normalised min-sum, 20 iterations,
        early termination).

    Returns
    -------
    TbDecodeResult
    """
    plan = config.plan
    seg = plan.seg
    llr = np.asarray(llr, dtype=np.float32)
    if harq_buffer is not None:
        expected = (*llr.shape[:-1], seg.c, seg.n)
        if harq_buffer.shape != expected or harq_buffer.dtype != np.float32:
            raise ConfigError(
                f"harq_buffer has shape {harq_buffer.shape} and dtype {harq_buffer.dtype}: "
                f"expected float32 {expected} (batch, C, N) for this transport block"
            )
    buffer = rate_recover_transport_block(llr, plan, harq_buffer)
    llr_d = buffer.copy()
    llr_d[..., filler_mask(seg)] = FILLER_LLR
    res = ldpc_decode(llr_d, seg.bg, seg.z_c, decoder or LdpcDecoderConfig())
    k_prime = seg.k_prime
    c_hat = res.bits.copy()
    c_hat[..., k_prime:] = 0  # filler bits are 0 by definition (§5.2.2)
    b_hat, cb_ok = desegment(c_hat, seg)
    tb_ok = crc_check(b_hat, plan.tb_crc)
    return TbDecodeResult(
        bits=np.ascontiguousarray(b_hat[..., : plan.a]),
        tb_crc_ok=np.asarray(tb_ok, dtype=bool),
        cb_crc_ok=np.asarray(cb_ok, dtype=bool),
        iterations=res.iterations.astype(np.int32, copy=False),
        syndrome_ok=res.syndrome_ok,
        harq_buffer=buffer,
    )
