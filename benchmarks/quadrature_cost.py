"""The cost of error-controlled quadrature: a tanh Gram (N = 2000, depth 10) before and after, side by side.

"Before" is the library at commit 558770a (a fixed degree-64 Gauss–Hermite rule), extracted with
`git archive 558770a ntk_lit | tar -x -C DIR` and run from DIR in a subprocess; "after" is this checkout.
Both run alternately, compile excluded, median of --repeats calls. Accuracy: a 64 × 64 block of the
Gram against a float64 reference computed with the finest rule of the ladder (level-2 graded, 16 nodes per panel).

usage: python benchmarks/quadrature_cost.py [--n 2000] [--depth 10] [--repeats 3] [--old DIR]
"""
import argparse, json, os, subprocess, sys, tempfile

RUN = r'''
import json, sys, time, statistics, jax, jax.numpy as jnp, numpy as np
import ntk_lit
n, depth, repeats, x64 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1'
jax.config.update('jax_enable_x64', x64)
x = jax.random.normal(jax.random.key(0), (n, 16), jnp.float32).astype(jnp.float64 if x64 else jnp.float32)
f = lambda: ntk_lit.limit_kernels(x, depth=depth, activation='tanh', weight_std=1.0, beta=0.1).ntk.block_until_ready()
t = time.perf_counter(); K = f(); first = time.perf_counter() - t
ts = []
for _ in range(repeats):
    t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
np.save(sys.argv[5], np.asarray(K[:64, :64], np.float64))
print(json.dumps(dict(first=first, median=statistics.median(ts), times=ts)))
'''

REF = r'''
import sys, jax, numpy as np
jax.config.update('jax_enable_x64', True)
import ntk_lit
from ntk_lit.quadrature import graded
from ntk_lit import limit
n, depth = int(sys.argv[1]), int(sys.argv[2])
x = np.asarray(jax.random.normal(jax.random.key(0), (n, 16), np.float32), np.float64)[:64]
rule = graded(4.0, level=2, deg=16)
K = limit._direct(x, x, 1.0, 0.1, depth, 0, act=ntk_lit.get_activation("tanh"), method="auto", rules=(rule,), symmetric=True).ntk
np.save(sys.argv[3], np.asarray(K))
'''

def run(path, code, *args):
    env = dict(os.environ, PYTHONPATH=path)
    out = subprocess.run([sys.executable, '-c', code, *map(str, args)], env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if out.returncode: raise SystemExit(out.stderr)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ''

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=2000); ap.add_argument('--depth', type=int, default=10)
    ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--old', default=None)
    a = ap.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    old = a.old
    if old is None:
        old = tempfile.mkdtemp()
        subprocess.run(f'git -C {here} archive 558770a ntk_lit | tar -x -C {old}', shell=True, check=True)
    import numpy as np
    tmp = tempfile.mkdtemp()
    run(here, REF, a.n, a.depth, f'{tmp}/ref.npy')
    ref = np.load(f'{tmp}/ref.npy')
    print(f'tanh Gram, N = {a.n}, d = 16, depth {a.depth}, σ_w = 1, β = 0.1; median of {a.repeats} calls, compile excluded')
    print(f'{"":28s} {"dtype":8s} {"time (s)":>9s} {"first call":>11s} {"max error vs ref":>17s}')
    for x64 in (False, True):
        for name, path in (('before (GH-64, 558770a)', old), ('after (error-controlled)', here)):
            r = json.loads(run(path, RUN, a.n, a.depth, a.repeats, int(x64), f'{tmp}/k.npy'))
            err = np.abs(np.load(f'{tmp}/k.npy') - ref).max() / np.abs(ref).max()
            print(f'{name:28s} {"float64" if x64 else "float32":8s} {r["median"]:9.2f} {r["first"]:11.2f} {err:17.1e}', flush=True)

if __name__ == '__main__': main()
