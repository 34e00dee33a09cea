"""Transport-block coding of the shared channels (DL-SCH, UL-SCH).

Implements TS 38.212 §7.2 (DL-SCH) and §6.2 (UL-SCH): TB CRC (§7.2.1/§6.2.1),
base graph selection (§7.2.2/§6.2.2), code block segmentation and CB CRC (§5.2.2),
LDPC encoding (§5.3.2), rate matching (§5.4.2) and code block concatenation (§5.5).
The two clauses define the same procedure for data; only the clause numbers differ.

The chain from transport block ``a`` to the codeword ``f`` (before scrambling,
TS 38.211 §7.3.1.1 / §6.3.1.1) is::

    a --TB CRC--> b --segmentation + CB CRC--> c --LDPC--> d --rate matching--> e/f
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.modulation import check_qm
from nrlink.spec.ts38212.crc import crc_attach
from nrlink.spec.ts38212.ldpc import ldpc_encode
from nrlink.spec.ts38212.rate_matching import (
    k0,
    n_cb,
    rate_match,
    rate_match_lengths,
    rate_recover,
)
from nrlink.spec.ts38212.segmentation import (
    SegmentationInfo,
    segment,
    segmentation_info,
    select_base_graph,
    tb_crc_length,
)

__all__ = [
    "MAX_EFFECTIVE_CODE_RATE",
    "TransportBlockPlan",
    "plan_transport_block",
    "tb_crc_poly",
    "encode_transport_block",
    "rate_recover_transport_block",
    "filler_mask",
]

#: TS 38.214 §5.1.3.1 / §6.1.4.1: a transport block whose effective code rate
#: ((A + CRC bits) / G) exceeds 0.95 need not be decoded on its initial transmission.
MAX_EFFECTIVE_CODE_RATE = 0.95
#: Smallest and largest target code rate R of the MCS tables (TS 38.214 Tables
#: 5.1.3.1-1..4, 6.1.4.1-1..2): 30/1024 and 948/1024.
MIN_TARGET_CODE_RATE = 30 / 1024
MAX_TARGET_CODE_RATE = 948 / 1024


def tb_crc_poly(a: int) -> str:
    """CRC polynomial attached to a transport block of A bits (TS 38.212 §7.2.1/§6.2.1)."""
    return "24A" if tb_crc_length(a) == 24 else "16"


@dataclass(frozen=True, slots=True)
class TransportBlockPlan:
    """Every derived quantity of the coding of one transport block.

    Implements TS 38.212 §7.2 / §6.2 (with §5.2.2, §5.4.2.1).

    Attributes
    ----------
    a : int
        Transport block size A (bits, without CRC).
    target_code_rate : float
        R used for base graph selection (§7.2.2).
    g : int
        Number of coded bits G available for the transport block.
    qm, layers, rv : int
        Modulation order Q_m, number of layers N_L, redundancy version rv_id.
    seg : SegmentationInfo
        Segmentation (B, C, K', K, Z_c, F, base graph, ...), §5.2.2.
    tb_crc : str
        TB CRC polynomial, "24A" or "16".
    n_cb : int
        Circular-buffer length N_cb (§5.4.2.1; equal to N without LBRM).
    k0 : int
        Starting position of the redundancy version (Table 5.4.2.1-2).
    e : tuple of int
        Rate-matching output length E_r of each code block (§5.4.2.1).
    tbs_lbrm : int or None
        TBS_LBRM when limited-buffer rate matching is on (I_LBRM = 1).
    r_lbrm : float
        R_LBRM used with it.
    """

    a: int
    target_code_rate: float
    g: int
    qm: int
    layers: int
    rv: int
    seg: SegmentationInfo
    tb_crc: str
    n_cb: int
    k0: int
    e: tuple[int, ...]
    tbs_lbrm: int | None
    r_lbrm: float

    @property
    def c(self) -> int:
        """Number of code blocks C."""
        return self.seg.c

    @property
    def effective_code_rate(self) -> float:
        """(A + TB CRC + C · CB CRC) / G, as TS 38.214 §5.1.3.1 defines it."""
        return (self.seg.b + self.seg.c * self.seg.l_cb) / self.g


def plan_transport_block(
    *,
    a: int,
    target_code_rate: float,
    g: int,
    qm: int,
    layers: int = 1,
    rv: int = 0,
    tbs_lbrm: int | None = None,
    r_lbrm: float = 2 / 3,
    enforce_max_rate: bool = True,
) -> TransportBlockPlan:
    """Validate the coding parameters of a transport block and derive its plan.

    Implements TS 38.212 §7.2.1, §7.2.2, §5.2.2 and §5.4.2.1 (same as §6.2 for UL-SCH).

    Parameters
    ----------
    a : int
        Transport block size A ≥ 1 (bits).
    target_code_rate : float
        Target code rate R of the MCS, 30/1024 ≤ R ≤ 948/1024 (the range of the
        TS 38.214 MCS tables); selects the base graph (§7.2.2).
    g : int
        Coded bits G for this transport block, a multiple of N_L · Q_m.
    qm : {1, 2, 4, 6, 8, 10}
        Modulation order Q_m.
    layers : int
        Number of layers N_L of the codeword, 1..4 (TS 38.211 §7.3.1.3).
    rv : {0, 1, 2, 3}
        Redundancy version rv_id.
    tbs_lbrm : int, optional
        TBS_LBRM (see :func:`nrlink.spec.ts38214.tbs.tbs_lbrm`); ``None`` means no
        limited-buffer rate matching (I_LBRM = 0, N_cb = N).
    r_lbrm : float
        R_LBRM, 2/3 in TS 38.212 §5.4.2.1.
    enforce_max_rate : bool, default True
        Refuse an initial transmission (rv = 0) whose effective code rate exceeds 0.95.
        TS 38.214 §5.1.3.1 / §6.1.4.1 let the receiver skip decoding such a transport
        block rather than forbid it; the PDSCH/PUSCH configurations, whose TB follows
        from the MCS and allocation, pass False and leave the decision to the receiver
        (:attr:`TransportBlockPlan.effective_code_rate`).

    Raises
    ------
    ConfigError
        Naming the parameter, its value, the allowed values and the clause; see
        ``enforce_max_rate``.
    """
    a = check_int("a", a, "an integer ≥ 1 (transport block size A)", "TS 38.212 §7.2.1", lo=1)
    if not (MIN_TARGET_CODE_RATE <= float(target_code_rate) <= MAX_TARGET_CODE_RATE):
        raise ConfigError(
            f"target_code_rate={target_code_rate!r} is not allowed: R must lie in "
            f"[30/1024, 948/1024] = [{MIN_TARGET_CODE_RATE:.4f}, {MAX_TARGET_CODE_RATE:.4f}], "
            "the range of the MCS tables (TS 38.214 Tables 5.1.3.1-1..4)"
        )
    target_code_rate = float(target_code_rate)
    qm = check_qm(qm)
    layers = check_int("layers", layers, "an integer in 1..4 (layers of one codeword)",
                       "TS 38.211 §7.3.1.3", lo=1, hi=4)
    rv = check_int("rv", rv, "one of 0, 1, 2, 3", "TS 38.212 §5.4.2.1, Table 5.4.2.1-2",
                   choices=(0, 1, 2, 3))
    g = check_int("g", g, f"a positive multiple of N_L·Q_m = {layers * qm}",
                  "TS 38.212 §5.4.2.1", lo=1)
    if g % (layers * qm):
        raise ConfigError(
            f"g={g} is not allowed: G must be a multiple of N_L·Q_m = {layers}·{qm} = "
            f"{layers * qm} (TS 38.212 §5.4.2.1)"
        )
    if tbs_lbrm is not None:
        tbs_lbrm = check_int("tbs_lbrm", tbs_lbrm, "None (no LBRM) or an integer ≥ 1",
                             "TS 38.212 §5.4.2.1", lo=1)
    if not (0.0 < float(r_lbrm) <= 1.0):
        raise ConfigError(
            f"r_lbrm={r_lbrm!r} is not allowed: R_LBRM must lie in (0, 1]; TS 38.212 "
            "§5.4.2.1 uses 2/3"
        )
    if not isinstance(enforce_max_rate, bool):
        raise ConfigError(f"enforce_max_rate={enforce_max_rate!r} is not allowed: it must be "
                          "True or False (TS 38.214 §5.1.3.1)")
    plan = _plan(a, target_code_rate, g, qm, layers, rv, tbs_lbrm, float(r_lbrm))
    if enforce_max_rate and rv == 0 and plan.effective_code_rate > MAX_EFFECTIVE_CODE_RATE:
        payload = plan.seg.b + plan.seg.c * plan.seg.l_cb
        raise ConfigError(
            f"g={g} is too small for a={a}: the effective code rate (A + CRC bits)/G = "
            f"{payload}/{g} = {plan.effective_code_rate:.3f} exceeds 0.95 on the initial "
            f"transmission; G must be ≥ {int(np.ceil(payload / MAX_EFFECTIVE_CODE_RATE))}"
            " (TS 38.214 §5.1.3.1)"
        )
    return plan


@lru_cache(maxsize=256)
def _plan(a, target_code_rate, g, qm, layers, rv, tbs_lbrm, r_lbrm) -> TransportBlockPlan:
    l_tb = tb_crc_length(a)
    bg = select_base_graph(a, target_code_rate)
    seg = segmentation_info(a + l_tb, bg)
    ncb = n_cb(seg.n, c=seg.c, tbs_lbrm=tbs_lbrm, r_lbrm=r_lbrm)
    e = tuple(int(x) for x in rate_match_lengths(g, c=seg.c, qm=qm, layers=layers))
    plan = TransportBlockPlan(
        a=a, target_code_rate=target_code_rate, g=g, qm=qm, layers=layers, rv=rv, seg=seg,
        tb_crc="24A" if l_tb == 24 else "16", n_cb=ncb, k0=k0(rv, bg=bg, n_cb=ncb, z_c=seg.z_c),
        e=e, tbs_lbrm=tbs_lbrm, r_lbrm=r_lbrm,
    )
    return plan


def filler_mask(seg: SegmentationInfo) -> np.ndarray:
    """Boolean mask (N,) of the filler (<NULL>) positions of d: K'−2Z_c .. K−2Z_c−1 (§5.3.2)."""
    m = np.zeros(seg.n, dtype=bool)
    m[max(seg.k_prime - 2 * seg.z_c, 0): seg.k - 2 * seg.z_c] = True
    return m


def encode_transport_block(a_bits: np.ndarray, plan: TransportBlockPlan) -> np.ndarray:
    """Encode transport blocks into rate-matched, concatenated codeword bits.

    Implements TS 38.212 §7.2.1–§7.2.6 (DL-SCH; §6.2.1–§6.2.6 for UL-SCH) up to code
    block concatenation; scrambling (TS 38.211 §7.3.1.1) is not included.

    Parameters
    ----------
    a_bits : array_like of 0/1, shape (..., A)
        Transport block bits a_0..a_{A-1}, any leading batch shape.
    plan : TransportBlockPlan
        From :func:`plan_transport_block`.

    Returns
    -------
    f : ndarray of uint8, shape (..., G)
        The codeword g_0..g_{G-1} after code block concatenation (§5.5).
    """
    a_bits = np.asarray(a_bits)
    if a_bits.ndim < 1 or a_bits.shape[-1] != plan.a:
        raise ConfigError(
            f"a_bits has shape {a_bits.shape}: its last dimension must be the transport "
            f"block size A = {plan.a} (TS 38.212 §7.2.1)"
        )
    if a_bits.size and (a_bits.min() < 0 or a_bits.max() > 1):
        raise ConfigError("a_bits holds values other than 0 and 1 (TS 38.212 §7.2.1)")
    seg = plan.seg
    b = crc_attach(a_bits.astype(np.uint8, copy=False), plan.tb_crc)
    c = segment(b, seg)
    d = ldpc_encode(c, seg.bg, seg.z_c)
    return rate_match(d, bg=seg.bg, z_c=seg.z_c, k=seg.k, k_prime=seg.k_prime, e=plan.e,
                      rv=plan.rv, n_cb=plan.n_cb, qm=plan.qm)


def rate_recover_transport_block(
    llr: np.ndarray, plan: TransportBlockPlan, buffer: np.ndarray | None = None
) -> np.ndarray:
    """Accumulate codeword LLRs into the per-code-block N_cb soft buffer (HARQ buffer).

    Implements the inverse of TS 38.212 §5.5 and §5.4.2 (bit de-interleaving and
    rate recovery). LLRs are positive for bit 0.

    Parameters
    ----------
    llr : array_like of float, shape (..., G)
        Descrambled LLRs of the codeword.
    plan : TransportBlockPlan
    buffer : ndarray of float32, shape (..., C, N), optional
        Soft buffer of earlier transmissions of the same transport block; updated in
        place (incremental redundancy or chase combining: the same addition).

    Returns
    -------
    buffer : ndarray of float32, shape (..., C, N)
    """
    llr = np.asarray(llr, dtype=np.float32)
    if llr.ndim < 1 or llr.shape[-1] != plan.g:
        raise ConfigError(
            f"llr has shape {llr.shape}: its last dimension must be G = {plan.g} "
            "(TS 38.212 §5.4.2.1)"
        )
    seg = plan.seg
    return rate_recover(llr, bg=seg.bg, z_c=seg.z_c, k=seg.k, k_prime=seg.k_prime, e=plan.e,
                        rv=plan.rv, n_cb=plan.n_cb, qm=plan.qm, n=seg.n, buffer=buffer)
