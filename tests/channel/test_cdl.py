"""CDL channel (TR 38.901 §7.7.1 with §7.5 steps 10-11, §7.7.3, §7.7.5.1, §7.7.6).

Statistical tests use fixed seeds; their tolerances are 5 standard deviations of the
estimated mean, derived from the number of realisations K (comments give the variance).
"""

import numpy as np
import pytest

from nrlink.channel.antenna import element_positions, field_gcs, unit_vector
from nrlink.channel.cdl import (
    NUM_RAYS,
    RAY_OFFSETS,
    CdlChannel,
    CdlRealisation,
    cdl_profile,
    circular_angle_stats,
)
from nrlink.config.cdl import CDL_MODELS, AntennaArrayConfig, CdlConfig
from nrlink.errors import ConfigError
from nrlink.spec.tables import tr38901_table

D = np.radians
SYMBOL_TIMES = np.arange(14) * (1e-3 / 14)  # 14 symbols of a 15 kHz slot


def _table_powers(model):
    p = 10 ** (np.asarray(tr38901_table(model)["powers"]) / 10)
    return p / p.sum()


# --------------------------------------------------------------------------------------
# Table 7.5-3 and the deterministic profile


def test_ray_offsets_table_7_5_3():
    expected = [0.0447, 0.1413, 0.2492, 0.3715, 0.5129, 0.6797, 0.8844, 1.1481, 1.5195, 2.1551]
    assert RAY_OFFSETS.size == NUM_RAYS == 20
    np.testing.assert_array_equal(np.sort(RAY_OFFSETS[RAY_OFFSETS > 0]), expected)
    np.testing.assert_array_equal(np.sort(-RAY_OFFSETS[RAY_OFFSETS < 0]), expected)
    assert RAY_OFFSETS.sum() == pytest.approx(0.0, abs=1e-12)
    assert np.sqrt(np.mean(RAY_OFFSETS**2)) == pytest.approx(1.0, abs=1e-4)  # rms 1


@pytest.mark.parametrize("model", CDL_MODELS)
def test_profile_delays_and_powers(model):
    t = tr38901_table(model)
    prof = cdl_profile(CdlConfig(model=model, delay_spread_ns=300.0))
    np.testing.assert_allclose(prof.delays, np.asarray(t["delays"]) * 300e-9)  # §7.7.3
    np.testing.assert_allclose(prof.powers, _table_powers(model))
    assert prof.powers.sum() == pytest.approx(1.0)
    assert prof.has_los == bool(t["los"])
    assert prof.num_clusters == len(t["powers"]) - int(t["los"])
    assert prof.xpr_db == t["xpr"]


@pytest.mark.parametrize("model", CDL_MODELS)
def test_profile_ray_angles_step_1(model):
    """φ_n,m = φ_n + c_AS·α_m (eq. 7.7-0a..d) for the non-LoS clusters."""
    t = tr38901_table(model)
    prof = cdl_profile(CdlConfig(model=model))
    first = int(t["los"])
    for key, c in (("aod", "cASD"), ("aoa", "cASA"), ("zod", "cZSD"), ("zoa", "cZSA")):
        want = np.asarray(t[key])[first:, None] + t[c] * RAY_OFFSETS
        if key in ("aod", "aoa"):
            want = (want + 180) % 360 - 180
        np.testing.assert_allclose(getattr(prof, key), want, atol=1e-12)
    if first:
        assert prof.los_angles == tuple(float(t[k][0]) for k in ("aod", "aoa", "zod", "zoa"))


def test_uplink_swaps_departure_and_arrival():
    dl = cdl_profile(CdlConfig(model="CDL-E"))
    ul = cdl_profile(CdlConfig(model="CDL-E", link_direction="uplink"))
    for a, b in (("aod", "aoa"), ("aoa", "aod"), ("zod", "zoa"), ("zoa", "zod")):
        np.testing.assert_array_equal(getattr(ul, a), getattr(dl, b))
    assert ul.los_angles == (dl.los_angles[1], dl.los_angles[0], dl.los_angles[3],
                             dl.los_angles[2])
    assert dl.ue_is_rx and not ul.ue_is_rx


