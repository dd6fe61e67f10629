"""A Gram matrix larger than comfortable, within a memory budget (the empirical-NTK issue).

Computes the empirical NTK Gram of an N-point batch for a width-512 ReLU MLP with
`ntk_lit.empirical_ntk(..., memory_budget=B)` and reports wall time, the peak resident memory of
the process (ru_maxrss) before and after, the block's compilation done before the first reading, the block size chosen and a spot check of a few entries against a direct
computation. Usage:

    python benchmarks/gram_budget.py                 # N = 20 000, budget 2 GB
    python benchmarks/gram_budget.py --n 2000 --budget 200e6 --method jacobian
"""
import argparse, json, resource, time
from pathlib import Path

import jax, jax.numpy as jnp, numpy as np

from ntk_lit.empirical import empirical_ntk, _model_stats, _block_size, _choose
from ntk_lit.network import MLP


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=20_000)
    ap.add_argument('--width', type=int, default=512)
    ap.add_argument('--d', type=int, default=32, help='input dimension')
    ap.add_argument('--budget', type=float, default=2e9, help='memory_budget in bytes')
    ap.add_argument('--method', default='auto')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'gram_budget.json'))
    a = ap.parse_args(argv)
    net = MLP((a.d, a.width, a.width, 1))
    params = net.init(jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (a.n, a.d))
    budget = int(a.budget)
    stats = _model_stats(net.apply, params, x)
    method = _choose(stats, a.n, a.n) if a.method == 'auto' else a.method
    block = _block_size(stats, a.n, a.n, method, budget, a.n * a.n * 4)
    jax.block_until_ready(empirical_ntk(net.apply, params, x[:block], x[:block], method=method))  # compile the block once
    rss0 = peak_rss_bytes()
    t = time.perf_counter()
    K = empirical_ntk(net.apply, params, x, method=method, memory_budget=budget)
    seconds = time.perf_counter() - t
    rss1 = peak_rss_bytes()
    idx = np.random.default_rng(0).choice(a.n, 8, replace=False)
    direct = np.asarray(empirical_ntk(net.apply, params, x[idx], method='ntvp'))
    err = float(np.max(np.abs(K[np.ix_(idx, idx)][..., 0, 0] - direct[..., 0, 0])) / np.max(np.abs(direct)))
    res = dict(n=a.n, width=a.width, d=a.d, params=net.num_params, method=method, block=block,
               budget_bytes=budget, gram_bytes=int(K.nbytes), seconds=round(seconds, 2),
               peak_rss_before_bytes=rss0, peak_rss_after_bytes=rss1,
               peak_rss_growth_bytes=rss1 - rss0, spot_check_rel_err=err)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    for k, v in res.items(): print(f'{k:24s} {v:,}' if isinstance(v, int) else f'{k:24s} {v}')
    ok = rss1 - rss0 <= budget and err < 1e-4
    print('within budget' if rss1 - rss0 <= budget else 'OVER BUDGET', '| spot check', 'ok' if err < 1e-4 else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
