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
(:func:`_decode_f32_ms_kernel`, same results as the composed one): L stays in frame 0
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
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic

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


# ------------------------------------------------------------ LLVM attributes
def _mark_function(builder, inline):
    """LLVM attributes of the function being compiled: 512-bit vectors preferred, every
    pointer argument ``noalias`` (what Numba's internal ``noalias`` flag does), and
    optionally ``alwaysinline`` (LLVM-level inlining: unlike Numba's ``inline="always"``
    it adds no reference counting of the array arguments)."""
    fn = builder.function
    try:  # llvmlite accepts only its known attribute names: add the key=value one raw
        set.add(fn.attributes, '"prefer-vector-width"="512"')
    except Exception:  # pragma: no cover - a different llvmlite: vector width unchanged
        pass
    if inline:
        fn.attributes.add("alwaysinline")
    for a in fn.args[2:]:  # after Numba's return-value and exception-info pointers
        if isinstance(a.type, ir.PointerType):
            a.add_attribute("noalias")


@intrinsic
def _noalias(typingctx):
    """Declare the array arguments of the calling function non-overlapping (LLVM then
    vectorises without runtime overlap checks); see :func:`_mark_function`."""
    def codegen(context, builder, signature, args):
        _mark_function(builder, inline=False)
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def _inline_noalias(typingctx):
    """:func:`_noalias`, and have LLVM inline the calling function into its callers."""
    def codegen(context, builder, signature, args):
        _mark_function(builder, inline=True)
        return context.get_dummy_value()
    return types.void(), codegen


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


# ---------------------------------------------- fused float32 layered min-sum
#: Lane block of the fused kernel: the split of a rotation into two contiguous runs is
#: rounded up to a multiple of it; the first run then reads up to _LB - 1 values past
#: the end of the column, from its mirror: L[j*zs + z + t] == L[j*zs + t], t < _PAD.
_LB = 16
_PAD = 16
#: Block rows of more lanes are processed in two chunks (keeps a chunk in L1).
_CHUNK_MAX = 256


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_first(x, ro, lim, big):
    """Pass-1 step of the first edge of a block row: Q = clamp(L - R_old), and the
    running state (min |Q|, second min, sign parity) it starts."""
    q = min(max(x - ro, -lim), lim)
    return q, abs(q), big, np.int32(1) if q < 0 else np.int32(0)


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_acc(x, ro, lim, m1, m2, s):
    """Pass-1 step of a further edge: Q and the updated running state (m2 is the second
    smallest |Q| counted with multiplicity: m2 == m1 when the minimum is repeated)."""
    q = min(max(x - ro, -lim), lim)
    a = abs(q)
    m2 = min(m2, max(m1, a))
    m1 = min(m1, a)
    s = np.int32(s ^ 1) if q < 0 else s
    return q, m1, m2, s


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_out(q, m1, t1, t2, lim):
    """Pass-2 step of one edge: the new message R = (|Q| == m1 ? t2 : t1) * sign(Q) (t1,
    t2: the scaled minimum / second minimum with the sign of the product of all signs,
    so R is the rule applied to the other edges) and the posterior clamp(Q + R)."""
    rn = t2 if abs(q) == m1 else t1
    rn = -rn if q < 0 else rn
    return rn, min(max(q + rn, -lim), lim)


