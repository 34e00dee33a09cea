"""Coding configuration of one transport block (DL-SCH / UL-SCH)."""

from __future__ import annotations

from dataclasses import dataclass

from nrlink.config._base import FromDictMixin
from nrlink.spec.ts38212.sch import TransportBlockPlan, plan_transport_block

__all__ = ["TransportBlockConfig"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportBlockConfig(FromDictMixin):
    """Parameters of the channel coding of one transport block.

    Implements the parameter set of TS 38.212 §7.2 (DL-SCH) / §6.2 (UL-SCH); every
    field is validated at construction (see
    :func:`nrlink.spec.ts38212.sch.plan_transport_block` for the rules and clauses).

    Parameters
    ----------
    tbs : int
        Transport block size A (bits, without CRC), ≥ 1.
    target_code_rate : float
        Target code rate R of the MCS (30/1024 … 948/1024); selects the LDPC base graph.
    g : int
        Coded bits G available for the transport block (multiple of ``layers * qm``).
    qm : int
        Modulation order Q_m ∈ {1, 2, 4, 6, 8, 10}.
    layers : int, default 1
        Layers N_L of the codeword, 1..4.
    rv : int, default 0
        Redundancy version, 0..3.
    tbs_lbrm : int or None, default None
        TBS_LBRM for limited-buffer rate matching (``None``: off, N_cb = N). Compute it
        with :func:`nrlink.spec.ts38214.tbs.tbs_lbrm`.
    r_lbrm : float, default 2/3
        R_LBRM (TS 38.212 §5.4.2.1).
    enforce_max_rate : bool, default True
        Refuse an initial transmission whose effective code rate exceeds 0.95 (TS 38.214
        §5.1.3.1 lets the UE skip decoding it). The PDSCH/PUSCH configurations set it
        False: such a TB is still transmitted and ``plan.effective_code_rate`` tells.

    Examples
    --------
    >>> cfg = TransportBlockConfig(tbs=8448, target_code_rate=0.5, g=17280, qm=2)
    >>> cfg.plan.c, cfg.plan.seg.bg, cfg.plan.seg.z_c
    (2, 1, 208)
    >>> cfg.replace(rv=2).plan.k0 > 0
    True
    """

    tbs: int
    target_code_rate: float
    g: int
    qm: int
    layers: int = 1
    rv: int = 0
    tbs_lbrm: int | None = None
    r_lbrm: float = 2 / 3
    enforce_max_rate: bool = True

    def __post_init__(self) -> None:
        _ = self.plan  # validates every field and the cross-field rules

    @property
    def plan(self) -> TransportBlockPlan:
        """The derived coding plan (segmentation, N_cb, k0, E per code block); cached."""
        return plan_transport_block(
            a=self.tbs, target_code_rate=self.target_code_rate, g=self.g, qm=self.qm,
            layers=self.layers, rv=self.rv, tbs_lbrm=self.tbs_lbrm, r_lbrm=self.r_lbrm,
            enforce_max_rate=self.enforce_max_rate,
        )
