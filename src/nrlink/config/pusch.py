"""PUSCH configuration (TS 38.211 §6.3.1, §6.4.1; TS 38.214 §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nrlink.config._resources import (
    ResourcePlan,
    SharedChannelMixin,
    check_shared_fields,
    config_mcs,
    contiguous_prbs,
    plan_resources,
)
from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.dmrs import DmrsConfig, PtrsConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.precoding import (
    is_valid_transform_precoding_prb,
    pusch_precoding_matrix,
)
from nrlink.spec.ts38211.scrambling import c_init_pusch
from nrlink.spec.ts38214.mcs import McsEntry

__all__ = ["PuschConfig", "PUSCH_MCS_TABLES"]

#: MCS tables usable on PUSCH without / with transform precoding (TS 38.214 §6.1.4.1).
PUSCH_MCS_TABLES = {
    False: ("qam64", "qam256", "qam64LowSE"),
    True: ("tp-qam64", "tp-qam64LowSE", "qam256"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PuschConfig(SharedChannelMixin):
    """A PUSCH transmission in one slot: allocation, MCS, layers, precoding, DM-RS, PT-RS.

    Implements the parameter set of TS 38.211 §6.3.1 (PUSCH), §6.4.1.1 (DM-RS),
    §6.4.1.2 (PT-RS) and TS 38.214 §6.1.2 (allocation), §6.1.4 (MCS, TBS). Every field
    and the cross-field rules are checked at construction; the derived quantities are in
    :attr:`resources`.

    Parameters
    ----------
    carrier : CarrierConfig
        Numerology, grid size, cell identity, slot.
    bwp : BwpConfig
        Bandwidth part (default: the whole carrier).
    mapping_type : {"A", "B"}, default "A"
        PUSCH mapping type.
    start_symbol, num_symbols : int, default 0, 14
        S and L of the time allocation (TS 38.214 Table 6.1.2.1-1).
    prb_start : int, default 0
        First allocated PRB, relative to the BWP (resource allocation type 1).
    n_prb : int or None, default None
        Number of contiguous PRBs (``None``: to the end of the BWP).
    mcs_index : int, default 14
        I_MCS.
    mcs_table : str, default "qam64"
        Without transform precoding "qam64", "qam256" or "qam64LowSE" (TS 38.214 Tables
        5.1.3.1-1..3); with it "tp-qam64", "tp-qam64LowSE" (Tables 6.1.4.1-1/-2) or
        "qam256". 1024QAM is not defined for PUSCH.
    tp_pi2bpsk : bool, default False
        tp-pi2BPSK: π/2-BPSK for the q rows of the transform-precoding tables.
    num_layers : int, default 1
        Layers υ, 1..4 (1 with transform precoding).
    num_antenna_ports : int or None, default None
        Antenna ports ρ: 1, 2 or 4 (``None``: ``num_layers``).
    precoding : {"codebook", "non-codebook"}, default "codebook"
        Codebook: W from TS 38.211 Tables 6.3.1.5-1..7 with ``tpmi``; non-codebook: W = I
        (ports = layers).
    tpmi : int, default 0
        Transmitted precoding matrix indicator (codebook precoding).
    transform_precoding : bool, default False
        DFT-s-OFDM (TS 38.211 §6.3.1.4).
    dmrs : DmrsConfig
    ptrs : PtrsConfig or None, default None
        PT-RS (not with transform precoding yet).
    n_rnti : int, default 1
        C-RNTI, 0..65535.
    n_id : int or None, default None
        dataScramblingIdentityPUSCH, 0..1023 (``None``: N_ID^cell) (§6.3.1.1).
    x_overhead : int, default 0
        xOverhead N_oh^PRB: 0, 6, 12 or 18 (TS 38.214 §6.1.4.2).
    rv : int, default 0
        Redundancy version.
    lbrm : bool, default False
        Limited-buffer rate matching (TS 38.212 §6.2.5).
    lbrm_max_layers : int or None, default None
        X of TBS_LBRM: maxMIMO-Layers of the serving cell (``None``: ``num_layers``);
        min(X, 4) layers enter TBS_LBRM (TS 38.212 §5.4.2.1).
    lbrm_max_bwp_prb : int or None, default None
        The largest BWP size of the serving cell, for n_PRB,LBRM (``None``: this BWP).

    Examples
    --------
    >>> cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=52), mcs_index=14)
    >>> cfg.resources.tbs, cfg.resources.g, cfg.resources.dmrs_symbols
    ((16136,), (29952,), (2, 11))
    """

    carrier: CarrierConfig = field(default_factory=CarrierConfig)
    bwp: BwpConfig = field(default_factory=BwpConfig)
    mapping_type: Literal["A", "B"] = "A"
    start_symbol: int = 0
    num_symbols: int = 14
    prb_start: int = 0
    n_prb: int | None = None
    mcs_index: int = 14
    mcs_table: str = "qam64"
    tp_pi2bpsk: bool = False
    num_layers: int = 1
    num_antenna_ports: int | None = None
    precoding: Literal["codebook", "non-codebook"] = "codebook"
    tpmi: int = 0
    transform_precoding: bool = False
    dmrs: DmrsConfig = field(default_factory=DmrsConfig)
    ptrs: PtrsConfig | None = None
    n_rnti: int = 1
    n_id: int | None = None
    x_overhead: int = 0
    rv: int = 0
    lbrm: bool = False
    lbrm_max_layers: int | None = None
    lbrm_max_bwp_prb: int | None = None
    _resources: ResourcePlan | None = field(default=None, init=False, repr=False,
                                            compare=False)

    def __post_init__(self) -> None:
        check_shared_fields(self, "pusch")
        for name in ("transform_precoding", "tp_pi2bpsk"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name}={getattr(self, name)!r} is not allowed: {name} must "
                                  "be True or False")
        tp = self.transform_precoding
        check_int("num_layers", self.num_layers,
                  "1 with transform precoding" if tp else "an integer in 1..4",
                  "TS 38.211 §6.3.1.3, §6.3.1.4", lo=1, hi=1 if tp else 4)
        if self.precoding not in ("codebook", "non-codebook"):
            raise ConfigError(
                f"precoding={self.precoding!r} is not allowed: precoding must be 'codebook' or "
                "'non-codebook' (TS 38.211 §6.3.1.5)"
            )
        ports = self.antenna_ports
        check_int("num_antenna_ports", ports, "one of 1, 2, 4", "TS 38.211 §6.3.1.5",
                  choices=(1, 2, 4))
        if self.precoding == "non-codebook" and ports != self.num_layers:
            raise ConfigError(
                f"num_antenna_ports={ports} is not allowed with precoding='non-codebook' and "
                f"num_layers={self.num_layers}: non-codebook PUSCH has one port per layer "
                "(TS 38.211 §6.3.1.5, TS 38.214 §6.1.1.2)"
            )
        if ports < self.num_layers:
            raise ConfigError(
                f"num_antenna_ports={ports} is not allowed with num_layers={self.num_layers}: "
                "ports must be ≥ layers (TS 38.211 §6.3.1.5)"
            )
        check_int("tpmi", self.tpmi, "an integer ≥ 0", "TS 38.211 §6.3.1.5", lo=0)
        if self.precoding == "non-codebook" and self.tpmi != 0:
            raise ConfigError(
                f"tpmi={self.tpmi} is not allowed with precoding='non-codebook': TPMI is "
                "signalled for codebook-based PUSCH only (TS 38.214 §6.1.1.1); leave it 0"
            )
        if self.ptrs is not None and self.ptrs.epre_ratio != 0:
            raise ConfigError(
                f"ptrs.epre_ratio={self.ptrs.epre_ratio} is not allowed for PUSCH: epre-Ratio "
                "is a PDSCH parameter (TS 38.214 Table 4.1-2); PUSCH uses ptrs-Power"
            )
        if self.precoding == "codebook":
            self.precoding_matrix  # noqa: B018 - validates tpmi for (layers, ports)
        allowed = PUSCH_MCS_TABLES[tp]
        if self.mcs_table not in allowed:
            extra = (" (1024QAM is defined for PDSCH only, TS 38.214 Table 5.1.3.1-4)"
                     if self.mcs_table == "qam1024" else "")
            raise ConfigError(
                f"mcs_table={self.mcs_table!r} is not allowed for PUSCH with "
                f"transform_precoding={tp}: mcs_table must be one of {', '.join(allowed)} "
                f"(TS 38.214 §6.1.4.1){extra}"
            )
        if self.tp_pi2bpsk and not tp:
            raise ConfigError(
                "tp_pi2bpsk=True is not allowed with transform_precoding=False: π/2-BPSK is "
                "used with transform precoding only (TS 38.214 §6.1.4.1)"
            )
        if tp:
            if self.dmrs.num_cdm_groups_without_data != 2:
                raise ConfigError(
                    f"dmrs.num_cdm_groups_without_data={self.dmrs.num_cdm_groups_without_data} "
                    "is not allowed with transform_precoding=True: the DM-RS symbols of "
                    "DFT-s-OFDM carry no data, i.e. 2 CDM groups without data (TS 38.214 §6.2.2)"
                )
            if self.dmrs.config_type != 1:
                raise ConfigError(
                    f"dmrs.config_type={self.dmrs.config_type} is not allowed with "
                    "transform_precoding=True: DFT-s-OFDM uses DM-RS configuration type 1 "
                    "(TS 38.211 §6.4.1.1.3)"
                )
        object.__setattr__(self, "_resources", plan_resources(
            self, channel="pusch", mcs=self.mcs, ptrs_allowed=not tp))
        if tp:
            n = len(self._resources.prbs)
            if not is_valid_transform_precoding_prb(n):
                raise ConfigError(
                    f"n_prb={n} is not allowed with transform_precoding=True: M_sc^PUSCH = "
                    f"12·n_prb needs n_prb = 2^a·3^b·5^c (TS 38.211 §6.3.1.4)"
                )

    # -- derived ------------------------------------------------------------------------
    @property
    def antenna_ports(self) -> int:
        """Number of antenna ports ρ (``num_antenna_ports`` or ``num_layers``)."""
        return self.num_layers if self.num_antenna_ports is None else self.num_antenna_ports

    @property
    def precoding_matrix(self):
        """W (ports × layers, complex64) of TS 38.211 §6.3.1.5; identity for non-codebook."""
        import numpy as np

        if self.precoding == "non-codebook":
            return np.eye(self.num_layers, dtype=np.complex64)
        return pusch_precoding_matrix(self.tpmi, self.num_layers, self.antenna_ports,
                                      transform_precoding=self.transform_precoding)

    @property
    def mcs(self) -> McsEntry:
        """Q_m and target code rate (TS 38.214 §6.1.4.1)."""
        return config_mcs(self, tp_pi2bpsk=self.tp_pi2bpsk)

    @property
    def max_qm(self) -> int:
        """Largest Q_m of the MCS table (for TBS_LBRM, TS 38.212 §6.2.5)."""
        return 8 if self.mcs_table == "qam256" else 6

    @property
    def pi2_bpsk(self) -> bool:
        """Whether the data are π/2-BPSK modulated."""
        return self.mcs.qm == 1

    @property
    def c_init(self) -> int:
        """Scrambling initialisation c_init (TS 38.211 §6.3.1.1)."""
        return c_init_pusch(self.n_rnti, self.data_scrambling_id)

    def prb_indices(self, n_size_bwp: int) -> list[int]:
        """Allocated PRBs relative to the BWP, checked to lie inside it."""
        return contiguous_prbs(self, n_size_bwp, "pusch")
