"""The closed-form duals against neural-tangents 0.6.5's stax kernels, and both against an mpmath reference.

    python benchmarks/nt_closed_forms.py               # every case, depths 1, 2, 5, 10, 20, float64
    python benchmarks/nt_closed_forms.py --cases gelu sin --no-reference

For each activation with a closed form (the older ones and the catalogue of issue 14), the same network on both sides:
ours `ntk_lit.limit_kernels(x, depth=L, activation=σ, weight_std=w, beta=b)`, and neural-tangents'
`stax.serial((Dense(W_std=w, b_std=b, parameterization='ntk'), σ) × (L − 1), Dense(...))` (the same Jacot network;
see `_nt_stax_peer.py`), in float64 on five points of R³, one of them of norm 3. Printed per case and depth: the largest
entrywise relative difference of the NNGP and of the NTK over the entries finite on both sides, and the entries that
are infinite or NaN on each side (inf/nan counts of the 25 entries).

The reference (`--no-reference` skips it): one nonlinearity (depth 2), where Σ⁽²⁾ = w² E[σ(u)σ(v)] + b² and
Θ⁽²⁾ = Σ⁽¹⁾ w² E[σ̇(u)σ̇(v)] + Σ⁽²⁾ at the input covariances Σ⁽¹⁾ = w² x·x′/3 + b², with both expectations by mpmath
2-D quadrature at 20 digits in polar coordinates (the rule split at the angles where u = 0 or v = 0, so kinks and jumps
sit on panel edges); for sign and step E[σ̇σ̇] is the density of (u, v) at 0 (the delta's expectation). Printed:
the relative error of ours and of neural-tangents against it at three entries (two points, a point with the long one,
the long one with itself). And where neural-tangents returns NaN and ours does not, the whole recursion to depth 5
with every expectation from mpmath (20 digits), at two entries.
"""
import argparse, json, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np
import jax

jax.config.update('jax_enable_x64', True)

from _nt_peer import run_in_peer

DEPTHS = (1, 2, 5, 10, 20)
W, B = 1.0, 0.1
# name: (our activation: name and parameters, neural-tangents' stax layer and its arguments)
CASES = {
    'relu': (('relu', {}), ('Relu', {})),
    'leaky_relu(0.2)': (('leaky_relu', dict(negative_slope=0.2)), ('LeakyRelu', dict(alpha=0.2))),
    'abs': (('abs', {}), ('Abs', {})),
    'erf': (('erf', {}), ('Erf', {})),
    'identity': (('identity', {}), ('Identity', {})),
    'gelu': (('gelu', {}), ('Gelu', {})),
    'sin(1.3, 0.7, 0.4)': (('sin', dict(a=1.3, b=0.7, c=0.4)), ('Sin', dict(a=1.3, b=0.7, c=0.4))),
    'cos(1, 1.5, 0)': (('cos', dict(a=1.0, b=1.5, c=0.0)), ('Cos', dict(a=1.0, b=1.5, c=0.0))),
    'gaussian(1.2, -0.6)': (('gaussian', dict(a=1.2, b=-0.6)), ('Gaussian', dict(a=1.2, b=-0.6))),
    'exp(0.8, 0.5)': (('exp', dict(a=0.8, b=0.5)), ('Exp', dict(a=0.8, b=0.5))),
    'sign': (('sign', {}), ('Sign', {})),
    'step': (('step', {}), ('RectifiedMonomial', dict(degree=0))),
    'relu^2': (('rectified_monomial', dict(n=2)), ('RectifiedMonomial', dict(degree=2))),
    'relu^3': (('rectified_monomial', dict(n=3)), ('RectifiedMonomial', dict(degree=3))),
    'relu^4': (('rectified_monomial', dict(n=4)), ('RectifiedMonomial', dict(degree=4))),
    'z^2': (('monomial', dict(n=2)), ('Monomial', dict(degree=2))),
    'z^3': (('monomial', dict(n=3)), ('Monomial', dict(degree=3))),
    'poly(0.5, -1, 0.3, 0.2)': (('polynomial', dict(coef=(0.5, -1.0, 0.3, 0.2))), ('Polynomial', dict(coef=[0.5, -1.0, 0.3, 0.2]))),
}
ENTRIES = ((0, 1), (0, 4), (4, 4))


