"""Derived resource plan shared by the PDSCH and PUSCH configurations.

From a validated PDSCH/PUSCH configuration this computes, once, everything a transmitter
and a receiver need: DM-RS symbols and ports, the masks of the slot's resource grid
(allocation, DM-RS, PT-RS, reserved, data), the TBS per codeword (TS 38.214 §5.1.3.2,
§6.1.4.2) and the number of coded bits G per codeword.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.dmrs import DmrsConfig, PtrsConfig
from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.dmrs import dmrs_cdm_group_mask, dmrs_port_params, dmrs_symbols
from nrlink.spec.ts38211.layer_mapping import codeword_layers
from nrlink.spec.ts38211.mapping import allocation_mask, data_re_mask
from nrlink.spec.ts38211.ptrs import ptrs_subcarriers, ptrs_symbols
from nrlink.spec.ts38214.mcs import McsEntry, mcs_entry
from nrlink.spec.ts38214.ptrs import (
    ptrs_beta_pdsch,
    ptrs_frequency_density,
    ptrs_pdsch_densities,
    ptrs_time_density,
)
from nrlink.spec.ts38214.tbs import (
    X_OVERHEAD_VALUES,
    n_prb_lbrm,
    n_re_total,
    tbs_lbrm,
    transport_block_size,
)

__all__ = [
    "ResourcePlan",
    "SharedChannelMixin",
    "check_shared_fields",
    "config_mcs",
    "contiguous_prbs",
    "plan_resources",
]


class SharedChannelMixin(FromDictMixin):
    """Derived quantities common to :class:`PdschConfig` and :class:`PuschConfig`."""

    __slots__ = ()

    @property
    def resources(self) -> ResourcePlan:
        """The derived :class:`ResourcePlan` (computed once, at construction)."""
        return self._resources

    @property
    def data_scrambling_id(self) -> int:
        """n_ID of the data scrambling (TS 38.211 §7.3.1.1, §6.3.1.1): N_ID^cell by default."""
        return self.carrier.n_id_cell if self.n_id is None else self.n_id


_CLAUSES = {
    # (scrambling, TBS, rate matching, allocation) clauses per channel
    "pdsch": ("TS 38.211 §7.3.1.1", "TS 38.214 §5.1.3.2", "TS 38.212 §7.2.5",
              "TS 38.214 §5.1.2.2"),
    "pusch": ("TS 38.211 §6.3.1.1", "TS 38.214 §6.1.4.2", "TS 38.212 §6.2.5",
              "TS 38.214 §6.1.2.2"),
}


def check_shared_fields(cfg, channel: str) -> None:
    """Validate the fields PdschConfig and PuschConfig have in common."""
    scr, tbs, rm, alloc = _CLAUSES[channel]
    for name, cls in (("carrier", CarrierConfig), ("bwp", BwpConfig), ("dmrs", DmrsConfig)):
        if not isinstance(getattr(cfg, name), cls):
            raise ConfigError(f"{name}={getattr(cfg, name)!r} is not allowed: {name} must be a "
                              f"{cls.__name__}")
    if cfg.ptrs is not None and not isinstance(cfg.ptrs, PtrsConfig):
        raise ConfigError(f"ptrs={cfg.ptrs!r} is not allowed: ptrs must be a PtrsConfig or None")
    if cfg.carrier.scs_khz == 240:
        raise ConfigError(
            f"carrier.scs_khz=240 is not allowed for {channel.upper()}: 240 kHz (μ = 4) is used "
            "by SS/PBCH blocks only; data channels use 15, 30, 60, 120, 480 or 960 kHz "
            "(TS 38.211 §4.2, TS 38.331 BWP subcarrierSpacing)"
        )
    if not isinstance(cfg.lbrm, bool):
        raise ConfigError(f"lbrm={cfg.lbrm!r} is not allowed: lbrm must be True or False ({rm})")
    check_int("n_rnti", cfg.n_rnti, "an integer in 0..65535", scr, lo=0, hi=65535)
    if cfg.n_id is not None:
        check_int("n_id", cfg.n_id, "an integer in 0..1023 or None", scr, lo=0, hi=1023)
    check_int("x_overhead", cfg.x_overhead, "one of 0, 6, 12, 18", tbs, choices=X_OVERHEAD_VALUES)
    check_int("rv", cfg.rv, "one of 0, 1, 2, 3", rm, choices=(0, 1, 2, 3))
    if cfg.lbrm_max_layers is not None:
        check_int("lbrm_max_layers", cfg.lbrm_max_layers, "an integer in 1..8 or None", rm,
                  lo=1, hi=8)
    if cfg.lbrm_max_bwp_prb is not None:
        check_int("lbrm_max_bwp_prb", cfg.lbrm_max_bwp_prb, "an integer in 1..275 or None",
                  rm, lo=1, hi=275)
    d = cfg.dmrs
    if not cfg.transform_precoding:
        for name in ("group_hopping", "sequence_hopping"):
            if getattr(d, name):
                raise ConfigError(
                    f"dmrs.{name}=True is not allowed for {channel.upper()} without transform "
                    "precoding: group/sequence hopping applies to the low-PAPR DM-RS of "
                    "DFT-s-OFDM only (TS 38.211 §6.4.1.1.1.2)"
                )
        if d.n_id_pusch is not None:
            raise ConfigError(
                f"dmrs.n_id_pusch={d.n_id_pusch} is not allowed for {channel.upper()} without "
                "transform precoding: nPUSCH-Identity only seeds the low-PAPR DM-RS "
                "(TS 38.211 §6.4.1.1.1.2); use dmrs.n_id_0 / n_id_1"
            )
    elif d.n_scid != 0 or d.n_id_0 is not None or d.n_id_1 is not None:
        raise ConfigError(
            f"dmrs.n_scid={d.n_scid}, dmrs.n_id_0={d.n_id_0}, dmrs.n_id_1={d.n_id_1} is not "
            "allowed with transform_precoding=True: the low-PAPR DM-RS is seeded by "
            "dmrs.n_id_pusch (nPUSCH-Identity), not by scramblingID0/1 and n_SCID "
            "(TS 38.211 §6.4.1.1.1.2)"
        )
    check_int("prb_start", cfg.prb_start, "an integer ≥ 0", alloc, lo=0)
    if cfg.n_prb is not None:
        check_int("n_prb", cfg.n_prb, "an integer in 1..275 or None", alloc, lo=1, hi=275)


def config_mcs(cfg, **kwargs) -> McsEntry:
    """The MCS row of ``cfg.mcs_index`` in ``cfg.mcs_table``, errors naming those fields."""
    try:
        return mcs_entry(cfg.mcs_index, cfg.mcs_table, **kwargs)
    except ConfigError as e:
        raise ConfigError(f"mcs_index={cfg.mcs_index!r}, mcs_table={cfg.mcs_table!r}: {e}") from e


def contiguous_prbs(cfg, n_size_bwp: int, channel: str) -> list[int]:
    """PRBs ``prb_start .. prb_start + n_prb − 1`` of the BWP, checked to lie inside it."""
    n = n_size_bwp - cfg.prb_start if cfg.n_prb is None else cfg.n_prb
    if n < 1 or cfg.prb_start + n > n_size_bwp:
        raise ConfigError(
            f"prb_start={cfg.prb_start}, n_prb={cfg.n_prb} is not allowed: the allocation must "
            f"lie inside the BWP of {n_size_bwp} PRBs ({_CLAUSES[channel][3]})"
        )
    return list(range(cfg.prb_start, cfg.prb_start + n))


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcePlan:
    """Everything derived from a PDSCH/PUSCH configuration for one slot.

    Masks are ``(n_symb_slot, n_sc)`` over the carrier grid (subcarrier 0 = lowest
    subcarrier of the carrier).

    Attributes
    ----------
    n_start_bwp, n_size_bwp : int
        The BWP (common resource blocks).
    prbs : numpy.ndarray of int
        Allocated PRBs, as indices into the carrier grid.
    mcs : McsEntry
        Q_m and target code rate of the MCS.
    dmrs_symbols : tuple of int
        DM-RS symbols within the slot (both symbols of a double-symbol DM-RS).
    dmrs_ports : tuple of int
        DM-RS port index p̃ of each layer.
    ptrs_symbols : tuple of int
        PT-RS symbols (empty when PT-RS is absent).
    ptrs_subcarriers : numpy.ndarray of int
        PT-RS subcarriers in the carrier grid (empty when absent).
    l_ptrs, k_ptrs : int or None
        PT-RS time and frequency density (None when absent).
    ptrs_layer : int or None
        The layer carrying the PT-RS: that of the lowest DM-RS port of codeword 0.
    allocation, dmrs_mask, ptrs_mask, reserved_mask, data_mask : numpy.ndarray of bool
        The allocated REs; the DM-RS REs without data (all CDM groups without data); the
        PT-RS REs; reserved REs; the REs carrying data.
    n_dmrs_prb : int
        N_DMRS^PRB: DM-RS REs (incl. CDM groups without data) per PRB in the allocation
        (TS 38.214 §5.1.3.2).
    codeword_layers : tuple of int
        Layers of each codeword.
    tbs : tuple of int
        Transport block size of each codeword.
    g : tuple of int
        Coded bits G of each codeword (data REs × Q_m × layers of the codeword).
    effective_code_rate : tuple of float
        (A + CRC bits) / G of each codeword; above 0.95 on an initial transmission the
        receiver may skip decoding (TS 38.214 §5.1.3.1, §6.1.4.1).
    tb_configs : tuple of TransportBlockConfig
        Channel-coding configuration of each codeword.
    """

    n_start_bwp: int
    n_size_bwp: int
    prbs: np.ndarray = field(compare=False)
    mcs: McsEntry
    dmrs_symbols: tuple[int, ...]
    dmrs_ports: tuple[int, ...]
    ptrs_symbols: tuple[int, ...]
    ptrs_subcarriers: np.ndarray = field(compare=False)
    l_ptrs: int | None
    k_ptrs: int | None
    ptrs_layer: int | None
    allocation: np.ndarray = field(compare=False, repr=False)
    dmrs_mask: np.ndarray = field(compare=False, repr=False)
    ptrs_mask: np.ndarray = field(compare=False, repr=False)
    reserved_mask: np.ndarray = field(compare=False, repr=False)
    data_mask: np.ndarray = field(compare=False, repr=False)
    n_dmrs_prb: int
    codeword_layers: tuple[int, ...]
    tbs: tuple[int, ...]
    g: tuple[int, ...]
    tb_configs: tuple[TransportBlockConfig, ...]

    @property
    def effective_code_rate(self) -> tuple[float, ...]:
        """(A + CRC bits) / G of each codeword (TS 38.214 §5.1.3.1)."""
        return tuple(c.plan.effective_code_rate for c in self.tb_configs)

    @property
    def n_data_re(self) -> int:
        """REs carrying data per layer."""
        return int(self.data_mask.sum())


def plan_resources(cfg, *, channel: str, mcs: McsEntry, ptrs_allowed: bool) -> ResourcePlan:
    """Compute the :class:`ResourcePlan` of a validated PDSCH/PUSCH configuration.

    ``cfg`` is a :class:`~nrlink.config.pdsch.PdschConfig` or
    :class:`~nrlink.config.pusch.PuschConfig` whose own fields are already valid.
    """
    carrier = cfg.carrier
    n_symb = carrier.n_symb_slot
    n_sc = carrier.n_sc
    n_start_bwp, n_size_bwp = cfg.bwp.resolve(carrier)
    # PRBs relative to the BWP -> indices into the carrier grid (§4.4.4.4).
    prb_bwp = np.asarray(cfg.prb_indices(n_size_bwp), dtype=np.int64)
    prbs = prb_bwp + (n_start_bwp - carrier.n_start_grid)

    dmrs = cfg.dmrs
    dmrs_ports = dmrs.port_indices(cfg.num_layers)
    try:
        d_syms = dmrs_symbols(
            channel=channel, mapping_type=cfg.mapping_type, l_start=cfg.start_symbol,
            l_duration=cfg.num_symbols, type_a_position=dmrs.type_a_position,
            additional_position=dmrs.additional_position, length=dmrs.length,
            n_symb_slot=n_symb,
        )
    except ConfigError as e:
        raise ConfigError(
            f"start_symbol={cfg.start_symbol}, num_symbols={cfg.num_symbols}, mapping_type="
            f"{cfg.mapping_type!r}, dmrs.length={dmrs.length}, dmrs.additional_position="
            f"{dmrs.additional_position}, dmrs.type_a_position={dmrs.type_a_position}: {e}"
        ) from e
    used_groups = max(dmrs_port_params(dmrs.config_type, p)[0] for p in dmrs_ports) + 1
    if dmrs.num_cdm_groups_without_data < used_groups:
        raise ConfigError(
            f"dmrs.num_cdm_groups_without_data={dmrs.num_cdm_groups_without_data} is not "
            f"allowed with dmrs.ports={dmrs_ports}: the ports use CDM groups 0..{used_groups - 1}"
            f", which carry no data (TS 38.214 §5.1.6.2, §6.2.2)"
        )
    alloc = allocation_mask(n_symb_slot=n_symb, n_sc=n_sc, prbs=prbs,
                            l_start=cfg.start_symbol, l_duration=cfg.num_symbols)
    if cfg.transform_precoding:
        # DFT-s-OFDM: the DM-RS symbols carry no data at all (TS 38.214 §6.2.2).
        dmrs_mask = np.zeros((n_symb, n_sc), dtype=bool)
        dmrs_mask[list(d_syms), :] = True
        dmrs_mask &= alloc
    else:
        dmrs_mask = dmrs_cdm_group_mask(
            config_type=dmrs.config_type,
            num_cdm_groups_without_data=dmrs.num_cdm_groups_without_data, symbols=d_syms,
            n_symb_slot=n_symb, n_sc=n_sc, prbs=prbs,
        ) & alloc
    n_dmrs_prb = int(dmrs_mask[:, prbs[0] * 12 : prbs[0] * 12 + 12].sum())

    # Reserved REs (rate matching patterns, TS 38.214 §5.1.4).
    reserved = cfg.reserved_mask(n_symb, n_sc) if hasattr(cfg, "reserved_mask") else None
    if reserved is None:
        reserved = np.zeros((n_symb, n_sc), dtype=bool)

    # PT-RS (TS 38.214 §5.1.6.3 / §6.2.3.1; TS 38.211 §7.4.1.2.2 / §6.4.1.2.2.1).
    ptrs_mask = np.zeros((n_symb, n_sc), dtype=bool)
    p_syms: tuple[int, ...] = ()
    p_sc = np.zeros(0, dtype=np.int64)
    l_ptrs = k_ptrs = ptrs_layer = None
    if cfg.ptrs is not None:
        if not ptrs_allowed:
            raise NotImplementedError(
                "PT-RS for PUSCH with transform precoding (TS 38.211 §6.4.1.2.2.2, TS 38.214 "
                "§6.2.3.2) is not implemented"
            )
        l_ptrs, k_ptrs = _ptrs_densities(cfg, channel, len(prbs))
    if l_ptrs is not None and k_ptrs is not None:
        _check_ptrs_supported(cfg, channel, prbs)
        # The PT-RS port is associated with the lowest DM-RS port of codeword 0
        # (TS 38.214 §5.1.6.3; one codeword on PUSCH).
        cw0_ports = dmrs_ports[: codeword_layers(cfg.num_layers)[0]]
        ptrs_layer = dmrs_ports.index(min(cw0_ports))
        p_syms = tuple(ptrs_symbols(l_start=cfg.start_symbol, l_duration=cfg.num_symbols,
                                    dmrs_symbols=tuple(d_syms), l_ptrs=l_ptrs,
                                    n_symb_slot=n_symb))
        try:
            k_alloc = ptrs_subcarriers(
                n_rb=len(prbs), k_ptrs=k_ptrs, n_rnti=cfg.n_rnti,
                resource_element_offset=cfg.ptrs.resource_element_offset,
                config_type=dmrs.config_type, dmrs_port_index=min(cw0_ports),
            )
        except ConfigError as e:
            raise ConfigError(f"ptrs with dmrs.ports={dmrs_ports}: {e}") from e
        alloc_sc = (np.sort(prbs)[:, None] * 12 + np.arange(12)[None, :]).ravel()
        p_sc = alloc_sc[np.asarray(k_alloc, dtype=np.int64)]
        ptrs_mask[np.ix_(list(p_syms), p_sc)] = True
        # No PT-RS on REs declared not available (TS 38.211 §7.4.1.2.2, TS 38.214 §5.1.4).
        ptrs_mask &= alloc & ~reserved
    else:
        l_ptrs = k_ptrs = None

    data = data_re_mask(alloc, dmrs_mask, ptrs_mask, reserved)
    n_data = int(data.sum())
    if n_data == 0:
        raise ConfigError(
            f"start_symbol={cfg.start_symbol}, num_symbols={cfg.num_symbols} on {len(prbs)} "
            "PRB(s) is not allowed: the allocation leaves no data RE after DM-RS "
            "(dmrs.num_cdm_groups_without_data), PT-RS and reserved REs (TS 38.211 §7.3.1.5, "
            "§6.3.1.6)"
        )

    cw_layers = codeword_layers(cfg.num_layers)
    tbs_list, g_list, tb_cfgs = [], [], []
    lbrm = None
    if cfg.lbrm:
        max_layers = cfg.num_layers if cfg.lbrm_max_layers is None else cfg.lbrm_max_layers
        max_prb = n_size_bwp if cfg.lbrm_max_bwp_prb is None else cfg.lbrm_max_bwp_prb
        if max_layers < max(cw_layers) or max_prb < n_size_bwp:
            raise ConfigError(
                f"lbrm_max_layers={cfg.lbrm_max_layers}, lbrm_max_bwp_prb="
                f"{cfg.lbrm_max_bwp_prb} is not allowed: they must be at least the layers "
                f"({cfg.num_layers}) and the BWP size ({n_size_bwp} PRBs) of this "
                "transmission (TS 38.212 §5.4.2.1)"
            )
        lbrm = tbs_lbrm(max_layers=min(max_layers, 4), max_qm=cfg.max_qm,
                        n_prb_bwp_max=n_prb_lbrm(max_prb))
    for v in cw_layers:
        tbs = transport_block_size(
            n_re=n_re_total(n_prb=len(prbs), n_symbols=cfg.num_symbols, n_dmrs_prb=n_dmrs_prb,
                            x_overhead=cfg.x_overhead),
            r=mcs.r, qm=mcs.qm, layers=v, scaling=getattr(cfg, "tb_scaling", 1.0),
        )
        g = n_data * mcs.qm * v
        tbs_list.append(tbs)
        g_list.append(g)
        tb_cfgs.append(TransportBlockConfig(
            tbs=tbs, target_code_rate=mcs.r, g=g, qm=mcs.qm, layers=v, rv=cfg.rv,
            tbs_lbrm=lbrm, enforce_max_rate=False,
        ))
    return ResourcePlan(
        n_start_bwp=n_start_bwp, n_size_bwp=n_size_bwp, prbs=prbs, mcs=mcs,
        dmrs_symbols=tuple(int(s) for s in d_syms), dmrs_ports=dmrs_ports,
        ptrs_symbols=p_syms, ptrs_subcarriers=p_sc, l_ptrs=l_ptrs, k_ptrs=k_ptrs,
        ptrs_layer=ptrs_layer,
        allocation=alloc, dmrs_mask=dmrs_mask, ptrs_mask=ptrs_mask, reserved_mask=reserved,
        data_mask=data, n_dmrs_prb=n_dmrs_prb, codeword_layers=cw_layers,
        tbs=tuple(tbs_list), g=tuple(g_list), tb_configs=tuple(tb_cfgs),
    )



def _ptrs_densities(cfg, channel: str, n_rb: int) -> tuple[int | None, int | None]:
    """(L_PT-RS, K_PT-RS), or Nones when PT-RS is absent (TS 38.214 §5.1.6.3, §6.2.3.1)."""
    p = cfg.ptrs
    if p.time_density is not None or p.frequency_density is not None:
        # Forced densities (a simulator override of the TS 38.214 presence rules).
        return p.time_density or 1, p.frequency_density or 2
    if channel == "pdsch":
        dens = ptrs_pdsch_densities(
            i_mcs=cfg.mcs_index, n_rb=n_rb, l_duration=cfg.num_symbols,
            mcs_table=cfg.mcs_table, time_thresholds=p.mcs_thresholds,
            frequency_thresholds=p.n_rb_thresholds,
        )
        return (None, None) if dens is None else dens
    return (ptrs_time_density(cfg.mcs_index, p.mcs_thresholds, mcs_table=cfg.mcs_table),
            ptrs_frequency_density(n_rb, p.n_rb_thresholds))


def _check_ptrs_supported(cfg, channel: str, prbs: np.ndarray) -> None:
    """Refuse the PT-RS cases nrlink does not model (only when PT-RS is present)."""
    if np.any(np.diff(np.sort(prbs)) != 1):
        raise NotImplementedError(
            "PT-RS with a non-contiguous PRB allocation (TS 38.211 §7.4.1.2.2 counts the "
            "PT-RS subcarriers over the scheduled RBs) is not implemented"
        )
    if channel == "pdsch":
        try:  # TS 38.214 Table 4.1-2 covers 1..6 layers
            ptrs_beta_pdsch(cfg.num_layers, cfg.ptrs.epre_ratio)
        except ConfigError as e:
            raise ConfigError(f"ptrs with num_layers={cfg.num_layers}: {e}") from e
    elif cfg.num_layers > 1:
        raise NotImplementedError(
            "PT-RS of a multi-layer PUSCH (power scaling of TS 38.214 Table 6.2.3.1-3 "
            "and PT-RS port association by DCI) is not implemented; use num_layers=1"
        )