@pytest.mark.parametrize("model, k_db", [("CDL-D", 0.0), ("CDL-D", 20.0), ("CDL-E", 5.0)])
def test_k_factor_scaling(model, k_db):
    """§7.7.6: only the non-LoS powers move, K becomes K_desired, the rms DS stays DS."""
    prof = cdl_profile(CdlConfig(model=model, k_factor_db=k_db, delay_spread_ns=100.0))
    p = prof.powers
    assert 10 * np.log10(p[0] / p[1:].sum()) == pytest.approx(k_db)
    assert prof.k_factor_db == k_db
    p0 = _table_powers(model)
    np.testing.assert_allclose(p[1:] / p[1], p0[1:] / p0[1])
    mean = np.sum(p * prof.delays)
    rms = np.sqrt(np.sum(p * prof.delays**2) - mean**2)
    assert rms == pytest.approx(100e-9, rel=1e-9)
    # without the override the table's own K-factor is reported
    t = tr38901_table(model)
    k_model = t["powers"][0] - 10 * np.log10(np.sum(10 ** (np.asarray(t["powers"][1:]) / 10)))
    assert cdl_profile(CdlConfig(model=model)).k_factor_db == pytest.approx(k_model)


def test_angle_scaling_follows_eq_7_7_5():
    """φ_scaled = (AS_desired/AS_model)(φ − μ_model) + μ_desired on every ray."""
    des_as, des_mu = (5.0, 20.0, 2.0, 4.0), (10.0, -170.0, 95.0, 85.0)
    base = cdl_profile(CdlConfig(model="CDL-C"))
    scaled = cdl_profile(CdlConfig(model="CDL-C", angle_spreads_deg=des_as,
                                   mean_angles_deg=des_mu))
    w = np.repeat(base.powers / NUM_RAYS, NUM_RAYS)
    for i, key in enumerate(("aod", "aoa", "zod", "zoa")):
        mu, as_model = circular_angle_stats(getattr(base, key).ravel(), w)
        dev = (getattr(base, key) - mu + 180) % 360 - 180
        want = des_as[i] / as_model * dev + des_mu[i]
        got = getattr(scaled, key)
        np.testing.assert_allclose(np.exp(1j * D(got)), np.exp(1j * D(want)), atol=1e-12)
        # the linear scaling of eq. 7.7-5 reaches the desired circular spread to ~5 %
        _, as_new = circular_angle_stats(got.ravel(), w)
        assert as_new == pytest.approx(des_as[i], rel=0.05)


def test_mean_angle_only_shifts():
    base = cdl_profile(CdlConfig(model="CDL-B"))
    shifted = cdl_profile(CdlConfig(model="CDL-B", mean_angles_deg=(0.0, 0.0, 90.0, 90.0)))
    w = np.repeat(base.powers / NUM_RAYS, NUM_RAYS)
    mu, _ = circular_angle_stats(base.aod.ravel(), w)
    np.testing.assert_allclose(np.exp(1j * D(shifted.aod)), np.exp(1j * D(base.aod - mu)),
                               atol=1e-12)
    assert np.all((shifted.zod >= 0) & (shifted.zod <= 180))


# --------------------------------------------------------------------------------------
# Realisations: steps 1-2 (angles and coupling)


def test_realised_cluster_mean_and_spread():
    """Equal-power rays: mean = the table's cluster angle, rms spread = c_AS·rms(α_m)."""
    t = tr38901_table("CDL-A")
    r = CdlChannel(CdlConfig(model="CDL-A")).realise(3, rng=np.random.default_rng(1))
    for key, c in (("aod", "cASD"), ("aoa", "cASA"), ("zod", "cZSD"), ("zoa", "cZSA")):
        rays = getattr(r, key)  # (3, 23, 20)
        table = np.asarray(t[key])[None, :, None]
        dev = (rays - table + 180) % 360 - 180
        np.testing.assert_allclose(dev.mean(axis=-1), 0.0, atol=1e-9)
        rms = np.sqrt((dev**2).mean(axis=-1))
        np.testing.assert_allclose(rms, t[c] * np.sqrt(np.mean(RAY_OFFSETS**2)), rtol=1e-12)