def points():
    "Five points of R³ (a fixed draw), the last rescaled to norm 3."
    x = np.random.default_rng(0).standard_normal((5, 3))
    x[4] *= 3 / np.linalg.norm(x[4])
    return x


def ours(cases, x):
    from ntk_lit import get_activation, limit_kernels
    out = {}
    for name in cases:
        (act, params), _ = CASES[name]
        for L in DEPTHS:
            k = limit_kernels(jax.numpy.asarray(x), depth=L, activation=get_activation(act, **params), weight_std=W, beta=B)
            out[name, L] = np.asarray(k.nngp), np.asarray(k.ntk)
    return out


def peer(cases, x, tmp):
    spec = dict(depths=DEPTHS, cases=[dict(name=n, layer=CASES[n][1][0], kwargs=CASES[n][1][1], weight_std=W, beta=B) for n in cases])
    (tmp / 'spec.json').write_text(json.dumps(spec)); np.save(tmp / 'x.npy', x)
    run_in_peer('_nt_closed_forms_peer.py', tmp, tmp)
    errors = json.loads((tmp / 'peer.json').read_text())['errors']
    out = {}
    for n in cases:
        for L in DEPTHS:
            f = tmp / f'{n}_d{L}_nngp.npy'
            out[n, L] = (np.load(f), np.load(tmp / f'{n}_d{L}_ntk.npy')) if f.exists() else errors.get(f'{n}_d{L}', 'missing')
    return out


def compare(a, b):
    "Largest entrywise relative difference of a from b over the entries finite on both sides (nan if there are none)."
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a - b)[both] / np.maximum(np.abs(b), 1e-300)[both])) if both.any() else float('nan')


def nonfinite(a):
    "'inf/nan' counts of an array, '' when it is all finite."
    i, n = int(np.sum(np.isinf(a))), int(np.sum(np.isnan(a)))
    return f'{i}/{n}' if i or n else '–'


# ---- the mpmath reference of one layer ----------------------------------------------------------------
def mp_functions(act, params):
    "σ and σ̇ as mpmath functions (σ̇ None for the Dirac ones)."
    import mpmath as mp
    relu = lambda z: z if z > 0 else mp.mpf(0)
    if act == 'relu': return relu, lambda z: mp.mpf(1) if z > 0 else mp.mpf(0)
    if act == 'leaky_relu':
        a = mp.mpf(params['negative_slope']); return (lambda z: z if z > 0 else a * z), (lambda z: mp.mpf(1) if z > 0 else a)
    if act == 'abs': return abs, mp.sign
    if act == 'erf': return mp.erf, lambda z: 2 / mp.sqrt(mp.pi) * mp.exp(-z * z)
    if act == 'identity': return (lambda z: z), (lambda z: mp.mpf(1))
    if act == 'gelu': return (lambda z: z * mp.ncdf(z)), (lambda z: mp.ncdf(z) + z * mp.npdf(z))
    if act in ('sin', 'cos'):
        a, b, c = (mp.mpf(params[k]) for k in 'abc')
        if act == 'cos': c = c + mp.pi / 2
        return (lambda z: a * mp.sin(b * z + c)), (lambda z: a * b * mp.cos(b * z + c))
    if act == 'gaussian':
        a, b = mp.mpf(params['a']), mp.mpf(params['b']); return (lambda z: a * mp.exp(b * z * z)), (lambda z: 2 * a * b * z * mp.exp(b * z * z))
    if act == 'exp':
        a, b = mp.mpf(params['a']), mp.mpf(params['b']); return (lambda z: a * mp.exp(b * z)), (lambda z: a * b * mp.exp(b * z))
    if act == 'sign': return mp.sign, None
    if act == 'step': return (lambda z: mp.mpf(1) if z > 0 else mp.mpf(0)), None
    if act == 'rectified_monomial':
        n = params['n']; return (lambda z: relu(z) ** n), (lambda z: n * relu(z) ** (n - 1))
    if act in ('monomial', 'polynomial'):
        coef = [mp.mpf(c) for c in (params['coef'] if act == 'polynomial' else [0] * params['n'] + [1])]
        return (lambda z: mp.polyval(coef[::-1], z)), (lambda z: mp.polyval([k * c for k, c in enumerate(coef)][:0:-1] or [0], z))
    raise KeyError(act)


