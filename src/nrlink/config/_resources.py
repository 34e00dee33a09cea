"""Derived resource plan shared by the PDSCH and PUSCH configurations.

From a validated PDSCH/PUSCH configuration this computes, once, everything a transmitter
and a receiver need: DM-RS symbols and ports, the masks of the slot's resource grid
(allocation, DM-RS, PT-RS, reserved, data), the TBS per codeword (TS 38.214 §5.1.3.2,
§6.1.4.2) and the number of coded bits G per codeword.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.spec.ts38211.dmrs import dmrs_cdm_group_mask, dmrs_port_params, dmrs_symbols
from nrlink.spec.ts38211.layer_mapping import codeword_layers
from nrlink.spec.ts38211.mapping import allocation_mask, data_re_mask
from nrlink.spec.ts38211.ptrs import ptrs_subcarriers, ptrs_symbols
from nrlink.spec.ts38214.mcs import McsEntry
from nrlink.spec.ts38214.ptrs import (
    ptrs_frequency_density,
    ptrs_pdsch_densities,
    ptrs_time_density,
)
from nrlink.spec.ts38214.tbs import n_prb_lbrm, n_re_total, tbs_lbrm, transport_block_size

__all__ = ["ResourcePlan", "plan_resources"]

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

    # PT-RS (TS 38.214 §5.1.6.3 / §6.2.3.1; TS 38.211 §7.4.1.2.2 / §6.4.1.2.2.1).
    ptrs_mask = np.zeros((n_symb, n_sc), dtype=bool)
    p_syms: tuple[int, ...] = ()
    p_sc = np.zeros(0, dtype=np.int64)
    l_ptrs = k_ptrs = None
    if cfg.ptrs is not None:
        if not ptrs_allowed:
            raise NotImplementedError(
                "PT-RS for PUSCH with transform precoding (TS 38.211 §6.4.1.2.2.2, TS 38.214 "
                "§6.2.3.2) is not implemented"
            )
        p = cfg.ptrs
        if p.time_density is not None or p.frequency_density is not None:
            # Forced densities (a simulator override of the TS 38.214 presence rules).
            l_ptrs, k_ptrs = p.time_density or 1, p.frequency_density or 2
        elif channel == "pdsch":
            dens = ptrs_pdsch_densities(
                i_mcs=cfg.mcs_index, n_rb=len(prbs), l_duration=cfg.num_symbols,
                mcs_table=cfg.mcs_table, time_thresholds=p.mcs_thresholds,
                frequency_thresholds=p.n_rb_thresholds,
            )
            l_ptrs, k_ptrs = (None, None) if dens is None else dens
        else:
            l_ptrs = ptrs_time_density(cfg.mcs_index, p.mcs_thresholds,
                                       mcs_table=cfg.mcs_table)
            k_ptrs = ptrs_frequency_density(len(prbs), p.n_rb_thresholds)
        if l_ptrs is not None and k_ptrs is not None:
            p_syms = tuple(ptrs_symbols(l_start=cfg.start_symbol, l_duration=cfg.num_symbols,
                                        dmrs_symbols=tuple(d_syms), l_ptrs=l_ptrs,
                                        n_symb_slot=n_symb))
            k_alloc = ptrs_subcarriers(
                n_rb=len(prbs), k_ptrs=k_ptrs, n_rnti=cfg.n_rnti,
                resource_element_offset=p.resource_element_offset,
                config_type=dmrs.config_type, dmrs_port_index=min(dmrs_ports),
            )
            alloc_sc = (np.sort(prbs)[:, None] * 12 + np.arange(12)[None, :]).ravel()
            p_sc = alloc_sc[np.asarray(k_alloc, dtype=np.int64)]
            ptrs_mask[np.ix_(list(p_syms), p_sc)] = True
            ptrs_mask &= alloc
        else:
            l_ptrs = k_ptrs = None

    reserved = cfg.reserved_mask(n_symb, n_sc) if hasattr(cfg, "reserved_mask") else None
    if reserved is None:
        reserved = np.zeros((n_symb, n_sc), dtype=bool)
    data = data_re_mask(alloc, dmrs_mask, ptrs_mask, reserved)
    n_data = int(data.sum())
    if n_data == 0:
        raise ConfigError(
            "the allocation leaves no data RE after DM-RS, PT-RS and reserved REs "
            "(TS 38.211 §7.3.1.5, §6.3.1.6)"
        )

    cw_layers = codeword_layers(cfg.num_layers)
    tbs_list, g_list, tb_cfgs = [], [], []
    lbrm = None
    if cfg.lbrm:
        lbrm = tbs_lbrm(max_layers=min(cfg.num_layers, 4), max_qm=cfg.max_qm,
                        n_prb_bwp_max=n_prb_lbrm(n_size_bwp))
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
            tbs_lbrm=lbrm,
        ))
    return ResourcePlan(
        n_start_bwp=n_start_bwp, n_size_bwp=n_size_bwp, prbs=prbs, mcs=mcs,
        dmrs_symbols=tuple(int(s) for s in d_syms), dmrs_ports=dmrs_ports,
        ptrs_symbols=p_syms, ptrs_subcarriers=p_sc, l_ptrs=l_ptrs, k_ptrs=k_ptrs,
        allocation=alloc, dmrs_mask=dmrs_mask, ptrs_mask=ptrs_mask, reserved_mask=reserved,
        data_mask=data, n_dmrs_prb=n_dmrs_prb, codeword_layers=cw_layers,
        tbs=tuple(tbs_list), g=tuple(g_list), tb_configs=tuple(tb_cfgs),
    )

