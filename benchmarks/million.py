"""Kernel regression with the NTK on a million points, through streamed random features (issue 9).

Synthetic data generated here: x ~ N(0, I_d) in d = 32, a known target
f(x) = sin(u1) + 0.5 u2 u3 + 0.3 relu(u4) with u = Q x for four fixed random unit directions Q,
and labels y = f(x) + noise·ε. Two parts, each in its own process (so that each one's peak
resident memory, ru_maxrss, is its own):

- `million`: random features of the depth-2 ReLU NTK (`ntk_lit.features.random_features`, m per
  layer, D = 2m + 1; or with `--features nystrom`, Nyström features on m landmarks, D ≤ m), `ntk_lit.streaming.fit_features` over N = 1 000 000 points in blocks within
  `--budget` bytes with a tqdm bar, then the test error on `--n-test` fresh points.
- `compare`: at N = 20 000, exact NTK kernel ridge regression (`limit_kernels` Gram in float64,
  written tile by tile into one preallocated array, Cholesky in place) against random-feature
  regression with the same ridge, for each m of `--compare-m`, and against Nyström features
  (`ntk_lit.nystrom`, landmarks drawn uniformly from the training points) for each number of
  landmarks in `--compare-nystrom`. Peak memory: the N × N and
  n_test × N float64 kernels (3.2 + 1.6 GB at the defaults) plus one tile.

Reported: wall times, peak memory, test MSE against the noisy test labels and against the clean
target (excess error), and the ratio of random-feature to exact test MSE (target: within 2 %).
Usage:

    python benchmarks/million.py                      # both parts (N = 10^6 and the N = 20 000 comparison)
    python benchmarks/million.py --part million --n 100000 --m 512
    python benchmarks/million.py --part million --features nystrom --m 2048
    python benchmarks/million.py --part compare --compare-n 5000 --compare-m 256,1024 --compare-nystrom 512,2048
"""
import argparse, json, resource, subprocess, sys, time
from pathlib import Path

import numpy as np


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def make_data(n, d, seed, noise):
    "Inputs (float32), noisy labels and the clean target."
    q = np.random.default_rng(12345).standard_normal((d, 4))
    q /= np.linalg.norm(q, axis=0)
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, d), dtype=np.float32)
    u = x.astype(np.float64) @ q
    f = np.sin(u[:, 0]) + 0.5 * u[:, 1] * u[:, 2] + 0.3 * np.maximum(u[:, 3], 0)
    return x, f + noise * r.standard_normal(n), f


def errors(pred, y, f):
    return dict(test_mse=float(np.mean((pred - y) ** 2)), excess_mse=float(np.mean((pred - f) ** 2)))


def feature_map(kind, x, m, a):
    "Random features (D = 2m + 1) or Nyström features on m landmarks drawn from x (D ≤ m), and the seconds to build them."
    import jax
    t = time.perf_counter()
    if kind == 'random':
        from ntk_lit.features import random_features
        fm = random_features(jax.random.key(a.seed), x.shape[1], depth=a.depth, m=m)
    else:
        from ntk_lit.nystrom import nystrom_features, sample_landmarks
        fm = nystrom_features(sample_landmarks(jax.random.key(a.seed), x, m), depth=a.depth)
    return fm, time.perf_counter() - t


def rf_fit(x, y, xt, yt, ft, m, a, progress, kind='random'):
    from ntk_lit.streaming import fit_features, choose_block_size
    fm, setup_s = feature_map(kind, x, m, a)
    t = time.perf_counter()
    model = fit_features(fm, x, y, ridge=a.ridge, memory_budget=int(a.budget), progress=progress)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = model.predict(xt)
    return dict(features=kind, m=m, D=fm.dim, block_size=choose_block_size(fm, len(x), int(a.budget)), setup_s=setup_s,
                fit_s=fit_s, predict_s=time.perf_counter() - t, **errors(pred, yt, ft))


def part_million(a):
    t0 = time.perf_counter()
    x, y, _ = make_data(a.n, a.d, 0, a.noise)
    xt, yt, ft = make_data(a.n_test, a.d, 1, a.noise)
    gen_s = time.perf_counter() - t0
    r = rf_fit(x, y, xt, yt, ft, a.m, a, progress=True, kind=a.features)
    return dict(part='million', n=a.n, d=a.d, n_test=a.n_test, data_s=gen_s, **r,
                total_s=time.perf_counter() - t0, peak_rss_bytes=peak_rss_bytes())


