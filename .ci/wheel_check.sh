#!/usr/bin/env bash
# The package as users install it (`bash .ci/wheel_check.sh`, step 4 of .ci/run; a few minutes).
#
#   1. copies the checkout's files as a clean clone has them (tracked, plus untracked files that
#      git does not ignore) into a temp dir, so stale build/, *.egg-info or caches cannot leak in;
#   2. `python -m build` there: the sdist, then the wheel built from the unpacked sdist in an
#      isolated environment (so the sdist must hold setup.py, settings.ini, README.md: MANIFEST.in);
#   3. inspects both: the sdist holds the package sources and the packaging files, no notebooks,
#      docs or CI; the wheel holds exactly ntk_lit/*.py (byte for byte the checkout's) and its
#      dist-info, whose METADATA (version, requirements, extras, README as long description) and
#      entry points (the `ntk-lit` console script, nbdev's index) are what settings.ini says;
#   4. a fresh venv outside the checkout, the wheel installed with its dependencies from the index
#      (pip's cache reused), then, from an empty directory outside the checkout: `import ntk_lit`
#      resolves inside the venv, scikit-learn stays optional, a limit kernel against the arc-cosine
#      closed form, an empirical kernel against an explicit Jacobian, `ntk-lit tour --help`;
#   5. `pip install` of the sdist itself into the same venv (pip builds it), then the import and
#      the console script again.
# Everything is written under one `mktemp -d` dir, removed on success, kept (and named) on failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ntk_lit_wheel.XXXXXX")
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$tmp"; else echo "wheel check: failed (rc $rc); its files are kept in $tmp" >&2; fi' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONNOUSERSITE=1 MPLBACKEND=Agg JAX_PLATFORMS=cpu
unset PYTHONPATH PYTHONHOME
t0=$SECONDS
section() { printf -- '-- [%3ds] %s\n' $((SECONDS - t0)) "$*"; }
quiet() {  # run a command, its output in a log shown only if it fails
  local log=$1; shift
  "$@" > "$tmp/$log" 2>&1 || { tail -n 60 "$tmp/$log"; echo "failed: $*" >&2; return 1; }
}

section "source tree as a clean clone has it, copied to $tmp/src"
mkdir -p "$tmp/src" "$tmp/dist" "$tmp/work"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - ) | tar -xf - -C "$tmp/src"

section "python -m build (the sdist, then the wheel from the unpacked sdist, isolated)"
(cd "$tmp/work" && quiet build.log "$py" -m build --outdir "$tmp/dist" "$tmp/src")
ls -l "$tmp/dist"

