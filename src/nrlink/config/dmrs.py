"""DM-RS and PT-RS configuration of PDSCH/PUSCH (TS 38.211 §6.4.1, §7.4.1; TS 38.214)."""

from __future__ import annotations

from dataclasses import dataclass

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int

__all__ = ["DmrsConfig", "PtrsConfig"]

_DMRS = "TS 38.211 §7.4.1.1.2, §6.4.1.1.3"


@dataclass(frozen=True, slots=True, kw_only=True)
class DmrsConfig(FromDictMixin):
    """DM-RS of a PDSCH or PUSCH.

    Implements the parameter set of TS 38.211 §7.4.1.1 (PDSCH) and §6.4.1.1 (PUSCH)
    (RRC DMRS-DownlinkConfig / DMRS-UplinkConfig plus the DCI antenna-port fields).

    Parameters
    ----------
    config_type : {1, 2}, default 1
        dmrs-Type: configuration type 1 (comb, 2 CDM groups) or 2 (3 CDM groups).
    length : {1, 2}, default 1
        Single- or double-symbol DM-RS (maxLength and the DCI choice).
    additional_position : {0, 1, 2, 3}, default 1
        dmrs-AdditionalPosition (Tables 7.4.1.1.2-3/-4, 6.4.1.1.3-3/-4).
    type_a_position : {2, 3}, default 2
        dmrs-TypeA-Position: l_0 for mapping type A.
    num_cdm_groups_without_data : {1, 2, 3}, default 2
        CDM groups whose REs carry no data (TS 38.214 §5.1.6.2, §6.2.2); 3 only with
        configuration type 2. Also sets the DM-RS power (TS 38.214 Tables 4.1-1, 6.2.2-1).
    ports : tuple of int or None, default None
        DM-RS antenna port indices p̃ (0-based; PDSCH port 1000 + p̃), one per layer;
        ``None``: 0 .. layers − 1.
    n_id_0, n_id_1 : int or None, default None
        scramblingID0 / scramblingID1 N_ID^0, N_ID^1 (0..65535); ``None``: N_ID^cell.
    n_scid : {0, 1}, default 0
        DM-RS sequence initialisation n_SCID.
    n_id_pusch : int or None, default None
        nPUSCH-Identity n_ID^RS (0..1007) of the low-PAPR DM-RS of PUSCH with transform
        precoding (§6.4.1.1.1.2); ``None``: N_ID^cell.
    group_hopping, sequence_hopping : bool, default False
        Group / sequence hopping of the low-PAPR DM-RS (§6.4.1.1.1.2); not both.
    """

    config_type: int = 1
    length: int = 1
    additional_position: int = 1
    type_a_position: int = 2
    num_cdm_groups_without_data: int = 2
    ports: tuple[int, ...] | None = None
    n_id_0: int | None = None
    n_id_1: int | None = None
    n_scid: int = 0
    n_id_pusch: int | None = None
    group_hopping: bool = False
    sequence_hopping: bool = False

    def __post_init__(self) -> None:
        check_int("dmrs.config_type", self.config_type, "1 or 2", _DMRS, choices=(1, 2))
        check_int("dmrs.length", self.length, "1 or 2", _DMRS, choices=(1, 2))
        check_int("dmrs.additional_position", self.additional_position, "one of 0, 1, 2, 3",
                  _DMRS, choices=(0, 1, 2, 3))
        check_int("dmrs.type_a_position", self.type_a_position, "2 or 3",
                  "TS 38.211 §7.4.1.1.2", choices=(2, 3))
        max_groups = 2 if self.config_type == 1 else 3
        check_int("dmrs.num_cdm_groups_without_data", self.num_cdm_groups_without_data,
                  f"1..{max_groups} for configuration type {self.config_type}",
                  "TS 38.214 §5.1.6.2, §6.2.2", lo=1, hi=max_groups)
        if self.ports is not None:
            if not isinstance(self.ports, tuple) or not self.ports:
                raise ConfigError(
                    f"dmrs.ports={self.ports!r} is not allowed: dmrs.ports must be a non-empty "
                    f"tuple of port indices or None ({_DMRS})"
                )
            n_ports = (4 if self.config_type == 1 else 6) * self.length
            for p in self.ports:
                check_int("dmrs.ports", p,
                          f"port indices in 0..{n_ports - 1} for configuration type "
                          f"{self.config_type} with length {self.length}",
                          "TS 38.211 Tables 7.4.1.1.2-1/-2, 6.4.1.1.3-1/-2",
                          lo=0, hi=n_ports - 1)
            if len(set(self.ports)) != len(self.ports):
                raise ConfigError(
                    f"dmrs.ports={self.ports} is not allowed: ports must be distinct ({_DMRS})"
                )
        for name in ("n_id_0", "n_id_1"):
            v = getattr(self, name)
            if v is not None:
                check_int(f"dmrs.{name}", v, "an integer in 0..65535 or None",
                          "TS 38.211 §7.4.1.1.1, §6.4.1.1.1.1", lo=0, hi=65535)
        check_int("dmrs.n_scid", self.n_scid, "0 or 1", "TS 38.211 §7.4.1.1.1",
                  choices=(0, 1))
        if self.n_id_pusch is not None:
            check_int("dmrs.n_id_pusch", self.n_id_pusch, "an integer in 0..1007 or None",
                      "TS 38.211 §6.4.1.1.1.2", lo=0, hi=1007)
        for name in ("group_hopping", "sequence_hopping"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(
                    f"dmrs.{name}={getattr(self, name)!r} is not allowed: it must be True or "
                    "False (TS 38.211 §6.4.1.1.1.2)"
                )
        if self.group_hopping and self.sequence_hopping:
            raise ConfigError(
                "dmrs.group_hopping=True with dmrs.sequence_hopping=True is not allowed: at "
                "most one of them is enabled (TS 38.211 §6.4.1.1.1.2, §6.3.2.2)"
            )

    def n_id(self, n_id_cell: int) -> int:
        """N_ID^{n_SCID}: the scrambling identity selected by n_SCID (default N_ID^cell)."""
        v = self.n_id_0 if self.n_scid == 0 else self.n_id_1
        return n_id_cell if v is None else v

    def port_indices(self, num_layers: int) -> tuple[int, ...]:
        """The DM-RS ports of ``num_layers`` layers, checked against the layer count."""
        if self.ports is None:
            n_ports = (4 if self.config_type == 1 else 6) * self.length
            if num_layers > n_ports:
                raise ConfigError(
                    f"num_layers={num_layers} is not allowed with dmrs.config_type="
                    f"{self.config_type}, dmrs.length={self.length}: at most {n_ports} DM-RS "
                    f"ports (TS 38.211 Tables 7.4.1.1.2-1/-2, 6.4.1.1.3-1/-2)"
                )
            return tuple(range(num_layers))
        if len(self.ports) != num_layers:
            raise ConfigError(
                f"dmrs.ports={self.ports} is not allowed with num_layers={num_layers}: one "
                f"DM-RS port per layer ({_DMRS})"
            )
        return self.ports


@dataclass(frozen=True, slots=True, kw_only=True)
class PtrsConfig(FromDictMixin):
    """PT-RS of a PDSCH or of a PUSCH without transform precoding.

    Implements the parameter set of TS 38.211 §7.4.1.2 / §6.4.1.2.1 and TS 38.214
    §5.1.6.3 / §6.2.3.1 (RRC PTRS-DownlinkConfig / PTRS-UplinkConfig). By default the
    densities and the presence of PT-RS follow TS 38.214 from the MCS and the scheduled
    bandwidth (with the thresholds below when configured); ``time_density`` /
    ``frequency_density`` force a density instead (a simulator override: PT-RS is then
    always present).

    Parameters
    ----------
    mcs_thresholds : tuple of int or None, default None
        timeDensity (ptrs-MCS1, ptrs-MCS2, ptrs-MCS3[, ptrs-MCS4]) (TS 38.214 Table
        5.1.6.3-1); ``None``: not configured.
    n_rb_thresholds : tuple of 2 int or None, default None
        frequencyDensity (N_RB0, N_RB1) (TS 38.214 Table 5.1.6.3-2); ``None``: not
        configured.
    time_density : {1, 2, 4} or None, default None
        Forced L_PT-RS.
    frequency_density : {2, 4} or None, default None
        Forced K_PT-RS.
    resource_element_offset : str, default "offset00"
        resourceElementOffset: "offset00", "offset01", "offset10" or "offset11"
        (TS 38.211 Tables 7.4.1.2.2-1, 6.4.1.2.2.1-1).
    epre_ratio : {0, 1}, default 0
        PDSCH epre-Ratio (TS 38.214 Table 4.1-2).
    """

    mcs_thresholds: tuple[int, ...] | None = None
    n_rb_thresholds: tuple[int, ...] | None = None
    time_density: int | None = None
    frequency_density: int | None = None
    resource_element_offset: str = "offset00"
    epre_ratio: int = 0

    def __post_init__(self) -> None:
        if self.time_density is not None:
            check_int("ptrs.time_density", self.time_density, "one of 1, 2, 4 or None",
                      "TS 38.214 Table 5.1.6.3-1", choices=(1, 2, 4))
        if self.frequency_density is not None:
            check_int("ptrs.frequency_density", self.frequency_density, "2, 4 or None",
                      "TS 38.214 Table 5.1.6.3-2", choices=(2, 4))
        forced = self.time_density is not None or self.frequency_density is not None
        configured = self.mcs_thresholds is not None or self.n_rb_thresholds is not None
        if forced and configured:
            raise ConfigError(
                "ptrs.time_density/frequency_density (forced densities) cannot be combined "
                "with ptrs.mcs_thresholds/n_rb_thresholds (TS 38.214 §5.1.6.3): give one or "
                "the other"
            )
        for name, n in (("mcs_thresholds", (3, 4)), ("n_rb_thresholds", (2,))):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, tuple) or len(v) not in n):
                raise ConfigError(
                    f"ptrs.{name}={v!r} is not allowed: it must be a tuple of "
                    f"{' or '.join(map(str, n))} integers or None (TS 38.214 §5.1.6.3)"
                )
        offsets = ("offset00", "offset01", "offset10", "offset11")
        if self.resource_element_offset not in offsets:
            raise ConfigError(
                f"ptrs.resource_element_offset={self.resource_element_offset!r} is not "
                f"allowed: it must be one of {', '.join(offsets)} (TS 38.211 Table 7.4.1.2.2-1)"
            )
        check_int("ptrs.epre_ratio", self.epre_ratio, "0 or 1", "TS 38.214 Table 4.1-2",
                  choices=(0, 1))