def test_coupling_is_a_random_permutation_per_cluster():
    ch = CdlChannel(CdlConfig(model="CDL-B"))
    r = ch.realise(50, rng=np.random.default_rng(2))
    for key in ("aod", "aoa", "zod", "zoa"):
        want = np.sort(getattr(ch.profile, key), axis=-1)
        np.testing.assert_array_equal(np.sort(getattr(r, key), axis=-1),
                                      np.broadcast_to(want, r.aod.shape))
    np.testing.assert_array_equal(r.aod, np.broadcast_to(ch.profile.aod, r.aod.shape))
    order = {k: np.argsort(np.argsort(getattr(r, k), axis=-1), axis=-1)
             for k in ("aod", "aoa", "zod", "zoa")}
    # AOA, ZOD and ZOA orders differ from the AOD order and from each other almost always
    for a, b in (("aod", "aoa"), ("aod", "zod"), ("zod", "zoa"), ("aoa", "zoa")):
        same = np.all(order[a] == order[b], axis=-1)
        assert same.mean() < 0.01
    assert not np.array_equal(order["aoa"][0], order["aoa"][1])


# --------------------------------------------------------------------------------------
# Step 4: coefficients against a slow, literal evaluation of eq. 7.5-22 / 7.5-29


def _slow_cir(real: CdlRealisation, times):
    cfg, prof = real.config, real.profile
    tx, rx = cfg.tx_array, cfg.rx_array
    d_tx, d_rx = element_positions(tx, gcs=True), element_positions(rx, gcs=True)
    o_tx, o_rx = D(tx.orientation_deg), D(rx.orientation_deg)
    v = cfg.max_doppler_hz * unit_vector(D(cfg.ue_direction_deg[1]), D(cfg.ue_direction_deg[0]))
    k = 10 ** (-prof.xpr_db / 20)
    first = int(prof.has_los)
    out = np.zeros((real.batch_size, rx.num_elements, tx.num_elements, prof.powers.size,
                    len(times)), dtype=complex)

    def fields(arr, orient, theta, phi):
        pol = np.arange(arr.num_elements) // (arr.num_rows * arr.num_cols)
        return [np.array(field_gcs(theta, phi, orient, D(arr.slant_angles_deg[p]),
                                   arr.element)) for p in pol]

    def term(tha, pha, thd, phd, polm, power, nu):
        f_rx, f_tx = fields(rx, o_rx, tha, pha), fields(tx, o_tx, thd, phd)
        val = np.zeros((rx.num_elements, tx.num_elements, len(times)), dtype=complex)
        for u in range(rx.num_elements):
            for s in range(tx.num_elements):
                loc = np.exp(2j * np.pi * (unit_vector(tha, pha) @ d_rx[u]
                                           + unit_vector(thd, phd) @ d_tx[s]))
                val[u, s] = (np.sqrt(power) * (f_rx[u] @ polm @ f_tx[s]) * loc
                             * np.exp(2j * np.pi * nu * np.asarray(times)))
        return val

    for b in range(real.batch_size):
        for n in range(prof.num_clusters):
            for m in range(NUM_RAYS):
                tha, pha = D(real.zoa[b, n, m]), D(real.aoa[b, n, m])
                thd, phd = D(real.zod[b, n, m]), D(real.aod[b, n, m])
                ph = real.initial_phases[b, n, m]
                polm = np.array([[np.exp(1j * ph[0, 0]), k * np.exp(1j * ph[0, 1])],
                                 [k * np.exp(1j * ph[1, 0]), np.exp(1j * ph[1, 1])]])
                ue = (tha, pha) if prof.ue_is_rx else (thd, phd)
                nu = unit_vector(*ue) @ v
                out[b, :, :, first + n] += term(tha, pha, thd, phd, polm,
                                                prof.powers[first + n] / NUM_RAYS, nu)
        if first:
            aod, aoa, zod, zoa = D(prof.los_angles)
            ue = (zoa, aoa) if prof.ue_is_rx else (zod, aod)
            out[b, :, :, 0] = term(zoa, aoa, zod, aod, np.diag([1.0, -1.0]), prof.powers[0],
                                   unit_vector(*ue) @ v)
    return out