def mp_expectation(f, g, q1, q2, k):
    "E[f(u) g(v)] for (u, v) ~ N(0, [[q1, k], [k, q2]]), polar coordinates, the angle split where u = 0 or v = 0."
    import mpmath as mp
    q1, q2, k = mp.mpf(q1), mp.mpf(q2), mp.mpf(k)
    rho = max(min(k / mp.sqrt(q1 * q2), 1), -1)
    phi = mp.acos(rho)  # v = r √q2 cos(t − φ), u = r √q1 cos t
    cuts = sorted({mp.mpf(0), 2 * mp.pi} | {(s % (2 * mp.pi)) for s in (mp.pi / 2, 3 * mp.pi / 2, phi + mp.pi / 2, phi + 3 * mp.pi / 2)})
    s1, s2 = mp.sqrt(q1), mp.sqrt(q2)
    h = lambda r, t: f(r * s1 * mp.cos(t)) * g(r * s2 * mp.cos(t - phi)) * r * mp.exp(-r * r / 2)
    total = mp.mpf(0)
    for a, b in zip(cuts[:-1], cuts[1:]):  # panel by panel, skipping those where the integrand is identically 0 (relu^n)
        if all(h(mp.mpf(1), a + (b - a) * s / 6) == 0 for s in range(1, 6)): continue
        try: total += mp.quad(h, [0, mp.inf], [a, b])
        except ZeroDivisionError: total += mp.quad(h, [0, mp.inf], [a, b], method='gauss-legendre')  # tanh-sinh's error estimate can divide by 0
    return total / (2 * mp.pi)


def reference(cases, x, got_ours, got_peer):
    import mpmath as mp
    mp.mp.dps = 20
    S1 = W * W * (x @ x.T) / x.shape[1] + B * B
    rows = []
    for name in cases:
        (act, params), _ = CASES[name]
        f, fd = mp_functions(act, params)
        for i, j in ENTRIES:
            q1, q2, k = S1[i, i], S1[j, j], S1[i, j]
            ss = mp_expectation(f, f, q1, q2, k)
            if fd is None:  # the density of (u, v) at the origin; +inf when the pair is degenerate
                det = mp.mpf(q1) * q2 - mp.mpf(k) ** 2
                dd = 1 / (2 * mp.pi * mp.sqrt(det)) if det > 1e-25 * q1 * q2 else mp.inf
                dd *= 4 if act == 'sign' else 1
            else:
                dd = mp_expectation(fd, fd, q1, q2, k)
            nngp = W * W * ss + B * B
            ntk = S1[i, j] * W * W * dd + nngp
            row = [name, f'({i},{j})']
            for got in (got_ours[name, 2], got_peer[name, 2]):
                if isinstance(got, str): row += ['failed', 'failed']; continue
                for val, ref in ((got[0][i, j], nngp), (got[1][i, j], ntk)):
                    row.append(f'{float(abs(mp.mpf(val) - ref) / abs(ref)):.1e}' if mp.isfinite(ref) and np.isfinite(val)
                               else f'{val} (ref {"inf" if not mp.isfinite(ref) else mp.nstr(ref, 6)})')
            rows.append(row)
            print('  ' + ' | '.join(row), flush=True)
    return rows


