"""Transport block CRC length, LDPC base graph selection and code block segmentation.

Implements TS 38.212 §7.2.1/§6.2.1 (TB CRC), §7.2.2/§6.2.2 (LDPC base graph
selection) and §5.2.2 (code block segmentation and code block CRC attachment).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from numbers import Real

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38212.crc import crc_attach, crc_check
from nrlink.spec.ts38212.ldpc import LIFTING_SIZES, lifting_set_index

__all__ = [
    "SegmentationInfo",
    "desegment",
    "segment",
    "segmentation_info",
    "select_base_graph",
    "tb_crc_length",
]

#: Maximum code block size K_cb per base graph (TS 38.212 §5.2.2).
K_CB = {1: 8448, 2: 3840}
#: Length L of the code block CRC (CRC24B) when C > 1 (TS 38.212 §5.2.2).
L_CB_CRC = 24


def tb_crc_length(a: int) -> int:
    """Length L of the transport block CRC: 24 (CRC24A) if A > 3824, else 16 (CRC16).

    Implements TS 38.212 §7.2.1 (DL-SCH) and §6.2.1 (UL-SCH).

    Parameters
    ----------
    a : int
        Transport block size A ≥ 1 (bits).

    Returns
    -------
    int
        24 or 16.

    Raises
    ------
    ConfigError
        If ``a`` is not an integer ≥ 1.
    """
    a = check_int("a", a, "an integer ≥ 1 (transport block size A)", "TS 38.212 §7.2.1", lo=1)
    return 24 if a > 3824 else 16


def select_base_graph(a: int, r: float) -> int:
    """LDPC base graph of a transport block of A bits at target code rate R.

    Implements TS 38.212 §7.2.2 (DL-SCH) and §6.2.2 (UL-SCH).

    Base graph 2 if A ≤ 292, or A ≤ 3824 and R ≤ 0.67, or R ≤ 0.25; otherwise
    base graph 1.

    Parameters
    ----------
    a : int
        Transport block size A ≥ 1 (bits, without CRC).
    r : float
        Target code rate R, 0 < R < 1.

    Returns
    -------
    int
        1 or 2.

    Raises
    ------
    ConfigError
        If ``a`` is not an integer ≥ 1 or ``r`` is not a real number in (0, 1).
    """
    a = check_int("a", a, "an integer ≥ 1 (transport block size A)", "TS 38.212 §7.2.2", lo=1)
    if isinstance(r, bool) or not isinstance(r, Real) or not (0.0 < float(r) < 1.0):
        raise ConfigError(
            f"r={r!r} is not allowed: the target code rate R must be a real number with "
            "0 < R < 1 (TS 38.212 §7.2.2)"
        )
    r = float(r)
    if a <= 292 or (a <= 3824 and r <= 0.67) or r <= 0.25:
        return 2
    return 1


@dataclass(frozen=True, slots=True)
class SegmentationInfo:
    """Parameters of the code block segmentation of B bits (TS 38.212 §5.2.2).

    Attributes
    ----------
    b : int
        B, the number of input bits (transport block including its TB CRC).
    bg : int
        LDPC base graph, 1 or 2.
    l_cb : int
        L, the code block CRC length: 0 when C = 1, else 24 (CRC24B).
    c : int
        C, the number of code blocks.
    b_prime : int
        B' = B + C·L.
    k_prime : int
        K', the number of bits per code block before filler bits (data + CB CRC).
    k_b : int
        K_b, the number of systematic base-graph columns used (22 for BG1;
        10, 9, 8 or 6 for BG2).
    z_c : int
        Z_c, the minimum lifting size of Table 5.3.2-1 with K_b·Z_c ≥ K'.
    i_ls : int
        i_LS, the index of the lifting-size set containing Z_c.
    k : int
        K, code block length with filler bits: 22·Z_c (BG1) or 10·Z_c (BG2).
    f : int
        F = K − K', the number of filler bits per code block.
    n : int
        N, the LDPC encoder output length: 66·Z_c (BG1) or 50·Z_c (BG2).
    """

    b: int
    bg: int
    l_cb: int
    c: int
    b_prime: int
    k_prime: int
    k_b: int
    z_c: int
    i_ls: int
    k: int
    f: int
    n: int

    @property
    def n_pad(self) -> int:
        """C·K' − B': zero bits padded at the end of the last code block's data.

        Zero for every B that TS 38.214 §5.1.3.2 produces (there B' is a multiple
        of C); see :func:`segmentation_info`.
        """
        return self.c * self.k_prime - self.b_prime


def segmentation_info(b: int, bg: int) -> SegmentationInfo:
    """Code block segmentation parameters of B bits for LDPC base graph ``bg``.

    Implements TS 38.212 §5.2.2 (Table 5.3.2-1).

    K_cb = 8448 (BG1) or 3840 (BG2). If B ≤ K_cb: L = 0, C = 1, B' = B; else
    L = 24, C = ⌈B / (K_cb − L)⌉, B' = B + C·L. K' = B'/C. K_b = 22 for BG1;
    for BG2 K_b = 10 if B > 640, 9 if B > 560, 8 if B > 192, else 6. Z_c is the
    minimum lifting size with K_b·Z_c ≥ K'; K = 22·Z_c (BG1) or 10·Z_c (BG2).

    Parameters
    ----------
    b : int
        B ≥ 1, the transport block size including its TB CRC.
    bg : {1, 2}
        LDPC base graph.

    Returns
    -------
    SegmentationInfo

    Raises
    ------
    ConfigError
        If ``b`` is not an integer ≥ 1 or ``bg`` is not 1 or 2.

    Notes
    -----
    §5.2.2 writes K' = B'/C. Every transport block size of TS 38.214 §5.1.3.2
    makes B' a multiple of C; for other B this function uses K' = ⌈B'/C⌉ (as
    MATLAB's nrDLSCHInfo and py3gpp do) and :func:`segment` pads the data of the
    last code block with C·K' − B' zero bits before its CRC (see ``n_pad``), so
    every code block has the same K' and F.
    """
    b = check_int("b", b, "an integer ≥ 1 (B, bits including the TB CRC)", "TS 38.212 §5.2.2",
                  lo=1)
    bg = check_int("bg", bg, "1 or 2", "TS 38.212 §5.2.2", choices=(1, 2))
    return _segmentation_info(b, bg)


@lru_cache(maxsize=1024)
def _segmentation_info(b: int, bg: int) -> SegmentationInfo:
    k_cb = K_CB[bg]
    if b <= k_cb:
        l_cb, c, b_prime = 0, 1, b
    else:
        l_cb = L_CB_CRC
        c = -(-b // (k_cb - l_cb))
        b_prime = b + c * l_cb
    k_prime = -(-b_prime // c)
    if bg == 1:
        k_b = 22
    elif b > 640:
        k_b = 10
    elif b > 560:
        k_b = 9
    elif b > 192:
        k_b = 8
    else:
        k_b = 6
    z_c = min(z for z in LIFTING_SIZES if k_b * z >= k_prime)
    k = (22 if bg == 1 else 10) * z_c
    n = (66 if bg == 1 else 50) * z_c
    return SegmentationInfo(
        b=b, bg=bg, l_cb=l_cb, c=c, b_prime=b_prime, k_prime=k_prime, k_b=k_b, z_c=z_c,
        i_ls=lifting_set_index(z_c), k=k, f=k - k_prime, n=n,
    )


def _check_info(info) -> SegmentationInfo:
    if not isinstance(info, SegmentationInfo):
        raise ConfigError(
            f"info={info!r} is not allowed: info must be a SegmentationInfo from "
            "segmentation_info() (TS 38.212 §5.2.2)"
        )
    return info


def _check_bits(x, name: str, shape_tail: tuple[int, ...], what: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < len(shape_tail) or x.shape[x.ndim - len(shape_tail):] != shape_tail:
        raise ConfigError(
            f"{name} has shape {x.shape}: it must end in {what} = {shape_tail} "
            "(TS 38.212 §5.2.2)"
        )
    if x.dtype.kind not in "biu":
        raise ConfigError(f"{name} has dtype {x.dtype}: bits must be an integer or bool array "
                          "of 0/1 (TS 38.212 §5.2.2)")
    return x


def segment(b, info: SegmentationInfo) -> np.ndarray:
    """Split B bits into C code blocks c_r, attach CRC24B when C > 1, add filler bits.

    Implements TS 38.212 §5.2.2.

    Parameters
    ----------
    b : array_like of 0/1 (uint8, int8 or bool), shape (..., B)
        b_0..b_{B-1}: the transport block with its TB CRC, any leading batch shape.
    info : SegmentationInfo
        From :func:`segmentation_info`.

    Returns
    -------
    c : ndarray of uint8, shape (..., C, K)
        Code block r holds bits b_{r(K'−L)} .. b_{(r+1)(K'−L)−1}, then (C > 1) its
        CRC24B parity bits at positions K'−L..K'−1, then the filler bits
        (<NULL>) at positions K'..K−1, set to 0 here as the LDPC encoder expects.

    Raises
    ------
    ConfigError
        If ``info`` is not a SegmentationInfo, or ``b`` does not end in B bits or
        is not an integer/bool array.
    """
    info = _check_info(info)
    b = _check_bits(b, "b", (info.b,), "B")
    batch = b.shape[:-1]
    b = b.astype(np.uint8, copy=False)
    n_data = info.k_prime - info.l_cb
    if info.n_pad:
        b = np.concatenate([b, np.zeros((*batch, info.n_pad), dtype=np.uint8)], axis=-1)
    blocks = b.reshape(*batch, info.c, n_data)
    if info.c > 1:
        blocks = crc_attach(blocks, "24B")
    c = np.zeros((*batch, info.c, info.k), dtype=np.uint8)
    c[..., : info.k_prime] = blocks
    return c


def desegment(c_hat, info: SegmentationInfo) -> tuple[np.ndarray, np.ndarray]:
    """Check the code block CRCs and join the code blocks back into B bits.

    Implements TS 38.212 §5.2.2 (receiver side).

    Parameters
    ----------
    c_hat : array_like of 0/1 (uint8, int8 or bool), shape (..., C, K)
        Hard-decided code blocks (filler positions K'..K−1 are ignored).
    info : SegmentationInfo
        From :func:`segmentation_info`.

    Returns
    -------
    b_hat : ndarray of uint8, shape (..., B)
        The transport block with its TB CRC.
    cb_crc_ok : ndarray of bool, shape (..., C)
        Whether each code block's CRC24B checks; all True when C = 1 (no CB CRC).

    Raises
    ------
    ConfigError
        If ``info`` is not a SegmentationInfo, or ``c_hat`` does not end in (C, K)
        or is not an integer/bool array.
    """
    info = _check_info(info)
    c_hat = _check_bits(c_hat, "c_hat", (info.c, info.k), "(C, K)")
    batch = c_hat.shape[:-2]
    blocks = c_hat[..., : info.k_prime]
    if info.c > 1:
        cb_crc_ok = crc_check(blocks, "24B")
    else:
        cb_crc_ok = np.ones((*batch, 1), dtype=bool)
    n_data = info.k_prime - info.l_cb
    b_hat = blocks[..., :n_data].reshape(*batch, info.c * n_data)[..., : info.b]
    return b_hat.astype(np.uint8), cb_crc_ok