@pytest.mark.parametrize("direction", ["downlink", "uplink"])
def test_coefficients_equal_slow_twin(direction):
    cfg = CdlConfig(
        model="CDL-D", delay_spread_ns=30.0, ue_speed_mps=30.0, carrier_frequency_hz=4e9,
        ue_direction_deg=(40.0, 70.0), link_direction=direction,
        tx_array=AntennaArrayConfig(num_rows=1, num_cols=2, polarization="cross",
                                    element="38.901", orientation_deg=(20.0, 10.0, 5.0)),
        rx_array=AntennaArrayConfig(polarization="cross", orientation_deg=(180.0, 0.0, 0.0)),
    )
    r = CdlChannel(cfg).realise(2, rng=np.random.default_rng(3))
    times = np.array([0.0, 2.5e-4, 1e-3])
    got = r.cir(times).coefficients
    assert got.shape == (2, 2, 4, 14, 3)
    want = _slow_cir(r, times)
    np.testing.assert_allclose(got, want, atol=2e-6 * np.abs(want).max())


@pytest.mark.parametrize("direction", ["downlink", "uplink"])
def test_ray_doppler_eq_7_5_25(direction):
    cfg = CdlConfig(model="CDL-B", doppler_hz=120.0, ue_direction_deg=(-30.0, 80.0),
                    link_direction=direction)
    r = CdlChannel(cfg).realise(4, rng=np.random.default_rng(4))
    th, ph = (r.zoa, r.aoa) if direction == "downlink" else (r.zod, r.aod)
    th, ph, tv, pv = D(th), D(ph), D(80.0), D(-30.0)
    cos_angle = (np.sin(th) * np.cos(ph) * np.sin(tv) * np.cos(pv)
                 + np.sin(th) * np.sin(ph) * np.sin(tv) * np.sin(pv) + np.cos(th) * np.cos(tv))
    np.testing.assert_allclose(r.ray_doppler_hz, 120.0 * cos_angle, atol=1e-9)
    assert np.abs(r.ray_doppler_hz).max() <= 120.0


@pytest.mark.parametrize("model, direction", [("CDL-D", "downlink"), ("CDL-E", "downlink"),
                                              ("CDL-D", "uplink")])
@pytest.mark.parametrize("ue_dir", [(0.0, 90.0), (135.0, 60.0), (-90.0, 90.0)])
def test_los_phase_rotates_at_doppler(model, direction, ue_dir):
    """LoS path: arg a(t)/a(0) = 2π f_D cos∠(r̂_UE,LOS, v̄) t (eq. 7.5-29)."""
    t = tr38901_table(model)
    fd = 3.0 / (299_792_458.0 / 3.5e9)  # 3 m/s at 3.5 GHz
    cfg = CdlConfig(model=model, ue_speed_mps=3.0, ue_direction_deg=ue_dir,
                    link_direction=direction)
    times = np.linspace(0.0, 0.02, 41)
    a = CdlChannel(cfg).cir(1, times, rng=np.random.default_rng(5)).coefficients[0, 0, 0, 0]
    # r̂ at the UE towards the LoS: the table's ZOA/AOA in both link directions
    r_ue = unit_vector(D(t["zoa"][0]), D(t["aoa"][0]))
    v_hat = unit_vector(D(ue_dir[1]), D(ue_dir[0]))
    nu = fd * float(r_ue @ v_hat)
    dphi = np.angle(a * np.conj(a[0]) * np.exp(-2j * np.pi * nu * times))
    np.testing.assert_allclose(dphi, 0.0, atol=1e-5)
    assert np.abs(a) == pytest.approx(np.sqrt(_table_powers(model)[0]), rel=1e-6)


def test_static_channel_is_constant_in_time():
    a = CdlChannel(CdlConfig(model="CDL-C")).cir(2, SYMBOL_TIMES,
                                                 rng=np.random.default_rng(6)).coefficients
    np.testing.assert_allclose(a, np.broadcast_to(a[..., :1], a.shape), rtol=0, atol=1e-6)


# --------------------------------------------------------------------------------------
# Powers (normalisation)


