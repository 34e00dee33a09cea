"""DCI formats and coding chain — TS 38.212 §7.3.1, §7.3.2-§7.3.4."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.dci import (
    DCI_FORMATS,
    DciSizeConfig,
    dci_encode,
    dci_fields,
    dci_size,
    fdra_type1_bits,
    n_rbg,
    nominal_rbg_size,
    pack_dci,
    pad_to_minimum,
    riv,
    riv_inverse,
    rnti_crc_mask,
    unpack_dci,
)
from nrlink.spec.ts38212.polar import (
    INPUT_INTERLEAVER_PATTERN,
    info_set,
    polar_n,
    polar_transform,
    rate_match_indices,
)

# ----------------------------------------------------------------------- slow twins

# CRC24C generator g(D) = D^24 + D^23 + D^21 + D^20 + D^17 + D^15 + D^13 + D^12 + D^8 + D^4
# + D^2 + D + 1 (TS 38.212 §5.1), coefficients of D^23 .. D^0.
_G24C = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 1]


def crc24c_twin(bits):
    """Parity bits p_0..p_23 by long division of a(D) D^24 by g(D), one bit at a time."""
    reg = [0] * 24
    for b in list(bits) + [0] * 24:
        top = reg[0]
        reg = reg[1:] + [int(b)]
        if top:
            reg = [r ^ g for r, g in zip(reg, _G24C, strict=True)]
    return reg


def dci_encode_twin(a, rnti, e):
    """§7.3.2 literally, then the §7.3.3 / §7.3.4 downlink polar chain step by step."""
    a = [int(x) for x in a]
    size_a = len(a)
    p = crc24c_twin([1] * 24 + a)  # CRC over a' = 24 ones followed by a
    b = a + p
    x_rnti = [(rnti >> (15 - i)) & 1 for i in range(16)]  # x_rnti,0 = MSB
    c = b[: size_a + 8] + [(b[size_a + 8 + k] + x_rnti[k]) % 2 for k in range(16)]
    k_total = size_a + 24
    pi = [m - (164 - k_total) for m in INPUT_INTERLEAVER_PATTERN if m >= 164 - k_total]
    c_prime = [c[pi[k]] for k in range(k_total)]
    n = polar_n(k_total, e, 9)
    u = np.zeros(1 << n, dtype=np.uint8)
    u[info_set(k_total, e, n)] = c_prime  # information bits in ascending index order
    d = polar_transform(u)
    return d[rate_match_indices(k_total, e, n, "downlink")]


# ----------------------------------------------------------------------- field sizes


def sizes(fmt, config=None, **kw):
    return dict(dci_fields(fmt, config, **kw))


def test_default_fallback_sizes():
    # N_RB^{DL,BWP} = N_RB^{UL,BWP} = 52: FDRA = ceil(log2(52*53/2 = 1378)) = 11 bits.
    # 1_0 (§7.3.1.2.1, C-RNTI): 1 identifier + 11 FDRA + 4 TDRA + 1 VRB-to-PRB + 5 MCS
    #   + 1 NDI + 2 RV + 4 HARQ + 2 DAI + 2 TPC + 3 PRI + 3 HARQ timing = 39.
    # 0_0 (§7.3.1.1.1): 1 + 11 + 4 TDRA + 1 hopping + 5 + 1 + 2 + 4 + 2 TPC = 31 < 39, so
    #   8 zero bits are appended (§7.3.1.0 step 1) and there is no UL/SUL bit.
    assert dci_size("1_0") == 39
    assert dci_size("0_0") == 39
    f = sizes("0_0")
    assert f["fdra"] == 11 and f["padding"] == 8 and f["ul_sul_indicator"] == 0
    assert dci_fields("0_0")[-2:] == (("padding", 8), ("ul_sul_indicator", 0))
    assert "padding" not in sizes("1_0")


@pytest.mark.parametrize("n_rb, fdra", [(1, 0), (24, 9), (52, 11), (106, 13), (273, 16),
                                        (275, 16)])
def test_fdra_type1_bits(n_rb, fdra):
    # ceil(log2(N(N+1)/2)): 1 -> 0; 300 -> 9; 1378 -> 11; 5671 -> 13; 37401, 37950 -> 16.
    assert fdra_type1_bits(n_rb) == fdra
    assert dci_size("1_0", DciSizeConfig(n_rb_dl_bwp=n_rb, n_rb_ul_bwp=n_rb)) == fdra + 28


def test_common_search_space_uses_coreset0_and_pads_0_0():
    # CORESET 0 of 24 RBs: 1_0 in a CSS has FDRA 9 -> 37 bits. Initial UL BWP 106 RBs:
    # 0_0 has 13 + 20 = 33 bits < 37, so 4 zeros are appended (step 0).
    cfg = DciSizeConfig(n_rb_dl_bwp=106, n_rb_ul_bwp=106, n_rb_dl_initial=24,
                        n_rb_ul_initial=106)
    assert dci_size("1_0", cfg, search_space="common") == 37
    f = sizes("0_0", cfg, search_space="common")
    assert f["fdra"] == 13 and f["padding"] == 4 and dci_size("0_0", cfg,
                                                              search_space="common") == 37
    # in the UE-specific search space both use the active BWPs: 13 + 28 = 41
    assert dci_size("1_0", cfg) == dci_size("0_0", cfg) == 41


def test_common_search_space_truncates_0_0_fdra():
    # Initial DL BWP of 4 RBs (no CORESET 0): 1_0 FDRA = ceil(log2 10) = 4 -> 32 bits.
    # Initial UL BWP of 275 RBs: 0_0 FDRA = 16 -> 36 bits > 32, so the 4 MSBs of the
    # FDRA are truncated (step 0): FDRA 12 bits, 0_0 = 32 bits, no padding.
    cfg = DciSizeConfig(n_rb_dl_bwp=4, n_rb_ul_bwp=275)
    f = sizes("0_0", cfg, search_space="common")
    assert f["fdra"] == 12 and "padding" not in f
    assert dci_size("0_0", cfg, search_space="common") == dci_size("1_0", cfg,
                                                                   search_space="common") == 32
    # In a UE-specific search space (step 1) 1_0 is padded instead: 4 zeros, both 36.
    assert sizes("0_0", cfg)["fdra"] == 16
    assert sizes("1_0", cfg)["padding"] == 4
    assert dci_size("1_0", cfg) == dci_size("0_0", cfg) == 36


def test_ul_sul_indicator_is_last_bit_of_0_0():
    # With supplementaryUplink and 1_0 (39) larger than 0_0 (31): padding 7 then UL/SUL 1.
    f = dci_fields("0_0", DciSizeConfig(supplementary_uplink=True))
    assert f[-2:] == (("padding", 7), ("ul_sul_indicator", 1))
    assert sum(s for _, s in f) == 39
    # When 0_0 is not smaller than 1_0 there is no UL/SUL bit (§7.3.1.1.1).
    cfg = DciSizeConfig(supplementary_uplink=True, n_rb_dl_bwp=4, n_rb_ul_bwp=275)
    assert sizes("0_0", cfg)["ul_sul_indicator"] == 0


@pytest.mark.parametrize("rnti_type", ["p-rnti", "si-rnti", "ra-rnti"])
def test_1_0_other_rnti_layouts_have_the_c_rnti_size(rnti_type):
    # P-RNTI: 2 + 8 + FDRA + 4 + 1 + 5 + 2 TB scaling + 6 reserved = FDRA + 28;
    # SI-RNTI: FDRA + 4 + 1 + 5 + 2 RV + 1 SI indicator + 15 reserved = FDRA + 28;
    # RA-RNTI: FDRA + 4 + 1 + 5 + 2 TB scaling + 16 reserved = FDRA + 28.
    cfg = DciSizeConfig(n_rb_dl_bwp=106, n_rb_dl_initial=48)  # CORESET 0: FDRA 11
    size = dci_size("1_0", cfg, rnti_type=rnti_type)
    assert size == 39 == dci_size("1_0", cfg, search_space="common")
    assert "identifier" not in sizes("1_0", cfg, rnti_type=rnti_type)


def test_default_0_1_size():
    # §7.3.1.1.2, defaults: identifier 1, carrier 0, UL/SUL 0, BWP 0 (one BWP), FDRA type 1
    # 11, TDRA 4 (16 rows), hopping 0 (not configured), MCS 5, NDI 1, RV 2, HARQ 4,
    # 1st DAI 2 (dynamic codebook), 2nd DAI 0, TPC 2, SRI 0 (one SRS resource), precoding 0
    # (one port), antenna ports 3 (type 1, maxLength 1, Table 7.3.1.1.2-8), SRS request 2,
    # CSI request 0, CBGTI 0, PTRS-DMRS 0, beta_offset 0, DMRS init 1, UL-SCH 1 = 39.
    assert dci_size("0_1") == 39
    assert dci_fields("0_1")[0] == ("identifier", 1)
    # step 2: 0_0/1_0 monitored in another USS have 39 bits too -> one zero bit appended
    cfg = DciSizeConfig(fallback_in_uss=True)
    assert dci_fields("0_1", cfg)[-1] == ("padding", 1) and dci_size("0_1", cfg) == 40
    assert dci_size("1_1", cfg) == 45  # 45 != 39: no padding


def test_size_budget_steps_3_and_4():
    # CORESET 0 of 24 RBs, active BWPs of 106 RBs, fallback formats also in a USS:
    # CSS 1_0 = 9 + 28 = 37; USS 1_0 = 13 + 28 = 41 (0_0: 33 padded to 41); 0_1 = 39 - 11
    # + 13 = 41 = USS fallback -> step 2 pads it to 42; 1_1 = 45 - 11 + 13 = 47.
    # Sizes {37, 41, 42, 47}: 4 > 3 sizes with C-RNTI (step 3 fails), so step 4 removes
    # the step-2 bit (0_1 = 41) and sizes the USS 0_0/1_0 as in the CSS (37): {37, 41, 47}.
    cfg = DciSizeConfig(n_rb_dl_bwp=106, n_rb_ul_bwp=106, n_rb_dl_initial=24,
                        fallback_in_uss=True)
    assert dci_size("1_0", cfg, search_space="common") == 37
    assert dci_size("1_0", cfg) == dci_size("0_0", cfg) == 37
    assert sizes("1_0", cfg)["fdra"] == 9 and sizes("0_0", cfg)["padding"] == 4
    assert dci_size("0_1", cfg) == 41 and "padding" not in sizes("0_1", cfg)
    assert dci_size("1_1", cfg) == 47
    # Without the USS fallback formats the budget is met: no step 4
    cfg = DciSizeConfig(n_rb_dl_bwp=106, n_rb_ul_bwp=106, n_rb_dl_initial=24)
    assert dci_size("1_0", cfg) == 41 and dci_size("0_1", cfg) == 41


def test_default_1_1_size():
    # §7.3.1.2.2, defaults: identifier 1, carrier 0, BWP 0, FDRA 11, TDRA 4, VRB-to-PRB 0,
    # PRB bundling 0, rate matching 0, ZP CSI-RS 0, TB1 MCS/NDI/RV 8, TB2 0, HARQ 4, DAI 2,
    # TPC 2, PRI 3, HARQ timing 3 (8 entries), antenna ports 4 (Table 7.3.1.2.2-1), TCI 0,
    # SRS request 2, CBGTI 0, CBGFI 0, DMRS init 1 = 45.
    assert dci_size("1_1") == 45


def test_rich_1_1_size():
    cfg = DciSizeConfig(
        n_rb_dl_bwp=106, n_bwp_dl=3, carrier_indicator=True, resource_allocation_dl="dynamic",
        vrb_to_prb_interleaved=True, prb_bundling_dynamic=True, n_rate_match_groups=2,
        n_zp_csi_rs_sets=3, num_codewords=2, n_serving_cells_dl=2, n_dl_data_to_ul_ack=4,
        dmrs_type_dl=2, dmrs_max_length_dl=2, tci_present=True, cbg_max_dl=4, cbg_flush=True)
    f = sizes("1_1", cfg)
    # BWP: n_BWP,RRC = 3 <= 3 -> n_BWP = 4 -> 2 bits.
    assert f["bwp_indicator"] == 2
    # dynamicSwitch: P = 8 (73..144 RBs, config 1), N_RBG = ceil(106/8) = 14; type 1 13 bits;
    # max(13, 14) + 1 = 15.
    assert f["fdra"] == 15
    # ZP CSI-RS: ceil(log2(3 + 1)) = 2; DAI 4 (two serving cells); timing ceil(log2 4) = 2;
    # antenna ports 6 (type 2, maxLength 2, Table 7.3.1.2.2-4); CBGTI 2 TBs x 4 = 8.
    assert (f["zp_csi_rs_trigger"], f["dai"], f["pdsch_to_harq_timing"]) == (2, 4, 2)
    assert (f["antenna_ports"], f["cbgti"], f["cbgfi"], f["tci"]) == (6, 8, 1, 3)
    assert (f["mcs_2"], f["ndi_2"], f["rv_2"]) == (5, 1, 2)
    # 1 + 3 + 2 + 15 + 4 + 1 + 1 + 2 + 2 + 8 + 8 + 4 + 4 + 2 + 3 + 2 + 6 + 3 + 2 + 8 + 1 + 1
    assert dci_size("1_1", cfg) == 83


def test_rich_0_1_size():
    cfg = DciSizeConfig(
        n_rb_ul_bwp=52, bwp_start_ul=3, supplementary_uplink=True, n_bwp_ul=1,
        resource_allocation_ul="type0", rbg_size_ul=2, n_tdra_ul=8, frequency_hopping_ul=True,
        harq_ack_codebook="semi-static", n_antenna_ports_ul=4, max_rank_ul=4,
        codebook_subset="partialAndNonCoherent", n_srs_resources=2, dmrs_max_length_ul=2,
        csi_report_trigger_size=4, cbg_max_ul=6, ptrs_ul=True, beta_offset_dynamic=True)
    f = sizes("0_1", cfg)
    # type 0: P = 8 (37..72 RBs, config 2), N_RBG = ceil((52 + 3 mod 8)/8) = 7; hopping 0
    # because only type 0 is configured; TDRA ceil(log2 8) = 3; semi-static: 1st DAI 1.
    assert (f["fdra"], f["frequency_hopping_flag"], f["tdra"], f["dai_1"]) == (7, 0, 3, 1)
    # SRI ceil(log2 2) = 1; precoding 5 (4 ports, maxRank 4, partial: Table 7.3.1.1.2-2);
    # antenna ports 4 (type 1, maxLength 2); SRS request 3 (SUL); PTRS-DMRS 2.
    assert (f["srs_resource_indicator"], f["precoding_information"]) == (1, 5)
    assert (f["antenna_ports"], f["srs_request"], f["ptrs_dmrs_association"]) == (4, 3, 2)
    assert (f["ul_sul_indicator"], f["bwp_indicator"], f["beta_offset_indicator"]) == (1, 1, 2)
    # 1 + 1 + 1 + 7 + 3 + 0 + 12 + 1 + 0 + 2 + 1 + 5 + 4 + 3 + 4 + 6 + 2 + 2 + 1 + 1
    assert dci_size("0_1", cfg) == 57


@pytest.mark.parametrize("ports, rank, tp, subset, bits", [
    (1, 1, False, "fullyAndPartialAndNonCoherent", 0),
    (2, 1, False, "nonCoherent", 1), (2, 1, False, "fullyAndPartialAndNonCoherent", 3),
    (2, 2, False, "nonCoherent", 2), (2, 2, False, "fullyAndPartialAndNonCoherent", 4),
    (4, 1, False, "nonCoherent", 2), (4, 1, False, "partialAndNonCoherent", 4),
    (4, 1, False, "fullyAndPartialAndNonCoherent", 5), (4, 1, True, "nonCoherent", 2),
    (4, 3, False, "nonCoherent", 4), (4, 2, False, "partialAndNonCoherent", 5),
    (4, 4, False, "fullyAndPartialAndNonCoherent", 6),
])
def test_precoding_information_bits(ports, rank, tp, subset, bits):
    # ceil(log2(entries)) of Tables 7.3.1.1.2-2..5, e.g. 4 ports maxRank 4 full: TPMIs
    # 28 + 22 + 7 + 5 = 62 -> 6 bits; maxRank 1 nonCoherent: 4 -> 2 bits.
    cfg = DciSizeConfig(n_antenna_ports_ul=ports, max_rank_ul=rank, transform_precoding=tp,
                        codebook_subset=subset)
    assert sizes("0_1", cfg)["precoding_information"] == bits


@pytest.mark.parametrize("n_srs, l_max, bits", [(1, 1, 0), (2, 1, 1), (2, 2, 2), (3, 1, 2),
                                                (4, 2, 4), (4, 4, 4), (3, 3, 3)])
def test_non_codebook_sri_bits(n_srs, l_max, bits):
    # ceil(log2(sum_{k=1}^{min(Lmax, N_SRS)} C(N_SRS, k))): (4, 2): 4 + 6 = 10 -> 4;
    # (4, 4): 15 -> 4; (3, 3): 7 -> 3; (3, 1): 3 -> 2.
    cfg = DciSizeConfig(tx_config="non-codebook", n_srs_resources=n_srs, max_rank_ul=l_max)
    f = sizes("0_1", cfg)
    assert f["srs_resource_indicator"] == bits and f["precoding_information"] == 0


def test_transform_precoding_fields():
    cfg = DciSizeConfig(transform_precoding=True)
    f = sizes("0_1", cfg)
    # antenna ports 2 (Table 7.3.1.1.2-6), no DMRS sequence initialization bit
    assert f["antenna_ports"] == 2 and f["dmrs_sequence_initialization"] == 0
    assert sizes("0_1", DciSizeConfig(transform_precoding=True,
                                      dmrs_max_length_ul=2))["antenna_ports"] == 4
    # PT-RS with maxRank 1 never adds the PTRS-DMRS association
    assert sizes("0_1", DciSizeConfig(ptrs_ul=True))["ptrs_dmrs_association"] == 0


@pytest.mark.parametrize("n_bwp, bits", [(0, 0), (1, 1), (2, 2), (3, 2), (4, 2)])
def test_bwp_indicator_bits(n_bwp, bits):
    assert sizes("1_1", DciSizeConfig(n_bwp_dl=n_bwp))["bwp_indicator"] == bits
    assert sizes("0_1", DciSizeConfig(n_bwp_ul=n_bwp))["bwp_indicator"] == bits


def test_antenna_port_bits_dl():
    for (t, m), bits in {(1, 1): 4, (1, 2): 5, (2, 1): 5, (2, 2): 6}.items():
        cfg = DciSizeConfig(dmrs_type_dl=t, dmrs_max_length_dl=m)
        assert sizes("1_1", cfg)["antenna_ports"] == bits
    for (t, m), bits in {(2, 1): 4, (2, 2): 5}.items():
        cfg = DciSizeConfig(dmrs_type_ul=t, dmrs_max_length_ul=m)
        assert sizes("0_1", cfg)["antenna_ports"] == bits


def test_frequency_hopping_and_vrb_fields_need_type1():
    assert sizes("0_1", DciSizeConfig(frequency_hopping_ul=True))["frequency_hopping_flag"] == 1
    cfg = DciSizeConfig(vrb_to_prb_interleaved=True, resource_allocation_dl="type0")
    assert sizes("1_1", cfg)["vrb_to_prb_mapping"] == 0
    cfg = DciSizeConfig(vrb_to_prb_interleaved=True, resource_allocation_dl="dynamic")
    assert sizes("1_1", cfg)["vrb_to_prb_mapping"] == 1
    assert sizes("1_1", DciSizeConfig(harq_ack_codebook="semi-static"))["dai"] == 0
    cfg = DciSizeConfig(two_harq_ack_subcodebooks=True)
    assert sizes("0_1", cfg)["dai_2"] == 2


def test_field_order_and_identifier_first():
    for fmt in DCI_FORMATS:
        f = dci_fields(fmt)
        assert f[0] == ("identifier", 1)
        assert sum(s for _, s in f) == dci_size(fmt)
        names = [n for n, _ in f]
        assert len(set(names)) == len(names)
    names = [n for n, _ in dci_fields("1_0")]
    assert names[:4] == ["identifier", "fdra", "tdra", "vrb_to_prb_mapping"]
    assert names[-3:] == ["tpc_command", "pucch_resource_indicator", "pdsch_to_harq_timing"]


def test_pad_to_minimum_12_bits():
    # §7.3.1: fewer than 12 information bits -> zeros appended up to 12.
    assert pad_to_minimum([("x", 3), ("y", 4)]) == [("x", 3), ("y", 4),
                                                     ("min_size_padding", 5)]
    assert pad_to_minimum([("x", 12)]) == [("x", 12)]
    # the smallest of the four formats (0_0 with a 1-RB BWP) already has 20 bits
    cfg = DciSizeConfig(n_rb_dl_bwp=1, n_rb_ul_bwp=1)
    assert min(dci_size(f, cfg) for f in DCI_FORMATS) >= 20


# ----------------------------------------------------------------------- RIV, RBG


def riv_twin(n, start, length):
    if length - 1 <= n // 2:
        return n * (length - 1) + start
    return n * (n - length + 1) + (n - 1 - start)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 24, 25, 52])
def test_riv_is_a_bijection_and_inverse(n):
    seen = set()
    for start in range(n):
        for length in range(1, n - start + 1):
            r = riv(n, start, length)
            assert r == riv_twin(n, start, length)
            assert riv_inverse(n, r) == (start, length)
            seen.add(r)
    assert seen == set(range(n * (n + 1) // 2))
    assert max(seen).bit_length() <= fdra_type1_bits(n)


@given(st.integers(1, 275), st.data())
def test_riv_round_trip(n, data):
    start = data.draw(st.integers(0, n - 1))
    length = data.draw(st.integers(1, n - start))
    assert riv_inverse(n, riv(n, start, length)) == (start, length)


def test_rbg_table():
    # Table 5.1.2.2.1-1 boundaries
    for n, p1, p2 in [(1, 2, 4), (36, 2, 4), (37, 4, 8), (72, 4, 8), (73, 8, 16),
                      (144, 8, 16), (145, 16, 16), (275, 16, 16)]:
        assert nominal_rbg_size(n, 1) == p1 and nominal_rbg_size(n, 2) == p2
    # N_RBG = ceil((size + start mod P) / P): 52 RBs from 3, P = 4: ceil(55/4) = 14
    assert n_rbg(52, 3, 1) == 14
    assert n_rbg(52, 0, 1) == 13 and n_rbg(275, 0, 1) == 18


# ----------------------------------------------------------------------- pack / unpack

CONFIGS = [
    DciSizeConfig(),
    DciSizeConfig(n_rb_dl_bwp=106, n_rb_ul_bwp=24, n_rb_dl_initial=24, supplementary_uplink=True,
                  num_codewords=2, resource_allocation_dl="dynamic", dmrs_type_dl=2,
                  cbg_max_dl=4, cbg_flush=True, n_antenna_ports_ul=4, max_rank_ul=2,
                  ptrs_ul=True, fallback_in_uss=True, csi_report_trigger_size=6),
    DciSizeConfig(n_rb_dl_bwp=4, n_rb_ul_bwp=275, tx_config="non-codebook",
                  n_srs_resources=4, max_rank_ul=3, resource_allocation_ul="type0"),
]
CONTEXTS = [("0_0", "ue-specific", "c-rnti"), ("0_0", "common", "c-rnti"),
            ("1_0", "ue-specific", "c-rnti"), ("1_0", "common", "c-rnti"),
            ("1_0", "common", "p-rnti"), ("1_0", "common", "si-rnti"),
            ("1_0", "common", "ra-rnti"), ("0_1", "ue-specific", "c-rnti"),
            ("1_1", "ue-specific", "c-rnti")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CONFIGS), st.sampled_from(CONTEXTS), st.data())
def test_pack_unpack_round_trip(cfg, ctx, data):
    fmt, ss, rt = ctx
    kw = {"search_space": ss, "rnti_type": rt}
    values = {}
    for name, size in dci_fields(fmt, cfg, **kw):
        if name == "identifier":
            values[name] = 0 if fmt[0] == "0" else 1
        elif name in ("padding", "min_size_padding"):
            values[name] = 0
        else:
            values[name] = data.draw(st.integers(0, (1 << size) - 1), label=name)
    a = pack_dci(fmt, values, cfg, **kw)
    assert a.dtype == np.uint8 and a.shape == (dci_size(fmt, cfg, **kw),)
    assert unpack_dci(fmt, a, cfg, **kw) == values
    # and bits -> values -> bits (with the fixed bits as the spec sets them)
    assert np.array_equal(pack_dci(fmt, unpack_dci(fmt, a, cfg, **kw), cfg, **kw), a)


def test_pack_layout_msb_first():
    a = pack_dci("1_0", {"fdra": riv(52, 10, 5), "mcs": 9, "pdsch_to_harq_timing": 6})
    # identifier a_0 = 1, FDRA a_1..a_11 = RIV 218 MSB first, MCS at a_17..a_21
    assert a[0] == 1
    assert a[1:12].tolist() == [int(x) for x in format(218, "011b")]
    assert a[16:17].tolist() == [0] and a[17:22].tolist() == [0, 1, 0, 0, 1]
    assert a[-3:].tolist() == [1, 1, 0]
    assert unpack_dci("1_0", a)["fdra"] == 218
    assert pack_dci("0_0", {})[0] == 0  # identifier defaults to 0 for an UL format


def test_pack_batch_broadcast():
    mcs = np.arange(6).reshape(2, 3)
    a = pack_dci("0_0", {"mcs": mcs, "harq_process_number": 7})
    assert a.shape == (2, 3, 39)
    out = unpack_dci("0_0", a)
    np.testing.assert_array_equal(out["mcs"], mcs)
    np.testing.assert_array_equal(out["harq_process_number"], np.full((2, 3), 7))
    for i in range(2):
        for j in range(3):
            single = pack_dci("0_0", {"mcs": int(mcs[i, j]), "harq_process_number": 7})
            np.testing.assert_array_equal(a[i, j], single)


def test_unpack_accepts_int8_and_bool():
    a = pack_dci("1_1", {"mcs": 27, "antenna_ports": 11})
    assert unpack_dci("1_1", a.astype(np.int8))["mcs"] == 27
    assert unpack_dci("1_1", a.astype(bool))["antenna_ports"] == 11


# ----------------------------------------------------------------------- CRC and coding


def test_rnti_crc_mask_literal():
    for r in (0, 1, 0xFFFF, 0x4601, 0xFFF4):
        m = rnti_crc_mask(r)
        assert m.shape == (24,) and m.dtype == np.uint8
        assert m[:8].tolist() == [0] * 8
        assert m[8:].tolist() == [int(x) for x in format(r, "016b")]
    batch = rnti_crc_mask(np.array([[1, 2], [3, 65535]]))
    assert batch.shape == (2, 2, 24)
    np.testing.assert_array_equal(batch[1, 1], rnti_crc_mask(65535))


def test_crc24c_twin_matches_reference_vectors(vectors):
    v = vectors("crc")
    for key in v:
        if key.startswith("24C_") and key.endswith("_in"):
            for row_in, row_out in zip(v[key], v[key[:-3] + "_out"], strict=True):
                assert crc24c_twin(row_in) == row_out[-24:].tolist()


@settings(max_examples=40, deadline=None)
@given(st.integers(12, 140), st.sampled_from([1, 2, 4, 8, 16]), st.integers(0, 65535),
       st.integers(0, 2**32 - 1))
def test_dci_encode_matches_literal_twin(size_a, level, rnti, seed):
    size_a = min(size_a, 108 * level - 24)  # K = A + 24 <= E
    a = np.random.default_rng(seed).integers(0, 2, size_a, dtype=np.uint8)
    e = 108 * level
    np.testing.assert_array_equal(dci_encode(a, rnti, e), dci_encode_twin(a, rnti, e))


def test_dci_encode_other_e_and_batch():
    rng = np.random.default_rng(5)
    a = rng.integers(0, 2, (3, 40), dtype=np.uint8)
    rntis = np.array([7, 0x1234, 65535])
    f = dci_encode(a, rntis, 200)  # any E >= A + 24
    assert f.shape == (3, 200) and f.dtype == np.uint8
    for i in range(3):
        np.testing.assert_array_equal(f[i], dci_encode_twin(a[i], int(rntis[i]), 200))
    # one payload, several RNTIs (broadcast)
    g = dci_encode(a[0], rntis[:, None], 108)
    assert g.shape == (3, 1, 108)
    np.testing.assert_array_equal(g[2, 0], dci_encode_twin(a[0], 65535, 108))


def test_rnti_only_changes_the_last_16_crc_bits():
    # linearity: encode(a, r1) xor encode(a, r2) = encode of the mask difference alone
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2, 39, dtype=np.uint8)
    f1, f2 = dci_encode(a, 0x00FF, 216), dci_encode(a, 0xFF00, 216)
    assert not np.array_equal(f1, f2)
    f0 = dci_encode(a, 0, 216)
    np.testing.assert_array_equal(f1 ^ f2, f0 ^ dci_encode(a, 0xFFFF, 216))


# ----------------------------------------------------------------------- validation


def test_raises_unknown_format():
    for fn in (lambda: dci_fields("2_0"), lambda: dci_size("1_2"),
               lambda: pack_dci("0_2", {}), lambda: unpack_dci("x", np.zeros(39, np.uint8))):
        with pytest.raises(ConfigError, match="format"):
            fn()


def test_raises_context():
    with pytest.raises(ConfigError, match="rnti_type"):
        dci_fields("1_0", rnti_type="x-rnti")
    with pytest.raises(ConfigError, match="rnti_type"):
        dci_fields("0_0", rnti_type="si-rnti")
    with pytest.raises(ConfigError, match="search_space"):
        dci_fields("0_0", search_space="group")
    with pytest.raises(ConfigError, match="search_space"):
        dci_fields("1_1", search_space="common")
    with pytest.raises(ConfigError, match="search_space"):
        dci_fields("1_0", search_space="ue-specific", rnti_type="p-rnti")
    with pytest.raises(ConfigError, match="config"):
        dci_fields("1_0", {"n_rb_dl_bwp": 52})


def test_raises_field_value_too_large_names_the_field():
    with pytest.raises(ConfigError, match=r"mcs=32 .*0\.\.31"):
        pack_dci("1_0", {"mcs": 32})
    with pytest.raises(ConfigError, match="harq_process_number"):
        pack_dci("0_1", {"harq_process_number": np.array([3, 16])})
    with pytest.raises(ConfigError, match="rv"):
        pack_dci("1_1", {"rv": -1})
    with pytest.raises(ConfigError, match="tdra"):
        pack_dci("1_1", {"tdra": 1.5})
    with pytest.raises(ConfigError, match="dai_2"):  # a 0-bit field holds only 0
        pack_dci("0_1", {"dai_2": 1})


def test_raises_unknown_field_padding_identifier_values():
    with pytest.raises(ConfigError, match="'mcs_3'"):
        pack_dci("1_1", {"mcs_3": 1})
    with pytest.raises(ConfigError, match="padding"):
        pack_dci("0_0", {"padding": 1})
    with pytest.raises(ConfigError, match="identifier"):
        pack_dci("0_0", {"identifier": 1})
    with pytest.raises(ConfigError, match="identifier"):
        pack_dci("1_0", {"identifier": 0})
    with pytest.raises(ConfigError, match="values"):
        pack_dci("1_0", [("mcs", 1)])
    with pytest.raises(ConfigError, match="broadcast"):
        pack_dci("1_0", {"mcs": np.zeros(2, int), "rv": np.zeros(3, int)})


def test_raises_unpack_bits():
    with pytest.raises(ConfigError, match="A=39"):
        unpack_dci("1_0", np.zeros(40, np.uint8))
    with pytest.raises(ConfigError, match="bits"):
        unpack_dci("1_0", np.full(39, 2, np.uint8))


@pytest.mark.parametrize("rnti", [-1, 65536, 1.0, True])
def test_raises_rnti_out_of_range(rnti):
    with pytest.raises(ConfigError, match="rnti"):
        rnti_crc_mask(rnti)
    with pytest.raises(ConfigError, match="rnti"):
        dci_encode(np.zeros(20, np.uint8), rnti, 108)


@pytest.mark.parametrize("size_a", [0, 11, 141])
def test_raises_payload_size(size_a):
    with pytest.raises(ConfigError, match=r"A=\d+ .*12\.\.140"):
        dci_encode(np.zeros(size_a, np.uint8), 1, 1728)


def test_raises_encode_e_and_bits_and_shapes():
    with pytest.raises(ConfigError, match="e=63"):
        dci_encode(np.zeros(40, np.uint8), 1, 63)  # K = 64 > E
    with pytest.raises(ConfigError, match="e=8193"):
        dci_encode(np.zeros(40, np.uint8), 1, 8193)
    with pytest.raises(ConfigError, match="a holds"):
        dci_encode(np.full(40, 3, np.uint8), 1, 108)
    with pytest.raises(ConfigError, match="rnti of shape"):
        dci_encode(np.zeros((3, 40), np.uint8), [1, 2], 108)


def test_raises_riv_and_rbg():
    with pytest.raises(ConfigError, match="l_rbs"):
        riv(52, 50, 3)
    with pytest.raises(ConfigError, match="rb_start"):
        riv(52, 52, 1)
    with pytest.raises(ConfigError, match="n_rb_bwp"):
        riv(276, 0, 1)
    with pytest.raises(ConfigError, match="riv_value"):
        riv_inverse(52, 1378)
    with pytest.raises(ConfigError, match="rbg_config"):
        nominal_rbg_size(52, 3)
    with pytest.raises(ConfigError, match="bwp_start"):
        n_rbg(52, 275)
    with pytest.raises(ConfigError, match="n_rb_bwp"):
        fdra_type1_bits(0)


@pytest.mark.parametrize("kwargs, name", [
    ({"n_rb_dl_bwp": 0}, "n_rb_dl_bwp"), ({"n_rb_ul_bwp": 276}, "n_rb_ul_bwp"),
    ({"n_rb_dl_initial": 0}, "n_rb_dl_initial"), ({"n_rb_ul_initial": 300}, "n_rb_ul_initial"),
    ({"bwp_start_dl": -1}, "bwp_start_dl"), ({"n_bwp_ul": 5}, "n_bwp_ul"),
    ({"n_tdra_dl": 17}, "n_tdra_dl"), ({"n_tdra_ul": 0}, "n_tdra_ul"),
    ({"n_rate_match_groups": 3}, "n_rate_match_groups"),
    ({"n_zp_csi_rs_sets": 4}, "n_zp_csi_rs_sets"),
    ({"n_serving_cells_dl": 0}, "n_serving_cells_dl"),
    ({"n_dl_data_to_ul_ack": 9}, "n_dl_data_to_ul_ack"), ({"max_rank_ul": 5}, "max_rank_ul"),
    ({"csi_report_trigger_size": 7}, "csi_report_trigger_size"),
    ({"rbg_size_dl": 3}, "rbg_size_dl"), ({"num_codewords": 3}, "num_codewords"),
    ({"dmrs_type_ul": 3}, "dmrs_type_ul"), ({"dmrs_max_length_dl": 0}, "dmrs_max_length_dl"),
    ({"cbg_max_dl": 3}, "cbg_max_dl"), ({"n_antenna_ports_ul": 3}, "n_antenna_ports_ul"),
    ({"resource_allocation_dl": "type2"}, "resource_allocation_dl"),
    ({"harq_ack_codebook": "enhanced"}, "harq_ack_codebook"),
    ({"tx_config": "full"}, "tx_config"), ({"codebook_subset": "all"}, "codebook_subset"),
    ({"tci_present": 1}, "tci_present"), ({"n_rb_dl_bwp": 52.0}, "n_rb_dl_bwp"),
    ({"bwp_start_ul": 250, "n_rb_ul_bwp": 52}, "bwp_start_ul"),
    ({"two_harq_ack_subcodebooks": True, "harq_ack_codebook": "semi-static"},
     "two_harq_ack_subcodebooks"),
    ({"cbg_flush": True}, "cbg_flush"),
    ({"cbg_max_dl": 6, "num_codewords": 2}, "cbg_max_dl"),
    ({"transform_precoding": True, "dmrs_type_ul": 2}, "transform_precoding"),
    ({"transform_precoding": True, "n_antenna_ports_ul": 2, "max_rank_ul": 2},
     "transform_precoding"),
    ({"n_antenna_ports_ul": 2, "max_rank_ul": 4}, "max_rank_ul"),
    ({"n_antenna_ports_ul": 2, "codebook_subset": "partialAndNonCoherent"}, "codebook_subset"),
    ({"n_srs_resources": 3}, "n_srs_resources"),
    ({"tx_config": "non-codebook", "n_srs_resources": 5}, "n_srs_resources"),
    ({"tx_config": "non-codebook", "n_antenna_ports_ul": 2}, "n_antenna_ports_ul"),
])
def test_raises_config(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        DciSizeConfig(**kwargs)
