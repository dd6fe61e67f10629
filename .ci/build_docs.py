#!/usr/bin/env python
"""Offline docs for ntk_lit without Quarto.

  python .ci/build_docs.py                 nbdev's proc_nbs -> _proc/, then README.md and _site/
  python .ci/build_docs.py --readme        only README.md (processes nbs/index.ipynb alone)
  python .ci/build_docs.py --check-readme  exit 1, with a diff, when README.md is stale

Pages: one per processed notebook, index.ipynb -> index.html (home, first), then by file name;
other names come from the frontmatter's `output-file` (what nbdev gives Quarto).
_site/pages.json lists the pages for .ci/check_docs.py.
"""
import html, json, os, re, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE, PROC, README = ROOT/'_site', ROOT/'_proc', ROOT/'README.md'
MATHJAX = ROOT/'.ci/.node/node_modules/mathjax/es5'
WIDGET = 'application/vnd.jupyter.widget-view+json'
CALLOUTS = {'note': 'Note', 'tip': 'Tip', 'warning': 'Warning', 'important': 'Important', 'caution': 'Caution'}
esc = lambda s: html.escape(str(s), quote=True)
txt = lambda v: ''.join(v) if isinstance(v, list) else (v or '')

# ---------------------------------------------------------------- notebooks
def load(path):
    "(frontmatter, cells) of a processed notebook; cells are (type, source, outputs)."
    import yaml
    nb, fm, cells = json.loads(Path(path).read_text(encoding='utf-8')), {}, []
    for c in nb['cells']:
        src = txt(c.get('source'))
        if c['cell_type'] == 'raw':
            m = re.match(r'\s*---\s*\n(.*?)\n---', src, re.S)
            if m and not fm: fm = yaml.safe_load(m[1]) or {}
            continue
        cells.append((c['cell_type'], src, c.get('outputs', [])))
    return fm, cells

def directives(src):
    "Leading `#| key: value` lines of a code cell -> (dict, remaining source)."
    lines, d = src.splitlines(), {}
    while lines and (m := re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$', lines[0])):
        d[m[1].lower()] = m[2].strip('\'"'); lines.pop(0)
    return d, '\n'.join(lines).strip('\n')

FENCE = re.compile(r'^\s*(:{3,})\s*(\{[^}]*\}|[\w.-]+)?\s*$')
def segments(src):
    "Split markdown at Quarto fenced-div lines (`::: {.callout-note}` ... `:::`), not inside code."
    buf, incode = [], False
    for line in src.splitlines():
        if line.lstrip().startswith(('```', '~~~')): incode = not incode
        m = None if incode else FENCE.match(line)
        if not m: buf.append(line); continue
        if buf: yield 'md', '\n'.join(buf); buf = []
        yield ('open', m[2]) if m[2] else ('close', None)
    if buf: yield 'md', '\n'.join(buf)

def div_attrs(spec):
    "`{.callout-note title=\"T\"}` or `callout-note` -> (classes, {key: value})."
    spec = (spec or '').strip('{} ')
    kv = dict(re.findall(r'([\w-]+)="([^"]*)"', spec))
    cls = re.findall(r'(?:^|\s)\.([\w-]+)', spec) or ([spec] if spec and '=' not in spec else [])
    return cls, kv

# ---------------------------------------------------------------- HTML
def tex_delims(src):
    "`\\(..\\)`, `\\[..\\]` -> `$..$`, `$$..$$` outside code: markdown would eat the backslash."
    parts = re.split(r'(```.*?```|~~~.*?~~~|`[^`\n]+`)', src, flags=re.S)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r'(?<!\\)\\\((.+?)(?<!\\)\\\)', lambda m: f'${m[1]}$', parts[i], flags=re.S)
        parts[i] = re.sub(r'(?<!\\)\\\[(.+?)(?<!\\)\\\]', lambda m: f'$${m[1]}$$', parts[i], flags=re.S)
    return ''.join(parts)

