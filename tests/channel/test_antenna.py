"""Antenna elements and panels (TR 38.901 §7.1, §7.3): pattern, polarisation, rotation, UPA."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nrlink.channel.antenna import (
    array_field,
    array_phase,
    element_gain_dbi,
    element_pattern_db,
    element_positions,
    field_gcs,
    field_lcs,
    gcs_to_lcs_angles,
    polarisation_angle,
    rotation_matrix,
    unit_vector,
)
from nrlink.config.cdl import AntennaArrayConfig

D = np.radians


def _theta_hat(t, p):
    return np.array([np.cos(t) * np.cos(p), np.cos(t) * np.sin(p), -np.sin(t)])


def _phi_hat(t, p):
    return np.array([-np.sin(p), np.cos(p), 0.0])


# --------------------------------------------------------------------------------------
# Element pattern (Table 7.3-1)


def test_max_gain_8dbi_at_boresight():
    assert element_gain_dbi(D(90.0), 0.0) == pytest.approx(8.0)
    t, p = np.meshgrid(np.linspace(0, np.pi, 91), np.linspace(-np.pi, np.pi, 181))
    assert element_gain_dbi(t, p).max() == pytest.approx(8.0)


@pytest.mark.parametrize("theta_deg, phi_deg", [(90.0, 32.5), (90.0, -32.5), (57.5, 0.0),
                                                (122.5, 0.0)])
def test_minus_3db_at_half_beamwidth(theta_deg, phi_deg):
    assert element_pattern_db(D(theta_deg), D(phi_deg)) == pytest.approx(-3.0)


def test_pattern_floors():
    # behind the panel the front-back ratio A_max = 30 dB limits the attenuation
    assert element_pattern_db(D(90.0), D(180.0)) == pytest.approx(-30.0)
    # straight up: vertical cut −min{12·(90/65)², SLA_V} (23.0 dB, below the 30 dB limit)
    assert element_pattern_db(0.0, 0.0) == pytest.approx(-12 * (90 / 65) ** 2)
    # 3-D combination −min{−(A_V + A_H), A_max} saturates at 30 dB
    assert element_pattern_db(0.0, D(100.0)) == pytest.approx(-30.0)
    assert element_gain_dbi(D(90.0), D(180.0)) == pytest.approx(-22.0)


def test_omni_is_isotropic():
    t, p = np.meshgrid(np.linspace(0, np.pi, 7), np.linspace(-np.pi, np.pi, 9))
    np.testing.assert_array_equal(element_gain_dbi(t, p, "omni"), 0.0)


def test_pattern_symmetric_in_azimuth():
    p = np.linspace(0, np.pi, 50)
    np.testing.assert_allclose(element_pattern_db(D(70.0), p), element_pattern_db(D(70.0), -p))


# --------------------------------------------------------------------------------------
# Polarisation (§7.3.2 model 2) and LCS → GCS (§7.1.3)


def test_field_lcs_slant_geometry():
    amp = np.sqrt(10 ** 0.8)  # boresight, 8 dBi
    ft, fp = field_lcs(D(90.0), 0.0, 0.0)
    assert (ft, fp) == (pytest.approx(amp), pytest.approx(0.0))
    ft, fp = field_lcs(D(90.0), 0.0, D(45.0))
    assert ft == pytest.approx(amp / np.sqrt(2)) and fp == pytest.approx(amp / np.sqrt(2))
    ft, fp = field_lcs(D(90.0), 0.0, D(-45.0))
    assert fp == pytest.approx(-ft)


def test_panel_slant_equals_polarisation_slant_at_boresight():
    # rotating a vertical element by γ about the boresight (x) equals a slant ζ = γ
    for g in (30.0, 45.0, -45.0):
        rotated = field_gcs(D(90.0), 0.0, (0.0, 0.0, D(g)), 0.0)
        slanted = field_gcs(D(90.0), 0.0, (0.0, 0.0, 0.0), D(g))
        np.testing.assert_allclose(rotated, slanted, atol=1e-12)


def test_downtilt_moves_the_beam():
    # β = 10° downtilt: the maximum is at θ = 100° in the GCS
    ft, fp = field_gcs(D(100.0), 0.0, (0.0, D(10.0), 0.0), 0.0)
    assert ft**2 + fp**2 == pytest.approx(10 ** 0.8)


def test_bearing_moves_the_beam():
    ft, fp = field_gcs(D(90.0), D(60.0), (D(60.0), 0.0, 0.0), 0.0)
    assert ft**2 + fp**2 == pytest.approx(10 ** 0.8)


def test_rotation_matrix_orthonormal():
    r = rotation_matrix(0.3, -0.7, 1.1)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-14)
    assert np.linalg.det(r) == pytest.approx(1.0)
    np.testing.assert_allclose(rotation_matrix(0, 0, 0), np.eye(3))


angles = st.floats(-np.pi, np.pi, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a=angles, b=angles, g=angles, t=st.floats(0.01, np.pi - 0.01), p=angles)
def test_closed_forms_equal_vector_rotation(a, b, g, t, p):
    """Eq. 7.1-7/7.1-8/7.1-15 against the vector form ρ̂' = Rᵀρ̂, cos ψ = θ̂ᵀRθ̂'."""
    r = rotation_matrix(a, b, g)
    local = r.T @ unit_vector(t, p)
    tp, pp = gcs_to_lcs_angles(t, p, a, b, g)
    assume(0.01 < tp < np.pi - 0.01)  # φ' and ψ are undefined at the LCS poles
    np.testing.assert_allclose(unit_vector(tp, pp), local, atol=1e-9)
    th_l, ph_l = _theta_hat(tp, pp), _phi_hat(tp, pp)
    psi = polarisation_angle(t, p, a, b, g)
    # cos ψ = θ̂ᵀRθ̂', sin ψ = φ̂ᵀRθ̂', −sin ψ = θ̂ᵀRφ̂'  (eq. 7.1-11)
    assert _theta_hat(t, p) @ r @ th_l == pytest.approx(np.cos(psi), abs=1e-9)
    assert _phi_hat(t, p) @ r @ th_l == pytest.approx(np.sin(psi), abs=1e-9)
    assert _theta_hat(t, p) @ r @ ph_l == pytest.approx(-np.sin(psi), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(a=angles, b=angles, g=angles, t=st.floats(0.0, np.pi), p=angles,
       z=st.floats(-np.pi / 2, np.pi / 2))
def test_rotation_preserves_power(a, b, g, t, p, z):
    ft, fp = field_gcs(t, p, (a, b, g), z)
    tp, pp = gcs_to_lcs_angles(t, p, a, b, g)
    assert ft**2 + fp**2 == pytest.approx(10 ** (element_gain_dbi(tp, pp) / 10), rel=1e-9)


# --------------------------------------------------------------------------------------
# Uniform planar array (§7.3) and r̂ (eq. 7.5-23)


def test_unit_vector_known_values():
    np.testing.assert_allclose(unit_vector(D(90.0), 0.0), [1, 0, 0], atol=1e-15)
    np.testing.assert_allclose(unit_vector(D(90.0), D(90.0)), [0, 1, 0], atol=1e-15)
    np.testing.assert_allclose(unit_vector(0.0, 1.0), [0, 0, 1], atol=1e-15)
    u = unit_vector(np.random.default_rng(0).uniform(0, 3, (4, 5)), 1.0)
    np.testing.assert_allclose(np.linalg.norm(u, axis=-1), 1.0)


def test_upa_positions_and_order():
    a = AntennaArrayConfig(num_rows=2, num_cols=3, polarization="cross", spacing_v=0.7,
                           spacing_h=0.5)
    d = element_positions(a)
    assert d.shape == (12, 3)
    for k in range(12):  # k = p·(M·N) + n·M + m
        p, n, m = k // 6, (k // 2) % 3, k % 2
        np.testing.assert_allclose(d[k], [0.0, 0.5 * n, 0.7 * m])
        assert a.slant_angles_deg[p] == (45.0 if k < 6 else -45.0)
    np.testing.assert_array_equal(d[:6], d[6:])  # co-located polarisations


def test_upa_positions_rotate_with_bearing():
    a = AntennaArrayConfig(num_cols=2, orientation_deg=(90.0, 0.0, 0.0))
    np.testing.assert_allclose(element_positions(a, gcs=True), [[0, 0, 0], [-0.5, 0, 0]],
                               atol=1e-15)


def test_array_phase_broadside_and_endfire():
    a = AntennaArrayConfig(num_rows=2, num_cols=4, spacing_h=0.5)
    np.testing.assert_allclose(array_phase(a, D(90.0), 0.0), 1.0)  # broadside: in phase
    endfire = array_phase(a, D(90.0), D(90.0))  # along +y: 2π·n·d_H
    n = (np.arange(8) // 2) % 4
    np.testing.assert_allclose(endfire, np.exp(1j * np.pi * n), atol=1e-12)


def test_array_field_maps_polarisations_to_elements():
    a = AntennaArrayConfig(num_cols=2, polarization="cross", element="38.901")
    t, p = np.array([D(80.0), D(95.0)]), np.array([D(10.0), D(-40.0)])
    f = array_field(a, t, p)
    assert f.shape == (2, 4, 2)
    for k, z in enumerate((45.0, 45.0, -45.0, -45.0)):
        np.testing.assert_allclose(f[:, k], np.stack(field_gcs(t, p, (0, 0, 0), D(z)), -1))
