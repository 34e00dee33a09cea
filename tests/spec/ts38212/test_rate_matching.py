"""LDPC rate matching, code block concatenation and rate recovery — TS 38.212 §5.4.2,
§5.5."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.ldpc import LIFTING_SIZES
from nrlink.spec.ts38212.rate_matching import (
    MODULATION_ORDERS,
    bit_deinterleave,
    bit_interleave,
    k0,
    n_cb,
    rate_match,
    rate_match_lengths,
    rate_recover,
)
from nrlink.spec.ts38212.segmentation import segmentation_info, select_base_graph, tb_crc_length

QM_OF = {"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}

# ----------------------------------------------------------------------- slow twins


def k0_twin(rv, bg, ncb, z_c):
    num = {1: (0, 17, 33, 56), 2: (0, 13, 25, 43)}[bg][rv]
    den = 66 if bg == 1 else 50
    return int(Fraction(num * ncb, den * z_c)) * z_c


def bit_selection_twin(d_row, *, bg, z_c, k, k_prime, e, rv, ncb):
    """TS 38.212 §5.4.2.1 bit selection, literally: returns (e bits, positions read)."""
    start = k0_twin(rv, bg, ncb, z_c)
    out, pos = [], []
    j = 0
    while len(out) < e:
        p = (start + j) % ncb
        if not (k_prime - 2 * z_c <= p < k - 2 * z_c):  # d_p is not <NULL>
            out.append(int(d_row[p]))
            pos.append(p)
        j += 1
    return out, pos


def interleave_twin(e, qm):
    """TS 38.212 §5.4.2.2, literally."""
    size = len(e)
    f = [None] * size
    for j in range(size // qm):
        for i in range(qm):
            f[i + j * qm] = e[i * (size // qm) + j]
    return f


def rate_match_twin(d, *, bg, z_c, k, k_prime, e, rv, ncb, qm):
    """Per-code-block bit selection + interleaving, concatenated (§5.4.2, §5.5)."""
    out = []
    for r, size in enumerate(e):
        bits, _ = bit_selection_twin(d[r], bg=bg, z_c=z_c, k=k, k_prime=k_prime, e=size, rv=rv,
                                     ncb=ncb)
        out += interleave_twin(bits, qm)
    return np.array(out, dtype=np.uint8)


# ----------------------------------------------------------------- reference vectors


@pytest.mark.parametrize("mod", ["QPSK", "64QAM"])
@pytest.mark.parametrize("rv", [0, 1, 2, 3])
@pytest.mark.parametrize("i", range(11))
def test_reference_vectors(vectors, i, rv, mod):
    # ldpc_raw: py3gpp, no LBRM (N_cb = N), one layer, the two code blocks '_cw'
    # rate matched together as C = 2 with G = E of the key.
    v = vectors("ldpc_raw")
    keys = [key for key in v if key.startswith(f"case{i}_rm_rv{rv}_{mod}_E")]
    assert len(keys) == 1
    g = int(keys[0].rsplit("_E", 1)[1])
    qm = QM_OF[mod]
    c_tb, k, f, z_c, bg, n, _ = (int(x) for x in v[f"case{i}_info"])
    cw = v[f"case{i}_cw"]
    filler = cw < 0
    k_prime = k - f
    assert not filler[:, : max(k_prime - 2 * z_c, 0)].any()
    assert filler[:, k_prime - 2 * z_c: k - 2 * z_c].all() and filler.sum() == 2 * f
    d = np.where(filler, 0, cw).astype(np.uint8)
    e = rate_match_lengths(g, c=2, qm=qm, layers=1)
    out = rate_match(d, bg=bg, z_c=z_c, k=k, k_prime=k_prime, e=e, rv=rv, n_cb=n, qm=qm)
    np.testing.assert_array_equal(out, v[keys[0]])
    # and the soft inverse puts every bit back where it came from
    buf = rate_recover(1 - 2 * out.astype(np.float32), bg=bg, z_c=z_c, k=k, k_prime=k_prime,
                       e=e, rv=rv, n_cb=n, qm=qm, n=n)
    covered = buf != 0
    assert not covered[filler].any()
    np.testing.assert_array_equal(buf[covered] < 0, d[covered] == 1)


def test_reference_vectors_complete(vectors):
    v = vectors("ldpc_raw")
    assert sum("_rm_rv" in key for key in v) == 11 * 4 * 2


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("bg,ncb,z_c,expected", [
    (1, 25344, 384, (0, 17 * 384, 33 * 384, 56 * 384)),
    (2, 19200, 384, (0, 13 * 384, 25 * 384, 43 * 384)),
    (2, 350, 7, (0, 91, 175, 301)),
    (1, 10000, 208, (0, 2496, 4992, 8320)),  # LBRM: N_cb < N
])
def test_k0_table_5_4_2_1_2(bg, ncb, z_c, expected):
    assert tuple(k0(rv, bg=bg, n_cb=ncb, z_c=z_c) for rv in range(4)) == expected


@settings(max_examples=100, deadline=None)
@given(rv=st.integers(0, 3), bg=st.sampled_from([1, 2]), z_c=st.sampled_from(LIFTING_SIZES),
       data=st.data())
def test_k0_matches_twin(rv, bg, z_c, data):
    ncb = data.draw(st.integers(1, 66 * z_c))
    assert k0(rv, bg=bg, n_cb=ncb, z_c=z_c) == k0_twin(rv, bg, ncb, z_c)


def test_n_cb_without_lbrm_is_n():
    assert n_cb(25344, c=3) == 25344


def test_n_cb_with_lbrm():
    assert n_cb(25344, c=2, tbs_lbrm=20000) == 15000  # ⌊20000 / (2·2/3)⌋
    assert n_cb(25344, c=1, tbs_lbrm=100_000) == 25344
    assert n_cb(25344, c=3, tbs_lbrm=20000, r_lbrm=3 / 4) == 8888
    assert n_cb(25344, c=2, tbs_lbrm=20000, r_lbrm=Fraction(2, 3)) == 15000


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 30000), c=st.integers(1, 200), tbs=st.integers(1, 1_300_000))
def test_n_cb_is_exact(n, c, tbs):
    assert n_cb(n, c=c, tbs_lbrm=tbs) == min(n, (3 * tbs) // (2 * c))


@pytest.mark.parametrize("g,c,qm,layers,expected", [
    (876, 2, 2, 1, [438, 438]),
    (10404, 2, 6, 1, [5202, 5202]),
    (28, 3, 2, 2, [8, 8, 12]),
    (40, 1, 10, 4, [40]),
    (3 * 8 * 5, 5, 8, 3, [24] * 5),
])
def test_rate_match_lengths_examples(g, c, qm, layers, expected):
    e = rate_match_lengths(g, c=c, qm=qm, layers=layers)
    assert e.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(c=st.integers(1, 150), qm=st.sampled_from(MODULATION_ORDERS), layers=st.integers(1, 4),
       data=st.data())
def test_rate_match_lengths_invariants(c, qm, layers, data):
    step = qm * layers
    g = step * data.draw(st.integers(c, 50 * c))
    e = rate_match_lengths(g, c=c, qm=qm, layers=layers)
    assert e.shape == (c,) and e.sum() == g and (e % step == 0).all() and (e >= step).all()
    assert e.max() - e.min() <= step and (np.diff(e) >= 0).all()
    units = g // step
    lo = step * (units // c)
    hi = step * -(-units // c)
    for j in range(c):  # §5.4.2.1 literally
        assert e[j] == (lo if j <= c - units % c - 1 else hi)


# ----------------------------------------------------------------------- interleaving


@settings(max_examples=60, deadline=None)
@given(qm=st.sampled_from(MODULATION_ORDERS), rows=st.integers(0, 40), batch=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_interleave_matches_twin_and_inverts(qm, rows, batch, seed):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((batch, qm * rows)).astype(np.float32)
    f = bit_interleave(e, qm)
    assert f.dtype == np.float32
    for row_e, row_f in zip(e, f, strict=True):
        np.testing.assert_array_equal(row_f, interleave_twin(list(row_e), qm))
    np.testing.assert_array_equal(bit_deinterleave(f, qm), e)
    bits = rng.integers(0, 2, (2, 2, qm * rows), dtype=np.uint8)
    np.testing.assert_array_equal(bit_interleave(bit_deinterleave(bits, qm), qm), bits)


# ---------------------------------------------------- rate match / recover, properties


@st.composite
def code_params(draw):
    """A random consistent parameter set: one TB segmentation, LBRM or not, any rv/qm/layers."""
    bg = draw(st.sampled_from([1, 2]))
    z_c = draw(st.sampled_from([z for z in LIFTING_SIZES if z <= 48]))
    k = (22 if bg == 1 else 10) * z_c
    n = (66 if bg == 1 else 50) * z_c
    k_prime = draw(st.integers(1, k))
    c = draw(st.integers(1, 3))
    if draw(st.booleans()):
        ncb = draw(st.integers(k - 2 * z_c + 1, n))  # LBRM: N_cb ≤ N
    else:
        ncb = n
    qm = draw(st.sampled_from(MODULATION_ORDERS))
    layers = draw(st.integers(1, 4))
    step = qm * layers
    # from far below one turn of the buffer to several repetitions of it
    g = step * draw(st.integers(c, c * (3 * ncb // step + 2)))
    e = rate_match_lengths(g, c=c, qm=qm, layers=layers)
    rv = draw(st.integers(0, 3))
    return dict(bg=bg, z_c=z_c, k=k, k_prime=k_prime, e=e, rv=rv, n_cb=ncb, qm=qm), n


@settings(max_examples=60, deadline=None)
@given(params=code_params(), seed=st.integers(0, 2**32 - 1))
def test_rate_match_matches_twin(params, seed):
    p, n = params
    c = len(p["e"])
    d = np.random.default_rng(seed).integers(0, 2, (2, c, n), dtype=np.uint8)
    out = rate_match(d, **p)
    assert out.shape == (2, p["e"].sum()) and out.dtype == np.uint8
    twin_p = {key: val for key, val in p.items() if key not in ("n_cb", "qm")}
    for row_d, row_out in zip(d, out, strict=True):
        np.testing.assert_array_equal(
            row_out, rate_match_twin(row_d, ncb=p["n_cb"], qm=p["qm"], **twin_p))


@settings(max_examples=60, deadline=None)
@given(params=code_params(), seed=st.integers(0, 2**32 - 1))
def test_rate_recover_puts_every_bit_back(params, seed):
    p, n = params
    c = len(p["e"])
    d = np.random.default_rng(seed).integers(0, 2, (c, n), dtype=np.uint8)
    f = rate_match(d, **p)
    buf = rate_recover(1.0 - 2.0 * f.astype(np.float32), n=n, **p)
    assert buf.shape == (c, n) and buf.dtype == np.float32
    for r in range(c):
        _, pos = bit_selection_twin(d[r], bg=p["bg"], z_c=p["z_c"], k=p["k"],
                                    k_prime=p["k_prime"], e=int(p["e"][r]), rv=p["rv"],
                                    ncb=p["n_cb"])
        count = np.bincount(pos, minlength=n)
        # sign = transmitted bit (positive LLR means 0), magnitude = times selected,
        # uncovered (incl. filler and ≥ N_cb) positions 0
        np.testing.assert_array_equal(buf[r], count * (1.0 - 2.0 * d[r]))
        assert not buf[r, p["n_cb"]:].any()
        assert not buf[r, max(p["k_prime"] - 2 * p["z_c"], 0): p["k"] - 2 * p["z_c"]].any()


@settings(max_examples=30, deadline=None)
@given(params=code_params(), seed=st.integers(0, 2**32 - 1))
def test_rate_recover_is_adjoint_of_rate_match(params, seed):
    # Σ_t llr_t · x[idx_t] = Σ_p buffer_p · x_p for any x: the recovery is the
    # transpose of the gather (checked with real values, batch shape (2, 2)).
    p, n = params
    c = len(p["e"])
    rng = np.random.default_rng(seed)
    llr = rng.integers(-8, 9, (2, 2, int(p["e"].sum()))).astype(np.float32)
    x = rng.integers(0, 2, (c, n), dtype=np.uint8)
    buf = rate_recover(llr, n=n, **p)
    lhs = (llr * rate_match(x, **p)).sum(axis=-1)
    rhs = (buf * x).sum(axis=(-2, -1))
    np.testing.assert_array_equal(lhs, rhs)


def _params_bg1():
    info = segmentation_info(20_000 + tb_crc_length(20_000), select_base_graph(20_000, 0.5))
    e = rate_match_lengths(3 * 4 * 2500, c=info.c, qm=4, layers=3)
    return info, dict(bg=info.bg, z_c=info.z_c, k=info.k, k_prime=info.k_prime, e=e,
                      n_cb=n_cb(info.n, c=info.c, tbs_lbrm=30_000), qm=4)


def test_in_place_accumulation_over_two_rvs():
    info, p = _params_bg1()
    rng = np.random.default_rng(5)
    llr0 = rng.standard_normal((2, int(p["e"].sum()))).astype(np.float32)
    llr2 = rng.standard_normal((2, int(p["e"].sum()))).astype(np.float32)
    buf = rate_recover(llr0, rv=0, n=info.n, **p)
    same = rate_recover(llr2, rv=2, n=info.n, buffer=buf, **p)
    assert same is buf
    expected = (rate_recover(llr0, rv=0, n=info.n, **p)
                + rate_recover(llr2, rv=2, n=info.n, **p))
    np.testing.assert_allclose(buf, expected, rtol=0, atol=1e-6)
    chase = rate_recover(llr0, rv=0, n=info.n, **p)
    rate_recover(llr0, rv=0, n=info.n, buffer=chase, **p)  # chase combining
    np.testing.assert_array_equal(chase, 2 * rate_recover(llr0, rv=0, n=info.n, **p))


def test_rate_match_accepts_int8_and_tuple_e():
    info, p = _params_bg1()
    d = np.random.default_rng(6).integers(0, 2, (info.c, info.n), dtype=np.uint8)
    ref = rate_match(d, rv=1, **p)
    p_tuple = dict(p, e=tuple(int(x) for x in p["e"]))
    np.testing.assert_array_equal(rate_match(d.astype(np.int8), rv=1, **p_tuple), ref)


def test_single_code_block_int_e():
    d = np.random.default_rng(7).integers(0, 2, (1, 350), dtype=np.uint8)
    out = rate_match(d, bg=2, z_c=7, k=70, k_prime=40, e=200, rv=0, n_cb=350, qm=2)
    assert out.shape == (200,)
    buf = rate_recover(np.ones(200, np.float32), bg=2, z_c=7, k=70, k_prime=40, e=200, rv=0,
                       n_cb=350, qm=2, n=350)
    assert buf.shape == (1, 350) and buf.sum() == 200


# ------------------------------------------------------------------------ raise-tests

BASE = dict(bg=2, z_c=7, k=70, k_prime=40, e=(200, 200), rv=0, n_cb=350, qm=2)
D = np.zeros((2, 350), np.uint8)
LLR = np.zeros(400, np.float32)


@pytest.mark.parametrize("name,value", [
    ("bg", 3), ("z_c", 17), ("z_c", 500), ("k", 66), ("k_prime", 0), ("k_prime", 71),
    ("rv", 4), ("rv", -1), ("n_cb", 56), ("n_cb", 351), ("qm", 3), ("qm", 12),
])
def test_rate_match_bad_scalar_raises(name, value):
    with pytest.raises(ConfigError, match=name):
        rate_match(D, **{**BASE, name: value})
    with pytest.raises(ConfigError, match=name):
        rate_recover(LLR, n=350, **{**BASE, name: value})


@pytest.mark.parametrize("e", [(200, 201), (0, 400), (), ((200, 200),), (200.0, 200.0)])
def test_bad_e_raises(e):
    with pytest.raises(ConfigError, match="e="):
        rate_match(D, **{**BASE, "e": e})


@pytest.mark.parametrize("shape", [(350,), (3, 350), (2, 349)])
def test_rate_match_wrong_d_shape(shape):
    with pytest.raises(ConfigError, match="d has shape"):
        rate_match(np.zeros(shape, np.uint8), **BASE)


def test_rate_match_bad_d_dtype():
    with pytest.raises(ConfigError, match="dtype"):
        rate_match(D.astype(np.float32), **BASE)


def test_rate_recover_bad_n():
    with pytest.raises(ConfigError, match="n="):
        rate_recover(LLR, n=351, **BASE)


def test_rate_recover_wrong_llr_shape():
    with pytest.raises(ConfigError, match="llr has shape"):
        rate_recover(np.zeros(399, np.float32), n=350, **BASE)


def test_rate_recover_bad_llr_dtype():
    with pytest.raises(ConfigError, match="llr has dtype"):
        rate_recover(LLR.astype(np.complex64), n=350, **BASE)


@pytest.mark.parametrize("buffer", [
    np.zeros((2, 349), np.float32),
    np.zeros((1, 2, 350), np.float32),
    np.zeros((2, 350), np.float64),
    [[0.0] * 350] * 2,
])
def test_rate_recover_bad_buffer(buffer):
    with pytest.raises(ConfigError, match="buffer"):
        rate_recover(LLR, n=350, buffer=buffer, **BASE)


def test_rate_recover_read_only_buffer():
    buf = np.zeros((2, 350), np.float32)
    buf.setflags(write=False)
    with pytest.raises(ConfigError, match="buffer"):
        rate_recover(LLR, n=350, buffer=buf, **BASE)


@pytest.mark.parametrize("kw,name", [
    (dict(g=400, c=2, qm=3, layers=1), "qm"),
    (dict(g=400, c=2, qm=2, layers=0), "layers"),
    (dict(g=400, c=2, qm=2, layers=5), "layers"),
    (dict(g=402, c=2, qm=4, layers=1), "g=402"),
    (dict(g=0, c=2, qm=2, layers=1), "g=0"),
    (dict(g=8, c=3, qm=2, layers=2), "g=8"),
    (dict(g=400, c=0, qm=2, layers=1), "c=0"),
])
def test_rate_match_lengths_raises(kw, name):
    with pytest.raises(ConfigError, match=name):
        rate_match_lengths(kw.pop("g"), **kw)


def test_rate_match_lengths_g_message_names_step():
    with pytest.raises(ConfigError, match=r"N_L·Q_m = 2·4 = 8"):
        rate_match_lengths(100, c=1, qm=4, layers=2)


@pytest.mark.parametrize("kw,name", [
    (dict(n=0, c=1), "n="), (dict(n=100, c=0), "c="),
    (dict(n=100, c=1, tbs_lbrm=0), "tbs_lbrm"),
    (dict(n=100, c=1, tbs_lbrm=100, r_lbrm=0), "r_lbrm"),
    (dict(n=100, c=1, tbs_lbrm=100, r_lbrm=1.5), "r_lbrm"),
])
def test_n_cb_raises(kw, name):
    with pytest.raises(ConfigError, match=name):
        n_cb(kw.pop("n"), **kw)


@pytest.mark.parametrize("kw,name", [
    (dict(rv=4, bg=1, n_cb=100, z_c=2), "rv"), (dict(rv=0, bg=0, n_cb=100, z_c=2), "bg"),
    (dict(rv=0, bg=1, n_cb=0, z_c=2), "n_cb"), (dict(rv=0, bg=1, n_cb=100, z_c=17), "z_c"),
])
def test_k0_raises(kw, name):
    with pytest.raises(ConfigError, match=name):
        k0(kw.pop("rv"), **kw)


def test_interleave_raises():
    with pytest.raises(ConfigError, match="qm"):
        bit_interleave(np.zeros(12), 5)
    with pytest.raises(ConfigError, match="multiple of Q_m"):
        bit_interleave(np.zeros(10), 4)
    with pytest.raises(ConfigError, match="multiple of Q_m"):
        bit_deinterleave(np.zeros(9), 6)
