"""Empirical NTK, side by side: ntk_lit's methods against neural-tangents 0.6.5, in one run.

neural-tangents 0.6.5 does not import on current JAX, so it runs in its own venv (built by
`../shared/peers/neural_tangents_venv.sh` when missing) through `_nt_peer.py`; inputs and parameters
go there, and kernels and times come back, as .npz/.json files in a temporary directory. Our
methods are discovered at run time: `gradient_flow.empirical_ntk` ('reference'),
`structured.structured_ntk` ('structured') and the engine `empirical.empirical_ntk(method=...)`
('engine:<method>'); a method that does not exist is reported as not available, never timed.
Times: float32, compile excluded (the first call is reported separately), median of the timed calls.

    python benchmarks/empirical_ntk.py              # cases a,b,c,d; writes benchmarks/results/empirical_ntk.{md,json}
    python benchmarks/empirical_ntk.py --quick      # small sizes, a smoke run
    python benchmarks/empirical_ntk.py --cases a,d --repeats 5 --out /tmp/res
"""
import argparse, importlib, json, os, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import numpy as np
import jax, jax.numpy as jnp

from _nt_peer import IMPLS, cnn_init, load_params, model_fn, run_in_peer, save_params, time_call  # the same models on both sides

TARGETS = {'mlp': 100.0, 'cnn': 1.0}  # structured ≥ this × faster than neural-tangents' best (the issue)


def make_cases(names, quick):
    "The issue's cases; --quick shrinks N and the widths."
    w1, w2, n1, n2, nc = (128, 64, 32, 32, 32) if quick else (1024, 512, 256, 128, 256)
    table = {
        'a': dict(kind='mlp', widths=(32, w1, w1, 1), outputs=1, n=n1, what=f'MLP {w1}×3, N={n1}, 1 output'),
        'b': dict(kind='mlp', widths=(32, w1, w1, 10), outputs=10, n=n1, what=f'MLP {w1}×3, N={n1}, 10 outputs'),
        'c': dict(kind='mlp', widths=(32, w2, w2, 1), outputs=1, n=n2, what=f'MLP {w2}×3, N={n2}, 1 output'),
        'd': dict(kind='cnn', widths=None, outputs=1, n=nc, what=f'CNN 8×8×3, 2×conv3×3(16), GAP, dense; N={nc}'),
    }
    return [dict(name=c, **table[c]) for c in names]


def build_inputs(case, seed=0):
    "x and params as NumPy float32 in ntk_lit's layout (MLP: ntk_lit.network.MLP.init)."
    rng = np.random.default_rng(seed)
    if case['kind'] == 'cnn':
        return rng.standard_normal((case['n'], 8, 8, 3)).astype(np.float32), cnn_init(rng)
    from ntk_lit.network import MLP
    params = MLP(tuple(case['widths'])).init(jax.random.key(seed), dtype=jnp.float32)
    x = rng.standard_normal((case['n'], case['widths'][0])).astype(np.float32)
    return x, jax.tree.map(np.asarray, params)


def our_model(case):
    "Our side's f: ntk_lit.network.MLP.apply for the MLPs, the shared plain-JAX CNN otherwise."
    if case['kind'] == 'cnn': return model_fn(case)
    from ntk_lit.network import MLP
    net = MLP(tuple(case['widths']))
    return (lambda p, x: net.apply(p, x)[:, 0]) if case['outputs'] == 1 else net.apply


def n_params(params):
    return int(sum(np.prod(np.shape(l)) for l in jax.tree.leaves(params)))


def memory_estimates(case, P):
    "Bytes of the largest buffers: Jacobian contraction keeps N·k·P floats (twice for J1, J2), NTK-vector products once."
    nkp4 = case['n'] * case['outputs'] * P * 4
    return {'nt_1': 2 * nkp4, 'engine:jacobian': 2 * nkp4, 'reference': nkp4, 'engine:ntvp': nkp4}


