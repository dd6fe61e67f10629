"""The infinite-width kernels, side by side: ntk_lit.limit_kernels against neural-tangents 0.6.5's stax kernel, in one run.

    python benchmarks/limit_kernels.py                         # the four cases below, float64
    python benchmarks/limit_kernels.py --cases relu-4000-d10 --repeats 5
    python benchmarks/limit_kernels.py --gram                  # N = 50 000, d = 64, depth 5: tiles, to disk
    python benchmarks/limit_kernels.py --gram --n 5000 --budget 2e8

Cases (issue 5): Grams (x2 omitted) of N points x ~ N(0, I) in d = 64, Jacot's network (σ_w = 1, β = 0.1),
float64 on both sides: relu-2000-d3, relu-4000-d10, erf-2000-d3, erf-4000-d10. neural-tangents runs in its
own venv (`_nt_peer.run_in_peer`, `_nt_stax_peer.py`); inputs go there and kernels come back as .npy files.
Timing: `_nt_peer.time_call` on both sides (a first, compiling call reported apart, then the median of up
to --repeats calls). Reported per case: both medians, the ratio NT / ours, the largest difference of each
kernel relative to NT's largest entry and the largest entrywise relative difference of the NTK, and the
elementwise roofline: the bytes one layer moves if its N×N inputs and outputs go through memory (4 N² floats:
ours reads and writes the complex Σ + iΘ), the time that takes at this machine's measured copy bandwidth,
and the measured time per layer ((t(depth) − t(depth 1)) / (depth − 1)).

--gram computes the NNGP and NTK Gram of N points tile by tile within --budget bytes of working memory
(`limit_kernels(..., memory_budget=B, out=...)`), in float32, writing both kernels to .npy files through
`os.pwrite` (so the output is never resident in this process), and reports the time, the tile side, the peak
resident memory (ru_maxrss) and a spot check of 64 random rows and columns against a direct computation.
Results go to benchmarks/results/limit_kernels.{md,json} and limit_gram.json (git-ignored).
"""
import argparse, json, os, platform, resource, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np
import jax

from _nt_peer import run_in_peer, time_call  # the peer venv and the timing protocol of the other benchmark

CASES = {f'{a}-{n}-d{L}': dict(activation=a, n=n, depth=L) for a in ('relu', 'erf') for n, L in ((2000, 3), (4000, 10))}
TARGET_SPEEDUP, TARGET_DIFF = 3.0, 1e-6  # ≥ 3× neural-tangents at relu-4000-d10; equal to 1e-6 relative


