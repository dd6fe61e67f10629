"""Is the random-feature gap a matter of the ridge? Each method at its own best λ (issue 9).

On the data of `million.py` (d = 32, the depth-2 ReLU NTK) at a size where the exact solver is quick, test
MSE over a grid of ridges λ for exact NTK kernel ridge regression (one float64 eigendecomposition of the Gram),
NTK random features (`random_features`, D = 2m + 1) and Nyström features (`nystrom_features`, D = m
landmarks): ΦᵀΦ and Φᵀy once per feature map (`feature_moments`), one float64 solve per λ. Reports each
method's best λ and its test MSE relative to exact regression at exact regression's best λ.

    python benchmarks/ridge_choice.py                       # N = 5000, m = 1024, 2048
    python benchmarks/ridge_choice.py --n 2000 --m 256,512
"""
import argparse, json, sys, time
from pathlib import Path

import numpy as np
import scipy.linalg

sys.path.insert(0, str(Path(__file__).parent))
from million import make_data  # the same synthetic task


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=5000)
    ap.add_argument('--n-test', type=int, default=5000)
    ap.add_argument('--d', type=int, default=32)
    ap.add_argument('--m', default='1024,2048', help='random features per layer / Nyström landmarks')
    ap.add_argument('--ridges', default='0.01,0.1,1,10,100')
    ap.add_argument('--noise', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'ridge_choice.json'))
    a = ap.parse_args(argv)
    import jax
    from ntk_lit.limit import limit_kernels
    from ntk_lit.features import random_features
    from ntk_lit.nystrom import nystrom_features, sample_landmarks
    from ntk_lit.streaming import feature_moments
    ms, lams = [int(v) for v in a.m.split(',')], [float(v) for v in a.ridges.split(',')]
    x, y, _ = make_data(a.n, a.d, 2, a.noise)
    xt, yt, _ = make_data(a.n_test, a.d, 1, a.noise)
    t = time.perf_counter()
    with jax.enable_x64(True):
        K = np.asarray(limit_kernels(x.astype(np.float64), depth=2).ntk)
        Kt = np.asarray(limit_kernels(xt.astype(np.float64), x.astype(np.float64), depth=2).ntk)
    ev, U = np.linalg.eigh(K)
    proj, Uy = Kt @ U, U.T @ y
    rows = [dict(method='exact', D=a.n, mse={l: float(np.mean((proj @ (Uy / (ev + l)) - yt) ** 2)) for l in lams})]
    exact_s = time.perf_counter() - t
    for m in ms:
        for name, fm in (('random features', random_features(jax.random.key(a.seed), a.d, depth=2, m=m)),
                         ('Nyström', nystrom_features(sample_landmarks(jax.random.key(a.seed), x, m), depth=2))):
            A, b = feature_moments(fm, x, y)
            P = np.asarray(fm(xt), np.float64)
            mse = {l: float(np.mean((P @ scipy.linalg.solve(A + l * np.eye(len(A)), b, assume_a='pos')[:, 0] - yt) ** 2)) for l in lams}
            rows.append(dict(method=name, m=m, D=fm.dim, mse=mse))
    best_exact = min(rows[0]['mse'].values())
    print(f'N = {a.n}, d = {a.d}, test points {a.n_test}; exact solver {exact_s:.1f} s; ridges {lams}')
    for r in rows:
        lam = min(r['mse'], key=r['mse'].get)
        r['best_ridge'], r['best_mse'], r['ratio_to_best_exact'] = lam, r['mse'][lam], r['mse'][lam] / best_exact
        print(f"{r['method']:16s} D = {r['D']:5d}: best λ = {lam:g}, test MSE {r['best_mse']:.5f} "
              f"({100 * (r['ratio_to_best_exact'] - 1):+.1f} % vs exact at its best λ); by λ: "
              + ', '.join(f'{l:g}: {v:.4f}' for l, v in r['mse'].items()))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(dict(args=vars(a), rows=rows), indent=1))


if __name__ == '__main__':
    main()