def discover():
    "{label: callable(f, params, x) or reason-string} for every method of ours; missing ones carry a reason."
    out = {}
    try:
        from ntk_lit.gradient_flow import empirical_ntk as ref
        out['reference'] = lambda f, p, x: ref(f, p, x)
    except Exception as e: out['reference'] = f'{type(e).__name__}: {e}'
    try:
        from ntk_lit.structured import structured_ntk
        out['structured'] = lambda f, p, x: structured_ntk(f, p, x)
        has_structured = True
    except Exception as e:
        out['structured'] = f'{type(e).__name__}: {e}'
        has_structured = False
    try:
        eng = importlib.import_module('ntk_lit.empirical')
        methods = list(getattr(eng, 'METHODS', ('jacobian', 'ntvp', 'structured', 'auto')))
        for m in sorted(methods, key=lambda m: m == 'auto'):  # 'auto' last, so the others' first calls include their compile
            if m == 'structured' and not has_structured:
                out['engine:structured'] = 'ntk_lit.structured is missing'
            else:
                out[f'engine:{m}'] = (lambda m: lambda f, p, x: eng.empirical_ntk(f, p, x, method=m))(m)
    except Exception as e: out['engine:*'] = f'{type(e).__name__}: {e}'
    return out


def auto_choice(f, params, x):
    "Which method the engine's 'auto' picks here (private helpers; None when they are absent)."
    try:
        from ntk_lit.empirical import _choose, _model_stats
        return _choose(_model_stats(f, params, x), x.shape[0], x.shape[0], symmetric=True)
    except Exception: return None


def common(K, k):
    "(N1, N2, k, k) layout; scalar models give (N1, N2)."
    K = np.asarray(K, dtype=np.float64)
    return K.reshape(K.shape[0], K.shape[1], k, k)


def run_ours(cases, args, tmp):
    methods = discover()
    res = {}
    for case in cases:
        x, params = load_params(tmp / f"case_{case['name']}.npz")
        x, params = jnp.asarray(x), jax.tree.map(jnp.asarray, params)
        f = our_model(case)
        out = {}
        for label, fn in methods.items():
            if isinstance(fn, str):
                out[label] = dict(status='not available', reason=fn); continue
            need = case['mem_bytes'].get(label)
            if need is not None and need > args.mem_limit_bytes:
                out[label] = dict(status='skipped', reason=f'estimated memory {need / 1e9:.1f} GB > limit {args.mem_limit_bytes / 1e9:.1f} GB')
                print(f"[ours] {case['name']} {label}: skipped ({out[label]['reason']})", flush=True); continue
            try:
                K, t = time_call(lambda: fn(f, params, x), args.repeats, args.max_seconds)
                out[label] = dict(status='ok', K=common(K, case['outputs']), **t)
                if label == 'engine:auto': out[label]['chose'] = auto_choice(f, params, x)
                print(f"[ours] {case['name']} {label}: median {t['median_s']:.4f} s, first {t['first_s']:.2f} s", flush=True)
            except Exception as e:
                msg = f'{type(e).__name__}: {e}'.strip().replace('\n', ' ')[:400]
                out[label] = dict(status='failed', error=msg)
                print(f"[ours] {case['name']} {label}: FAILED {msg[:200]}", flush=True)
        res[case['name']] = out
    return res


def run_peer(cases, args, tmp):
    "Run _nt_peer.py in the peer venv (built when missing); returns (peer.json, kernels) or raises."
    spec = dict(cases=cases, repeats=args.repeats, max_seconds=args.max_seconds, mem_limit_bytes=args.mem_limit_bytes)
    (tmp / 'spec.json').write_text(json.dumps(spec))
    run_in_peer('_nt_peer.py', tmp, tmp)
    peer = json.loads((tmp / 'peer.json').read_text())
    z = np.load(tmp / 'kernels.npz')
    return peer, {k: z[k] for k in z.files}


