"""How long the explorer takes per change (the explorer issue: under 1 s for width ≤ 2048 and 8 networks).

Drives `ntk_lit.explorer.Explorer` as the widgets would: for each width from 16 to 2048 (8 networks,
3 hidden layers, ReLU), it moves the width slider there (the first visit: compilation and drawing
the parameters), then changes β, σ_w, back to β, and the activation and back, timing each `refresh`
(computation, figure and readout). The time of a later change is what a reader feels while
dragging the sliders of a setting already compiled. Each time is wall-clock; `cpu_*` is the CPU time
of the process (all threads) for the same change, a figure that load from other processes barely
moves. The load average at the start is recorded. Writes results/explorer_latency.json.

    python benchmarks/explorer_latency.py
"""
import json, os, time
from pathlib import Path

from ntk_lit.explorer import Explorer, ExplorerConfig


def main():
    app = Explorer(ExplorerConfig(width=16, n_nets=8))
    c, rows = app.controls, []
    for width in (16, 64, 256, 512, 1024, 2048):
        cpu = {}
        def timed(name, value):
            t, tc = time.perf_counter(), time.process_time(); c[name].value = value
            dt, cpu[name] = time.perf_counter() - t, round(time.process_time() - tc, 3)
            assert app.error is None, app.error
            return round(dt, 3)
        first = timed('width', width) if width != 16 else None
        later = dict(beta=timed('beta', 0.3), weight_std=timed('weight_std', 1.2), beta_back=timed('beta', 0.1),
                     activation_new=timed('activation', 'tanh'), activation_back=timed('activation', 'relu'))
        timed('weight_std', 1.0)
        rows.append(dict(width=width, first_visit_s=first, **later, worst_later_s=max(later['beta'], later['weight_std'], later['beta_back']),
                         cpu_beta_s=cpu['beta'], cpu_weight_std_s=cpu['weight_std'], load=' '.join(f'{v:.1f}' for v in os.getloadavg())))
        print(rows[-1], flush=True)
    out = Path(__file__).parent / 'results' / 'explorer_latency.json'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    ok = all(r['worst_later_s'] < 1.0 for r in rows)
    print('β and σ_w changes under 1 s at every width' if ok else 'some β/σ_w change took 1 s or more', '; wrote', out)


if __name__ == '__main__':
    main()