def test_per_cluster_powers_match_table():
    """E|a_n|² = P_n per antenna pair (isotropic single-polarised elements).

    |Σ_m e^{jΦ_m}|²/M has mean 1 and variance 1 − 1/M, so the mean over K realisations has
    σ ≤ √((1 − 1/M)/K) relative to P_n (the 4 antenna pairs are correlated: not counted).
    """
    k = 3000
    cfg = CdlConfig(model="CDL-C", tx_array=AntennaArrayConfig(num_cols=2),
                    rx_array=AntennaArrayConfig(num_rows=2))
    a = CdlChannel(cfg).cir(k, [0.0], rng=np.random.default_rng(7)).coefficients
    est = np.mean(np.abs(a) ** 2, axis=(0, 1, 2, 4))
    tol = 5 * np.sqrt((1 - 1 / NUM_RAYS) / k)
    np.testing.assert_allclose(est / _table_powers("CDL-C"), 1.0, atol=tol)


@pytest.mark.slow
@pytest.mark.parametrize("model", CDL_MODELS)
def test_per_cluster_powers_all_models_long(model):
    """As above with K = 20000 realisations (σ ≤ √((1 − 1/M)/K) ≈ 0.7 % of P_n)."""
    k = 20000
    a = CdlChannel(CdlConfig(model=model)).cir(k, [0.0], rng=np.random.default_rng(17)).coefficients
    est = np.mean(np.abs(a[:, 0, 0, :, 0]) ** 2, axis=0)
    np.testing.assert_allclose(est / _table_powers(model), 1.0,
                               atol=5 * np.sqrt((1 - 1 / NUM_RAYS) / k))


@pytest.mark.parametrize("model", CDL_MODELS)
def test_omni_total_power_is_one(model):
    """Σ_n |a_n|² averages to 1; Var = Σ_n P_n²(1 − 1/M) over the non-LoS clusters."""
    k = 2000
    p = _table_powers(model)
    first = int(tr38901_table(model)["los"])
    a = CdlChannel(CdlConfig(model=model)).cir(k, [0.0], rng=np.random.default_rng(8)).coefficients
    total = np.sum(np.abs(a[:, 0, 0, :, 0]) ** 2, axis=-1)
    sigma = np.sqrt(np.sum(p[first:] ** 2) * (1 - 1 / NUM_RAYS) / k)
    assert total.mean() == pytest.approx(1.0, abs=5 * sigma)


def test_cross_polarised_pair_power():
    """±45° omni on both sides: every pair gets (1 + 1/κ)/2 (κ = 10^(XPR/10)).

    A ray's polarisation term is a sum of 4 random-phase components, the cluster sum is
    close to complex Gaussian: Var(total) ≈ q² Σ P_n², q = (1 + 1/κ)/2.
    """
    k = 2000
    arr = AntennaArrayConfig(polarization="cross")
    a = CdlChannel(CdlConfig(model="CDL-C", tx_array=arr, rx_array=arr)).cir(
        k, [0.0], rng=np.random.default_rng(9)).coefficients
    q = (1 + 10 ** (-0.7)) / 2  # CDL-C: XPR = 7 dB
    sigma = q * np.sqrt(np.sum(_table_powers("CDL-C") ** 2) / k)
    total = np.sum(np.abs(a[..., 0]) ** 2, axis=-1).mean(axis=0)  # (2, 2)
    np.testing.assert_allclose(total, q, atol=5 * sigma)


def test_directional_element_gain_on_los():
    """LoS path through 38.901 elements pointed at each other: |a|² = P_LOS·G_tx·G_rx."""
    t = tr38901_table("CDL-D")
    bs = AntennaArrayConfig(element="38.901", orientation_deg=(t["aod"][0], t["zod"][0] - 90, 0))
    ue = AntennaArrayConfig(element="38.901", orientation_deg=(t["aoa"][0], t["zoa"][0] - 90, 0))
    a = CdlChannel(CdlConfig(model="CDL-D", tx_array=bs, rx_array=ue)).cir(
        1, [0.0], rng=np.random.default_rng(10)).coefficients
    assert abs(a[0, 0, 0, 0, 0]) ** 2 == pytest.approx(_table_powers("CDL-D")[0] * 10**1.6)


# --------------------------------------------------------------------------------------
# API: reproducibility, continuity, validation