def summarise(cases, ours, peer, kernels):
    rows, targets = [], []
    for case in cases:
        c, k = case['name'], case['outputs']
        nt = peer['cases'][c] if peer else {}
        ok_nt = {n: v for n, v in nt.items() if v['status'] == 'ok'}
        best = min(ok_nt, key=lambda n: ok_nt[n]['median_s']) if ok_nt else None
        best_t = ok_nt[best]['median_s'] if best else None
        ref_name = next((n for n in ('JACOBIAN_CONTRACTION', 'NTK_VECTOR_PRODUCTS') if n in ok_nt), None)
        K_nt = common(kernels[f'{c}__{ref_name}'], k) if ref_name else None
        for n, v in nt.items():
            row = dict(case=c, side='neural-tangents', method=f'{ {v: i for i, v in IMPLS.items()}[n]}={n}', **{kk: vv for kk, vv in v.items() if kk != 'shape'})
            if v['status'] == 'ok':
                row['nt_best_over_this'] = best_t / v['median_s']
                if K_nt is not None: row['max_rel_diff_vs_nt'] = float(np.abs(common(kernels[f'{c}__{n}'], k) - K_nt).max() / np.abs(K_nt).max())
            rows.append(row)
        for label, v in ours[c].items():
            row = dict(case=c, side='ntk_lit', method=label, **{kk: vv for kk, vv in v.items() if kk != 'K'})
            if v['status'] == 'ok':
                if best_t: row['nt_best_over_this'] = best_t / v['median_s']
                if K_nt is not None: row['max_rel_diff_vs_nt'] = float(np.abs(v['K'] - K_nt).max() / np.abs(K_nt).max())
            rows.append(row)
        goal = TARGETS[case['kind']]
        st = {l: v for l, v in ours[c].items() if l in ('structured', 'engine:structured', 'engine:auto') and v['status'] == 'ok'
              and (l != 'engine:auto' or v.get('chose') == 'structured')}
        if not best_t: verdict, ratio, who = 'not checkable: no neural-tangents timing', None, None
        elif not st: verdict, ratio, who = 'not checkable: no structured method available in ntk_lit', None, None
        else:
            who = min(st, key=lambda l: st[l]['median_s'])
            ratio = best_t / st[who]['median_s']
            verdict = 'met' if ratio >= goal else 'MISSED'
        targets.append(dict(case=c, target=f'structured ≥ {goal:g}× NT best ({best})', method=who, ratio=ratio, verdict=verdict,
                            nt_best=best, nt_best_s=best_t, ref_for_diff=ref_name))
        mine = {l: v['median_s'] for l, v in ours[c].items() if l.startswith('engine:') and l != 'engine:auto' and v['status'] == 'ok'}
        auto = ours[c].get('engine:auto', {})
        if mine and auto.get('status') == 'ok':
            fastest = min(mine, key=mine.get)
            slow = auto['median_s'] / mine[fastest]
            targets.append(dict(case=c, target=f'auto ≤ 1.5× our fastest ({fastest}); chose {auto.get("chose")}', method='engine:auto',
                                ratio=slow, verdict='met' if slow <= 1.5 else 'MISSED'))
    return rows, targets


def runs(r):
    if r['status'] != 'ok': return '—'
    return str(len(r['runs_s'])) if r['runs_s'] else '1*'


def fmt(v, spec):
    return '—' if v is None else format(v, spec)


