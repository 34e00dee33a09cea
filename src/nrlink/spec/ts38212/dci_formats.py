"""DCI formats 0_0, 1_0, 0_1 and 1_1: the configuration that sets their field sizes, the
ordered field lists and the size alignment between formats.

Implements TS 38.212 §7.3.1 (§7.3.1.1.1 format 0_0, §7.3.1.1.2
format 0_1, §7.3.1.2.1 format 1_0, §7.3.1.2.2 format 1_1), with the resource-allocation
sizes of TS 38.214 §5.1.2.2 / §6.1.2.2.

The field set is that of Release 15 (the Release 16/17 additions, e.g. ChannelAccess-
CPext, priority indicator, minimum applicable scheduling offset indicator or SCell
dormancy indication, are 0 bits when not configured and are not listed). Size alignment
(§7.3.1.0), packing, the CRC/RNTI chain and the public entry points are in
:mod:`nrlink.spec.ts38212.dci`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import check_bool, check_choice

__all__ = [
    "DCI_FORMATS",
    "DciSizeConfig",
    "RNTI_TYPES",
    "SEARCH_SPACES",
    "CLAUSE_OF",
    "Fields",
    "check_format",
    "fdra_type1_bits",
    "fields_0_1",
    "fields_1_1",
    "n_rbg",
    "nominal_rbg_size",
    "raw_fields_0_0",
    "raw_fields_1_0",
    "riv",
    "riv_inverse",
]

#: DCI formats implemented (TS 38.212 §7.3.1.1, §7.3.1.2).
DCI_FORMATS: tuple[str, ...] = ("0_0", "1_0", "0_1", "1_1")
#: Field layouts of DCI format 1_0 by the RNTI scrambling its CRC (TS 38.212 §7.3.1.2.1);
#: "c-rnti" also covers CS-RNTI, MCS-C-RNTI and TC-RNTI (same fields).
RNTI_TYPES: tuple[str, ...] = ("c-rnti", "p-rnti", "si-rnti", "ra-rnti")
#: Search space types of TS 38.213 §10.1 that change the sizes (§7.3.1.0).
SEARCH_SPACES: tuple[str, ...] = ("common", "ue-specific")

CLAUSE_OF: dict[str, str] = {
    "0_0": "TS 38.212 §7.3.1.1.1",
    "0_1": "TS 38.212 §7.3.1.1.2",
    "1_0": "TS 38.212 §7.3.1.2.1",
    "1_1": "TS 38.212 §7.3.1.2.2",
}
_C7310 = "TS 38.212 §7.3.1.0"
_C731 = "TS 38.212 §7.3.1"
_C_BWP = "TS 38.211 §4.4.5"
_C_RBG = "TS 38.214 §5.1.2.2.1 (Table 5.1.2.2.1-1)"
_C_RIV = "TS 38.214 §5.1.2.2.2 / §6.1.2.2.2"
_RA_TYPES = ("type0", "type1", "dynamic")
_SUBSETS = ("fullyAndPartialAndNonCoherent", "partialAndNonCoherent", "nonCoherent")


def check_format(fmt) -> str:
    """Validate a DCI format name ("0_0", "1_0", "0_1", "1_1") and return it."""
    return check_choice("format", fmt, DCI_FORMATS, "TS 38.212 §7.3.1")


def _clog2(x: int) -> int:
    """⌈log2 x⌉ for x ≥ 1."""
    return (x - 1).bit_length()


# --------------------------------------------------------------------------- TS 38.214


def nominal_rbg_size(n_rb_bwp: int, rbg_config: int = 1) -> int:
    """Nominal RBG size P of a bandwidth part.

    Implements TS 38.214 §5.1.2.2.1 (Table 5.1.2.2.1-1), also used by §6.1.2.2.1.

    Parameters
    ----------
    n_rb_bwp : int
        N_BWP^size, 1..275.
    rbg_config : {1, 2}
        ``rbg-Size`` configuration 1 or 2.

    Returns
    -------
    p : int
        2, 4, 8 or 16.
    """
    n_rb_bwp = check_int("n_rb_bwp", n_rb_bwp, "an integer in 1..275", _C_RBG, lo=1, hi=275)
    rbg_config = check_int("rbg_config", rbg_config, "1 or 2", _C_RBG, choices=(1, 2))
    for top, p1, p2 in ((36, 2, 4), (72, 4, 8), (144, 8, 16), (275, 16, 16)):
        if n_rb_bwp <= top:
            return p1 if rbg_config == 1 else p2
    raise AssertionError("unreachable")  # pragma: no cover


def n_rbg(n_rb_bwp: int, bwp_start: int = 0, rbg_config: int = 1) -> int:
    """Number of RBGs N_RBG of a bandwidth part (resource allocation type 0).

    Implements TS 38.214 §5.1.2.2.1 (also §6.1.2.2.1 for the uplink).

    N_RBG = ⌈(N_BWP^size + (N_BWP^start mod P)) / P⌉.

    Parameters
    ----------
    n_rb_bwp : int
        N_BWP^size, 1..275.
    bwp_start : int, default 0
        N_BWP^start (common resource block of the BWP's first RB), 0..274.
    rbg_config : {1, 2}

    Returns
    -------
    int
    """
    p = nominal_rbg_size(n_rb_bwp, rbg_config)
    bwp_start = check_int("bwp_start", bwp_start, "an integer in 0..274", _C_RBG, lo=0, hi=274)
    return -(-(n_rb_bwp + bwp_start % p) // p)


def fdra_type1_bits(n_rb_bwp: int) -> int:
    """Size ⌈log2(N_RB^BWP (N_RB^BWP + 1) / 2)⌉ of a type-1 frequency domain assignment.

    Implements TS 38.212 §7.3.1.1.1 / §7.3.1.2.1 (FDRA field of the fallback formats).
    """
    n = check_int("n_rb_bwp", n_rb_bwp, "an integer in 1..275", _C731, lo=1, hi=275)
    return _clog2(n * (n + 1) // 2)


def riv(n_rb_bwp: int, rb_start: int, l_rbs: int) -> int:
    """Resource indication value of a contiguous allocation (resource allocation type 1).

    Implements TS 38.214 §5.1.2.2.2 (downlink) and §6.1.2.2.2 (uplink).

    RIV = N (L_RBs − 1) + RB_start if (L_RBs − 1) ≤ ⌊N/2⌋, else
    RIV = N (N − L_RBs + 1) + (N − 1 − RB_start), with N = N_BWP^size,
    1 ≤ L_RBs ≤ N − RB_start.

    Parameters
    ----------
    n_rb_bwp : int
        N_BWP^size, 1..275.
    rb_start : int
        First virtual resource block, 0..N − 1.
    l_rbs : int
        Number of contiguous resource blocks, 1..N − RB_start.

    Returns
    -------
    riv : int
        0 ≤ RIV < N (N + 1) / 2.

    Examples
    --------
    >>> riv(52, 0, 52), riv(52, 10, 5)
    (103, 218)
    """
    n = check_int("n_rb_bwp", n_rb_bwp, "an integer in 1..275", _C_RIV, lo=1, hi=275)
    s = check_int("rb_start", rb_start, f"an integer in 0..{n - 1}", _C_RIV, lo=0, hi=n - 1)
    ln = check_int("l_rbs", l_rbs, f"an integer in 1..{n - s} (1 ≤ L_RBs ≤ N − RB_start)",
                   _C_RIV, lo=1, hi=n - s)
    if ln - 1 <= n // 2:
        return n * (ln - 1) + s
    return n * (n - ln + 1) + (n - 1 - s)


def riv_inverse(n_rb_bwp: int, riv_value: int) -> tuple[int, int]:
    """Allocation (RB_start, L_RBs) of a resource indication value; inverse of :func:`riv`.

    Implements TS 38.214 §5.1.2.2.2 / §6.1.2.2.2.

    With L' = ⌊RIV/N⌋ + 1 and S' = RIV mod N: (S', L') when S' + L' ≤ N, else
    (N − 1 − S', N − L' + 2).

    Parameters
    ----------
    n_rb_bwp : int
        N_BWP^size, 1..275.
    riv_value : int
        0..N (N + 1)/2 − 1.

    Returns
    -------
    rb_start, l_rbs : int

    Examples
    --------
    >>> riv_inverse(52, 218)
    (10, 5)
    """
    n = check_int("n_rb_bwp", n_rb_bwp, "an integer in 1..275", _C_RIV, lo=1, hi=275)
    top = n * (n + 1) // 2 - 1
    r = check_int("riv_value", riv_value, f"an integer in 0..{top} (N(N+1)/2 − 1)", _C_RIV,
                  lo=0, hi=top)
    ln, s = r // n + 1, r % n
    if s + ln > n:
        return n - 1 - s, n - ln + 2
    return s, ln


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True, kw_only=True)
class DciSizeConfig:
    """Higher-layer configuration that sets the DCI field sizes of one serving cell.

    Implements the size dependencies of TS 38.212 §7.3.1.0, §7.3.1.1.1, §7.3.1.1.2,
    §7.3.1.2.1 and §7.3.1.2.2 (the RRC parameters of TS 38.331 they name).

    The defaults are a single BWP (no BWP indicator), resource allocation type 1, the
    default time-domain tables (16 rows), dynamic HARQ-ACK codebook on one serving cell,
    one codeword, no CBG, single-port codebook PUSCH without transform precoding, DM-RS
    type 1 with maxLength 1 in both directions and no optional field configured.

    Parameters
    ----------
    n_rb_dl_bwp, n_rb_ul_bwp : int, default 52
        N_RB^{DL,BWP} and N_RB^{UL,BWP} of the active BWPs (1..275): formats 1_1 / 0_1 and
        the fallback formats in a UE-specific search space.
    n_rb_dl_initial : int or None, default None
        Size of CORESET 0 (or of the initial DL BWP when CORESET 0 is not configured):
        N_RB^{DL,BWP} of format 1_0 in a common search space. None: ``n_rb_dl_bwp``.
    n_rb_ul_initial : int or None, default None
        Size of the initial UL BWP: N_RB^{UL,BWP} of format 0_0 in a common search space.
        None: ``n_rb_ul_bwp``.
    bwp_start_dl, bwp_start_ul : int, default 0
        N_BWP^start of the active BWPs (N_RBG of resource allocation type 0), with
        N_BWP^start + N_BWP^size ≤ 275.
    supplementary_uplink : bool, default False
        ``supplementaryUplink`` configured: UL/SUL indicator (0_0 under §7.3.1.0, 0_1) and
        3-bit SRS request (0_1, 1_1).
    fallback_in_uss : bool, default False
        Formats 0_0/1_0 are monitored in another UE-specific search space (besides 0_1 and
        1_1, always assumed monitored): step 2 of §7.3.1.0 pads 0_1/1_1 by one bit when
        their size equals that of 0_0/1_0, and steps 3-4 apply the size budget.
    carrier_indicator : bool, default False
        Cross-carrier scheduling: 3-bit carrier indicator (0_1, 1_1).
    n_bwp_dl, n_bwp_ul : int, default 0
        n_BWP,RRC, BWPs configured by higher layers besides the initial one, 0..4; the
        BWP indicator has ⌈log2 n_BWP⌉ bits, n_BWP = n_BWP,RRC + 1 if n_BWP,RRC ≤ 3.
    resource_allocation_dl, resource_allocation_ul : {"type0", "type1", "dynamic"}
        ``resourceAllocation`` (default "type1"); "dynamic" is dynamicSwitch.
    rbg_size_dl, rbg_size_ul : {1, 2}, default 1
        ``rbg-Size`` configuration 1 or 2 (TS 38.214 Table 5.1.2.2.1-1).
    n_tdra_dl, n_tdra_ul : int, default 16
        Rows of the PDSCH / PUSCH time domain allocation list, 1..16 (16: default tables).
    frequency_hopping_ul : bool, default False
        ``frequencyHopping`` configured for PUSCH: 1-bit hopping flag in 0_1 (unless only
        resource allocation type 0 is configured).
    vrb_to_prb_interleaved : bool, default False
        ``vrb-ToPRB-Interleaver`` configured: 1-bit VRB-to-PRB mapping in 1_1 (unless only
        type 0).
    prb_bundling_dynamic : bool, default False
        ``prb-BundlingType`` dynamicBundling: 1-bit PRB bundling size indicator in 1_1.
    n_rate_match_groups : int, default 0
        Rate matching pattern groups configured, 0..2 (bits of the rate matching indicator).
    n_zp_csi_rs_sets : int, default 0
        Aperiodic ZP CSI-RS resource sets n_ZP, 0..3; ZP CSI-RS trigger ⌈log2(n_ZP + 1)⌉.
    num_codewords : {1, 2}, default 1
        ``maxNrofCodeWordsScheduledByDCI``: fields of transport block 2 in 1_1.
    harq_ack_codebook : {"dynamic", "semi-static"}, default "dynamic"
        ``pdsch-HARQ-ACK-Codebook``.
    n_serving_cells_dl : int, default 1
        Configured DL serving cells, 1..32 (1_1 DAI has 4 bits with more than one and a
        dynamic codebook).
    two_harq_ack_subcodebooks : bool, default False
        Dynamic codebook with two HARQ-ACK sub-codebooks: 2nd DAI in 0_1.
    n_dl_data_to_ul_ack : int, default 8
        Entries of ``dl-DataToUL-ACK``, 1..8: 1_1 PDSCH-to-HARQ timing ⌈log2 I⌉ bits.
    dmrs_type_dl, dmrs_max_length_dl, dmrs_type_ul, dmrs_max_length_ul : {1, 2}
        ``dmrs-Type`` and ``maxLength`` of PDSCH / PUSCH DM-RS (default 1 and 1).
    tci_present : bool, default False
        ``tci-PresentInDCI``: 3-bit TCI field in 1_1.
    cbg_max_dl, cbg_max_ul : {0, 2, 4, 6, 8}, default 0
        ``maxCodeBlockGroupsPerTransportBlock`` (0: CBG transmission not configured).
    cbg_flush : bool, default False
        ``codeBlockGroupFlushIndicator``: 1-bit CBGFI in 1_1 (needs ``cbg_max_dl`` > 0).
    transform_precoding : bool, default False
        PUSCH transform precoder enabled (DM-RS type 1, one layer).
    tx_config : {"codebook", "non-codebook"}, default "codebook"
        PUSCH ``txConfig``.
    n_antenna_ports_ul : {1, 2, 4}, default 1
        PUSCH antenna ports of codebook transmission.
    max_rank_ul : int, default 1
        ``maxRank`` (codebook) or L_max (non-codebook), 1..4.
    codebook_subset : str, default "fullyAndPartialAndNonCoherent"
        ``codebookSubset``: "fullyAndPartialAndNonCoherent", "partialAndNonCoherent" (4
        ports only) or "nonCoherent".
    n_srs_resources : int, default 1
        N_SRS in the SRS resource set of the ``txConfig`` usage: 1..2 (codebook),
        1..4 (non-codebook).
    csi_report_trigger_size : int, default 0
        ``reportTriggerSize``, 0..6 bits of the CSI request.
    ptrs_ul : bool, default False
        ``PTRS-UplinkConfig`` configured (PTRS-DMRS association in 0_1 when
        ``max_rank_ul`` > 1 without transform precoding).
    beta_offset_dynamic : bool, default False
        ``betaOffsets`` dynamic: 2-bit beta_offset indicator in 0_1.

    Raises
    ------
    ConfigError
        A value out of range or inconsistent with another.
    """

    n_rb_dl_bwp: int = 52
    n_rb_ul_bwp: int = 52
    n_rb_dl_initial: int | None = None
    n_rb_ul_initial: int | None = None
    bwp_start_dl: int = 0
    bwp_start_ul: int = 0
    supplementary_uplink: bool = False
    fallback_in_uss: bool = False
    carrier_indicator: bool = False
    n_bwp_dl: int = 0
    n_bwp_ul: int = 0
    resource_allocation_dl: str = "type1"
    resource_allocation_ul: str = "type1"
    rbg_size_dl: int = 1
    rbg_size_ul: int = 1
    n_tdra_dl: int = 16
    n_tdra_ul: int = 16
    frequency_hopping_ul: bool = False
    vrb_to_prb_interleaved: bool = False
    prb_bundling_dynamic: bool = False
    n_rate_match_groups: int = 0
    n_zp_csi_rs_sets: int = 0
    num_codewords: int = 1
    harq_ack_codebook: str = "dynamic"
    n_serving_cells_dl: int = 1
    two_harq_ack_subcodebooks: bool = False
    n_dl_data_to_ul_ack: int = 8
    dmrs_type_dl: int = 1
    dmrs_max_length_dl: int = 1
    dmrs_type_ul: int = 1
    dmrs_max_length_ul: int = 1
    tci_present: bool = False
    cbg_max_dl: int = 0
    cbg_max_ul: int = 0
    cbg_flush: bool = False
    transform_precoding: bool = False
    tx_config: str = "codebook"
    n_antenna_ports_ul: int = 1
    max_rank_ul: int = 1
    codebook_subset: str = "fullyAndPartialAndNonCoherent"
    n_srs_resources: int = 1
    csi_report_trigger_size: int = 0
    ptrs_ul: bool = False
    beta_offset_dynamic: bool = False

    def __post_init__(self):
        c01, c11 = CLAUSE_OF["0_1"], CLAUSE_OF["1_1"]
        ints = {  # name: (lo, hi, clause)
            "n_rb_dl_bwp": (1, 275, _C_BWP), "n_rb_ul_bwp": (1, 275, _C_BWP),
            "bwp_start_dl": (0, 274, _C_BWP), "bwp_start_ul": (0, 274, _C_BWP),
            "n_bwp_dl": (0, 4, c11), "n_bwp_ul": (0, 4, c01),
            "n_tdra_dl": (1, 16, c11), "n_tdra_ul": (1, 16, c01),
            "n_rate_match_groups": (0, 2, c11), "n_zp_csi_rs_sets": (0, 3, c11),
            "n_serving_cells_dl": (1, 32, c11), "n_dl_data_to_ul_ack": (1, 8, c11),
            "max_rank_ul": (1, 4, c01), "csi_report_trigger_size": (0, 6, c01),
        }
        for name, (lo, hi, clause) in ints.items():
            check_int(name, getattr(self, name), f"an integer in {lo}..{hi}", clause,
                      lo=lo, hi=hi)
        for name in ("n_rb_dl_initial", "n_rb_ul_initial"):
            v = getattr(self, name)
            if v is not None:
                check_int(name, v, "None or an integer in 1..275", _C7310, lo=1, hi=275)
        choices = {  # name: (choices, clause)
            "rbg_size_dl": ((1, 2), _C_RBG), "rbg_size_ul": ((1, 2), _C_RBG),
            "num_codewords": ((1, 2), c11),
            "dmrs_type_dl": ((1, 2), c11), "dmrs_max_length_dl": ((1, 2), c11),
            "dmrs_type_ul": ((1, 2), c01), "dmrs_max_length_ul": ((1, 2), c01),
            "cbg_max_dl": ((0, 2, 4, 6, 8), c11), "cbg_max_ul": ((0, 2, 4, 6, 8), c01),
            "n_antenna_ports_ul": ((1, 2, 4), c01),
        }
        for name, (ch, clause) in choices.items():
            check_int(name, getattr(self, name), "one of " + ", ".join(map(str, ch)), clause,
                      choices=ch)
        for name in ("resource_allocation_dl", "resource_allocation_ul"):
            check_choice(name, getattr(self, name), _RA_TYPES,
                         "TS 38.214 §5.1.2.2 / §6.1.2.2")
        check_choice("harq_ack_codebook", self.harq_ack_codebook, ("dynamic", "semi-static"),
                     "TS 38.213 §9.1")
        check_choice("tx_config", self.tx_config, ("codebook", "non-codebook"), c01)
        check_choice("codebook_subset", self.codebook_subset, _SUBSETS, c01)
        for name in ("supplementary_uplink", "fallback_in_uss", "carrier_indicator",
                     "frequency_hopping_ul", "vrb_to_prb_interleaved", "prb_bundling_dynamic",
                     "two_harq_ack_subcodebooks", "tci_present", "cbg_flush",
                     "transform_precoding", "ptrs_ul", "beta_offset_dynamic"):
            check_bool(name, getattr(self, name), _C731)
        self._check_cross()

    def _check_cross(self):
        c01 = CLAUSE_OF["0_1"]
        for d in ("dl", "ul"):
            start, size = getattr(self, f"bwp_start_{d}"), getattr(self, f"n_rb_{d}_bwp")
            if start + size > 275:
                raise ConfigError(f"bwp_start_{d}={start} is not allowed: bwp_start_{d} + "
                                  f"n_rb_{d}_bwp must be at most 275 ({_C_BWP})")
        if self.two_harq_ack_subcodebooks and self.harq_ack_codebook != "dynamic":
            raise ConfigError("two_harq_ack_subcodebooks=True is not allowed: two HARQ-ACK "
                              "sub-codebooks need harq_ack_codebook='dynamic' (TS 38.212 "
                              "§7.3.1.1.2)")
        if self.cbg_flush and self.cbg_max_dl == 0:
            raise ConfigError("cbg_flush=True is not allowed: the CBG flushing indicator needs "
                              "cbg_max_dl > 0 (TS 38.212 §7.3.1.2.2)")
        if self.num_codewords * self.cbg_max_dl > 8:
            raise ConfigError(f"cbg_max_dl={self.cbg_max_dl} is not allowed with num_codewords="
                              f"2: cbg_max_dl must be at most 4 (CBGTI ≤ 8 bits, TS 38.212 "
                              f"§7.3.1.2.2, TS 38.214 §5.1.7.1)")
        if self.transform_precoding and (self.dmrs_type_ul != 1 or self.max_rank_ul != 1):
            raise ConfigError(
                f"transform_precoding=True is not allowed with dmrs_type_ul={self.dmrs_type_ul}"
                f" and max_rank_ul={self.max_rank_ul}: transform precoding needs dmrs_type_ul=1"
                f" and max_rank_ul=1 (TS 38.211 §6.3.1.4, §6.4.1.1.1)")
        if self.tx_config == "codebook":
            ports = self.n_antenna_ports_ul
            if self.max_rank_ul > ports:
                raise ConfigError(f"max_rank_ul={self.max_rank_ul} is not allowed: max_rank_ul "
                                  f"must be at most n_antenna_ports_ul={ports} ({c01})")
            if ports == 2 and self.codebook_subset == "partialAndNonCoherent":
                raise ConfigError("codebook_subset='partialAndNonCoherent' is not allowed with "
                                  "n_antenna_ports_ul=2: codebook_subset must be "
                                  "'fullyAndPartialAndNonCoherent' or 'nonCoherent' (TS 38.212 "
                                  "Tables 7.3.1.1.2-4/5)")
            check_int("n_srs_resources", self.n_srs_resources,
                      "an integer in 1..2 for codebook PUSCH", "TS 38.214 §6.1.1.1",
                      lo=1, hi=2)
        else:
            check_int("n_srs_resources", self.n_srs_resources,
                      "an integer in 1..4 for non-codebook PUSCH", "TS 38.214 §6.1.1.2",
                      lo=1, hi=4)
            if self.n_antenna_ports_ul != 1:
                raise ConfigError(f"n_antenna_ports_ul={self.n_antenna_ports_ul} is not allowed"
                                  f" with tx_config='non-codebook': n_antenna_ports_ul must be "
                                  f"1 (non-codebook precoding is signalled by the SRI, {c01})")

    @property
    def n_rb_dl_css(self) -> int:
        """N_RB^{DL,BWP} of format 1_0 in a common search space (CORESET 0 / initial BWP)."""
        return self.n_rb_dl_bwp if self.n_rb_dl_initial is None else self.n_rb_dl_initial

    @property
    def n_rb_ul_css(self) -> int:
        """N_RB^{UL,BWP} of format 0_0 in a common search space (initial UL BWP)."""
        return self.n_rb_ul_bwp if self.n_rb_ul_initial is None else self.n_rb_ul_initial


# --------------------------------------------------------------------------- field lists

Fields = list[tuple[str, int]]


def raw_fields_0_0(n_ul: int) -> Fields:
    """Fields of DCI format 0_0 (§7.3.1.1.1) before padding / truncation.

    The UL/SUL indicator, which depends on the alignment, is added by it.
    """
    return [("identifier", 1), ("fdra", fdra_type1_bits(n_ul)), ("tdra", 4),
            ("frequency_hopping_flag", 1), ("mcs", 5), ("ndi", 1), ("rv", 2),
            ("harq_process_number", 4), ("tpc_command", 2)]


def raw_fields_1_0(n_dl: int, rnti_type: str) -> Fields:
    """Fields of DCI format 1_0 (§7.3.1.2.1) for the RNTI type; every layout has FDRA + 28 bits."""
    fdra = ("fdra", fdra_type1_bits(n_dl))
    if rnti_type == "p-rnti":
        return [("short_messages_indicator", 2), ("short_messages", 8), fdra, ("tdra", 4),
                ("vrb_to_prb_mapping", 1), ("mcs", 5), ("tb_scaling", 2), ("reserved", 6)]
    if rnti_type == "si-rnti":
        return [fdra, ("tdra", 4), ("vrb_to_prb_mapping", 1), ("mcs", 5), ("rv", 2),
                ("system_information_indicator", 1), ("reserved", 15)]
    if rnti_type == "ra-rnti":
        return [fdra, ("tdra", 4), ("vrb_to_prb_mapping", 1), ("mcs", 5), ("tb_scaling", 2),
                ("reserved", 16)]
    return [("identifier", 1), fdra, ("tdra", 4), ("vrb_to_prb_mapping", 1), ("mcs", 5),
            ("ndi", 1), ("rv", 2), ("harq_process_number", 4), ("dai", 2), ("tpc_command", 2),
            ("pucch_resource_indicator", 3), ("pdsch_to_harq_timing", 3)]


def _bwp_indicator_bits(n_bwp_rrc: int) -> int:
    n_bwp = n_bwp_rrc + 1 if n_bwp_rrc <= 3 else n_bwp_rrc
    return _clog2(n_bwp)


def _fdra_bits(ra: str, n_rb: int, start: int, rbg_config: int) -> int:
    t1 = fdra_type1_bits(n_rb)
    t0 = n_rbg(n_rb, start, rbg_config)
    return {"type0": t0, "type1": t1, "dynamic": max(t0, t1) + 1}[ra]


#: Precoding information and number of layers (Tables 7.3.1.1.2-2..5), by (ports, table
#: for maxRank > 1 without transform precoding) and codebook subset.
_PRECODING_BITS = {
    (4, True): {"fullyAndPartialAndNonCoherent": 6, "partialAndNonCoherent": 5,
                "nonCoherent": 4},  # Table 7.3.1.1.2-2: 62 / 32 / 12 entries
    (4, False): {"fullyAndPartialAndNonCoherent": 5, "partialAndNonCoherent": 4,
                 "nonCoherent": 2},  # Table 7.3.1.1.2-3: 28 / 12 / 4 entries
    (2, True): {"fullyAndPartialAndNonCoherent": 4, "nonCoherent": 2},  # -4: 9 / 3
    (2, False): {"fullyAndPartialAndNonCoherent": 3, "nonCoherent": 1},  # -5: 6 / 2
}
#: 0_1 antenna ports (Tables 7.3.1.1.2-6..23) by (transform precoding, type, maxLength).
_ANTENNA_PORTS_UL = {(True, 1, 1): 2, (True, 1, 2): 4, (False, 1, 1): 3, (False, 1, 2): 4,
                     (False, 2, 1): 4, (False, 2, 2): 5}
#: 1_1 antenna ports (Tables 7.3.1.2.2-1..4) by (type, maxLength).
_ANTENNA_PORTS_DL = {(1, 1): 4, (1, 2): 5, (2, 1): 5, (2, 2): 6}


def _sri_bits(c: DciSizeConfig) -> int:
    n = c.n_srs_resources
    if c.tx_config == "codebook":
        return _clog2(n)
    return _clog2(sum(comb(n, k) for k in range(1, min(c.max_rank_ul, n) + 1)))


def _precoding_bits(c: DciSizeConfig) -> int:
    if c.tx_config == "non-codebook" or c.n_antenna_ports_ul == 1:
        return 0
    multi = not c.transform_precoding and c.max_rank_ul > 1
    return _PRECODING_BITS[(c.n_antenna_ports_ul, multi)][c.codebook_subset]


def fields_0_1(c: DciSizeConfig) -> Fields:
    """Fields of DCI format 0_1 (TS 38.212 §7.3.1.1.2) before size alignment."""
    dynamic = c.harq_ack_codebook == "dynamic"
    return [
        ("identifier", 1),
        ("carrier_indicator", 3 * c.carrier_indicator),
        ("ul_sul_indicator", int(c.supplementary_uplink)),
        ("bwp_indicator", _bwp_indicator_bits(c.n_bwp_ul)),
        ("fdra", _fdra_bits(c.resource_allocation_ul, c.n_rb_ul_bwp, c.bwp_start_ul,
                            c.rbg_size_ul)),
        ("tdra", _clog2(c.n_tdra_ul)),
        ("frequency_hopping_flag",
         int(c.frequency_hopping_ul and c.resource_allocation_ul != "type0")),
        ("mcs", 5), ("ndi", 1), ("rv", 2), ("harq_process_number", 4),
        ("dai_1", 2 if dynamic else 1),
        ("dai_2", 2 if dynamic and c.two_harq_ack_subcodebooks else 0),
        ("tpc_command", 2),
        ("srs_resource_indicator", _sri_bits(c)),
        ("precoding_information", _precoding_bits(c)),
        ("antenna_ports",
         _ANTENNA_PORTS_UL[(c.transform_precoding, c.dmrs_type_ul, c.dmrs_max_length_ul)]),
        ("srs_request", 3 if c.supplementary_uplink else 2),
        ("csi_request", c.csi_report_trigger_size),
        ("cbgti", c.cbg_max_ul),
        ("ptrs_dmrs_association",
         2 if c.ptrs_ul and not c.transform_precoding and c.max_rank_ul > 1 else 0),
        ("beta_offset_indicator", 2 if c.beta_offset_dynamic else 0),
        ("dmrs_sequence_initialization", 0 if c.transform_precoding else 1),
        ("ul_sch_indicator", 1),
    ]


def fields_1_1(c: DciSizeConfig) -> Fields:
    """Fields of DCI format 1_1 (TS 38.212 §7.3.1.2.2) before size alignment."""
    two = c.num_codewords == 2
    if c.harq_ack_codebook != "dynamic":
        dai = 0
    else:
        dai = 4 if c.n_serving_cells_dl > 1 else 2
    return [
        ("identifier", 1),
        ("carrier_indicator", 3 * c.carrier_indicator),
        ("bwp_indicator", _bwp_indicator_bits(c.n_bwp_dl)),
        ("fdra", _fdra_bits(c.resource_allocation_dl, c.n_rb_dl_bwp, c.bwp_start_dl,
                            c.rbg_size_dl)),
        ("tdra", _clog2(c.n_tdra_dl)),
        ("vrb_to_prb_mapping",
         int(c.vrb_to_prb_interleaved and c.resource_allocation_dl != "type0")),
        ("prb_bundling_size_indicator", int(c.prb_bundling_dynamic)),
        ("rate_matching_indicator", c.n_rate_match_groups),
        ("zp_csi_rs_trigger", _clog2(c.n_zp_csi_rs_sets + 1)),
        ("mcs", 5), ("ndi", 1), ("rv", 2),
        ("mcs_2", 5 * two), ("ndi_2", int(two)), ("rv_2", 2 * two),
        ("harq_process_number", 4),
        ("dai", dai),
        ("tpc_command", 2),
        ("pucch_resource_indicator", 3),
        ("pdsch_to_harq_timing", _clog2(c.n_dl_data_to_ul_ack)),
        ("antenna_ports", _ANTENNA_PORTS_DL[(c.dmrs_type_dl, c.dmrs_max_length_dl)]),
        ("tci", 3 * c.tci_present),
        ("srs_request", 3 if c.supplementary_uplink else 2),
        ("cbgti", c.cbg_max_dl * c.num_codewords),
        ("cbgfi", int(c.cbg_flush)),
        ("dmrs_sequence_initialization", 1),
    ]