def part_compare(a):
    import jax
    import scipy.linalg
    from ntk_lit.limit import limit_kernels
    x, y, _ = make_data(a.compare_n, a.d, 2, a.noise)
    xt, yt, ft = make_data(a.n_test, a.d, 1, a.noise)
    t = time.perf_counter()
    K, Kt = np.empty((len(x), len(x))), np.empty((len(xt), len(x)))  # written tile by tile: no second copy
    with jax.enable_x64(True):
        x64, xt64 = x.astype(np.float64), xt.astype(np.float64)
        limit_kernels(x64, depth=a.depth, memory_budget=int(a.tile_budget), out=(None, K))
        limit_kernels(xt64, x64, depth=a.depth, memory_budget=int(a.tile_budget), out=(None, Kt))
    gram_s = time.perf_counter() - t
    t = time.perf_counter()
    K[np.diag_indices_from(K)] += a.ridge
    c = scipy.linalg.cho_factor(K.T, lower=True, overwrite_a=True, check_finite=False)  # K.T: the same symmetric matrix, Fortran order, factored in place
    pred = Kt @ scipy.linalg.cho_solve(c, y)
    solve_s = time.perf_counter() - t
    del K, c
    exact = dict(gram_s=gram_s, solve_s=solve_s, **errors(pred, yt, ft))
    rows = []
    for m in a.compare_m:
        r = rf_fit(x, y, xt, yt, ft, m, a, progress=False)
        r['ratio_test_mse'] = r['test_mse'] / exact['test_mse']
        r['ratio_excess_mse'] = r['excess_mse'] / exact['excess_mse']
        rows.append(r)
    nys = []
    for m in a.compare_nystrom:
        r = rf_fit(x, y, xt, yt, ft, m, a, progress=False, kind='nystrom')
        r['ratio_test_mse'] = r['test_mse'] / exact['test_mse']
        r['ratio_excess_mse'] = r['excess_mse'] / exact['excess_mse']
        nys.append(r)
    return dict(part='compare', n=a.compare_n, d=a.d, n_test=a.n_test, exact=exact, random_features=rows, nystrom=nys,
                peak_rss_bytes=peak_rss_bytes())


def report(res):
    if res['part'] == 'million':
        print(f"N = {res['n']:,}, d = {res['d']}, {res.get('features', 'random')} features, m = {res['m']} (D = {res['D']}), blocks of {res['block_size']} rows: "
              f"fit {res['fit_s']:.1f} s, predict {res['n_test']:,} points {res['predict_s']:.1f} s, "
              f"total {res['total_s']:.1f} s; peak RSS {res['peak_rss_bytes'] / 2**30:.2f} GiB; "
              f"test MSE {res['test_mse']:.5f}, excess over the clean target {res['excess_mse']:.5f}")
    else:
        e = res['exact']
        print(f"N = {res['n']:,}: exact NTK regression: Gram {e['gram_s']:.1f} s, solve {e['solve_s']:.1f} s, "
              f"test MSE {e['test_mse']:.5f}, excess {e['excess_mse']:.5f}; peak RSS {res['peak_rss_bytes'] / 2**30:.2f} GiB")
        for r in res['random_features']:
            print(f"   random features m = {r['m']} (D = {r['D']}): fit {r['fit_s']:.1f} s, test MSE {r['test_mse']:.5f} "
                  f"({100 * (r['ratio_test_mse'] - 1):+.1f} % vs exact: {'within' if abs(r['ratio_test_mse'] - 1) <= 0.02 else 'NOT within'} 2 %), "
                  f"excess {r['excess_mse']:.5f} ({r['ratio_excess_mse']:.2f} × exact)")
        for r in res.get('nystrom', []):
            print(f"   Nyström, {r['m']} landmarks (D = {r['D']}): setup {r['setup_s']:.1f} s, fit {r['fit_s']:.1f} s, test MSE {r['test_mse']:.5f} "
                  f"({100 * (r['ratio_test_mse'] - 1):+.1f} % vs exact: {'within' if abs(r['ratio_test_mse'] - 1) <= 0.02 else 'NOT within'} 2 %), "
                  f"excess {r['excess_mse']:.5f} ({r['ratio_excess_mse']:.2f} × exact)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--part', choices=('both', 'million', 'compare'), default='both')
    ap.add_argument('--n', type=int, default=1_000_000)
    ap.add_argument('--d', type=int, default=32)
    ap.add_argument('--m', type=int, default=1024, help='random features per layer (D = 2m + 1), or Nyström landmarks (D ≤ m)')
    ap.add_argument('--features', choices=('random', 'nystrom'), default='random', help='the feature map of the million part')
    ap.add_argument('--depth', type=int, default=2)
    ap.add_argument('--ridge', type=float, default=1.0)
    ap.add_argument('--noise', type=float, default=0.1)
    ap.add_argument('--n-test', type=int, default=10_000)
    ap.add_argument('--compare-n', type=int, default=20_000)
    ap.add_argument('--compare-m', default='1024,2048,4096')
    ap.add_argument('--compare-nystrom', default='1024,2048,4096', help='numbers of Nyström landmarks (empty: none)')
    ap.add_argument('--budget', type=float, default=2e9, help='memory budget of the blocks and tiles, bytes')
    ap.add_argument('--tile-budget', type=float, default=5e8, help='bytes for one tile of the exact Gram (compare part)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'million.json'))
    a = ap.parse_args(argv)
    a.compare_m = [int(v) for v in a.compare_m.split(',') if v]
    a.compare_nystrom = [int(v) for v in a.compare_nystrom.split(',') if v]
    if a.part == 'both':  # each part in its own process: its own peak memory
        results = []
        for part in ('million', 'compare'):
            out = Path(a.out).with_name(f'million_{part}.json')
            subprocess.run([sys.executable, __file__, *(argv if argv is not None else sys.argv[1:]), '--part', part, '--out', str(out)], check=True)
            results.append(json.loads(out.read_text()))
        Path(a.out).write_text(json.dumps(results, indent=1))
        print('\nsummary:'); [report(r) for r in results]
        return
    res = part_million(a) if a.part == 'million' else part_compare(a)
    res['args'] = {k: v for k, v in vars(a).items()}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    report(res)


if __name__ == '__main__':
    main()
