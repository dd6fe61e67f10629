"""The neural-tangents 0.6.5 side of `benchmarks/empirical_ntk.py`, run inside the peer venv.

    PEER_PYTHON benchmarks/_nt_peer.py IN_DIR OUT_DIR

IN_DIR holds `spec.json` (the cases) and `case_<name>.npz` (inputs `x` and the parameters as
`p<i>_W`, `p<i>_b` in ntk_lit's layout); OUT_DIR receives `peer.json` (status and times of each
implementation) and `kernels.npz` (`<case>__<impl>`, the kernels, float32).

The module level imports only numpy and jax (both venvs have them), so the main benchmark imports
the model definitions below from here: both sides evaluate the same functions.
"""
import json, math, os, statistics, subprocess, sys, time
from pathlib import Path

import numpy as np
import jax, jax.numpy as jnp


# ---- the peer venv: found, or built when missing (used from this venv by the benchmark scripts) --------
PEER_DIR = Path(os.environ.get('NT_PEER_DIR', Path.home() / '.cache' / 'nt-peer'))
PEER_SCRIPT = Path(__file__).resolve().parent.parent.parent / 'shared' / 'peers' / 'neural_tangents_venv.sh'


def peer_python():
    "The peer venv's python, after building the venv (minutes) when it is missing or cannot import neural_tangents."
    py = PEER_DIR / 'bin' / 'python'
    ok = py.exists() and subprocess.run([str(py), '-c', 'import neural_tangents'], capture_output=True).returncode == 0
    if not ok:
        print(f'[peer] building the neural-tangents venv in {PEER_DIR} (minutes)', flush=True)
        subprocess.run(['bash', str(PEER_SCRIPT), str(PEER_DIR)], check=True)
    return py