section "contents of the sdist and the wheel, metadata against settings.ini"
(cd "$tmp/work" && "$py" - "$tmp/src" "$tmp/dist" <<'PY'
import configparser, email.parser, shlex, sys, tarfile, zipfile
from pathlib import Path
from packaging.requirements import Requirement

src, dist = Path(sys.argv[1]), Path(sys.argv[2])
cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(src / 'settings.ini', encoding='utf-8'); cfg = cfg['DEFAULT']
name, version, lib = cfg['lib_name'], cfg['version'], cfg['lib_path']
errors = []
def check(ok, msg):
    if not ok: errors.append(msg)

sources = sorted(p.relative_to(src).as_posix() for p in (src / lib).rglob('*.py'))
assert sources, f'no {lib}/*.py in the source tree'
sdists, wheels = sorted(dist.glob('*.tar.gz')), sorted(dist.glob('*.whl'))
assert [p.name for p in sdists] == [f'{name}-{version}.tar.gz'], f'sdist: {[p.name for p in sdists]}'
assert [p.name for p in wheels] == [f'{name}-{version}-py3-none-any.whl'], f'wheel: {[p.name for p in wheels]}'
licenses = sorted(p.name for p in src.glob('LICEN[CS]E*'))

# the sdist
top = f'{name}-{version}/'
with tarfile.open(sdists[0]) as t: members = [m.name for m in t.getmembers() if m.isfile()]
check(all(m.startswith(top) for m in members), f'sdist members outside {top}')
inner = {m[len(top):] for m in members}
needed = {'setup.py', 'settings.ini', 'README.md', 'MANIFEST.in', 'PKG-INFO', *sources, *licenses}
check(needed <= inner, f'sdist lacks {sorted(needed - inner)}')
stray = sorted(m for m in inner if m.split('/')[0] in {'nbs', '_docs', '_proc', '_site', 'tests', '.ci', '.github',
               'benchmarks', 'tour_out', 'build', 'dist'} or '__pycache__' in m or m.endswith(('.pyc', '.ipynb')))
check(not stray, f'sdist holds stray files: {stray[:10]}')

# the wheel
distinfo = f'{name}-{version}.dist-info/'
with zipfile.ZipFile(wheels[0]) as z:
    files = z.namelist()
    read = lambda n: z.read(n).decode('utf-8')
    pkg = sorted(f for f in files if not f.startswith(distinfo))
    check(pkg == sources, f'wheel package files differ from the sources: extra {sorted(set(pkg) - set(sources))[:10]}, '
                          f'missing {sorted(set(sources) - set(pkg))[:10]}')
    for f in set(pkg) & set(sources):
        check(z.read(f) == (src / f).read_bytes(), f'wheel {f} differs from the checkout')
    for lic in licenses: check(any(f.startswith(distinfo) and f.endswith('/' + lic) for f in files), f'wheel lacks {lic}')
    meta = email.parser.Parser().parsestr(read(distinfo + 'METADATA'))
    wheel = email.parser.Parser().parsestr(read(distinfo + 'WHEEL'))
    eps = configparser.ConfigParser(delimiters=['=']); eps.optionxform = str; eps.read_string(read(distinfo + 'entry_points.txt'))

check(meta['Name'] == name and meta['Version'] == version, f'METADATA name/version {meta["Name"]} {meta["Version"]}')
check(meta['Requires-Python'] == '>=' + cfg['min_python'], f'Requires-Python {meta["Requires-Python"]}')
check(meta['Summary'] == cfg['description'], 'Summary is not settings.ini description')
check(wheel['Root-Is-Purelib'] == 'true', 'the wheel is not pure Python')
norm = lambda r: (Requirement(r).name.lower(), str(Requirement(r).specifier))
got = {}
for r in meta.get_all('Requires-Dist') or []:
    req = Requirement(r); extra = None
    if req.marker:
        m = str(req.marker)
        extra = m.split('==')[1].strip().strip('"\'') if m.startswith('extra ==') else m
    got.setdefault(extra, set()).add((req.name.lower(), str(req.specifier)))
want = {None: set(map(norm, shlex.split(cfg['requirements']))),
        'dev': set(map(norm, shlex.split(cfg['dev_requirements']))),
        'sklearn': set(map(norm, shlex.split(cfg['sklearn_requirements'])))}
check(got == want, f'Requires-Dist {got} is not settings.ini {want}')
check(set(meta.get_all('Provides-Extra') or []) == {'dev', 'sklearn'}, f'Provides-Extra {meta.get_all("Provides-Extra")}')
check(meta['Description-Content-Type'] == 'text/markdown', f'Description-Content-Type {meta["Description-Content-Type"]}')
readme = (src / 'README.md').read_text(encoding='utf-8')
check(meta.get_payload().strip() == readme.strip(), 'the long description is not README.md')
check(eps.has_section('console_scripts') and dict(eps['console_scripts']) == dict([cfg['console_scripts'].split('=', 1)]),
      f'console_scripts {dict(eps["console_scripts"]) if eps.has_section("console_scripts") else None}')
check(eps.has_section('nbdev') and dict(eps['nbdev']) == {lib: f'{lib}._modidx:d'}, 'the nbdev entry point')

print(f'sdist: {len(inner)} files ({", ".join(sorted(m for m in inner if "/" not in m))}, {lib}/: {len(sources)} modules)')
print(f'wheel: {len(pkg)} package files + {len(files) - len(pkg)} in {distinfo}; {len(meta.get_all("Requires-Dist"))} '
      f'requirements; console script {dict(eps["console_scripts"])}')
if not licenses: print('note: the repository has no LICENSE file (settings.ini: license =', cfg['license'] + ')')
if errors: sys.exit('packaging check failed:\n  ' + '\n  '.join(errors))
PY
)