def md2html(src):
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    src = tex_delims(src)
    src = re.sub(r'^(#{1,6}\s.*?)\s*\{([^}]*)\}\s*$',  # heading attributes: keep an explicit #id
                 lambda m: m[1] + ''.join(f' <a id="{i}"></a>' for i in re.findall(r'#([\w:.-]+)', m[2])),
                 src, flags=re.M)
    def link(m):  # [text](url){attrs} -> <a>/<img> with the attributes
        cls, kv = div_attrs(m[4]); a = ''.join(f' {k}="{esc(v)}"' for k, v in kv.items())
        if cls: a += f' class="{" ".join(cls)}"'
        return (f'<img src="{esc(m[3])}" alt="{esc(m[2])}"{a}>' if m[1] else
                f'<a href="{esc(m[3])}"{a}>{m[2]}</a>')
    src = re.sub(r'(!?)\[([^\]]*)\]\(([^)\s]+)\)\{((?:\s*[.#]|\s*[\w-]+=)[^}]*)\}', link, src)
    src = re.sub(r'\[([^\]]+)\]\{\s*\.([\w-]+)[^}]*\}', r'<span class="\2">\1</span>', src)  # [x]{.cls}
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, exclude_anchor_links=True)).render(src)

def inline_md(s): return re.sub(r'^<p>(.*)</p>\s*$', r'\1', md2html(s).strip(), flags=re.S)

def highlight(code, lang='python'):
    from pygments import highlight as hl
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    try: lexer = get_lexer_by_name(lang or 'python')
    except Exception: lexer = get_lexer_by_name('text')
    return hl(code, lexer, HtmlFormatter())

def pre(s, cls): return f'<pre class="{cls}">{esc(s)}</pre>'
ANSI = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

def output_html(o):
    t = o.get('output_type')
    if t == 'stream': return pre(ANSI.sub('', txt(o.get('text'))), f'output {o.get("name", "stdout")}')
    if t == 'error': return pre(ANSI.sub('', '\n'.join(o.get('traceback', []))), 'output error')
    data, meta = o.get('data', {}), o.get('metadata', {})
    if WIDGET in data:
        return '<div class="widget-note">Interactive widget: run the notebook for the live widget.</div>'
    if 'text/html' in data: return f'<div class="output html">{txt(data["text/html"])}</div>'
    if 'image/svg+xml' in data: return f'<div class="output figure">{txt(data["image/svg+xml"])}</div>'
    for mime in ('image/png', 'image/jpeg', 'image/gif'):
        if mime in data:
            size = ''.join(f' {k}="{v}"' for k, v in meta.get(mime, {}).items() if k in ('width', 'height'))
            b64 = txt(data[mime]).replace('\n', '')
            return f'<div class="output figure"><img src="data:{mime};base64,{b64}" alt="figure"{size}></div>'
    if 'text/markdown' in data: return f'<div class="output markdown">{md2html(txt(data["text/markdown"]))}</div>'
    if 'text/latex' in data: return f'<div class="output latex">{esc(txt(data["text/latex"]))}</div>'
    if 'text/plain' in data: return pre(ANSI.sub('', txt(data['text/plain'])), 'output plain')
    return ''

def code_html(src, outputs):
    d, body = directives(src)
    if d.get('include') == 'false': return ''
    parts = []
    if body.strip() and d.get('echo') != 'false':
        code, fold = highlight(body), d.get('code-fold', 'false')
        if fold in ('true', 'show'):
            code = (f'<details{" open" if fold == "show" else ""}><summary>{esc(d.get("code-summary", "Code"))}'
                    f'</summary>{code}</details>')
        parts.append(f'<div class="source">{code}</div>')
    if d.get('output') != 'false': parts += [output_html(o) for o in outputs]
    parts = [p for p in parts if p]
    return f'<div class="cell">{"".join(parts)}</div>' if parts else ''

def body_html(cells):
    out, stack = [], []
    for kind, src, outputs in cells:
        if kind == 'code': out.append(code_html(src, outputs)); continue
        for seg, val in segments(src):
            if seg == 'md': out.append(md2html(val))
            elif seg == 'open':
                cls, kv = div_attrs(val)
                co = next((c.split('-', 1)[1] for c in cls if c.startswith('callout-')), None)
                if co:
                    title = kv.get('title') or CALLOUTS.get(co, co.title())
                    out.append(f'<div class="callout callout-{co}"><div class="callout-title">'
                               f'{inline_md(title)}</div><div class="callout-body">'); stack.append(2)
                else: out.append(f'<div class="{" ".join(esc(c) for c in cls)}">'); stack.append(1)
            elif stack: out.append('</div>' * stack.pop())
    out.append(''.join('</div>' * n for n in stack))
    return '\n'.join(out)

