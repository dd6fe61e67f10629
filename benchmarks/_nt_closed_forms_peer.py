"""The neural-tangents 0.6.5 side of `benchmarks/nt_closed_forms.py`, run inside the peer venv.

    PEER_PYTHON benchmarks/_nt_closed_forms_peer.py IN_DIR OUT_DIR

IN_DIR holds `spec.json` (cases: name, the stax layer and its keyword arguments, weight_std, beta, depths) and `x.npy`
(float64 inputs); OUT_DIR receives `<case>_d<L>_nngp.npy` and `_ntk.npy` (float64) and `peer.json` (errors, if any).
The network is stax.serial of (Dense, σ) × (L − 1) and a last Dense, NTK parameterisation, W_std = weight_std,
b_std = beta: the Jacot network of `ntk_lit.limit_kernels(depth=L)`.
"""
import json, sys
from pathlib import Path

import numpy as np
import jax

jax.config.update('jax_enable_x64', True)


def main(in_dir, out_dir):
    from neural_tangents import stax
    spec = json.loads((Path(in_dir) / 'spec.json').read_text())
    x = jax.numpy.asarray(np.load(Path(in_dir) / 'x.npy'))
    errors = {}
    for case in spec['cases']:
        layer = getattr(stax, case['layer'])
        dense = lambda: stax.Dense(1, W_std=case['weight_std'], b_std=case['beta'], parameterization='ntk')
        for L in spec['depths']:
            key = f"{case['name']}_d{L}"
            try:
                layers = []
                for _ in range(L - 1): layers += [dense(), layer(**case['kwargs'])]
                _, _, kfn = stax.serial(*layers, dense())
                k = kfn(x, None, get=('nngp', 'ntk'))
                np.save(Path(out_dir) / f'{key}_nngp.npy', np.asarray(k.nngp, np.float64))
                np.save(Path(out_dir) / f'{key}_ntk.npy', np.asarray(k.ntk, np.float64))
            except Exception as e:  # e.g. Monomial(degree > 5) is not implemented there
                errors[key] = f'{type(e).__name__}: {e}'[:300]
        print(f"[peer] {case['name']} done", flush=True)
    (Path(out_dir) / 'peer.json').write_text(json.dumps(dict(jax=jax.__version__, errors=errors), indent=1))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
