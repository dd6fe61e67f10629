"""How long the explorer takes per change (the explorer issue: under 1 s for width ≤ 2048 and 8 networks).

Drives `ntk_lit.explorer.Explorer` as the widgets would: for each width from 16 to 2048 (8 networks,
3 hidden layers, ReLU), it moves the width slider there (the first visit: compilation and drawing
the parameters), then changes β, σ_w, back to β, and the activation and back, timing each `refresh`
(computation, figure and readout). The time of a later change is what a reader feels while
dragging the sliders of a setting already compiled. Writes results/explorer_latency.json.

    python benchmarks/explorer_latency.py
"""
import json, time
from pathlib import Path

from ntk_lit.explorer import Explorer, ExplorerConfig


def main():
    app = Explorer(ExplorerConfig(width=16, n_nets=8))
    c, rows = app.controls, []
    for width in (16, 64, 256, 512, 1024, 2048):
        def timed(name, value):
            t = time.perf_counter(); c[name].value = value; dt = time.perf_counter() - t
            assert app.error is None, app.error
            return round(dt, 3)
        first = timed('width', width) if width != 16 else None
        later = dict(beta=timed('beta', 0.3), weight_std=timed('weight_std', 1.2), beta_back=timed('beta', 0.1),
                     activation_new=timed('activation', 'tanh'), activation_back=timed('activation', 'relu'))
        timed('weight_std', 1.0)
        rows.append(dict(width=width, first_visit_s=first, **later, worst_later_s=max(later['beta'], later['weight_std'], later['beta_back'])))
        print(rows[-1], flush=True)
    out = Path(__file__).parent / 'results' / 'explorer_latency.json'
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    ok = all(r['worst_later_s'] < 1.0 for r in rows)
    print('β and σ_w changes under 1 s at every width' if ok else 'some β/σ_w change took 1 s or more', '; wrote', out)


if __name__ == '__main__':
    main()