def slug(s, seen):
    "Pandoc-style heading identifier (what nbdev's doc links point at), made unique."
    s = re.sub(r'<[^>]+>', '', html.unescape(s)).lower()
    s = re.sub(r'[^\w\s.-]', '', s).strip()
    s = re.sub(r'\s+', '-', re.sub(r'^[^a-z_]+', '', s)) or 'section'
    base, i = s, 0
    while s in seen: i += 1; s = f'{base}-{i}'
    seen.add(s)
    return s

def fix_html(body, names, base):
    "Heading ids + anchors, absolute doc links -> relative, links to notebooks -> their page."
    seen = set()
    def head(m):
        i = slug(m[3], seen)
        return f'<h{m[1]} id="{i}">{m[3]} <a class="anchor" href="#{i}">#</a></h{m[1]}>'
    body = re.sub(r'<h([1-6])(\s[^>]*)?>(.*?)</h\1>', head, body, flags=re.S)
    if base: body = body.replace(f'href="{base}', 'href="')
    return re.sub(r'href="([\w.-]+\.ipynb)(#[^"]*)?"',
                  lambda m: f'href="{names.get(m[1], m[1])}{m[2] or ""}"', body)

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_txt} – {site}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="site.css">
<script>window.MathJax = {{tex: {{inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
  displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, tags: 'ams'}},
  options: {{skipHtmlTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code']}}}};</script>
<script id="MathJax-script" defer src="mathjax/tex-chtml-full.js"></script></head>
<body><nav class="sidebar"><a class="site" href="index.html">{site}</a><ul>{nav}</ul></nav>
<main><header><h1 class="title">{title}</h1>{desc}</header>
{body}
</main></body></html>
"""

def doc_base(cfg):
    "The published docs URL, with a trailing slash (nbdev's doc links start with it)."
    host, sub = cfg.get('doc_host', '').rstrip('/'), cfg.get('doc_baseurl', '').strip('/')
    return (f'{host}/{sub}/' if sub else f'{host}/') if host else ''

ACTIVE = ' class="active" aria-current="page"'

def build_site(pages, cfg):
    if SITE.exists(): shutil.rmtree(SITE)
    shutil.copytree(PROC, SITE, ignore=shutil.ignore_patterns('*.ipynb', '*.yml', '.*'))
    if not (MATHJAX/'tex-chtml-full.js').exists(): sys.exit(f'MathJax missing: {MATHJAX} (run bash .ci/docs)')
    shutil.copytree(MATHJAX, SITE/'mathjax')
    from pygments.formatters import HtmlFormatter
    css = (ROOT/'.ci/site.css').read_text() + HtmlFormatter().get_style_defs('.highlight')
    (SITE/'site.css').write_text(css)
    base = doc_base(cfg)
    names = {p['source']: p['file'] for p in pages}
    site = cfg.get('title') or cfg.get('lib_name', 'docs')
    for p in pages:
        nav = ''.join(f'<li><a href="{q["file"]}"{ACTIVE if q is p else ""}>{inline_md(q["title"])}</a></li>'
                      for q in pages)
        desc = f'<p class="description">{inline_md(p["description"])}</p>' if p['description'] else ''
        body = fix_html(body_html(p['cells']), names, base)
        (SITE/p['file']).write_text(PAGE.format(title_txt=esc(p['title']), site=esc(site), nav=nav,
                                                title=inline_md(p['title']), desc=desc, body=body), encoding='utf-8')
    (SITE/'pages.json').write_text(json.dumps([{k: p[k] for k in ('file', 'title', 'source')} for p in pages], indent=1))
    print(f'docs: {len(pages)} pages written to {SITE.relative_to(ROOT)}/')

def collect_pages(cfg):
    from nbdev.doclinks import _nbpath2html
    pages = []
    if not (PROC/'index.ipynb').exists():  # no home notebook yet: a stub home page that lists the others
        nbs = sorted(PROC.glob('*.ipynb'))
        pages.append(dict(source='', file='index.html', title=cfg.get('title', cfg.lib_name), cells=[(
            'markdown', 'No `index.ipynb` yet. Pages:\n\n' + ''.join(f'- [{n.stem}]({n.name})\n' for n in nbs), [])],
            description=cfg.get('description', '')))
    for nb in sorted(PROC.glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.name)):  # home first
        fm, cells = load(nb)
        file = 'index.html' if nb.stem == 'index' else (fm.get('output-file') or _nbpath2html(nb).name)
        pages.append(dict(source=nb.name, file=file, title=str(fm.get('title') or nb.stem),
                          description=str(fm.get('description') or ''), cells=cells))
    return pages

# ---------------------------------------------------------------- README
def readme_text(path, cfg):
    from nbdev.doclinks import _nbpath2html
    fm, cells = load(path)
    out = [f'# {fm.get("title") or cfg.get("title", cfg.lib_name)}']
    if fm.get('description'): out.append('\n'.join('> ' + l for l in str(fm['description']).splitlines()))
    for kind, src, outputs in cells:
        if kind == 'markdown':
            md, quote = [], False
            for seg, val in segments(src):
                if seg == 'md': md.append('\n'.join(('> ' + l).rstrip() for l in val.splitlines()) if quote else val)
                elif seg == 'open':
                    co = next((c.split('-', 1)[1] for c in div_attrs(val)[0] if c.startswith('callout-')), None)
                    if co: md.append(f'> [!{co.upper()}]'); quote = True
                else: quote = False
            out.append('\n'.join(md).strip('\n')); continue
        d, body = directives(src)
        if d.get('include') == 'false': continue
        if body.strip() and d.get('echo') != 'false': out.append(f'```python\n{body}\n```')
        if d.get('output') == 'false': continue
        for o in outputs:
            data = o.get('data', {})
            if o.get('output_type') == 'stream': t = txt(o.get('text'))
            elif 'text/markdown' in data: out.append(txt(data['text/markdown']).strip('\n')); continue
            elif WIDGET in data or any(k.startswith('image/') for k in data) or 'text/html' in data: continue
            else: t = txt(data.get('text/plain'))
            if t.strip(): out.append(f'```\n{ANSI.sub("", t).rstrip()}\n```')
    res = '\n\n'.join(o for o in out if o.strip()) + '\n'
    page = lambda n: 'index.html' if n == 'index.ipynb' else _nbpath2html(Path(n)).name
    return re.sub(r'\]\(([\w.-]+\.ipynb)(#[^)]*)?\)',  # links to notebooks -> their page of the docs site
                  lambda m: f']({doc_base(cfg)}{page(m[1])}{m[2] or ""})', res)

def proc_index(cfg):
    "Process only the README notebook, in this process (what proc_nbs does to each file)."
    import tempfile
    from execnb.nbio import read_nb, write_nb
    from nbdev.processors import FilterDefaults
    src = cfg.nbs_path/cfg.readme_nb
    if not src.exists(): sys.exit(f'no {src.relative_to(ROOT)}: nothing to make README.md from')
    os.environ['IN_TEST'] = '1'
    nb = read_nb(src)
    FilterDefaults()(nb)
    write_nb(nb, tmp := Path(tempfile.mkdtemp())/cfg.readme_nb)
    return tmp

def write_readme(new):
    old = README.read_text(encoding='utf-8') if README.exists() else ''
    README.write_text(new, encoding='utf-8')
    print('README.md ' + ('unchanged' if old == new else 'written: it changed, commit it'))

def main(argv):
    from nbdev.config import get_config
    os.chdir(ROOT)
    cfg, mode = get_config(), (argv[0] if argv else '')
    if mode not in ('', '--readme', '--check-readme'): sys.exit(__doc__)
    if mode == '--readme': return write_readme(readme_text(proc_index(cfg), cfg))
    if mode == '--check-readme':
        new, old = readme_text(proc_index(cfg), cfg), README.read_text(encoding='utf-8') if README.exists() else ''
        if old == new: return print('README.md is up to date')
        import difflib
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                   'README.md (committed)', 'README.md (from index.ipynb)'))
        sys.exit('README.md is stale: run `bash .ci/docs` (or `bash .ci/docs --readme`) and commit it')
    from nbdev.serve import proc_nbs
    proc_nbs(force=True)
    if (PROC/cfg.readme_nb).exists(): write_readme(readme_text(PROC/cfg.readme_nb, cfg))
    else: print(f'warning: no {cfg.readme_nb}: README.md left as is, a stub home page')
    build_site(collect_pages(cfg), cfg)

if __name__ == '__main__': main(sys.argv[1:])