wheel=$(ls "$tmp"/dist/*.whl); sdist=$(ls "$tmp"/dist/*.tar.gz)
venv=$tmp/venv
section "fresh venv, the wheel installed with its dependencies"
"$py" -m venv "$venv"
(cd "$tmp/work" && quiet pip_wheel.log "$venv/bin/python" -m pip install "$wheel")
grep -E '^Successfully installed' "$tmp/pip_wheel.log" | cut -c1-400 || true

smoke() {  # from an empty dir outside the checkout: the installed package, what it computes, the CLI
  (cd "$tmp/work" && "$venv/bin/python" - "$venv" "$repo" "$1" <<'PY'
import importlib.metadata, importlib.util, math, subprocess, sys
from pathlib import Path
venv, repo, full = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), sys.argv[3] == 'full'
import ntk_lit
where = Path(ntk_lit.__file__).resolve()
assert where.is_relative_to(venv) and not where.is_relative_to(repo), f'ntk_lit imported from {where}, not the venv'
assert ntk_lit.__version__ == importlib.metadata.version('ntk_lit'), (ntk_lit.__version__, importlib.metadata.version('ntk_lit'))
print(f'ntk_lit {ntk_lit.__version__} from {where.parent}')

# scikit-learn is an extra: not installed, never imported, and ntk_lit.estimators says how to get it
assert importlib.util.find_spec('sklearn') is None and 'sklearn' not in sys.modules
try: import ntk_lit.estimators
except ImportError as e: assert 'ntk_lit[sklearn]' in str(e), e
else: raise AssertionError('ntk_lit.estimators imported without scikit-learn')

cli = Path(sys.executable).parent / 'ntk-lit'
for cmd in ([str(cli), 'tour', '--help'], [sys.executable, '-m', 'ntk_lit', 'tour', '--help']):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and 'usage:' in r.stdout and '--out' in r.stdout and '--widths' in r.stdout, (cmd, r.returncode, r.stdout, r.stderr)
print(f'{cli.name} tour --help and python -m ntk_lit tour --help: usage with --out, --widths ({len(r.stdout.splitlines())} lines)')
if not full: sys.exit()

import jax, jax.numpy as jnp, numpy as np
# the limit kernel, one hidden ReLU layer (depth 2 = two weight layers), no biases: seed 002's eq. 1 and
# eq. 6, the arc-cosine kernels, written out here in float64 numpy, independently of the package
x = np.asarray(jax.random.normal(jax.random.key(1), (7, 3)))
n0 = x.shape[1]
norms = np.linalg.norm(x, axis=1)
s12 = np.outer(norms, norms)
phi = np.arccos(np.clip(x @ x.T / s12, -1, 1))
nngp = s12 * (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (2 * np.pi) / n0
ntk = s12 * (np.sin(phi) + 2 * (np.pi - phi) * np.cos(phi)) / (2 * np.pi) / n0
k = ntk_lit.limit_kernels(jnp.asarray(x), depth=2, activation='relu', beta=0.0)
rel = lambda a, b: float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())
errs = {'nngp': rel(k.nngp, nngp), 'ntk': rel(k.ntk, ntk), 'arccos_kernel': rel(ntk_lit.arccos_kernel(jnp.asarray(x)) / n0, nngp)}
assert max(errs.values()) < 1e-5, errs
# depth 1 is the linear model: Σ = Θ = x·x'/n0 + β²
lin = ntk_lit.limit_kernels(jnp.asarray(x), depth=1, beta=0.1)
lin_err = max(rel(lin.nngp, x @ x.T / n0 + 0.01), rel(lin.ntk, x @ x.T / n0 + 0.01))
assert lin_err < 1e-5, lin_err
print(f'limit_kernels, relu, depth 2, beta 0 vs the arc-cosine closed form: largest relative error '
      f'{max(errs.values()):.1e}; depth 1 vs x.x/n0 + beta^2: {lin_err:.1e}')

# the empirical kernel of a width-1024 MLP (README's example) against J Jᵀ from an explicit Jacobian
net = ntk_lit.MLP(widths=(2, 1024, 1024, 1), activation='relu', beta=0.1)
params = net.init(jax.random.key(0))
angles = jnp.linspace(0, jnp.pi, 4)
xc = jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=-1)
K = np.asarray(ntk_lit.empirical_ntk(net.apply, params, xc, trace=True), np.float64)  # one output: (4, 4)
assert K.shape == (4, 4) and np.isfinite(K).all(), K
J = np.concatenate([np.asarray(l).reshape(4, -1) for l in jax.tree_util.tree_leaves(jax.jacrev(net.apply)(params, xc))], axis=1)
assert J.shape == (4, net.num_params), J.shape
jac_err = rel(K, J.astype(np.float64) @ J.T.astype(np.float64))
sym_err = rel(K, K.T)
lam = np.linalg.eigvalsh((K + K.T) / 2)
limit = np.asarray(net.kernels(xc).ntk, np.float64)
lim_err = rel(K, limit)
assert jac_err < 1e-4 and sym_err < 1e-5 and lam.min() > -1e-4 * np.trace(K) and lim_err < 0.25, (jac_err, sym_err, lam, lim_err)
print(f'empirical_ntk, MLP (2, 1024, 1024, 1): shape {K.shape}, vs the Jacobian {jac_err:.1e}, asymmetry {sym_err:.1e}, '
      f'eigenvalues {lam.min():.3f}..{lam.max():.3f}, vs the limit {lim_err:.3f} (< 0.25)')
PY
  )
}
section "smoke test of the installed wheel (cwd $tmp/work)"
smoke full

section "pip install of the sdist itself (pip builds it), same venv"
(cd "$tmp/work" && quiet pip_sdist.log "$venv/bin/python" -m pip install --no-deps --force-reinstall "$sdist")
grep -E '^Successfully installed' "$tmp/pip_sdist.log" || true
smoke short

section "done: the wheel and the sdist install and work"
