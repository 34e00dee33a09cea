"""Numba kernels of :mod:`nrlink.rx.detection` (no validation; see that module).

Every kernel loops over the resource elements (REs) i of flat arrays:

* ``y`` (n_re, n_rx) complex64, ``h`` (n_re, n_rx, n_layers) complex64;
* ``nv`` flat float64 noise variances, N0 of RE i and receive antenna r at
  ``nv[i * re_step + r * ant_step]`` (steps 0/0: one for all, 1/0: one per RE,
  n_rx/1: one per RE and antenna).

The receive antennas are whitened (weight w_r = 1/N0_r), so the kernels work with
the Gram matrix A = H^H W H and the matched-filter output z = H^H W y, W = diag(w_r),
in float64 (complex128). ``reg`` is 1 for LMMSE (M = A + I, unit-energy symbols) and
0 for ZF (M = A).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: ZF treats an RE as singular when a Cholesky pivot of A is at most _ZF_TOL times its
#: diagonal entry (relative loss of rank, far above the float64 rounding of A).
_ZF_TOL = 1e-12


@njit(cache=True, error_model="numpy")
def _one_layer_kernel(y, h, nv, re_step, ant_step, x, nv_eff):  # pragma: no cover - jitted
    """One layer (LMMSE = ZF after unbiasing): x = z / a, N0_eff = 1 / a, a = h^H W h."""
    n_re, n_rx = y.shape
    for i in range(n_re):
        a = 0.0
        zr = 0.0
        zi = 0.0
        for r in range(n_rx):
            w = 1.0 / nv[i * re_step + r * ant_step]
            hr = np.float64(h[i, r, 0].real)
            hi = np.float64(h[i, r, 0].imag)
            yr = np.float64(y[i, r].real)
            yi = np.float64(y[i, r].imag)
            a += w * (hr * hr + hi * hi)
            zr += w * (hr * yr + hi * yi)  # conj(h) y
            zi += w * (hr * yi - hi * yr)
        if a > 0.0:
            inv = 1.0 / a
            x[i, 0] = complex(zr * inv, zi * inv)
            nv_eff[i, 0] = inv
        else:
            x[i, 0] = 0.0
            nv_eff[i, 0] = np.inf


@njit(cache=True, error_model="numpy")
def _siso_kernel(y, h, nv, re_step, x, nv_eff):  # pragma: no cover - jitted
    """One layer, one receive antenna: x = y / h, N0_eff = N0 / |h|^2 (0 and inf if h = 0)."""
    n_re = y.shape[0]
    for i in range(n_re):
        hr = np.float64(h[i, 0, 0].real)
        hi = np.float64(h[i, 0, 0].imag)
        yr = np.float64(y[i, 0].real)
        yi = np.float64(y[i, 0].imag)
        e = hr * hr + hi * hi
        inv = 1.0 / e if e > 0.0 else 0.0
        x[i, 0] = complex((hr * yr + hi * yi) * inv, (hr * yi - hi * yr) * inv)
        nv_eff[i, 0] = nv[i * re_step] / e  # inf where h = 0


@njit(cache=True, error_model="numpy")
def _two_layer_kernel(y, h, nv, re_step, ant_step, reg, x, nv_eff):  # pragma: no cover
    """Two layers in closed form, with A = [[a, b], [b*, d]] and ρ = ``reg``.

    x_1 = ((d + ρ) z_1 − b z_2) / (a (d + ρ) − |b|^2), N0_eff,1 = (d + ρ) / (a (d + ρ) − |b|^2)
    and symmetrically for layer 2 (LMMSE, ρ = 1: the unbiased estimate (B z)_l / (1 − B_ll),
    B = (A + I)^{-1}; ZF, ρ = 0: A^{-1} z and [A^{-1}]_ll).
    """
    n_re, n_rx = y.shape
    for i in range(n_re):
        a = 0.0
        d = 0.0
        br = 0.0
        bi = 0.0
        z1r = 0.0
        z1i = 0.0
        z2r = 0.0
        z2i = 0.0
        for r in range(n_rx):
            w = 1.0 / nv[i * re_step + r * ant_step]
            h1r = np.float64(h[i, r, 0].real)
            h1i = np.float64(h[i, r, 0].imag)
            h2r = np.float64(h[i, r, 1].real)
            h2i = np.float64(h[i, r, 1].imag)
            yr = np.float64(y[i, r].real)
            yi = np.float64(y[i, r].imag)
            c1r = w * h1r  # conj(h1) w = c1r − j c1i
            c1i = w * h1i
            c2r = w * h2r
            c2i = w * h2i
            a += c1r * h1r + c1i * h1i
            d += c2r * h2r + c2i * h2i
            br += c1r * h2r + c1i * h2i  # conj(h1) w h2
            bi += c1r * h2i - c1i * h2r
            z1r += c1r * yr + c1i * yi
            z1i += c1r * yi - c1i * yr
            z2r += c2r * yr + c2i * yi
            z2i += c2r * yi - c2i * yr
        bb = br * br + bi * bi
        den1 = a * (d + reg) - bb
        den2 = d * (a + reg) - bb
        if reg == 0.0:  # ZF: singular when A has (numerically) lost rank
            ok1 = den1 > _ZF_TOL * a * d
            ok2 = ok1
        else:  # LMMSE: den_l ≥ a_ll > 0 unless layer l has a zero channel
            ok1 = den1 > 0.0
            ok2 = den2 > 0.0
        if ok1:
            g = d + reg
            inv = 1.0 / den1
            # (d + ρ) z1 − b z2
            x[i, 0] = complex((g * z1r - (br * z2r - bi * z2i)) * inv,
                              (g * z1i - (br * z2i + bi * z2r)) * inv)
            nv_eff[i, 0] = g * inv
        else:
            x[i, 0] = 0.0
            nv_eff[i, 0] = np.inf
        if ok2:
            g = a + reg
            inv = 1.0 / den2
            # (a + ρ) z2 − conj(b) z1
            x[i, 1] = complex((g * z2r - (br * z1r + bi * z1i)) * inv,
                              (g * z2i - (br * z1i - bi * z1r)) * inv)
            nv_eff[i, 1] = g * inv
        else:
            x[i, 1] = 0.0
            nv_eff[i, 1] = np.inf


@njit(cache=True, error_model="numpy")
def _gram(y, h, nv, re_step, ant_step, i, m, z):  # pragma: no cover - jitted
    """Lower triangle of A = H^H W H into ``m`` and z = H^H W y into ``z`` (RE i)."""
    n_rx = y.shape[1]
    n_l = h.shape[2]
    for j in range(n_l):
        z[j] = 0.0
        for k in range(j + 1):
            m[j, k] = 0.0
    for r in range(n_rx):
        w = 1.0 / nv[i * re_step + r * ant_step]
        yr = np.complex128(y[i, r])
        for j in range(n_l):
            c = np.complex128(h[i, r, j]).conjugate() * w
            z[j] += c * yr
            for k in range(j + 1):
                m[j, k] += c * np.complex128(h[i, r, k])


@njit(cache=True, error_model="numpy")
def _general_kernel(y, h, nv, re_step, ant_step, reg, x, nv_eff):  # pragma: no cover
    """Any number of layers: Cholesky M = A + ρI = L L^H, then L^{-1}.

    B = M^{-1} = L^{-H} L^{-1}: B_ll = Σ_k |L^{-1}_kl|^2 and B z = L^{-H} (L^{-1} z).
    LMMSE (ρ = 1): x_l = (B z)_l / (1 − B_ll), N0_eff,l = B_ll / (1 − B_ll) (a zero
    channel column, B_ll = 1: x_l = 0, N0_eff,l = inf). ZF (ρ = 0): x = B z,
    N0_eff,l = B_ll (a pivot ≤ _ZF_TOL of its diagonal entry: every layer 0 and inf).
    """
    n_re = y.shape[0]
    n_l = h.shape[2]
    m = np.zeros((n_l, n_l), dtype=np.complex128)
    lo = np.zeros((n_l, n_l), dtype=np.complex128)  # L
    li = np.zeros((n_l, n_l), dtype=np.complex128)  # L^{-1}
    z = np.zeros(n_l, dtype=np.complex128)
    v = np.zeros(n_l, dtype=np.complex128)
    for i in range(n_re):
        _gram(y, h, nv, re_step, ant_step, i, m, z)
        singular = False
        for j in range(n_l):
            diag = m[j, j].real + reg
            s = diag
            for k in range(j):
                s -= lo[j, k].real * lo[j, k].real + lo[j, k].imag * lo[j, k].imag
            if not s > _ZF_TOL * diag:  # only ZF can get here (LMMSE pivots are ≥ 1)
                singular = True
                break
            piv = math.sqrt(s)
            lo[j, j] = piv
            inv = 1.0 / piv
            for i2 in range(j + 1, n_l):
                t = m[i2, j]
                for k in range(j):
                    t -= lo[i2, k] * lo[j, k].conjugate()
                lo[i2, j] = t * inv
        if singular:
            for j in range(n_l):
                x[i, j] = 0.0
                nv_eff[i, j] = np.inf
            continue
        for j in range(n_l):  # L^{-1}, lower triangular, column by column
            li[j, j] = 1.0 / lo[j, j].real
            for i2 in range(j + 1, n_l):
                t = 0.0j
                for k in range(j, i2):
                    t -= lo[i2, k] * li[k, j]
                li[i2, j] = t * (1.0 / lo[i2, i2].real)
        for k in range(n_l):  # v = L^{-1} z
            t = 0.0j
            for j in range(k + 1):
                t += li[k, j] * z[j]
            v[k] = t
        for j in range(n_l):
            u = 0.0j  # (B z)_j = Σ_k conj(L^{-1}_kj) v_k
            b_jj = 0.0
            for k in range(j, n_l):
                c = li[k, j]
                u += c.conjugate() * v[k]
                b_jj += c.real * c.real + c.imag * c.imag
            if reg == 0.0:
                x[i, j] = u
                nv_eff[i, j] = b_jj
            else:
                mu = 1.0 - reg * b_jj  # (W H)_jj = 1 − B_jj / E_s, E_s = 1 / reg
                if mu > 0.0:
                    x[i, j] = u * (1.0 / mu)
                    nv_eff[i, j] = b_jj / mu
                else:
                    x[i, j] = 0.0
                    nv_eff[i, j] = np.inf


@njit(cache=True, error_model="numpy")
def _ml_kernel(y, h, nv, re_step, ant_step, pr, pi, bits, llr):  # pragma: no cover
    """Max-log ML LLRs of 1 or 2 layers by exhaustive search over the joint hypotheses.

    With the constant ‖y‖²_W dropped, the metric ‖y − H s‖²_W of s = (s_1, s_2) is
    t_1(s_1) + t_2(s_2) + 2 Re(conj(s_1) b s_2), t_l(s) = A_ll |s|^2 − 2 Re(conj(s) z_l);
    best_l(s) is the smallest metric with s on layer l, and
    LLR(layer l, bit k) = min_{s: bit k = 1} best_l(s) − min_{s: bit k = 0} best_l(s).
    ``pr``/``pi``: the constellation (label order), ``bits[k, s]``: bit k of label s.
    """
    n_re = y.shape[0]
    n_l = h.shape[2]
    n_s = pr.shape[0]
    qm = bits.shape[0]
    m = np.zeros((n_l, n_l), dtype=np.complex128)
    z = np.zeros(n_l, dtype=np.complex128)
    energy = pr * pr + pi * pi
    t1 = np.empty(n_s)
    t2 = np.empty(n_s)
    wr = np.empty(n_s)
    wi = np.empty(n_s)
    best = np.empty((2, n_s))
    for i in range(n_re):
        _gram(y, h, nv, re_step, ant_step, i, m, z)
        a = m[0, 0].real
        z1r = z[0].real
        z1i = z[0].imag
        for s in range(n_s):
            t1[s] = a * energy[s] - 2.0 * (pr[s] * z1r + pi[s] * z1i)
        if n_l == 1:
            for s in range(n_s):
                best[0, s] = t1[s]
        else:
            d = m[1, 1].real
            br = m[1, 0].real  # A_21 = conj(b): b = br − j A_21.imag
            bi = -m[1, 0].imag
            z2r = z[1].real
            z2i = z[1].imag
            for s in range(n_s):
                t2[s] = d * energy[s] - 2.0 * (pr[s] * z2r + pi[s] * z2i)
                wr[s] = 2.0 * (br * pr[s] - bi * pi[s])  # 2 b s_2
                wi[s] = 2.0 * (br * pi[s] + bi * pr[s])
                best[1, s] = np.inf
            for s1 in range(n_s):
                p1r = pr[s1]
                p1i = pi[s1]
                c = t1[s1]
                b1 = np.inf
                for s2 in range(n_s):
                    met = c + t2[s2] + p1r * wr[s2] + p1i * wi[s2]
                    b1 = min(b1, met)
                    best[1, s2] = min(best[1, s2], met)
                best[0, s1] = b1
        for lay in range(n_l):
            for k in range(qm):
                m0 = np.inf
                m1 = np.inf
                for s in range(n_s):
                    if bits[k, s]:
                        m1 = min(m1, best[lay, s])
                    else:
                        m0 = min(m0, best[lay, s])
                llr[i, lay * qm + k] = m1 - m0