def run_in_peer(script, *args):
    "Run a script of this folder in the peer venv on the CPU; print its `[peer]` lines, raise with its tail on failure."
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', JAX_PLATFORMS='cpu', PYTHONPATH='')
    r = subprocess.run([str(peer_python()), str(Path(__file__).resolve().parent / script), *map(str, args)], env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print('\n'.join(l for l in r.stdout.splitlines() if l.startswith('[peer]') or 'Error' in l), flush=True)
    if r.returncode != 0: raise RuntimeError(f'peer run failed (rc {r.returncode}): {r.stdout[-2000:]}')
    return r.stdout


# ---- the models, written in plain JAX (shared by both sides) -------------------------------------
def mlp_apply(params, x, weight_std=1.0, beta=0.1, scalar=False):
    "NTK-parameterised ReLU MLP, as ntk_lit.network.MLP: h = (σ_w/√n_in) a Wᵀ + β b, last layer linear."
    a = x
    for i, p in enumerate(params):
        h = (weight_std / math.sqrt(p['W'].shape[1])) * a @ p['W'].T + beta * p['b']
        a = jax.nn.relu(h) if i < len(params) - 1 else h
    return a[:, 0] if scalar else a


def cnn_apply(params, x, weight_std=1.0, beta=0.1):
    "NHWC: conv3×3 (SAME) → ReLU → conv3×3 → ReLU → global average pool → dense to 1 output, NTK scaling."
    a = x
    for p in params[:-1]:  # conv kernels (3, 3, C_in, C_out), HWIO
        fan_in = p['W'].shape[0] * p['W'].shape[1] * p['W'].shape[2]
        h = jax.lax.conv_general_dilated(a, p['W'], (1, 1), 'SAME', dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
        a = jax.nn.relu((weight_std / math.sqrt(fan_in)) * h + beta * p['b'])
    a = a.mean(axis=(1, 2))
    p = params[-1]
    return ((weight_std / math.sqrt(p['W'].shape[1])) * a @ p['W'].T + beta * p['b'])[:, 0]  # scalar output


def cnn_init(rng, channels=16, c_in=3):
    "Standard-normal parameters (NTK parameterisation), as NumPy float32."
    shapes = [((3, 3, c_in, channels), channels), ((3, 3, channels, channels), channels), ((1, channels), 1)]
    return [{'W': rng.standard_normal(w).astype(np.float32), 'b': rng.standard_normal(b).astype(np.float32)}
            for w, b in shapes]


def model_fn(case):
    "f(params, x) for a case description (a dict from spec.json)."
    if case['kind'] == 'cnn':
        return lambda p, x: cnn_apply(p, x)
    scalar = case['outputs'] == 1
    return lambda p, x: mlp_apply(p, x, scalar=scalar)


# ---- timing protocol (shared by both sides) ------------------------------------------------------
def time_call(fn, repeats, max_seconds):
    "First call (compile + run), then up to `repeats` timed calls, fewer once `max_seconds` is spent; none if the first call took longer."
    t = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t
    if first > max_seconds:  # one call already spent the budget: compilation is a small part of it; say so
        return out, dict(first_s=first, median_s=first, runs_s=[], note='first call only (compile included)')
    runs = []
    while len(runs) < repeats:
        t = time.perf_counter()
        out = jax.block_until_ready(fn())
        runs.append(time.perf_counter() - t)
        if sum(runs) + first > max_seconds: break
    return out, dict(first_s=first, median_s=statistics.median(runs), runs_s=runs)


def save_params(path, x, params):
    arrs = {'x': np.asarray(x)}
    for i, p in enumerate(params):
        arrs[f'p{i}_W'], arrs[f'p{i}_b'] = np.asarray(p['W']), np.asarray(p['b'])
    np.savez(path, **arrs)


def load_params(path):
    z = np.load(path)
    n = len([k for k in z.files if k.endswith('_W')])
    return z['x'], [{'W': z[f'p{i}_W'], 'b': z[f'p{i}_b']} for i in range(n)]


# ---- the peer run --------------------------------------------------------------------------------
IMPLS = {1: 'JACOBIAN_CONTRACTION', 2: 'NTK_VECTOR_PRODUCTS', 3: 'STRUCTURED_DERIVATIVES'}


def main(in_dir, out_dir):
    import neural_tangents as nt
    spec = json.loads((Path(in_dir) / 'spec.json').read_text())
    res = dict(neural_tangents=nt.__version__ if hasattr(nt, '__version__') else '0.6.5', jax=jax.__version__,
               devices=[str(d) for d in jax.devices()], cases={})
    kernels = {}
    for case in spec['cases']:
        x, params = load_params(Path(in_dir) / f"case_{case['name']}.npz")
        x, params = jnp.asarray(x), jax.tree_util.tree_map(jnp.asarray, params)
        f = model_fn(case)
        out = {}
        for impl, name in IMPLS.items():
            need = case['mem_bytes'].get(f'nt_{impl}')
            if need is not None and need > spec['mem_limit_bytes']:
                out[name] = dict(status='skipped', reason=f'estimated memory {need / 1e9:.1f} GB > limit {spec["mem_limit_bytes"] / 1e9:.1f} GB')
                print(f"[peer] {case['name']} {name}: skipped ({out[name]['reason']})", flush=True)
                continue
            try:
                kfn = jax.jit(nt.empirical_ntk_fn(f, trace_axes=(), vmap_axes=0,
                                                  implementation=getattr(nt.NtkImplementation, name)))
                K, t = time_call(lambda: kfn(x, None, params), spec['repeats'], spec['max_seconds'])
                kernels[f"{case['name']}__{name}"] = np.asarray(K, dtype=np.float32)
                out[name] = dict(status='ok', shape=list(K.shape), **t)
                print(f"[peer] {case['name']} {name}: median {t['median_s']:.4f} s, first {t['first_s']:.2f} s", flush=True)
            except Exception as e:  # implementation 3 fails in this venv: record why
                msg = f'{type(e).__name__}: {e}'.strip().replace('\n', ' ')
                out[name] = dict(status='failed', error=msg[:400])
                print(f"[peer] {case['name']} {name}: FAILED {msg[:200]}", flush=True)
        res['cases'][case['name']] = out
    np.savez(Path(out_dir) / 'kernels.npz', **kernels)
    (Path(out_dir) / 'peer.json').write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
