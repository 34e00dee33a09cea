"""TransportBlockConfig: validation at construction, from_dict, replace (TS 38.212 §7.2)."""

import pytest

from nrlink.config import TransportBlockConfig
from nrlink.errors import ConfigError

BASE = dict(tbs=1000, target_code_rate=0.5, g=2400, qm=2)


@pytest.mark.parametrize("field,value,match", [
    ("tbs", 0, r"a=0 .*≥ 1.*§7\.2\.1"),
    ("tbs", 10.5, r"a=10\.5"),
    ("target_code_rate", 0.96, r"target_code_rate=0\.96.*948/1024.*38\.214"),
    ("target_code_rate", 0.01, r"target_code_rate=0\.01"),
    ("qm", 3, r"qm=3 .*1, 2, 4, 6, 8, 10.*§5\.1"),
    ("layers", 5, r"layers=5 .*1\.\.4"),
    ("rv", 4, r"rv=4 .*0, 1, 2, 3.*§5\.4\.2\.1"),
    ("g", 2401, r"g=2401 .*multiple of N_L·Q_m = 1·2 = 2"),
    ("g", 0, r"g=0"),
    ("g", 1000, r"effective code rate .*0\.95.*38\.214 §5\.1\.3\.1"),
    ("tbs_lbrm", 0, r"tbs_lbrm=0"),
    ("r_lbrm", 1.5, r"r_lbrm=1\.5"),
])
def test_config_validation(field, value, match):
    with pytest.raises(ConfigError, match=match):
        TransportBlockConfig(**{**BASE, field: value})


def test_config_g_must_match_layers_and_qm():
    with pytest.raises(ConfigError, match=r"multiple of N_L·Q_m = 2·6 = 12"):
        TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2406, qm=6, layers=2)


def test_config_effective_rate_only_checked_on_initial_transmission():
    TransportBlockConfig(**{**BASE, "g": 1000, "rv": 2})  # a retransmission may be above 0.95


def test_config_from_dict_rejects_unknown_key_with_hint():
    with pytest.raises(ConfigError, match=r"tbss: unknown key .*did you mean 'tbs'"):
        TransportBlockConfig.from_dict({"tbss": 100, "target_code_rate": 0.5, "g": 300, "qm": 2})
    cfg = TransportBlockConfig.from_dict(dict(BASE))
    assert cfg == TransportBlockConfig(**BASE)


def test_replace_revalidates():
    cfg = TransportBlockConfig(**BASE)
    with pytest.raises(ConfigError, match="rv=7"):
        cfg.replace(rv=7)


def test_plan_of_a_two_code_block_tb():
    """A = 8448 > 3824: CRC24A, BG1 (R > 0.25), C = 2, K' = 4260, Z_c = 208 (§5.2.2)."""
    p = TransportBlockConfig(tbs=8448, target_code_rate=0.5, g=17280, qm=2).plan
    assert (p.tb_crc, p.seg.bg, p.c, p.seg.k_prime, p.seg.z_c) == ("24A", 1, 2, 4260, 208)
    assert p.e == (8640, 8640) and p.n_cb == p.seg.n == 66 * 208 and p.k0 == 0
