"""Numba kernels of the 5G NR LDPC decoder (private; see :mod:`nrlink.rx.ldpc_decoder`).

Decodes the codes of TS 38.212 §5.3.2. The kernels never validate: the public
function does.

Layout (one code block at a time, scratch reused across code blocks):

* ``L``  (n_cols * z,): posterior LLR of every variable node, one slice of z per
  block column j. The slice is stored in a rotated *frame*: ``L[j*z + r]`` holds
  L_j[(r + off[j]) mod z]. A layered update of block (i, j) with shift P reads the
  column rotated to frame P and writes it back in place in frame P (``off[j] = P``),
  so only one rotated copy per edge is needed.
* ``R``  (n_edges * z,): check-to-variable message of every edge; edge ``e`` is the
  non-zero block (i, j) of H with shift P, lane ``r`` is check row ``i*z + r`` and
  variable ``j*z + (r + P) mod z``.
* ``Q``  (deg_max * z,): variable-to-check messages of the block row in progress,
  lane-aligned with ``R``.

The quasi-cyclic structure makes the ``z`` rows of a block row independent, so every
inner loop runs over ``r`` in ``[0, z)`` on contiguous, lane-aligned memory (LLVM
auto-vectorises them); the cyclic shift is applied once per edge by a copy made of
two contiguous runs (:func:`_rot_load`).

A schedule (layered or flooding, :func:`_decode_f32_kernel`) is composed with a
check-node rule (min-sum family or sum-product, :func:`_check_node_f32`). The int8
kernel is a fused specialisation of the layered schedule with the min-sum family.

The float32 layered min-sum family has its own fused kernel
(:func:`nrlink.rx._ldpc_fused._decode_f32_ms_kernel`, same results as the composed
one): L stays in frame 0
with a short mirror after each column (rotated reads and in-place writes are two
contiguous runs cut at multiples of 16 lanes, so the loops have no scalar remainder),
the messages of an edge hold Q between the two passes of a block row, edges go in
pairs, lanes in chunks that fit L1, and its loop helpers declare their arrays
``noalias`` and are inlined by LLVM (:func:`_inline_noalias`): no runtime overlap
checks, no reference counting in the hot loops, 512-bit vectors.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nrlink.rx._ldpc_llvm import _noalias

#: Check-node rule codes.
RULE_NMS, RULE_OMS, RULE_MS, RULE_SPA = 0, 1, 2, 3
#: Schedule codes.
SCHED_LAYERED, SCHED_FLOODING = 0, 1
#: Saturation of every float32 value (channel LLR, posterior, Q): keeps huge or
#: infinite inputs (filler bits) finite, so no inf - inf = NaN can arise.
LLR_MAX_F32 = 1.0e6
#: Saturation of the int8 fast path (symmetric: -128 is never used).
Q8_MAX = 127
#: Lower clamp of the arguments of phi in the sum-product rule (phi(0) = inf);
#: bounds its messages to phi(1e-12) = 28.3.
PHI_MIN = 1.0e-12

# Float kernels: every value is clamped finite before fast-math code touches it; no
# reassociation or contraction, so results are those of plain IEEE float32.
_FM = {"nnan", "ninf", "nsz"}


# ------------------------------------------------------------------ rotations
@njit(cache=True, inline="always")
def _rot_load(src, p, z, dst):
    """dst[r] = src[(r + p) mod z] for r in [0, z): two contiguous runs."""
    n1 = z - p
    a = src[p:z]
    for r in range(n1):
        dst[r] = a[r]
    d2 = dst[n1:z]
    for r in range(p):
        d2[r] = src[r]


@njit(cache=True, inline="always")
def _rot_store(src, p, z, dst):
    """dst[(r + p) mod z] = src[r] for r in [0, z): two contiguous runs."""
    n1 = z - p
    d1 = dst[p:z]
    for r in range(n1):
        d1[r] = src[r]
    s2 = src[n1:z]
    for r in range(p):
        dst[r] = s2[r]


@njit(cache=True, fastmath=_FM, inline="always")
def _rot_add(src, p, z, dst):
    """dst[(r + p) mod z] += src[r] for r in [0, z) (float)."""
    n1 = z - p
    d1 = dst[p:z]
    for r in range(n1):
        d1[r] += src[r]
    s2 = src[n1:z]
    for r in range(p):
        dst[r] += s2[r]


@njit(cache=True, inline="always")
def _load_col(L, off, j, p, z, dst):
    """dst[r] = L_j[(r + p) mod z] whatever the frame of column j."""
    d = p - off[j]
    if d < 0:
        d += z
    _rot_load(L[j * z : (j + 1) * z], d, z, dst)


@njit(cache=True)
def _canonicalise(L, off, z, n_cols, T):
    """Rotate every column back to frame 0 (``L[j*z + c] = L_j[c]``)."""
    for j in range(n_cols):
        o = off[j]
        if o != 0:
            col = L[j * z : (j + 1) * z]
            _rot_load(col, z - o, z, T)
            for r in range(z):
                col[r] = T[r]
            off[j] = 0


# ------------------------------------------------------------------ graph helpers
@njit(cache=True)
def _active_rows(llr_row, z, row_deg1_col, active):
    """Mark the block rows to iterate for one code block.

    A row whose degree-1 parity column has only zero LLRs (never transmitted) sends
    exactly zero messages to every other variable, so it is skipped.
    """
    for i in range(row_deg1_col.size):
        c = row_deg1_col[i]
        if c < 2:
            active[i] = True
            continue
        seg = llr_row[(c - 2) * z : (c - 1) * z]
        nz = np.uint8(0)
        for r in range(z):
            nz |= np.uint8(seg[r] != 0)
        active[i] = nz != 0


@njit(cache=True)
def _failing_row(L, off, z, row_ptr, e_col, e_shift, active, start, acc, T):
    """Exact syndrome check of the hard decisions (L < 0) over the active rows.

    Returns -1 when every active check is satisfied, else the first failing block
    row found. The scan starts at ``start`` (the row that failed last time) and stops
    at the first failure, so checking a block that has not converged is cheap.
    """
    n_rows = row_ptr.size - 1
    for t in range(n_rows):
        i = start + t
        if i >= n_rows:
            i -= n_rows
        if not active[i]:
            continue
        for r in range(z):
            acc[r] = 0
        for e in range(row_ptr[i], row_ptr[i + 1]):
            _load_col(L, off, e_col[e], e_shift[e], z, T)
            for r in range(z):
                acc[r] ^= np.uint8(T[r] < 0)
        s = np.uint8(0)
        for r in range(z):
            s |= acc[r]
        if s != 0:
            return i
    return -1


@njit(cache=True)
def _hard_bits(L, n, bits_row):
    """bits_row[v] = L[v] < 0 for the first n variables (canonical frame)."""
    for v in range(n):
        bits_row[v] = np.uint8(L[v] < 0)


# ------------------------------------------------------------- float check nodes
@njit(cache=True, fastmath=_FM)
def _cn_minsum_f32(Q, Rl, deg, z, rule, alpha, beta, m1, m2, pos, sgn):
    """Min-sum family: Rl[k] = prod_{k' != k} sign(Q[k']) * f(min_{k' != k} |Q[k']|).

    f(m) = alpha*m (normalised), max(m - beta, 0) (offset) or m (plain). Tracks the
    smallest and second smallest magnitude, the position of the smallest and the
    sign parity per lane.
    """
    big = np.float32(4.0 * LLR_MAX_F32)
    for r in range(z):
        m1[r] = big
        m2[r] = big
        pos[r] = 0
        sgn[r] = 0
    for k in range(deg):
        Qk = Q[k * z : (k + 1) * z]
        kk = np.int32(k)
        for r in range(z):
            q = Qk[r]
            a = abs(q)
            b = m1[r]
            c = m2[r]
            p = pos[r]
            m2[r] = min(c, max(b, a))
            pos[r] = kk if a < b else p
            m1[r] = min(b, a)
            sgn[r] ^= np.int32(q < 0)
    zero = np.float32(0.0)
    if rule == RULE_NMS:
        for r in range(z):
            m1[r] = alpha * m1[r]
            m2[r] = alpha * m2[r]
    elif rule == RULE_OMS:
        for r in range(z):
            m1[r] = max(m1[r] - beta, zero)
            m2[r] = max(m2[r] - beta, zero)
    for k in range(deg):
        Qk = Q[k * z : (k + 1) * z]
        Rk = Rl[k * z : (k + 1) * z]
        kk = np.int32(k)
        for r in range(z):
            a1 = m1[r]  # both loaded: a conditional load would block vectorisation
            a2 = m2[r]
            mag = a2 if pos[r] == kk else a1
            neg = (sgn[r] ^ np.int32(Qk[r] < 0)) != 0
            Rk[r] = -mag if neg else mag


_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI * n exact
_LN2_LO = 1.90821492927058770002e-10
_MANT = np.int64((1 << 52) - 1)
_EXP0 = np.int64(1023 << 52)


@njit(cache=True, inline="always", error_model="numpy")
def _exp_neg(x):
    """e^-x for 0 <= x <= 700 without branches or library calls (so it vectorises), to
    1 ulp: x = n ln2 - r, |r| <= ln2 / 2 (Cody-Waite), e^r by its Taylor polynomial of
    degree 13 (truncation < 2e-17), times 2^-n built from its exponent bits."""
    n = math.floor(x * 1.4426950408889634 + 0.5)
    r = (n * _LN2_HI - x) + n * _LN2_LO
    p = 1.0 / 6227020800.0
    for c in (479001600.0, 39916800.0, 3628800.0, 362880.0, 40320.0, 5040.0, 720.0,
              120.0, 24.0, 6.0, 2.0, 1.0, 1.0):
        p = 1.0 / c + r * p
    return p * np.int64((1023 - np.int64(n)) << 52).view(np.float64)


@njit(cache=True, inline="always", error_model="numpy")
def _log1p_pos(w):
    """ln(1 + w) for 0 <= w < 1e300 without branches or library calls, to a few ulp:
    u = 1 + w = 2^e m with m in [1/sqrt 2, sqrt 2), ln m = 2 atanh(s), s = (m-1)/(m+1)
    (|s| < 0.172, odd series to s^23), and the rounding of 1 + w corrected by w/(u - 1)."""
    u = 1.0 + w
    b = np.float64(u).view(np.int64)
    e = np.float64((b >> 52) - 1023)
    m = np.int64((b & _MANT) | _EXP0).view(np.float64)
    hi = m > 1.4142135623730951
    m = 0.5 * m if hi else m
    e = e + 1.0 if hi else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    q = 1.0 / 23.0
    for c in (21.0, 19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0):
        q = 1.0 / c + s2 * q
    lg = e * _LN2_HI + (2.0 * s + (2.0 * s * s2 * q + e * _LN2_LO))
    d = u - 1.0  # exact
    return lg * (w / d) if d != 0.0 else w


@njit(cache=True, inline="always", error_model="numpy")
def _phi(x):
    """phi(x) = -ln tanh(x/2) = ln((1 + e^-x) / (1 - e^-x)), self-inverse on x > 0.

    Evaluated as log1p(2t / (1 - t)), t = e^-x, with the vectorisable :func:`_exp_neg`
    and :func:`_log1p_pos` (within a few float64 ulp of the library functions): exact to
    float64 rounding for large x (x > 700 is taken as 700: phi < 2e-304 either way);
    x must be >= PHI_MIN (1 - t is then resolved to 1e-4).
    """
    t = _exp_neg(min(x, 700.0))
    return _log1p_pos(2.0 * t / (1.0 - t))


@njit(cache=True, error_model="numpy")
def _cn_spa_f32(Q, Rl, deg, z, P, S, sgn):
    """Sum-product rule in the phi domain, float64 internally.

    |R[k]| = phi(sum_{k' != k} phi(|Q[k']|)); the extrinsic sums are formed by forward
    and backward accumulation (no subtraction, hence no cancellation when one term
    dominates); arguments of phi are clamped to >= PHI_MIN. The arrays must not overlap.
    """
    _noalias()
    for r in range(z):
        sgn[r] = 0
    for k in range(deg):
        Qk = Q[k * z : (k + 1) * z]
        Pk = P[k * z : (k + 1) * z]
        for r in range(z):
            q = Qk[r]
            Pk[r] = _phi(max(abs(np.float64(q)), PHI_MIN))
            sgn[r] ^= np.int32(q < 0)
    acc = S[deg * z : (deg + 1) * z]
    for r in range(z):
        acc[r] = 0.0
    for k in range(deg):
        Sk = S[k * z : (k + 1) * z]
        Pk = P[k * z : (k + 1) * z]
        for r in range(z):
            Sk[r] = acc[r]
            acc[r] += Pk[r]
    for r in range(z):
        acc[r] = 0.0
    for k in range(deg - 1, -1, -1):
        Sk = S[k * z : (k + 1) * z]
        Pk = P[k * z : (k + 1) * z]
        Qk = Q[k * z : (k + 1) * z]
        Rk = Rl[k * z : (k + 1) * z]
        for r in range(z):
            mag = np.float32(_phi(max(Sk[r] + acc[r], PHI_MIN)))
            acc[r] += Pk[r]
            neg = (sgn[r] ^ np.int32(Qk[r] < 0)) != 0
            Rk[r] = -mag if neg else mag


@njit(cache=True)
def _check_node_f32(rule, Q, Rl, deg, z, alpha, beta, m1, m2, pos, sgn, P, S):
    """Apply the check-node rule to one block row: Rl = rule(Q) (schedule-independent)."""
    if rule == RULE_SPA:
        _cn_spa_f32(Q, Rl, deg, z, P, S, sgn)
    else:
        _cn_minsum_f32(Q, Rl, deg, z, rule, alpha, beta, m1, m2, pos, sgn)


# ---------------------------------------------------------------- float schedules
@njit(cache=True)
def _load_channel_f32(llr_row, z, ch):
    """ch = [0]*2z ++ clamp(llr_row, +-LLR_MAX_F32) (no fast-math: inputs may be inf)."""
    lim = np.float32(LLR_MAX_F32)
    for v in range(2 * z):
        ch[v] = 0.0
    out = ch[2 * z :]
    for v in range(llr_row.size):
        out[v] = min(max(llr_row[v], -lim), lim)


@njit(cache=True, fastmath=_FM)
def _gather_q_f32(L, off, R, Q, e0, deg, z, e_col, e_shift, T):
    """Q[k] = clamp(L_j rotated by P - R[e0 + k]) for the edges of one block row."""
    lim = np.float32(LLR_MAX_F32)
    for k in range(deg):
        e = e0 + k
        _load_col(L, off, e_col[e], e_shift[e], z, T)
        Re = R[e * z : (e + 1) * z]
        Qk = Q[k * z : (k + 1) * z]
        for r in range(z):
            Qk[r] = min(max(T[r] - Re[r], -lim), lim)


@njit(cache=True, fastmath=_FM)
def _layer_update_f32(L, off, R, Q, e0, deg, z, e_col, e_shift):
    """Layered write-back L_j = clamp(Q + R) in place, in frame P (off[j] = P)."""
    lim = np.float32(LLR_MAX_F32)
    for k in range(deg):
        e = e0 + k
        j = e_col[e]
        Lj = L[j * z : (j + 1) * z]
        Re = R[e * z : (e + 1) * z]
        Qk = Q[k * z : (k + 1) * z]
        for r in range(z):
            Lj[r] = min(max(Qk[r] + Re[r], -lim), lim)
        off[j] = e_shift[e]


@njit(cache=True, fastmath=_FM)
def _flood_update_f32(Lacc, R, e0, deg, z, e_col, e_shift):
    """Flooding accumulation Lacc_j += R (Lacc in frame 0)."""
    for e in range(e0, e0 + deg):
        j = e_col[e]
        _rot_add(R[e * z : (e + 1) * z], e_shift[e], z, Lacc[j * z : (j + 1) * z])


@njit(cache=True, fastmath=_FM)
def _clamp_copy_f32(src, dst):
    lim = np.float32(LLR_MAX_F32)
    for v in range(src.size):
        dst[v] = min(max(src[v], -lim), lim)


@njit(cache=True)
def _fill_inactive_f32(L, off, R, Q, z, row_ptr, e_col, e_shift, row_deg1_col, active, rule,
                       alpha, beta, m1, m2, pos, sgn, P, S, T):
    """Posterior of the degree-1 parity bits of skipped rows (frame 0 required): the
    check-node message computed from the final posteriors of the row's other bits
    (a skipped row has R = 0 and L = 0 on its degree-1 column)."""
    for i in range(row_ptr.size - 1):
        if active[i]:
            continue
        e0 = row_ptr[i]
        deg = row_ptr[i + 1] - e0
        c = row_deg1_col[i]
        _gather_q_f32(L, off, R, Q, e0, deg, z, e_col, e_shift, T)
        Rl = R[e0 * z : (e0 + deg) * z]
        _check_node_f32(rule, Q, Rl, deg, z, alpha, beta, m1, m2, pos, sgn, P, S)
        for e in range(e0, e0 + deg):
            if e_col[e] == c:
                _rot_store(R[e * z : (e + 1) * z], e_shift[e], z, L[c * z : (c + 1) * z])
        for v in range(Rl.size):
            Rl[v] = 0.0


@njit(cache=True)
def _decode_f32_kernel(llr, row_ptr, e_col, e_shift, row_deg1_col, z, n_cols, k_sys,
                       schedule, rule, max_iter, alpha, beta, early_stop,
                       bits, iters, ok, llr_out):
    """Decode every code block of ``llr`` (n_cb, (n_cols-2)*z) float32.

    Schedule x rule: per iteration, each active block row gathers Q = L - R, applies
    the check-node rule (R <- rule(Q)) and writes back: layered sets L = Q + R at once,
    flooding accumulates L_new = ch + sum R and replaces L after the pass.
    """
    n_cb = llr.shape[0]
    n_rows = row_ptr.size - 1
    deg_max = 0
    for i in range(n_rows):
        deg_max = max(deg_max, row_ptr[i + 1] - row_ptr[i])
    nv = n_cols * z
    spa = rule == RULE_SPA
    L = np.empty(nv, np.float32)
    off = np.zeros(n_cols, np.int64)
    ch = np.empty(nv, np.float32)
    Lacc = np.empty(nv if schedule == SCHED_FLOODING else 0, np.float32)
    R = np.empty(e_col.size * z, np.float32)
    Q = np.empty(deg_max * z, np.float32)
    T = np.empty(z, np.float32)
    m1 = np.empty(z, np.float32)
    m2 = np.empty(z, np.float32)
    pos = np.empty(z, np.int32)
    sgn = np.empty(z, np.int32)
    P = np.empty(deg_max * z if spa else 0, np.float64)
    S = np.empty((deg_max + 1) * z if spa else 0, np.float64)
    acc = np.empty(z, np.uint8)
    active = np.empty(n_rows, np.bool_)
    for cb in range(n_cb):
        row = llr[cb]
        _active_rows(row, z, row_deg1_col, active)
        _load_channel_f32(row, z, ch)
        for v in range(nv):  # explicit loops: slice assignment does not vectorise
            L[v] = ch[v]
        for j in range(n_cols):
            off[j] = 0
        for v in range(R.size):
            R[v] = 0.0
        start = 0
        fail = 0
        it = 0
        while it < max_iter:
            it += 1
            if schedule == SCHED_FLOODING:
                for v in range(nv):
                    Lacc[v] = ch[v]
            for i in range(n_rows):
                if not active[i]:
                    continue
                e0 = row_ptr[i]
                deg = row_ptr[i + 1] - e0
                _gather_q_f32(L, off, R, Q, e0, deg, z, e_col, e_shift, T)
                _check_node_f32(rule, Q, R[e0 * z : (e0 + deg) * z], deg, z, alpha, beta,
                                m1, m2, pos, sgn, P, S)
                if schedule == SCHED_LAYERED:
                    _layer_update_f32(L, off, R, Q, e0, deg, z, e_col, e_shift)
                else:
                    _flood_update_f32(Lacc, R, e0, deg, z, e_col, e_shift)
            if schedule == SCHED_FLOODING:
                _clamp_copy_f32(Lacc, L)
            if early_stop:
                fail = _failing_row(L, off, z, row_ptr, e_col, e_shift, active, start, acc, T)
                if fail < 0:
                    break
                start = fail
        if not early_stop:
            fail = _failing_row(L, off, z, row_ptr, e_col, e_shift, active, 0, acc, T)
        iters[cb] = it
        ok[cb] = fail < 0
        _canonicalise(L, off, z, n_cols, T)
        _hard_bits(L, k_sys * z, bits[cb])
        if llr_out.shape[0] > 0:
            _fill_inactive_f32(L, off, R, Q, z, row_ptr, e_col, e_shift, row_deg1_col, active,
                               rule, alpha, beta, m1, m2, pos, sgn, P, S, T)
            llr_out[cb] = L


# --------------------------------------------------------------------- int8 path
@njit(cache=True)
def _load_channel_i8(llr_row, z, scale, ch):
    """ch = [0]*2z ++ rint(clamp(llr_row * scale, +-127)) as int8 (inputs may be inf)."""
    lim = np.float32(Q8_MAX)
    sc = np.float32(scale)
    for v in range(2 * z):
        ch[v] = 0
    out = ch[2 * z :]
    for v in range(llr_row.size):
        x = min(max(llr_row[v] * sc, -lim), lim)
        out[v] = np.int8(np.rint(x))


@njit(cache=True, inline="always")
def _scale_i8(m, rule, a_num, beta_q):
    """Fixed-point magnitude scaling: NMS (m * a_num + 8) >> 4 (alpha = a_num / 16,
    rounded), OMS max(m - beta_q, 0), MS m."""
    if rule == RULE_NMS:
        return np.int8((np.int16(m) * np.int16(a_num) + np.int16(8)) >> 4)
    if rule == RULE_OMS:
        return np.int8(max(np.int16(m) - np.int16(beta_q), np.int16(0)))
    return m


@njit(cache=True, inline="always")
def _layer_i8(L, off, R, Q, e0, deg, z, e_col, e_shift, rule, a_num, beta_q, T, m1, m2, pos,
              sgn):
    """One block row of the int8 layered min-sum decoder (fused, saturating int8).

    Phase 1 forms Q = sat(L - R) per edge and the running minimum, second minimum,
    position of the minimum and sign parity (XOR of the int8 values: its sign bit);
    phase 2 forms R = sign * scaled magnitude and L = sat(Q + R), written in place in
    frame P. The saturations compile to vpsubsb / vpaddsb.
    """
    lo8 = np.int16(-128)
    hi8 = np.int16(127)
    lo = np.int8(-Q8_MAX)
    for r in range(z):
        m1[r] = Q8_MAX
        m2[r] = Q8_MAX
        pos[r] = 0
        sgn[r] = 0
    for k in range(deg):
        e = e0 + k
        _load_col(L, off, e_col[e], e_shift[e], z, T)
        Re = R[e * z : (e + 1) * z]
        Qk = Q[k * z : (k + 1) * z]
        kk = np.int8(k)
        for r in range(z):
            d = np.int16(np.int16(T[r]) - np.int16(Re[r]))
            q = max(np.int8(min(max(d, lo8), hi8)), lo)
            Qk[r] = q
            a = np.int8(abs(q))
            b = m1[r]
            c = m2[r]
            p = pos[r]
            m2[r] = min(c, max(b, a))
            pos[r] = kk if a < b else p
            m1[r] = min(b, a)
            sgn[r] ^= q
    if rule == RULE_NMS or rule == RULE_OMS:
        for r in range(z):
            m1[r] = _scale_i8(m1[r], rule, a_num, beta_q)
            m2[r] = _scale_i8(m2[r], rule, a_num, beta_q)
    for k in range(deg):
        e = e0 + k
        j = e_col[e]
        Lj = L[j * z : (j + 1) * z]
        Re = R[e * z : (e + 1) * z]
        Qk = Q[k * z : (k + 1) * z]
        kk = np.int8(k)
        for r in range(z):
            q = Qk[r]
            a1 = m1[r]  # both loaded: a conditional load would block vectorisation
            a2 = m2[r]
            mag = a2 if pos[r] == kk else a1
            rn = np.int8(-mag) if np.int8(sgn[r] ^ q) < 0 else mag
            Re[r] = rn
            d = np.int16(np.int16(q) + np.int16(rn))
            Lj[r] = max(np.int8(min(max(d, lo8), hi8)), lo)
        off[j] = e_shift[e]


@njit(cache=True)
def _fill_inactive_i8(L, off, R, Q, z, row_ptr, e_col, e_shift, active, rule, a_num, beta_q,
                      T, m1, m2, pos, sgn):
    """int8 twin of :func:`_fill_inactive_f32`: one layer update of each skipped row
    (R = 0, L = 0 on its degree-1 column) leaves its other columns unchanged (their
    messages are scaled minima that include |Q| = 0) and sets the degree-1 column to
    its check-node message."""
    for i in range(row_ptr.size - 1):
        if active[i]:
            continue
        e0 = row_ptr[i]
        _layer_i8(L, off, R, Q, e0, row_ptr[i + 1] - e0, z, e_col, e_shift, rule, a_num,
                  beta_q, T, m1, m2, pos, sgn)


@njit(cache=True)
def _decode_i8_kernel(llr, row_ptr, e_col, e_shift, row_deg1_col, z, n_cols, k_sys, rule,
                      max_iter, scale, a_num, beta_q, early_stop, bits, iters, ok, llr_out):
    """Layered min-sum family decoder with saturating int8 messages (fast path)."""
    n_cb = llr.shape[0]
    n_rows = row_ptr.size - 1
    deg_max = 0
    for i in range(n_rows):
        deg_max = max(deg_max, row_ptr[i + 1] - row_ptr[i])
    nv = n_cols * z
    L = np.empty(nv, np.int8)
    off = np.zeros(n_cols, np.int64)
    R = np.empty(e_col.size * z, np.int8)
    Q = np.empty(deg_max * z, np.int8)
    T = np.empty(z, np.int8)
    m1 = np.empty(z, np.int8)
    m2 = np.empty(z, np.int8)
    pos = np.empty(z, np.int8)
    sgn = np.empty(z, np.int8)
    acc = np.empty(z, np.uint8)
    active = np.empty(n_rows, np.bool_)
    inv = np.float32(1.0 / scale)
    for cb in range(n_cb):
        row = llr[cb]
        _active_rows(row, z, row_deg1_col, active)
        _load_channel_i8(row, z, scale, L)
        for j in range(n_cols):
            off[j] = 0
        for v in range(R.size):
            R[v] = 0
        start = 0
        fail = 0
        it = 0
        while it < max_iter:
            it += 1
            for i in range(n_rows):
                if not active[i]:
                    continue
                e0 = row_ptr[i]
                _layer_i8(L, off, R, Q, e0, row_ptr[i + 1] - e0, z, e_col, e_shift, rule,
                          a_num, beta_q, T, m1, m2, pos, sgn)
            if early_stop:
                fail = _failing_row(L, off, z, row_ptr, e_col, e_shift, active, start, acc, T)
                if fail < 0:
                    break
                start = fail
        if not early_stop:
            fail = _failing_row(L, off, z, row_ptr, e_col, e_shift, active, 0, acc, T)
        iters[cb] = it
        ok[cb] = fail < 0
        if llr_out.shape[0] > 0:
            _fill_inactive_i8(L, off, R, Q, z, row_ptr, e_col, e_shift, active, rule, a_num,
                              beta_q, T, m1, m2, pos, sgn)
        _canonicalise(L, off, z, n_cols, T)
        _hard_bits(L, k_sys * z, bits[cb])
        if llr_out.shape[0] > 0:
            out = llr_out[cb]
            for v in range(nv):
                out[v] = np.float32(L[v]) * inv