@njit(cache=True, fastmath=_FM)
def _ms_p1_pair(L, R, n1, n2, ns, x0, x1, r0, r1, lo, n, lim, big, first):
    """Pass 1 of two edges over lanes [lo, lo + n): their rotated columns start at L[x0],
    L[x1], their messages at R[r0], R[r1] (replaced by Q); ``first``: they open the
    block row (the running state n1, n2, ns is then started, not updated)."""
    _inline_noalias()
    if first:
        for t in range(n):
            q, m1, m2, s = _ms_first(L[x0 + t], R[r0 + t], lim, big)
            R[r0 + t] = q
            q, m1, m2, s = _ms_acc(L[x1 + t], R[r1 + t], lim, m1, m2, s)
            R[r1 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s
    else:
        for t in range(n):
            q, m1, m2, s = _ms_acc(L[x0 + t], R[r0 + t], lim, n1[lo + t], n2[lo + t],
                                   ns[lo + t])
            R[r0 + t] = q
            q, m1, m2, s = _ms_acc(L[x1 + t], R[r1 + t], lim, m1, m2, s)
            R[r1 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s


@njit(cache=True, fastmath=_FM)
def _ms_p1_single(L, R, n1, n2, ns, x0, r0, lo, n, lim, big, first):
    """:func:`_ms_p1_pair` of one edge."""
    _inline_noalias()
    if first:
        for t in range(n):
            q, m1, m2, s = _ms_first(L[x0 + t], R[r0 + t], lim, big)
            R[r0 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s
    else:
        for t in range(n):
            q, m1, m2, s = _ms_acc(L[x0 + t], R[r0 + t], lim, n1[lo + t], n2[lo + t],
                                   ns[lo + t])
            R[r0 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s


@njit(cache=True, fastmath=_FM)
def _ms_p2_pair(L, R, n1, t1, t2, x0, x1, r0, r1, lo, n, lim):
    """Pass 2 of two edges over lanes [lo, lo + n): R[r] <- new message, L[x] <- posterior
    (in place: the rotated positions pass 1 read)."""
    _inline_noalias()
    for t in range(n):
        m1 = n1[lo + t]
        a1 = t1[lo + t]
        a2 = t2[lo + t]
        R[r0 + t], L[x0 + t] = _ms_out(R[r0 + t], m1, a1, a2, lim)
        R[r1 + t], L[x1 + t] = _ms_out(R[r1 + t], m1, a1, a2, lim)


@njit(cache=True, fastmath=_FM)
def _ms_p2_single(L, R, n1, t1, t2, x0, r0, lo, n, lim):
    """:func:`_ms_p2_pair` of one edge."""
    _inline_noalias()
    for t in range(n):
        R[r0 + t], L[x0 + t] = _ms_out(R[r0 + t], n1[lo + t], t1[lo + t], t2[lo + t], lim)


@njit(cache=True, fastmath=_FM)
def _ms_scale(n1, n2, t1, ns, lo, n, rule, alpha, beta):
    """t1 = f(n1), n2 = f(n2), negated where the sign parity ns is odd; f is the rule's
    magnitude map (alpha*m, max(m - beta, 0) or m, as in :func:`_cn_minsum_f32`)."""
    _inline_noalias()
    zero = np.float32(0.0)
    for t in range(n):
        a1 = n1[lo + t]
        a2 = n2[lo + t]
        if rule == RULE_NMS:
            a1 = alpha * a1
            a2 = alpha * a2
        elif rule == RULE_OMS:
            a1 = max(a1 - beta, zero)
            a2 = max(a2 - beta, zero)
        neg = ns[lo + t] != 0
        t1[lo + t] = -a1 if neg else a1
        n2[lo + t] = -a2 if neg else a2


@njit(cache=True)
def _ms_schedule(row_ptr, e_col, e_shift, z, zs):
    """Loop schedule of the fused kernel (a function of the lifted graph only).

    The z lanes of a block row are processed in ``n_ch`` chunks of ``chunk`` lanes; in a
    chunk the edges of the row go in pairs (the last one alone if the degree is odd),
    each cut into segments in which both rotated columns are contiguous. Block row i,
    chunk c owns ``seg[ptr[i*n_ch + c] : ptr[i*n_ch + c + 1]]``, rows
    (first, lo, n, x0, x1, r0, r1): whether the pair opens the row, first lane, number
    of lanes, offsets of the two rotated columns in L (x1 = -1: single edge) and of
    their messages in R. ``mir[e]``: mirror values that the first run of edge e covers.
    """
    n_rows = row_ptr.size - 1
    chunk = z
    if z > _CHUNK_MAX:
        chunk = (((z + 1) // 2 + _LB - 1) // _LB) * _LB
    n_ch = (z + chunk - 1) // chunk
    ms = np.empty(e_col.size, np.int64)
    mir = np.empty(e_col.size, np.int64)
    for e in range(e_col.size):
        ms[e] = min(((z - e_shift[e] + _LB - 1) // _LB) * _LB, z)
        mir[e] = e_shift[e] + ms[e] - z
    seg = np.empty((e_col.size * 2 * n_ch, 7), np.int64)
    ptr = np.zeros(n_rows * n_ch + 1, np.int64)
    n_seg = 0
    for i in range(n_rows):
        for c in range(n_ch):
            c0 = c * chunk
            c1 = min(c0 + chunk, z)
            for e in range(row_ptr[i], row_ptr[i + 1], 2):
                f = min(e + 1, row_ptr[i + 1] - 1)
                lo = c0
                for hi in (min(ms[e], ms[f]), max(ms[e], ms[f]), c1):
                    hi = min(max(hi, lo), c1)
                    if hi > lo:
                        seg[n_seg, 0] = e == row_ptr[i]
                        seg[n_seg, 1] = lo
                        seg[n_seg, 2] = hi - lo
                        for k, h in ((3, e), (4, f)):
                            seg[n_seg, k] = (e_col[h] * zs + lo + e_shift[h]
                                             - (z if lo >= ms[h] else 0))
                        if f == e:
                            seg[n_seg, 4] = -1
                        seg[n_seg, 5] = e * z + lo
                        seg[n_seg, 6] = f * z + lo
                        n_seg += 1
                    lo = hi
            ptr[i * n_ch + c + 1] = n_seg
    return seg[:n_seg].copy(), ptr, chunk, n_ch, mir


@njit(cache=True, fastmath=_FM)
def _layer_ms_f32(L, zs, R, i, e0, deg, z, e_col, rule, alpha, beta, n1, n2, ns, t1, seg,
                  ptr, chunk, n_ch, mir):
    """One block row of the fused layered min-sum decoder (float32).

    L: every column in frame 0 (``L[j*zs + c] = L_j[c]``, then its mirror); R: the
    message of every edge. Per chunk of lanes, pass 1 reads each rotated column and the
    old message, stores Q = clamp(L - R_old) in place of R_old and tracks the minimum,
    second minimum and sign parity of |Q|; pass 2 replaces Q by the new message and
    writes L = clamp(Q + R) back where it was read. Then the mirrors are restored.
    """
    _noalias()
    lim = np.float32(LLR_MAX_F32)
    big = np.float32(4.0 * LLR_MAX_F32)
    for c in range(n_ch):
        c0 = c * chunk
        u0 = np.uint64(c0)  # unsigned offsets: no negative-index wraparound code
        nc = np.uint64(min(c0 + chunk, z) - c0)
        s0 = ptr[i * n_ch + c]
        s1 = ptr[i * n_ch + c + 1]
        for s in range(s0, s1):
            first = seg[s, 0] != 0
            lo = np.uint64(seg[s, 1])
            n = np.uint64(seg[s, 2])
            x0 = np.uint64(seg[s, 3])
            r0 = np.uint64(seg[s, 5])
            if seg[s, 4] >= 0:
                _ms_p1_pair(L, R, n1, n2, ns, x0, np.uint64(seg[s, 4]), r0,
                            np.uint64(seg[s, 6]), lo, n, lim, big, first)
            else:
                _ms_p1_single(L, R, n1, n2, ns, x0, r0, lo, n, lim, big, first)
        if rule == RULE_NMS:  # constant rule inside: the loop is specialised
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_NMS, alpha, beta)
        elif rule == RULE_OMS:
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_OMS, alpha, beta)
        else:
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_MS, alpha, beta)
        for s in range(s0, s1):
            lo = np.uint64(seg[s, 1])
            n = np.uint64(seg[s, 2])
            x0 = np.uint64(seg[s, 3])
            r0 = np.uint64(seg[s, 5])
            if seg[s, 4] >= 0:
                _ms_p2_pair(L, R, n1, t1, n2, x0, np.uint64(seg[s, 4]), r0,
                            np.uint64(seg[s, 6]), lo, n, lim)
            else:
                _ms_p2_single(L, R, n1, t1, n2, x0, r0, lo, n, lim)
    pad = np.uint64(min(_PAD, z))
    for e in range(e0, e0 + deg):
        b = np.uint64(e_col[e] * zs)
        bz = b + np.uint64(z)
        x = np.uint64(mir[e])
        for t in range(x):  # written through the mirror: copy to the head
            L[b + t] = L[bz + t]
        for t in range(x, pad):  # written in the head: copy to the mirror
            L[bz + t] = L[b + t]


@njit(cache=True)
def _iter_ms_f32(L, zs, R, row_ptr, active, z, e_col, rule, alpha, beta, n1, n2, ns, t1, seg,
                 ptr, chunk, n_ch, mir):
    """One iteration (every active block row) of the fused layered min-sum decoder; its
    array arguments must not overlap."""
    _noalias()
    for i in range(row_ptr.size - 1):
        if active[i]:
            e0 = row_ptr[i]
            _layer_ms_f32(L, zs, R, i, e0, row_ptr[i + 1] - e0, z, e_col, rule, alpha, beta,
                          n1, n2, ns, t1, seg, ptr, chunk, n_ch, mir)


@njit(cache=True)
def _failing_row_pad(L, zs, z, row_ptr, e_col, e_shift, active, start, acc):
    """:func:`_failing_row` on the frame-0 mirrored columns of the fused kernel."""
    _noalias()
    n_rows = row_ptr.size - 1
    uz = np.uint64(z)
    for t in range(n_rows):
        i = start + t
        if i >= n_rows:
            i -= n_rows
        if not active[i]:
            continue
        for r in range(uz):
            acc[r] = 0
        for e in range(row_ptr[i], row_ptr[i + 1]):
            d = e_shift[e]
            ms = min(((z - d + _LB - 1) // _LB) * _LB, z)
            x0 = np.uint64(e_col[e] * zs + d)
            for r in range(np.uint64(ms)):
                acc[r] ^= np.int32(L[x0 + r] < 0)
            x1 = np.uint64(e_col[e] * zs + ms + d - z)
            u = np.uint64(ms)
            for r in range(np.uint64(z - ms)):
                acc[u + r] ^= np.int32(L[x1 + r] < 0)
        s = np.int32(0)
        for r in range(uz):
            s |= acc[r]
        if s != 0:
            return i
    return -1


@njit(cache=True)
def _decode_f32_ms_kernel(llr, row_ptr, e_col, e_shift, row_deg1_col, z, n_cols, k_sys,
                          rule, max_iter, alpha, beta, early_stop, bits, iters, ok, llr_out):
    """Layered min-sum family decoder in float32, fused (see the module docstring); the
    arguments and results are those of :func:`_decode_f32_kernel` with the layered
    schedule, and so are the decisions, iteration counts and soft values."""
    n_cb = llr.shape[0]
    n_rows = row_ptr.size - 1
    deg_max = 0
    for i in range(n_rows):
        deg_max = max(deg_max, row_ptr[i + 1] - row_ptr[i])
    nv = n_cols * z
    zs = z + _PAD
    seg, ptr, chunk, n_ch, mir = _ms_schedule(row_ptr, e_col, e_shift, z, zs)
    Lp = np.empty(n_cols * zs, np.float32)
    L = np.empty(nv, np.float32)
    R = np.empty(e_col.size * z, np.float32)
    n1 = np.empty(z, np.float32)
    n2 = np.empty(z, np.float32)
    ns = np.empty(z, np.int32)
    t1 = np.empty(z, np.float32)
    acc = np.empty(z, np.int32)
    active = np.empty(n_rows, np.bool_)
    soft = llr_out.shape[0] > 0
    # soft output of skipped rows: the composed kernel's helper, in frame 0 (off = 0)
    off = np.zeros(n_cols, np.int64)
    Q = np.empty(deg_max * z if soft else 0, np.float32)
    T = np.empty(z, np.float32)
    m1 = np.empty(z, np.float32)
    m2 = np.empty(z, np.float32)
    pos = np.empty(z, np.int32)
    sgn = np.empty(z, np.int32)
    P = np.empty(0, np.float64)
    for cb in range(n_cb):
        row = llr[cb]
        _active_rows(row, z, row_deg1_col, active)
        _load_channel_f32(row, z, L)
        for j in range(n_cols):
            a = Lp[j * zs : (j + 1) * zs]
            c = L[j * z : (j + 1) * z]
            for r in range(z):
                a[r] = c[r]
            for t in range(_PAD):
                a[z + t] = c[t % z]
        for v in range(R.size):
            R[v] = 0.0
        start = 0
        fail = 0
        it = 0
        while it < max_iter:
            it += 1
            _iter_ms_f32(Lp, zs, R, row_ptr, active, z, e_col, rule, alpha, beta, n1, n2, ns,
                         t1, seg, ptr, chunk, n_ch, mir)
            if early_stop:
                fail = _failing_row_pad(Lp, zs, z, row_ptr, e_col, e_shift, active, start, acc)
                if fail < 0:
                    break
                start = fail
        if not early_stop:
            fail = _failing_row_pad(Lp, zs, z, row_ptr, e_col, e_shift, active, 0, acc)
        iters[cb] = it
        ok[cb] = fail < 0
        for j in range(n_cols):
            a = Lp[j * zs : (j + 1) * zs]
            c = L[j * z : (j + 1) * z]
            for r in range(z):
                c[r] = a[r]
        _hard_bits(L, k_sys * z, bits[cb])
        if soft:  # R of the skipped rows is still 0, as _fill_inactive_f32 requires
            _fill_inactive_f32(L, off, R, Q, z, row_ptr, e_col, e_shift, row_deg1_col, active,
                               rule, alpha, beta, m1, m2, pos, sgn, P, P, T)
            llr_out[cb] = L
