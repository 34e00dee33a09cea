"""PDCCH bit and symbol chain: scrambling and QPSK modulation of an encoded DCI.

Implements TS 38.211 §7.3.2.3 (scrambling) and §7.3.2.4 (modulation), fed by the DCI
coding chain of TS 38.212 §7.3.2-§7.3.4 (:func:`nrlink.spec.ts38212.dci.dci_encode`).

A PDCCH of aggregation level L carries E = 108 L coded bits (L CCEs of 6 REGs of 9 data
resource elements, 2 bits each): M_bit = 108 L, M_symb = 54 L. Mapping to resource
elements (CORESET, REG bundles, DM-RS) is the business of the CORESET modules.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_int_array
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.scrambling import c_init_pdcch, descramble_llr, scramble
from nrlink.spec.ts38212.dci import dci_encode

__all__ = [
    "AGGREGATION_LEVELS",
    "BITS_PER_CCE",
    "check_aggregation_level",
    "pdcch_bits",
    "pdcch_c_init",
    "pdcch_descramble_llr",
    "pdcch_scramble",
    "pdcch_symbols",
]

#: PDCCH aggregation levels L, in CCEs (TS 38.211 Table 7.3.2.1-1).
AGGREGATION_LEVELS: tuple[int, ...] = (1, 2, 4, 8, 16)
#: Coded bits per CCE: 6 REGs x 9 data REs (3 of 12 carry DM-RS) x 2 bits (QPSK).
BITS_PER_CCE = 108

_C73213 = "TS 38.211 §7.3.2.3"


def check_aggregation_level(aggregation_level) -> int:
    """Validate an aggregation level L (1, 2, 4, 8 or 16) and return it as ``int``.

    Implements TS 38.211 §7.3.2.1 (Table 7.3.2.1-1).
    """
    return check_int("aggregation_level", aggregation_level, "one of 1, 2, 4, 8, 16",
                     "TS 38.211 §7.3.2.1 (Table 7.3.2.1-1)", choices=AGGREGATION_LEVELS)


def pdcch_c_init(n_id, n_rnti):
    """Scrambling initialisation c_init = (n_RNTI · 2^16 + n_ID) mod 2^31.

    Implements TS 38.211 §7.3.2.3.

    Parameters
    ----------
    n_id : int or array_like of int
        ``pdcch-DMRS-ScramblingID`` (0..65535) if configured, else N_ID^cell.
    n_rnti : int or array_like of int
        The C-RNTI for a UE-specific search space with ``pdcch-DMRS-ScramblingID``
        configured, else 0; 0..65535.

    Returns
    -------
    c_init : int (both scalars) or int64 ndarray of their broadcast shape

    Raises
    ------
    ConfigError
        A value out of 0..65535, or shapes that do not broadcast.
    """
    if np.ndim(n_id) == 0 and np.ndim(n_rnti) == 0:
        if isinstance(n_id, np.ndarray):
            n_id = n_id[()]
        if isinstance(n_rnti, np.ndarray):
            n_rnti = n_rnti[()]
        return c_init_pdcch(n_rnti, n_id)
    n_id = check_int_array("n_id", n_id, _C73213, lo=0, hi=65535)
    n_rnti = check_int_array("n_rnti", n_rnti, _C73213, lo=0, hi=65535)
    try:
        return (n_rnti * 2**16 + n_id) % 2**31
    except ValueError:
        raise ConfigError(f"n_id of shape {n_id.shape} and n_rnti of shape {n_rnti.shape} are "
                          f"not allowed: they must broadcast together ({_C73213})") from None


def pdcch_scramble(b, n_id, n_rnti) -> np.ndarray:
    """Scramble the PDCCH bits: b̃(i) = (b(i) + c(i)) mod 2.

    Implements TS 38.211 §7.3.2.3.

    c(i) is the Gold sequence of §5.2.1 with c_init = (n_RNTI · 2^16 + n_ID) mod 2^31
    (:func:`pdcch_c_init`). Scrambling is an involution.

    Parameters
    ----------
    b : array_like of 0/1, shape (..., M_bit)
        Coded DCI bits.
    n_id, n_rnti : int or array_like of int
        See :func:`pdcch_c_init`; arrays broadcast to ``b.shape[:-1]``.

    Returns
    -------
    b_scr : ndarray of uint8, shape of ``b``

    Raises
    ------
    ConfigError
        ``b`` not 0/1 bits, ``n_id`` / ``n_rnti`` out of range or not broadcastable.

    Examples
    --------
    >>> b = np.zeros(8, dtype=np.uint8)
    >>> bool((pdcch_scramble(pdcch_scramble(b, 7, 0), 7, 0) == b).all())
    True
    """
    return scramble(b, pdcch_c_init(n_id, n_rnti))


def pdcch_descramble_llr(llr, n_id, n_rnti) -> np.ndarray:
    """Descramble PDCCH LLRs (positive means bit 0): negate llr(i) where c(i) = 1.

    Implements TS 38.211 §7.3.2.3, at the receiver.

    Parameters
    ----------
    llr : array_like of float, shape (..., M_bit)
    n_id, n_rnti : int or array_like of int
        See :func:`pdcch_c_init`; arrays broadcast to ``llr.shape[:-1]``.

    Returns
    -------
    llr_descr : ndarray of float32, shape of ``llr``

    Raises
    ------
    ConfigError
        ``llr`` not real floating point, ``n_id`` / ``n_rnti`` out of range or not
        broadcastable.
    """
    return descramble_llr(llr, pdcch_c_init(n_id, n_rnti))


def pdcch_bits(dci_bits, rnti, aggregation_level: int, n_id, n_rnti) -> np.ndarray:
    """Scrambled PDCCH bits b̃(0..108 L − 1) of DCI payloads.

    Implements TS 38.212 §7.3.2-§7.3.4 (:func:`~nrlink.spec.ts38212.dci.dci_encode` with
    E = 108 L) and TS 38.211 §7.3.2.3 (scrambling).

    Parameters
    ----------
    dci_bits : array_like of 0/1, shape (..., A)
        DCI payloads, 12 ≤ A ≤ 140.
    rnti : int or array_like of int
        RNTI scrambling the CRC (0..65535), broadcast with the batch.
    aggregation_level : {1, 2, 4, 8, 16}
    n_id, n_rnti : int or array_like of int
        Scrambling identities (:func:`pdcch_c_init`), broadcast with the batch.

    Returns
    -------
    b_scr : ndarray of uint8, shape (..., 108 L)
    """
    level = check_aggregation_level(aggregation_level)
    f = dci_encode(dci_bits, rnti, BITS_PER_CCE * level)
    c_init = pdcch_c_init(n_id, n_rnti)
    try:
        batch = np.broadcast_shapes(f.shape[:-1], np.shape(c_init))
    except ValueError:
        raise ConfigError(f"n_id / n_rnti of shape {np.shape(c_init)} are not allowed: they "
                          f"must broadcast with the batch shape {f.shape[:-1]} ({_C73213})"
                          ) from None
    f = np.broadcast_to(f, (*batch, f.shape[-1]))
    return scramble(f, c_init)


def pdcch_symbols(dci_bits, rnti, aggregation_level: int, n_id, n_rnti) -> np.ndarray:
    """PDCCH modulation symbols d(0..54 L − 1) of DCI payloads.

    Implements TS 38.212 §7.3.2-§7.3.4 and TS 38.211 §7.3.2.3 (scrambling), §7.3.2.4
    (QPSK, §5.1.4).

    Parameters
    ----------
    dci_bits : array_like of 0/1, shape (..., A)
        DCI payloads (e.g. :func:`~nrlink.spec.ts38212.dci.pack_dci`), 12 ≤ A ≤ 140.
    rnti : int or array_like of int
        RNTI scrambling the CRC, 0..65535.
    aggregation_level : {1, 2, 4, 8, 16}
        L: E = 108 L coded bits.
    n_id, n_rnti : int or array_like of int
        Scrambling identities, see :func:`pdcch_c_init`.

    Returns
    -------
    d : ndarray of complex64, shape (..., 54 L)
        Unit-energy QPSK symbols (the amplitude scaling β_PDCCH of §7.3.2.5 is the
        resource mapper's).

    Raises
    ------
    ConfigError
        A outside 12..140, an aggregation level not in {1, 2, 4, 8, 16}, an RNTI or
        identity out of 0..65535, or batch shapes that do not broadcast.

    Examples
    --------
    >>> from nrlink.spec.ts38212.dci import pack_dci
    >>> pdcch_symbols(pack_dci("1_0", {"mcs": 5}), 0x4601, 2, 1, 0).shape
    (108,)
    """
    return modulate(pdcch_bits(dci_bits, rnti, aggregation_level, n_id, n_rnti), 2)