def test_reproducible_with_seed():
    ch = CdlChannel(CdlConfig(model="CDL-A", doppler_hz=50.0,
                              rx_array=AntennaArrayConfig(polarization="cross")))
    a = ch.cir(3, SYMBOL_TIMES, rng=np.random.default_rng(11)).coefficients
    b = ch.cir(3, SYMBOL_TIMES, rng=np.random.default_rng(11)).coefficients
    c = ch.cir(3, SYMBOL_TIMES, rng=np.random.default_rng(12)).coefficients
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_continuity_across_windows():
    ch = CdlChannel(CdlConfig(model="CDL-E", doppler_hz=300.0,
                              tx_array=AntennaArrayConfig(num_cols=2, polarization="cross")))
    r = ch.realise(2, rng=np.random.default_rng(13))
    t1, t2 = SYMBOL_TIMES, SYMBOL_TIMES + 1e-3
    whole = r.cir(np.concatenate([t1, t2]))
    parts = np.concatenate([r.cir(t1).coefficients, r.cir(t2).coefficients], axis=-1)
    # equal up to the float32 rounding of the ray sum (BLAS blocks the time axis differently)
    np.testing.assert_allclose(parts, whole.coefficients, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(whole.delays, ch.delays)
    # the channel changes smoothly: one symbol apart is much closer than the window apart
    step = np.abs(np.diff(whole.coefficients, axis=-1)).max()
    assert step < 0.2 * np.abs(whole.coefficients).max()


def test_channel_cir_equals_realise_then_cir():
    ch = CdlChannel(CdlConfig(model="CDL-B", doppler_hz=10.0))
    a = ch.cir(2, SYMBOL_TIMES, rng=np.random.default_rng(14))
    b = ch.realise(2, rng=np.random.default_rng(14)).cir(SYMBOL_TIMES)
    np.testing.assert_array_equal(a.coefficients, b.coefficients)
    assert a.coefficients.dtype == np.complex64 and a.batch_size == 2


def test_shapes_for_4x4_cdl_c():
    bs = AntennaArrayConfig(num_rows=2, polarization="cross", element="38.901")
    ue = AntennaArrayConfig(num_cols=2, polarization="cross")
    ch = CdlChannel(CdlConfig(model="CDL-C", tx_array=bs, rx_array=ue, ue_speed_mps=3.0))
    r = ch.realise(5, rng=np.random.default_rng(15))
    assert (r.batch_size, r.num_rx, r.num_tx, ch.num_rx, ch.num_tx) == (5, 4, 4, 4, 4)
    cir = r.cir(SYMBOL_TIMES)
    assert cir.coefficients.shape == (5, 4, 4, 24, 14)
    assert r.initial_phases.shape == (5, 24, NUM_RAYS, 2, 2)
    assert np.all(np.abs(r.initial_phases) <= np.pi)


def test_config_type_checked():
    with pytest.raises(ConfigError, match="config"):
        CdlChannel({"model": "CDL-A"})


@pytest.mark.parametrize("value", [0, -1, 2.0, True])
def test_batch_size_positive_int(value):
    with pytest.raises(ConfigError, match="batch_size"):
        CdlChannel(CdlConfig()).realise(value, rng=np.random.default_rng(0))


@pytest.mark.parametrize("rng", ["seed", -1, 1.5, None, 21])
def test_rng_must_be_a_generator(rng):
    with pytest.raises(ConfigError, match="rng=.*numpy.random.Generator"):
        CdlChannel(CdlConfig()).realise(1, rng=rng)


@pytest.mark.parametrize("times", [[], [[0.0, 1.0]], [0.0, 0.0], [1.0, 0.5], [0.0, np.nan]])
def test_times_one_dimensional_increasing(times):
    r = CdlChannel(CdlConfig()).realise(1, rng=np.random.default_rng(0))
    with pytest.raises(ConfigError, match="times"):
        r.cir(times)


def test_aliased_doppler_raises():
    """A Doppler so high the fading is aliased at the sampling of ``times`` is refused."""
    r = CdlChannel(CdlConfig(doppler_hz=600.0)).realise(1, rng=np.random.default_rng(0))
    with pytest.raises(ConfigError, match="aliased"):
        r.cir(np.arange(4) * 1e-3)  # Nyquist 500 Hz
    r.cir(np.arange(4) * 0.5e-3)  # Nyquist 1 kHz