def copy_bandwidth(nbytes=256 * 2**20, repeats=5):
    "Bytes per second that a large NumPy copy moves (read + write), the best of a few: the memory roofline."
    a = np.ones(nbytes // 8); b = np.empty_like(a); np.copyto(b, a)
    best = min(_timed(lambda: np.copyto(b, a)) for _ in range(repeats))
    return 2 * a.nbytes / best


def _timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t


def run_ours(cases, args):
    from ntk_lit.limit import limit_kernels
    out = {}
    for name, c in cases.items():
        x = jax.numpy.asarray(np.load(args.tmp / f'x_{name}.npy'))
        call = lambda depth: (lambda: limit_kernels(x, depth=depth, activation=c['activation'], weight_std=1.0, beta=0.1))
        k, t = time_call(call(c['depth']), args.repeats, args.max_seconds)
        _, t1 = time_call(call(1), args.repeats, args.max_seconds)
        out[name] = dict(t, depth1_median_s=t1['median_s'], nngp=np.asarray(k.nngp), ntk=np.asarray(k.ntk))
        print(f"[ours] {name}: median {t['median_s']:.3f} s, first call {t['first_s']:.2f} s, depth 1 {t1['median_s']:.3f} s", flush=True)
    return out


def run_peer(cases, args):
    spec = dict(cases=[dict(name=n, weight_std=1.0, beta=0.1, **c) for n, c in cases.items()],
                repeats=args.repeats, max_seconds=args.max_seconds)
    (args.tmp / 'spec.json').write_text(json.dumps(spec))
    run_in_peer('_nt_stax_peer.py', args.tmp, args.tmp)
    return json.loads((args.tmp / 'peer.json').read_text())


def summarise(cases, ours, peer, bandwidth):
    rows = []
    for name, c in cases.items():
        o, p = ours[name], peer['cases'][name]
        nt = {k: np.load(ours['_tmp'] / f'{name}_{k}.npy') for k in ('nngp', 'ntk')}
        diff = {k: float(np.abs(o[k] - nt[k]).max() / np.abs(nt[k]).max()) for k in nt}
        entry = float(np.max(np.abs(o['ntk'] - nt['ntk']) / np.abs(nt['ntk'])))
        n, L = c['n'], c['depth']
        layer_bytes = 4 * n * n * 8
        per_layer = max(o['median_s'] - o['depth1_median_s'], 0.0) / (L - 1)
        rows.append(dict(case=name, n=n, depth=L, activation=c['activation'], ours_s=o['median_s'], ours_first_s=o['first_s'],
                         nt_s=p['median_s'], nt_first_s=p['first_s'], speedup=p['median_s'] / o['median_s'],
                         rel_diff_nngp=diff['nngp'], rel_diff_ntk=diff['ntk'], entrywise_rel_diff_ntk=entry,
                         layer_bytes=layer_bytes, roofline_layer_s=layer_bytes / bandwidth, ours_layer_s=per_layer,
                         nt_layer_s=p['median_s'] / L))
    return rows


def to_markdown(rows, meta):
    L = ['# Infinite-width kernels: ntk_lit.limit_kernels vs neural-tangents 0.6.5 stax', '',
         f"Run {meta['date']} on {meta['machine']}; float64 on both sides; ntk_lit side jax {meta['jax']}, "
         f"neural-tangents side jax {meta['peer_jax']}. Median of ≤{meta['repeats']} calls after a compiling first call. "
         f"Copy bandwidth (read + write) measured here: {meta['bandwidth'] / 1e9:.1f} GB/s. "
         f"Load average at the start: {meta['load']}.", '',
         '| case | ours s | NT s | NT / ours | max rel diff NNGP | max rel diff NTK | entrywise NTK | bytes / layer | roofline s / layer | ours s / layer | NT s / layer |',
         '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for r in rows:
        L.append(f"| {r['case']} | {r['ours_s']:.3f} | {r['nt_s']:.3f} | {r['speedup']:.1f} | {r['rel_diff_nngp']:.1e} | "
                 f"{r['rel_diff_ntk']:.1e} | {r['entrywise_rel_diff_ntk']:.1e} | {r['layer_bytes'] / 2**20:.0f} MiB | "
                 f"{r['roofline_layer_s']:.3f} | {r['ours_layer_s']:.3f} | {r['nt_layer_s']:.3f} |")
    L += ['', '## Targets (issue 5)', '']
    for t in meta['targets']: L.append(f"- {t['what']}: {t['value']} — **{t['verdict']}**")
    L += ['', 'max rel diff = max|K − K_NT| / max|K_NT|; entrywise = max |K − K_NT| / |K_NT|. '
          'Roofline: a layer that streams its inputs and outputs through memory cannot take less than bytes / bandwidth; '
          'ours s / layer = (t(depth) − t(depth 1)) / (depth − 1); NT s / layer = t / depth.']
    return '\n'.join(L) + '\n'


def benchmark(args):
    names = [c.strip() for c in args.cases.split(',') if c.strip()]
    if bad := [c for c in names if c not in CASES]: sys.exit(f'unknown case(s) {bad}; choose from {sorted(CASES)}')
    cases = {n: CASES[n] for n in names}
    jax.config.update('jax_enable_x64', True)
    load = os.getloadavg()
    bandwidth = copy_bandwidth()
    with tempfile.TemporaryDirectory(prefix='ntk_limit_bench_') as tmp:
        args.tmp = Path(tmp)
        rng = np.random.default_rng(0)
        for name, c in cases.items(): np.save(args.tmp / f'x_{name}.npy', rng.standard_normal((c['n'], 64)))
        ours = run_ours(cases, args)
        peer = run_peer(cases, args)
        ours['_tmp'] = args.tmp
        rows = summarise(cases, ours, peer, bandwidth)
    targets = []
    for r in rows:
        d = max(r['rel_diff_nngp'], r['rel_diff_ntk'])
        targets.append(dict(what=f"{r['case']}: equal to {TARGET_DIFF:g} relative", value=f'{d:.1e}', verdict='met' if d <= TARGET_DIFF else 'MISSED'))
    for r in rows:
        if r['case'] == 'relu-4000-d10':
            targets.append(dict(what=f'relu-4000-d10: ≥ {TARGET_SPEEDUP:g}× faster than neural-tangents', value=f"{r['speedup']:.1f}×",
                                verdict='met' if r['speedup'] >= TARGET_SPEEDUP else 'MISSED'))
    meta = dict(date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), machine=f'{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()})',
                jax=jax.__version__, peer_jax=peer['jax'], repeats=args.repeats, bandwidth=bandwidth,
                load=' '.join(f'{v:.1f}' for v in load), targets=targets)
    md = to_markdown(rows, meta)
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    (out / 'limit_kernels.md').write_text(md)
    (out / 'limit_kernels.json').write_text(json.dumps(dict(meta=meta, rows=rows), indent=1))
    print('\n' + md + f"wrote {out / 'limit_kernels.md'} and {out / 'limit_kernels.json'}")
    return 0 if all(t['verdict'] == 'met' for t in targets) else 1


class NpyWriter:
    "An (n1, n2) .npy file on disk that takes `w[i0:i1, j0:j1] = block` by os.pwrite: nothing stays mapped in memory."
    def __init__(self, path, shape, dtype):
        mm = np.lib.format.open_memmap(path, mode='w+', dtype=dtype, shape=shape)  # writes the header, sizes the file
        self.offset, self.shape, self.dtype = mm.offset, tuple(shape), np.dtype(dtype)
        del mm
        self.fd = os.open(path, os.O_WRONLY)

    def __setitem__(self, key, block):
        rows, cols = key
        block = np.asarray(block, self.dtype)
        for r, row in zip(range(rows.start, rows.stop), block):
            os.pwrite(self.fd, np.ascontiguousarray(row).tobytes(), self.offset + (r * self.shape[1] + cols.start) * self.dtype.itemsize)

    def close(self): os.close(self.fd)


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def gram(args):
    from ntk_lit.limit import limit_kernels
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(0).standard_normal((args.n, args.d)).astype(np.float32)
    paths = [out / f'limit_gram_{k}.npy' for k in ('nngp', 'ntk')]
    writers = [NpyWriter(p, (args.n, args.n), np.float32) for p in paths]
    rss0, load = peak_rss_bytes(), os.getloadavg()
    t = time.perf_counter()
    limit_kernels(x, depth=args.depth, memory_budget=int(args.budget), out=tuple(writers))
    seconds = time.perf_counter() - t
    rss1 = peak_rss_bytes()
    for w in writers: w.close()
    idx = np.sort(np.random.default_rng(1).choice(args.n, 64, replace=False))
    direct = limit_kernels(x[idx], depth=args.depth)
    errs = {}
    for p, k in zip(paths, direct):
        stored = np.load(p, mmap_mode='r')[np.ix_(idx, idx)]
        errs[p.stem] = float(np.abs(stored - np.asarray(k)).max() / np.abs(np.asarray(k)).max())
    from ntk_lit.limit import _tile_side
    from ntk_lit.activations import get_activation
    side = _tile_side(get_activation('relu'), 'auto', args.n, args.n, 4, int(args.budget), 0)
    res = dict(n=args.n, d=args.d, depth=args.depth, dtype='float32', budget_bytes=int(args.budget), tile_side=side,
               gram_bytes_each=args.n * args.n * 4, seconds=round(seconds, 1), entries_per_second=args.n ** 2 / seconds,
               peak_rss_before_bytes=rss0, peak_rss_after_bytes=rss1, spot_check_rel_err=errs,
               load=' '.join(f'{v:.1f}' for v in load), machine=f'{os.cpu_count()} CPU cores', jax=jax.__version__)
    (out / 'limit_gram.json').write_text(json.dumps(res, indent=1))
    for k, v in res.items(): print(f'{k:24s} {v:,}' if isinstance(v, int) else f'{k:24s} {v}')
    if not args.keep:
        for p in paths: p.unlink()
    ok = max(errs.values()) < 1e-5
    print('spot check', 'ok' if ok else 'FAILED', f"| wrote {out / 'limit_gram.json'}")
    return 0 if ok else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cases', default=','.join(CASES))
    ap.add_argument('--repeats', type=int, default=3, help='timed calls per side (median reported)')
    ap.add_argument('--max-seconds', type=float, default=60.0, help='stop timing a side once its calls took this long (≥ 1 timed call)')
    ap.add_argument('--out', default=str(HERE / 'results'))
    ap.add_argument('--gram', action='store_true', help='the large tiled Gram instead of the comparison')
    ap.add_argument('--n', type=int, default=50_000, help='--gram: points')
    ap.add_argument('--d', type=int, default=64, help='--gram: input dimension')
    ap.add_argument('--depth', type=int, default=5, help='--gram: depth')
    ap.add_argument('--budget', type=float, default=2e9, help='--gram: bytes of working memory for one tile')
    ap.add_argument('--keep', action='store_true', help='--gram: keep the .npy files')
    args = ap.parse_args(argv)
    return gram(args) if args.gram else benchmark(args)


if __name__ == '__main__':
    raise SystemExit(main())