def to_markdown(cases, rows, targets, meta):
    L = ['# Empirical NTK: ntk_lit vs neural-tangents 0.6.5', '',
         f"Run {meta['date']} on {meta['machine']}; float32; ntk_lit side jax {meta['jax']}, neural-tangents side jax {meta['peer_jax']}. "
         f"Times: median of ≤{meta['repeats']} calls after a first (compiling) call, block_until_ready; "
         f"`NT best / this` > 1 means ours is faster; `max rel diff` = max|K − K_NT| / max|K_NT| against NT's "
         f"JACOBIAN_CONTRACTION kernel (NTK_VECTOR_PRODUCTS where that was not run). "
         f"Runs `1*`: the first call alone took over {meta['max_seconds']:g} s, so it is the reading (compile included, a small part of it). "
         + ('' if meta['complete'] else f"PARTIAL: only cases {meta['cases_done']} finished. ")
         + (f"Peer error: {meta['peer_error']}" if meta['peer_error'] else ''), '']
    for case in cases:
        L += [f"## ({case['name']}) {case['what']}, P = {case['P']:,}", '',
              '| side | method | status | median s | runs | first call s | NT best / this | max rel diff |',
              '|---|---|---|---:|---:|---:|---:|---:|']
        for r in [r for r in rows if r['case'] == case['name']]:
            status = r['status'] if r['status'] == 'ok' else f"{r['status']}: {r.get('reason') or r.get('error')}"
            if r.get('chose'): status += f" (chose {r['chose']})"
            L.append(f"| {r['side']} | {r['method']} | {status} | {fmt(r.get('median_s'), '.4f')} | {runs(r)} | "
                     f"{fmt(r.get('first_s'), '.2f')} | {fmt(r.get('nt_best_over_this'), '.2f')} | {fmt(r.get('max_rel_diff_vs_nt'), '.1e')} |")
        L.append('')
    L += ['## Targets (issue 4)', '', 'ratio: NT best / ours for the speed targets; auto / our fastest for the auto target.', '', '| case | target | our method | ratio | verdict |', '|---|---|---|---:|---|']
    for t in targets:
        L.append(f"| {t['case']} | {t['target']} | {t['method'] or '—'} | {fmt(t['ratio'], '.2f')} | {t['verdict']} |")
    return '\n'.join(L) + '\n'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cases', default='a,b,c,d')
    ap.add_argument('--repeats', type=int, default=3, help='timed calls per method (median reported)')
    ap.add_argument('--quick', action='store_true', help='N=32, widths 128/64: a smoke run')
    ap.add_argument('--out', default=str(HERE / 'results'))
    ap.add_argument('--max-seconds', type=float, default=20.0, help='stop timing a method once its calls took this long (≥ 1 timed call)')
    ap.add_argument('--mem-limit-gb', type=float, default=8.0, help='skip a method whose largest buffers exceed this')
    args = ap.parse_args(argv)
    args.mem_limit_bytes = int(args.mem_limit_gb * 1e9)
    names = [c.strip() for c in args.cases.split(',') if c.strip()]
    if bad := [c for c in names if c not in 'abcd']: ap.error(f'unknown case(s) {bad}; choose from a,b,c,d')
    cases = make_cases(names, args.quick)
    out_dir = Path(args.out); out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    ours, peer, kernels, peer_error = {}, None, {}, None
    for case in cases:
        x, params = build_inputs(case)
        case['P'] = n_params(params)
        case['mem_bytes'] = memory_estimates(case, case['P'])
    # cheapest case first; results are rewritten after every case, so a long case never loses the others
    order = sorted(cases, key=lambda c: c['n'] ** 2 * c['outputs'] * c['P'])
    for i, case in enumerate(order):
        with tempfile.TemporaryDirectory(prefix='ntk_bench_') as tmp:
            tmp = Path(tmp)
            save_params(tmp / f"case_{case['name']}.npz", *build_inputs(case))
            ours.update(run_ours([case], args, tmp))
            try:
                p, kern = run_peer([case], args, tmp)
                peer = p if peer is None else dict(peer, cases={**peer['cases'], **p['cases']})
                kernels.update(kern)
            except Exception as e:
                peer_error = f'{type(e).__name__}: {e}'[:2000]
                print('[peer] FAILED:', peer_error, flush=True)
        done = [c for c in cases if c['name'] in ours]
        if peer is not None: peer.setdefault('cases', {})
        for c in done: (peer or {}).get('cases', {}).setdefault(c['name'], {})
        rows, targets = summarise(done, ours, peer, kernels)
        meta = dict(date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), machine=f'{os.cpu_count()} CPU cores, {jax.devices()[0].platform}',
                    jax=jax.__version__, peer_jax=peer['jax'] if peer else None, repeats=args.repeats, max_seconds=args.max_seconds,
                    quick=args.quick, wall_s=round(time.time() - t0, 1), peer_error=peer_error,
                    complete=i == len(order) - 1, cases_done=[c['name'] for c in done])
        md = to_markdown(done, rows, targets, meta)
        (out_dir / 'empirical_ntk.md').write_text(md)
        (out_dir / 'empirical_ntk.json').write_text(json.dumps(dict(meta=meta, cases=done, rows=rows, targets=targets), indent=1, default=str))
    print('\n' + md)
    print(f"wrote {out_dir / 'empirical_ntk.md'} and {out_dir / 'empirical_ntk.json'} ({meta['wall_s']} s)")


if __name__ == '__main__':
    main()
