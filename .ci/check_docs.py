#!/usr/bin/env python
"""Open every page of the offline docs site (_site/) in headless Debian Chromium and check it.

Per page, a problem is: an uncaught JS exception or a console error; a failed request or an HTTP
status >= 400 (a missing script, stylesheet, font or image); MathJax not loaded or a TeX error
(merror) or undefined macro in typeset math; visible text outside code/pre/typeset math that still
holds TeX ($...$, $$, \\(, \\[, \\frac, \\theta, ...); an <img> that does not decode; a sidebar that
does not list every page of _site/pages.json in order; a local link to a missing page or anchor.
Screenshots of the home page and the first numbered notebook's page go to .ci/shots/.
Usage: python .ci/check_docs.py [SITE_DIR]      (CHROMIUM=/path/to/chromium to override)
"""
import functools, http.server, json, os, re, sys, threading, time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT/'.ci/shots'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

# Runs in the page after MathJax's first typeset: returns what the checks need.
PROBE = r"""async () => {
  const out = {mathjax: null, texErrors: [], rawTex: [], broken: [], nav: [], links: [], ids: []};
  try {
    await MathJax.startup.promise;
    out.mathjax = MathJax.version;
    for (const item of MathJax.startup.document.math) {
      const mml = MathJax.startup.toMML(item.root);
      if (/<merror|mathcolor="red"/.test(mml)) out.texErrors.push(item.math.slice(0, 80));
    }
  } catch (e) { out.mathjax = null; out.mathjaxError = String(e); }
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'MJX-CONTAINER', 'MJX-ASSISTIVE-MML']);
  const tex = /\$\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]{2,}|\$[^$\s][^$]*\$/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let el = n.parentElement, hidden = false;
    for (let a = el; a; a = a.parentElement) if (skip.has(a.tagName)) { hidden = true; break; }
    if (hidden || !tex.test(n.textContent) || !el.getClientRects().length) continue;
    out.rawTex.push(n.textContent.trim().slice(0, 100));
  }
  for (const img of document.images) {
    let ok = true;
    try { await img.decode(); } catch (e) { ok = false; }
    if (!ok || (img.naturalWidth === 0 && !/svg/.test(img.src)))
      out.broken.push(img.getAttribute('src').slice(0, 80));
  }
  out.nav = [...document.querySelectorAll('nav.sidebar li a')].map(
    a => [a.getAttribute('href'), a.classList.contains('active')]);
  out.links = [...document.querySelectorAll('main a[href]')].map(a => a.getAttribute('href'));
  out.ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return out;
}"""

def serve(site):
    handler = functools.partial(type('Quiet', (http.server.SimpleHTTPRequestHandler,),
                                     {'log_message': lambda *a: None}), directory=str(site))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv

def check_page(page, url, pages, site, ids):
    probs, events = [], []
    page.on('pageerror', lambda e: events.append(f'JS exception: {e}'))
    page.on('console', lambda m: m.type == 'error' and events.append(f'console error: {m.text}'))
    page.on('requestfailed', lambda r: events.append(f'request failed: {r.url} ({r.failure})'))
    page.on('response', lambda r: r.status >= 400 and events.append(f'HTTP {r.status}: {r.url}'))
    page.goto(url, wait_until='load')
    res = page.evaluate(PROBE)
    page.wait_for_timeout(100)  # late console messages
    probs += events
    if not res['mathjax']: probs.append(f'MathJax did not load/typeset: {res.get("mathjaxError")}')
    probs += [f'TeX error in: {t}' for t in res['texErrors']]
    probs += [f'untypeset TeX: {t!r}' for t in res['rawTex']]
    probs += [f'broken image: {s}' for s in res['broken']]
    want = [p['file'] for p in pages]
    if [h for h, _ in res['nav']] != want: probs.append(f'sidebar lists {[h for h, _ in res["nav"]]}, want {want}')
    me = url.rsplit('/', 1)[1]
    if [h for h, a in res['nav'] if a] != [me]: probs.append('sidebar does not highlight this page (only)')
    ids[me] = set(res['ids'])
    return probs, res

def local_links(links, me, site, ids):
    "Problems with links to pages of this site: missing file, or missing anchor."
    probs = []
    for href in links:
        u = urlparse(href)
        if u.scheme or href.startswith(('//', 'mailto:', 'data:')): continue
        path, frag = urldefrag(href)
        target = path or me
        if not (site/target).exists(): probs.append(f'link to missing file: {href}'); continue
        if frag and target in ids and frag not in ids[target]: probs.append(f'link to missing anchor: {href}')
    return probs

def main():
    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT/'_site').resolve()
    pages = json.loads((site/'pages.json').read_text())
    extra = sorted({p.name for p in site.glob('*.html')} - {p['file'] for p in pages})
    exe = os.environ.get('CHROMIUM', '/usr/bin/chromium')
    from playwright.sync_api import sync_playwright
    srv, t0, total, results = serve(site), time.time(), 0, {}
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    SHOTS.mkdir(parents=True, exist_ok=True)
    numbered = next((p['file'] for p in pages if re.match(r'\d', p['source'])), None)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        ids = {}
        for p in pages:
            page = ctx.new_page()
            t = time.time()
            try: probs, res = check_page(page, base + p['file'], pages, site, ids)
            except Exception as e: probs, res = [f'page could not be checked: {e}'], {'links': []}
            if p['file'] in ('index.html', numbered):
                h = min(page.evaluate('document.body.scrollHeight'), 4000)
                page.screenshot(path=str(SHOTS/p['file'].replace('.html', '.png')), full_page=True,
                                clip={'x': 0, 'y': 0, 'width': 1280, 'height': h})
            results[p['file']] = (probs, res, time.time() - t)
            page.close()
        browser.close()
    srv.shutdown()
    for p in pages:  # anchors are known only once every page was loaded
        probs, res, dt = results[p['file']]
        probs += local_links(res['links'], p['file'], site, ids)
        total += len(probs)
        print(f'{"ok  " if not probs else "FAIL"} {p["file"]:<28} {p["title"][:40]:<40} {dt:4.1f}s'
              + (f'  {len(probs)} problem(s)' if probs else ''))
        for pr in probs: print(f'       - {pr}')
    if extra: total += 1; print(f'FAIL pages not in pages.json/sidebar: {extra}')
    if not pages: total += 1; print('FAIL no pages')
    print(f'docs: {len(pages)} pages checked, {total} problems ({time.time() - t0:.0f}s); screenshots in '
          f'{SHOTS.relative_to(ROOT)}/')
    return 1 if total else 0

if __name__ == '__main__': sys.exit(main())
