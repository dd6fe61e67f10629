"""The neural-tangents 0.6.5 side of `benchmarks/limit_kernels.py`, run inside the peer venv.

    PEER_PYTHON benchmarks/_nt_stax_peer.py IN_DIR OUT_DIR

IN_DIR holds `spec.json` (the cases: activation, depth, weight_std, beta, repeats, max_seconds) and
`x_<case>.npy` (float64 inputs); OUT_DIR receives `peer.json` (times per case) and `<case>_nngp.npy`,
`<case>_ntk.npy` (float64 kernels). The network is `stax.serial` of (Dense, σ) × (depth − 1) and a last
Dense, NTK parameterisation, W_std = weight_std, b_std = beta: neural-tangents' spelling of the Jacot
network of `ntk_lit.network.MLP` (the widths do not enter the limit).
"""
import json, sys
from pathlib import Path

import numpy as np
import jax

jax.config.update('jax_enable_x64', True)

from _nt_peer import time_call  # the same timing protocol on both sides


def kernel_fn(activation, depth, weight_std, beta):
    "The jitted stax kernel function of the depth-L Jacot network with σ = relu or erf."
    from neural_tangents import stax
    dense = lambda n: stax.Dense(n, W_std=weight_std, b_std=beta, parameterization='ntk')
    sigma = {'relu': stax.Relu, 'erf': stax.Erf}[activation]
    layers = []
    for _ in range(depth - 1): layers += [dense(512), sigma()]
    _, _, kfn = stax.serial(*layers, dense(1))
    return jax.jit(lambda x: kfn(x, None, get=('nngp', 'ntk')))


def main(in_dir, out_dir):
    spec = json.loads((Path(in_dir) / 'spec.json').read_text())
    res = dict(jax=jax.__version__, cases={})
    for case in spec['cases']:
        x = jax.numpy.asarray(np.load(Path(in_dir) / f"x_{case['name']}.npy"))
        fn = kernel_fn(case['activation'], case['depth'], case['weight_std'], case['beta'])
        k, t = time_call(lambda: fn(x), spec['repeats'], spec['max_seconds'])
        np.save(Path(out_dir) / f"{case['name']}_nngp.npy", np.asarray(k.nngp, np.float64))
        np.save(Path(out_dir) / f"{case['name']}_ntk.npy", np.asarray(k.ntk, np.float64))
        res['cases'][case['name']] = t
        print(f"[peer] {case['name']}: median {t['median_s']:.3f} s, first call {t['first_s']:.2f} s", flush=True)
    (Path(out_dir) / 'peer.json').write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
