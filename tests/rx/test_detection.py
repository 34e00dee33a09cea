"""MIMO detection per RE: LMMSE, ZF (unbiased estimates + noise variances) and max-log ML."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from nrlink.errors import ConfigError
from nrlink.rx.demapping import demap_llr
from nrlink.rx.detection import lmmse_detect, ml_detect_llr, zf_detect
from nrlink.spec.ts38211.modulation import constellation, modulate

# ----------------------------------------------------------------------- slow twins


def cn(rng, shape, var=1.0):
    """Complex Gaussian CN(0, var) of the given shape, complex128."""
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * np.sqrt(var / 2)


def twin_n0(noise_var, batch, n_rx):
    """The documented layout rule: ndim len(batch) + 1 is per antenna, fewer is per RE."""
    v = np.asarray(noise_var, dtype=np.float64)
    if v.ndim < len(batch) + 1:
        v = v[..., None]
    return np.broadcast_to(v, batch + (n_rx,))


def twin_linear(y, h, noise_var, kind):
    """np.linalg: filter G, estimate and the error variance from its definition, complex128.

    LMMSE: G = (H^H W H + I)^{-1} H^H W, x̂ = G y / μ with μ_l = (G H)_ll; ZF: G = pinv of
    the whitened channel. E|x̂_l − x_l|^2 = (Σ_k |(G H)_lk − μ_l δ_lk|^2 + Σ_r |G_lr|^2 N0_r)
    / μ_l^2 for unit-energy independent x.
    """
    y = np.asarray(y).astype(np.complex64).astype(np.complex128)
    h = np.asarray(h).astype(np.complex64).astype(np.complex128)
    batch = np.broadcast_shapes(y.shape[:-1], h.shape[:-2])
    n_rx, n_l = h.shape[-2:]
    y = np.broadcast_to(y, batch + (n_rx,))
    h = np.broadcast_to(h, batch + (n_rx, n_l))
    n0 = twin_n0(noise_var, batch, n_rx)
    s = 1 / np.sqrt(n0)
    hw = h * s[..., None]  # whitened channel
    if kind == "lmmse":
        hh = np.conj(np.swapaxes(hw, -1, -2))
        g = np.linalg.inv(hh @ hw + np.eye(n_l)) @ hh * s[..., None, :]
    else:
        g = np.linalg.pinv(hw) * s[..., None, :]
    gh = g @ h
    mu = np.diagonal(gh, axis1=-2, axis2=-1).real
    x = (g @ y[..., None])[..., 0] / mu
    resid = gh - mu[..., None] * np.eye(n_l)
    var = ((np.abs(resid) ** 2).sum(-1) + (np.abs(g) ** 2 * n0[..., None, :]).sum(-1)) / mu**2
    return x, var


def twin_ml(y, h, noise_var, qm):
    """Brute-force max-log over all joint symbol vectors, complex128: (..., n_l * qm)."""
    y = np.asarray(y).astype(np.complex64).astype(np.complex128)
    h = np.asarray(h).astype(np.complex64).astype(np.complex128)
    batch = np.broadcast_shapes(y.shape[:-1], h.shape[:-2])
    n_rx, n_l = h.shape[-2:]
    n0 = twin_n0(noise_var, batch, n_rx)
    pts = constellation(qm).astype(np.complex128)
    labels = np.array(list(itertools.product(range(pts.size), repeat=n_l)))  # (n_hyp, n_l)
    s = pts[labels]  # (n_hyp, n_l)
    hs = np.einsum("...rl,nl->...nr", h, s)  # (..., n_hyp, n_rx)
    metric = (np.abs(y[..., None, :] - hs) ** 2 / n0[..., None, :]).sum(-1)  # (..., n_hyp)
    out = np.empty(batch + (n_l * qm,))
    for lay in range(n_l):
        for k in range(qm):
            bit = (labels[:, lay] >> (qm - 1 - k)) & 1
            out[..., lay * qm + k] = (metric[..., bit == 1].min(-1)
                                      - metric[..., bit == 0].min(-1))
    return out


def noise_layout(rng, layout, batch, n_rx):
    if layout == "scalar":
        return 0.3
    if layout == "per_re":
        return rng.uniform(0.05, 1.0, batch).astype(np.float32)
    return rng.uniform(0.05, 1.0, batch + (n_rx,)).astype(np.float32)  # per antenna


def assert_linear_close(got, ref):
    x, nv = got
    x_ref, nv_ref = ref
    assert x.dtype == np.complex64 and nv.dtype == np.float32
    assert x.shape == x_ref.shape and nv.shape == nv_ref.shape
    np.testing.assert_allclose(nv, nv_ref, rtol=2e-5)
    np.testing.assert_allclose(x, x_ref, rtol=2e-5, atol=2e-6 * np.abs(x_ref).max())


def assert_llr_close(llr, ref):
    assert llr.dtype == np.float32 and llr.shape == ref.shape
    np.testing.assert_allclose(llr, ref, rtol=2e-5, atol=2e-5 * max(1.0, np.abs(ref).max()))


# ----------------------------------------------------------------- kernels vs twins

SIZES = [(1, 1), (2, 1), (8, 1), (2, 2), (3, 2), (8, 2), (3, 3), (4, 4), (8, 4), (6, 5), (8, 8)]


@pytest.mark.parametrize("layout", ["scalar", "per_re", "per_antenna"])
@pytest.mark.parametrize("kind", ["lmmse", "zf"])
@pytest.mark.parametrize(("n_rx", "n_l"), SIZES)
def test_linear_matches_twin(n_rx, n_l, kind, layout):
    rng = np.random.default_rng(1000 * n_rx + 10 * n_l + len(layout))
    batch = (3, 50)
    h = cn(rng, batch + (n_rx, n_l)).astype(np.complex64)
    y = (h @ cn(rng, batch + (n_l, 1)))[..., 0] + cn(rng, batch + (n_rx,), 0.3)
    nv = noise_layout(rng, layout, batch, n_rx)
    detect = lmmse_detect if kind == "lmmse" else zf_detect
    assert_linear_close(detect(y, h, nv), twin_linear(y, h, nv, kind))


def test_lmmse_noise_var_is_inverse_sinr():
    """N0_eff,l = 1 / SINR_l with SINR_l = 1 / [(H^H H / N0 + I)^{-1}]_ll − 1."""
    rng = np.random.default_rng(3)
    h = cn(rng, (40, 4, 3)).astype(np.complex64)
    _, nv = lmmse_detect(cn(rng, (40, 4)), h, 0.2)
    hh = h.astype(np.complex128)
    b = np.linalg.inv(np.conj(np.swapaxes(hh, -1, -2)) @ hh / 0.2 + np.eye(3))
    sinr = 1 / np.diagonal(b, axis1=-2, axis2=-1).real - 1
    np.testing.assert_allclose(nv, 1 / sinr, rtol=2e-5)


@pytest.mark.parametrize("n_l", [1, 2, 4])
def test_error_var_adds_n_layers_times_to_the_noise(n_l):
    rng = np.random.default_rng(n_l)
    h = cn(rng, (30, 4, n_l)).astype(np.complex64)
    y = cn(rng, (30, 4))
    n0 = rng.uniform(0.1, 1.0, (30, 4))  # per antenna
    ev = rng.uniform(0.0, 0.2, 30)  # per RE
    got = lmmse_detect(y, h, n0, error_var=ev)
    for a, b in zip(got, lmmse_detect(y, h, n0 + n_l * ev[:, None]), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_linear_close(got, twin_linear(y, h, n0 + n_l * ev[:, None], "lmmse"))


@pytest.mark.parametrize("n_rx", [1, 3])
def test_one_layer_lmmse_equals_zf_and_siso_is_division(n_rx):
    rng = np.random.default_rng(n_rx)
    h = cn(rng, (200, n_rx, 1)).astype(np.complex64)
    y = cn(rng, (200, n_rx)).astype(np.complex64)
    nv = rng.uniform(0.1, 1.0, 200)
    lm, zf = lmmse_detect(y, h, nv), zf_detect(y, h, nv)
    np.testing.assert_array_equal(lm[0], zf[0])
    np.testing.assert_array_equal(lm[1], zf[1])
    if n_rx == 1:
        np.testing.assert_allclose(lm[0][:, 0], y[:, 0] / h[:, 0, 0], rtol=1e-6)
        np.testing.assert_allclose(lm[1][:, 0], nv / np.abs(h[:, 0, 0]) ** 2, rtol=1e-6)


# ----------------------------------------------------------------- behaviour


@pytest.mark.parametrize(("n_rx", "n_l", "qm"), [(1, 1, 4), (2, 2, 2), (4, 2, 6), (4, 3, 4),
                                                 (4, 4, 8), (8, 6, 2)])
def test_noiseless_lmmse_and_zf_recover_x(n_rx, n_l, qm):
    rng = np.random.default_rng(n_l * qm)
    h = cn(rng, (100, n_rx, n_l)).astype(np.complex64)
    x = modulate(rng.integers(0, 2, (100, n_l * qm), dtype=np.uint8), qm)
    y = (h.astype(np.complex128) @ x[..., None])[..., 0]
    x_zf, nv_zf = zf_detect(y, h, 1e-9)
    x_lm, nv_lm = lmmse_detect(y, h, 1e-9)
    np.testing.assert_allclose(x_zf, x, atol=2e-3)
    np.testing.assert_allclose(x_lm, x, atol=2e-3)
    np.testing.assert_allclose(nv_lm, nv_zf, rtol=1e-3)  # SINR → ∞: LMMSE → ZF


@pytest.mark.parametrize("kind", ["lmmse", "zf"])
@pytest.mark.parametrize("n_l", [1, 2, 3, 4])
def test_error_variance_matches_noise_var_eff(kind, n_l):
    """x̂ − x over many draws (fixed H, Gaussian x and n): Σ|e|^2 / (N0_eff / 2) ~ χ²(2N)."""
    rng = np.random.default_rng(10 + n_l)
    n_rx, n = 4, 4000
    h = cn(rng, (n_rx, n_l)).astype(np.complex64)  # broadcast to every draw
    n0 = np.array([0.3, 0.5, 0.2, 1.0])[None, :]  # per antenna
    x = cn(rng, (n, n_l))
    y = (h.astype(np.complex128) @ x[..., None])[..., 0] + cn(rng, (n, n_rx)) * np.sqrt(n0)
    detect = lmmse_detect if kind == "lmmse" else zf_detect
    x_hat, nv = detect(y, h, n0)
    assert x_hat.shape == (n, n_l) and np.ptp(nv, axis=0).max() == 0
    stat = (np.abs(x_hat - x) ** 2).sum(0) / (nv[0] / 2)
    lo, hi = chi2.ppf(1e-6, 2 * n), chi2.isf(1e-6, 2 * n)
    assert ((stat > lo) & (stat < hi)).all(), (stat / (2 * n), lo / (2 * n), hi / (2 * n))


def test_error_var_matches_estimation_error_statistics():
    """H = ĥ + E: the extra noise E x is accounted for (mean |e|^2 within 6 sigma)."""
    rng = np.random.default_rng(5)
    n_rx, n_l, n, sig2, n0 = 4, 2, 20000, 0.05, 0.1
    h_hat = cn(rng, (n_rx, n_l))
    h_true = h_hat + cn(rng, (n, n_rx, n_l), sig2)
    x = cn(rng, (n, n_l))
    y = (h_true @ x[..., None])[..., 0] + cn(rng, (n, n_rx), n0)
    x_hat, nv = lmmse_detect(y, h_hat, n0, error_var=sig2)
    e2 = np.abs(x_hat - x) ** 2
    tol = 6 * e2.std(0) / np.sqrt(n)
    assert (np.abs(e2.mean(0) - nv[0]) < tol).all(), (e2.mean(0), nv[0])
    _, nv_blind = lmmse_detect(y, h_hat, n0)
    assert (e2.mean(0) - nv_blind[0] > tol).all()  # ignoring the error underestimates


@pytest.mark.parametrize("n_l", [2, 3])
def test_dead_layer_and_singular_zf(n_l):
    rng = np.random.default_rng(n_l)
    h = cn(rng, (5, 4, n_l)).astype(np.complex64)
    y = cn(rng, (5, 4)).astype(np.complex64)
    h[0, :, 1] = 0  # layer 1 has no channel
    h[1, :, 0] = h[1, :, 1]  # two layers the same: rank deficient
    x, nv = lmmse_detect(y, h, 0.1)
    assert x[0, 1] == 0 and nv[0, 1] == np.inf
    assert np.isfinite(nv[[0], [0]]).all() and np.isfinite(nv[1:]).all()
    x, nv = zf_detect(y, h, 0.1)
    assert (x[:2] == 0).all() and (nv[:2] == np.inf).all()
    assert np.isfinite(nv[2:]).all()
    x, nv = lmmse_detect(y[:, :1], np.zeros((5, 1, 1)), 0.1)  # SISO, h = 0
    assert (x == 0).all() and (nv == np.inf).all()


def test_batch_broadcast_and_empty():
    rng = np.random.default_rng(0)
    h = cn(rng, (7, 1, 2, 2))
    y = cn(rng, (3, 2))
    x, nv = lmmse_detect(y, h, 0.5)
    assert x.shape == nv.shape == (7, 3, 2)
    xr, nvr = lmmse_detect(np.broadcast_to(y, (7, 3, 2)), np.broadcast_to(h, (7, 3, 2, 2)), 0.5)
    np.testing.assert_array_equal(x, xr)
    np.testing.assert_array_equal(nv, nvr)
    x, nv = zf_detect(np.zeros((0, 2)), np.zeros((0, 2, 2)), 1.0)
    assert x.shape == nv.shape == (0, 2)
    assert ml_detect_llr(np.zeros((0, 3, 2)), np.zeros((2, 2)), 1.0, 4).shape == (0, 3, 8)


# ----------------------------------------------------------------- ML


@pytest.mark.parametrize("layout", ["scalar", "per_re", "per_antenna"])
@pytest.mark.parametrize("qm", [1, 2, 4])
@pytest.mark.parametrize(("n_rx", "n_l"), [(1, 1), (2, 1), (1, 2), (2, 2), (4, 2)])
def test_ml_matches_brute_force(n_rx, n_l, qm, layout):
    rng = np.random.default_rng(100 * n_rx + 10 * n_l + qm)
    batch = (2, 60)
    h = cn(rng, batch + (n_rx, n_l)).astype(np.complex64)
    x = modulate(rng.integers(0, 2, batch + (n_l * qm,), dtype=np.uint8), qm)
    y = (h @ x[..., None])[..., 0] + cn(rng, batch + (n_rx,), 0.2)
    nv = noise_layout(rng, layout, batch, n_rx)
    assert_llr_close(ml_detect_llr(y, h, nv, qm), twin_ml(y, h, nv, qm))


@pytest.mark.parametrize("qm", [2, 4])
def test_ml_one_layer_equals_demapper_of_zf(qm):
    rng = np.random.default_rng(qm)
    h = cn(rng, (300, 3, 1)).astype(np.complex64)
    y = cn(rng, (300, 3), 2.0).astype(np.complex64)
    x_zf, nv_zf = zf_detect(y, h, 0.4)
    ref = demap_llr(x_zf, qm, nv_zf).astype(np.float64)
    np.testing.assert_allclose(ml_detect_llr(y, h, 0.4, qm), ref, rtol=1e-4,
                               atol=1e-4 * np.abs(ref).max())


@pytest.mark.parametrize(("n_rx", "qm"), [(2, 4), (4, 4), (2, 2)])
def test_ml_signs_correct_at_high_snr(n_rx, qm):
    rng = np.random.default_rng(n_rx + qm)
    b = rng.integers(0, 2, (2000, 2 * qm), dtype=np.uint8)
    h = cn(rng, (2000, n_rx, 2)).astype(np.complex64)
    y = (h @ modulate(b, qm)[..., None])[..., 0] + cn(rng, (2000, n_rx), 1e-4)
    llr = ml_detect_llr(y, h, 1e-4, qm)
    np.testing.assert_array_equal((llr < 0).astype(np.uint8), b)
    x, nv = lmmse_detect(y, h, 1e-4)  # the linear chain agrees on almost all bits
    assert ((demap_llr(x, qm, nv) < 0) != b).mean() < 1e-2


# ----------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(y_batch=st.lists(st.integers(1, 3), max_size=2), n_rx=st.integers(1, 4),
       n_l=st.integers(1, 4), h_lead=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_shapes_scaling_and_layer_permutation(y_batch, n_rx, n_l, h_lead, seed):
    n_l = min(n_l, n_rx)
    rng = np.random.default_rng(seed)
    y_batch = tuple(y_batch)
    h_batch = (2,) + (1,) * len(y_batch) if h_lead else y_batch[1:]
    batch = np.broadcast_shapes(y_batch, h_batch)
    y = cn(rng, y_batch + (n_rx,)).astype(np.complex64)
    h = cn(rng, h_batch + (n_rx, n_l)).astype(np.complex64)
    x, nv = lmmse_detect(y, h, 0.5)
    assert x.shape == nv.shape == batch + (n_l,)
    # y → c y, H → c H, N0 → |c|^2 N0 changes nothing
    xs, nvs = lmmse_detect(2 * y, 2 * h, 2.0)
    np.testing.assert_allclose(xs, x, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(x).max()))
    np.testing.assert_allclose(nvs, nv, rtol=1e-4)
    # permuting the layers (columns of H) permutes the outputs
    perm = rng.permutation(n_l)
    for detect in (lmmse_detect, zf_detect):
        xa, nva = detect(y, h, 0.5)
        xp, nvp = detect(y, h[..., perm], 0.5)
        np.testing.assert_allclose(xp, xa[..., perm], rtol=1e-4,
                                   atol=1e-5 * max(1.0, np.abs(xa).max()))
        np.testing.assert_allclose(nvp, nva[..., perm], rtol=1e-4)
    if n_l <= 2:
        llr = ml_detect_llr(y, h, 0.5, 2)
        assert llr.shape == batch + (n_l * 2,) and llr.dtype == np.float32


# ----------------------------------------------------------------- validation

Y = np.zeros((4, 2), dtype=np.complex64)
H = np.ones((4, 2, 2), dtype=np.complex64)
DETECTORS = [lmmse_detect, zf_detect, lambda y, h, nv: ml_detect_llr(y, h, nv, 2)]


@pytest.mark.parametrize("detect", DETECTORS)
@pytest.mark.parametrize(("y", "h", "match"), [
    (np.complex64(1), H, "y must have at least one dimension"),
    (np.array([["a", "b"]]), H, "y has dtype"),
    (Y, np.ones(2), "h has shape"),
    (Y, np.array([[["a"]]]), "h has dtype"),
    (np.zeros((4, 3)), H, "n_rx=3"),
    (np.zeros((4, 0)), np.zeros((4, 0, 2)), "n_rx and n_layers must be"),
    (Y, np.zeros((4, 2, 0)), "n_rx and n_layers must be"),
    (np.zeros((5, 2)), H, "do not broadcast"),
])
def test_raises_on_bad_y_or_h(detect, y, h, match):
    with pytest.raises(ConfigError, match=match):
        detect(y, h, 1.0)


@pytest.mark.parametrize("detect", [lmmse_detect, zf_detect])
def test_raises_on_more_layers_than_rx_antennas(detect):
    with pytest.raises(ConfigError, match="n_layers=3 is not allowed with n_rx=2.*more layers "
                                          "than receive antennas"):
        detect(Y, np.ones((4, 2, 3)), 1.0)


@pytest.mark.parametrize("detect", DETECTORS)
@pytest.mark.parametrize(("nv", "match"), [
    (1j, "noise_var has dtype"),
    (np.ones((1, 4, 2)), "noise_var has shape"),  # too many dimensions
    (np.ones(3), "noise_var has shape.*one per RE"),
    (np.ones((4, 3)), r"noise_var has shape.*\(4, 2\) \(one per RE and receive antenna\)"),
    (0.0, "noise_var=0.0 is not allowed"),
    (np.array([1.0, -1.0, 1.0, 1.0]), "noise_var=-1.0 is not allowed"),
    (np.nan, "noise_var=nan is not allowed"),
])
def test_raises_on_bad_noise_var(detect, nv, match):
    with pytest.raises(ConfigError, match=match):
        detect(Y, H, nv)


@pytest.mark.parametrize(("ev", "match"), [
    (-0.1, "error_var=-0.1 is not allowed: error_var must be ≥ 0"),
    (np.nan, "error_var=nan"),
    (np.ones(3), "error_var has shape"),
    ("x", "error_var has dtype"),
])
def test_raises_on_bad_error_var(ev, match):
    with pytest.raises(ConfigError, match=match):
        lmmse_detect(Y, H, 1.0, error_var=ev)


@pytest.mark.parametrize(("qm", "h", "match"), [
    (3, H, "qm=3 is not allowed"),
    (6, H, "qm=6 is not allowed.*nrlink limit"),
    (4, np.ones((4, 2, 3)), "n_layers=3 is not allowed.*qm ≤ 4.*nrlink limit"),
])
def test_ml_raises_on_unsupported_configuration(qm, h, match):
    with pytest.raises(ConfigError, match=match):
        ml_detect_llr(Y, h, 1.0, qm)


def test_zero_error_var_and_infinite_noise_are_allowed():
    x, nv = lmmse_detect(Y, H, 1.0, error_var=0.0)
    assert np.isfinite(nv).all()
    nv_ant = np.array([[1.0, np.inf]])  # antenna 1 carries nothing: ignored
    x1, nv1 = lmmse_detect(Y[:, :1], H[:, :1, :1], 1.0)
    x2, nv2 = lmmse_detect(Y, H[..., :1], nv_ant)
    np.testing.assert_array_equal(nv1, nv2)