def mp_recursion(name, x, i, j, depth):
    "Σ⁽ᴸ⁾(xi, xj), Θ⁽ᴸ⁾(xi, xj) by the recursion with every expectation from mpmath (the layer map at the recursion's variances)."
    import mpmath as mp
    (act, params), _ = CASES[name]
    f, fd = mp_functions(act, params)
    d = x.shape[1]
    q = [mp.mpf(W * W * float(x[a] @ x[b]) / d + B * B) for a, b in ((i, i), (j, j), (i, j))]
    theta = q[2]
    for _ in range(depth - 1):
        qi, qj, k = q
        if fd is None:
            det = qi * qj - k * k
            dd = (4 if act == 'sign' else 1) / (2 * mp.pi * mp.sqrt(det)) if det > 1e-25 * qi * qj else mp.inf
        else:
            dd = mp_expectation(fd, fd, qi, qj, k)
        q = [W * W * mp_expectation(f, f, qi, qi, qi) + B * B, W * W * mp_expectation(f, f, qj, qj, qj) + B * B,
             W * W * mp_expectation(f, f, qi, qj, k) + B * B]
        theta = theta * W * W * dd + q[2]
    return q[2], theta


def deep_reference(cases, x, got_ours, got_peer, depth=5):
    "Where neural-tangents is not finite and ours is, at depth 5: both against the mpmath recursion at two entries."
    import mpmath as mp
    mp.mp.dps = 20
    for name in cases:
        o, p = got_ours[name, depth], got_peer[name, depth]
        if isinstance(p, str) or np.isfinite(p[0]).all() or not np.isfinite(o[0][:4, :4]).all(): continue
        for i, j in ((0, 1), (0, 2)):
            s_ref, t_ref = mp_recursion(name, x, i, j, depth)
            rel = lambda v, r: f'{float(abs(mp.mpf(v) - r) / abs(r)):.1e}' if mp.isfinite(r) and np.isfinite(v) else f'{v} (ref {mp.nstr(r, 6)})'
            print(f'  {name} | depth {depth} | ({i},{j}) | ours {rel(o[0][i, j], s_ref)} | {rel(o[1][i, j], t_ref)} | '
                  f'neural-tangents {p[0][i, j]} | {p[1][i, j]}', flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cases', nargs='*', default=list(CASES))
    ap.add_argument('--no-reference', action='store_true')
    args = ap.parse_args()
    x = points()
    t0 = time.perf_counter()
    mine = ours(args.cases, x)
    with tempfile.TemporaryDirectory() as tmp:
        theirs = peer(args.cases, x, Path(tmp))
    print(f'\nkernels computed in {time.perf_counter() - t0:.0f} s; points: norms {np.round(np.linalg.norm(x, axis=1), 2).tolist()}, '
          f'W_std = {W}, b_std = {B}, float64\n')
    print('| activation | depth | NNGP max rel. diff | NTK max rel. diff | inf/nan entries of 25: NNGP ours, NT; NTK ours, NT |')
    print('|---|---|---|---|---|')
    for name in args.cases:
        for L in DEPTHS:
            o, p = mine[name, L], theirs[name, L]
            if isinstance(p, str): print(f'| {name} | {L} | neural-tangents failed: {p[:80]} | | |'); continue
            print(f'| {name} | {L} | {compare(o[0], p[0]):.1e} | {compare(o[1], p[1]):.1e} | '
                  f'{nonfinite(o[0])}, {nonfinite(p[0])}; {nonfinite(o[1])}, {nonfinite(p[1])} |')
    if not args.no_reference:
        print('\nOne layer (depth 2) against mpmath, relative error: ours NNGP | ours NTK | neural-tangents NNGP | neural-tangents NTK')
        reference(args.cases, x, mine, theirs)
        print('\nDepth 5, where neural-tangents is not finite: relative error against the mpmath recursion, NNGP | NTK')
        deep_reference(args.cases, x, mine, theirs)


if __name__ == '__main__':
    main()
