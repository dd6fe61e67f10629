"""A Gram matrix larger than comfortable, within a memory budget (the empirical-NTK issue).

Computes the empirical NTK Gram of an N-point batch for a width-512 ReLU MLP (depth 3, scalar
output) with `ntk_lit.empirical_ntk(..., memory_budget=B)` and reports the method and block size
chosen, the wall time, and the memory the call added to the process: the peak resident set
(ru_maxrss) after the call minus the resident set just before it (/proc/self/statm), an upper
bound on what the call used beyond the fixed memory of Python, JAX and the compiled code (which
the budget does not cover; the blocks are compiled before the reading). A spot check compares
64 entries with a direct computation by the definition. Usage:

    python benchmarks/gram_budget.py                 # N = 20 000, budget 2 GB
    python benchmarks/gram_budget.py --n 2000 --budget 200e6 --method jacobian
"""
import argparse, json, os, resource, time
from pathlib import Path

import jax, jax.numpy as jnp, numpy as np

from ntk_lit.empirical import empirical_ntk, _model_stats, _block_size, _choose
from ntk_lit.gradient_flow import empirical_ntk as definition
from ntk_lit.network import MLP


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def rss_bytes():
    return int(Path('/proc/self/statm').read_text().split()[1]) * os.sysconf('SC_PAGE_SIZE')


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
    f = lambda p, x: net.apply(p, x)[:, 0]
    params = net.init(jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (a.n, a.d))
    budget = int(a.budget)
    stats = _model_stats(f, params, x)
    method = _choose(stats, a.n, a.n, symmetric=True) if a.method == 'auto' else a.method
    block, cache = _block_size(stats, a.n, a.n, method, budget, a.n * a.n * stats['item'], symmetric=True)
    if block < a.n: empirical_ntk(f, params, x[:2 * block], method=method, batch_size=block)  # compile the block functions
    rss0, t = rss_bytes(), time.perf_counter()
    K = empirical_ntk(f, params, x, method=method, memory_budget=budget)
    seconds = time.perf_counter() - t
    used = peak_rss_bytes() - rss0
    idx = np.random.default_rng(0).choice(a.n, 8, replace=False)
    direct = np.asarray(definition(f, params, x[idx]))
    err = float(np.max(np.abs(np.asarray(K)[np.ix_(idx, idx)] - direct)) / np.max(np.abs(direct)))
    res = dict(n=a.n, width=a.width, d=a.d, params=net.num_params, method=method, block=block, factors_kept=cache,
               budget_bytes=budget, gram_bytes=int(K.nbytes), seconds=round(seconds, 2), rss_before_bytes=rss0,
               peak_rss_after_bytes=peak_rss_bytes(), memory_used_bytes=used, spot_check_rel_err=err,
               symmetric=bool(np.allclose(np.asarray(K)[np.ix_(idx, idx)], np.asarray(K)[np.ix_(idx, idx)].T, rtol=1e-5)))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1))
    for k, v in res.items(): print(f'{k:24s} {v:,}' if isinstance(v, int) and not isinstance(v, bool) else f'{k:24s} {v}')
    ok = used <= budget and err < 1e-4
    print('within budget' if used <= budget else 'OVER BUDGET', '| spot check', 'ok' if err < 1e-4 else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
