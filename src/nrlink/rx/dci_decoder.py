"""Decoding of one PDCCH candidate: descrambling, polar decoding and the RNTI-masked CRC.

Implements TS 38.211 §7.3.2.3 (descrambling) and TS 38.212 §7.3.2-§7.3.4 (inverse of the
DCI coding chain: CRC24C over 24 ones + a with the RNTI-masked last 16 bits, polar code
with input interleaving, rate matching), at the receiver.

LLR convention: positive means bit 0. The search (which candidates, which payload sizes
and RNTIs to try) is the blind-decoding loop's business; this module decodes one
candidate for one or several (payload size fixed) RNTIs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.rx.polar_decoder import polar_decode
from nrlink.spec._checks import as_last_axis_array
from nrlink.spec.ts38211.pdcch import (
    AGGREGATION_LEVELS,
    BITS_PER_CCE,
    pdcch_c_init,
    pdcch_descramble_llr,
)
from nrlink.spec.ts38212.dci import DCI_A_MAX, DCI_A_MIN, rnti_crc_mask, unpack_dci

__all__ = ["DciDecodeResult", "decode_pdcch_candidate", "unpack_decoded"]

_C = "TS 38.211 §7.3.2.3, TS 38.212 §7.3.2"


@dataclass(frozen=True, slots=True)
class DciDecodeResult:
    """Output of :func:`decode_pdcch_candidate`.

    Implements TS 38.212 §7.3.2 (decoded payload and RNTI-masked CRC check).

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., A)
        Decoded DCI payload a_0..a_{A−1}.
    crc_ok : ndarray of bool, shape (...)
        Whether the CRC, descrambled with the RNTI tried, passes.
    """

    bits: np.ndarray
    crc_ok: np.ndarray


def decode_pdcch_candidate(llr, payload_size: int, rnti, n_id, n_rnti, *,
                           list_size: int = 8) -> DciDecodeResult:
    """Decode a PDCCH candidate for a payload size and one or several RNTIs.

    Implements TS 38.211 §7.3.2.3 and TS 38.212 §7.3.2-§7.3.4, at the receiver.

    The LLRs are descrambled with c_init = (n_RNTI · 2^16 + n_ID) mod 2^31 and decoded by
    CA-SCL (:func:`~nrlink.rx.polar_decoder.polar_decode`, downlink chain, CRC over 24
    ones + a) against the CRC mask of ``rnti`` (:func:`~nrlink.spec.ts38212.dci.rnti_crc_mask`).
    ``rnti``, ``n_id`` and ``n_rnti`` may be arrays broadcast with ``llr.shape[:-1]``,
    e.g. ``llr`` of shape (E,) and ``rnti`` of shape (R,) try R RNTIs on one candidate.

    Parameters
    ----------
    llr : array_like of float, shape (..., 108 L)
        LLRs of the received (scrambled) PDCCH bits, positive means bit 0;
        L in {1, 2, 4, 8, 16}.
    payload_size : int
        DCI payload size A to try, 12..140 (:func:`~nrlink.spec.ts38212.dci.dci_size`).
    rnti : int or array_like of int
        RNTI(s) that may scramble the CRC, 0..65535.
    n_id, n_rnti : int or array_like of int
        PDCCH scrambling identities (see :func:`~nrlink.spec.ts38211.pdcch.pdcch_c_init`).
    list_size : {1, 2, 4, 8, 16, 32}, default 8
        SCL list size (1: SC).

    Returns
    -------
    DciDecodeResult
        ``bits`` (..., A) and ``crc_ok`` (...), ``...`` the broadcast batch shape.

    Raises
    ------
    ConfigError
        ``llr`` not real, not finite, or of a length other than 108 L; A outside 12..140;
        an RNTI or identity out of 0..65535; shapes that do not broadcast; a bad list
        size.

    Notes
    -----
    With list decoding (``list_size`` > 1) a strong DCI sent to one RNTI can pass the CRC
    of another RNTI that differs from it in a few bits: a surviving path that differs
    from the transmitted one only in masked CRC bits carries the same payload. The CRC
    then protects against such aliasing by much less than 2^−16; a receiver that needs
    it should compare the path metric, or use ``list_size=1``.
    """
    llr = as_last_axis_array("llr", llr, "f", "LLRs must be a real floating-point array",
                             "bits", _C)
    e = llr.shape[-1]
    if e % BITS_PER_CCE or e // BITS_PER_CCE not in AGGREGATION_LEVELS:
        raise ConfigError(f"llr has length {e} along its last axis: it must be 108 L with "
                          f"aggregation level L one of 1, 2, 4, 8, 16 (TS 38.211 §7.3.2.1, "
                          f"Table 7.3.2.1-1)")
    a_len = check_int("payload_size", payload_size, f"an integer in {DCI_A_MIN}..{DCI_A_MAX}",
                      "TS 38.212 §7.3.1, §7.3.2", lo=DCI_A_MIN, hi=DCI_A_MAX)
    mask = rnti_crc_mask(rnti)
    c_init = pdcch_c_init(n_id, n_rnti)
    try:
        batch = np.broadcast_shapes(llr.shape[:-1], mask.shape[:-1], np.shape(c_init))
    except ValueError:
        raise ConfigError(f"rnti of shape {mask.shape[:-1]} and n_id / n_rnti of shape "
                          f"{np.shape(c_init)} are not allowed: they must broadcast with the "
                          f"batch shape {llr.shape[:-1]} of llr ({_C})") from None
    llr_d = pdcch_descramble_llr(np.broadcast_to(llr, (*batch, e)), n_id, n_rnti)
    res = polar_decode(llr_d, a_len, e, "downlink", list_size=list_size, crc_ones=True,
                       crc_mask=np.broadcast_to(mask, (*batch, 24)))
    return DciDecodeResult(bits=res.bits, crc_ok=res.crc_ok)


def unpack_decoded(result: DciDecodeResult, format, config=None, **kwargs) -> dict:
    """Field values of decoded DCI payloads (:func:`~nrlink.spec.ts38212.dci.unpack_dci`).

    Implements TS 38.212 §7.3.1.

    ``kwargs`` (``search_space``, ``rnti_type``) are passed on; values of candidates
    whose CRC failed are returned too (check ``result.crc_ok``).
    """
    return unpack_dci(format, result.bits, config, **kwargs)
