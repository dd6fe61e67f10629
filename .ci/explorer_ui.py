#!/usr/bin/env python
"""The explorer in a real JupyterLab 4, driven by headless Chromium (the explorer issue).

Starts `jupyter lab` on a copy of nbs/93_explorer.ipynb in a temporary folder (the notebook in the
repository is never touched) that ends at the cell showing the app (the tests after it are
`nbdev_test`'s business), runs all its cells, moves the width slider of the app with the
keyboard (one step right: the next power of two), and waits until the kernel panel's image has
changed and the readout shows the new width. Saves before/after screenshots of the app in
.ci/shots/ (git-ignored). Exit status 0 when the figure changed, 1 otherwise.

    python .ci/explorer_ui.py            # CHROMIUM=/path/to/chromium to choose the browser
"""
import json, os, secrets, socket, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, SHOTS = ROOT/'nbs/93_explorer.ipynb', ROOT/'.ci/shots'
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']

def free_port():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close(); return port

def wait_until(pred, timeout, what, page=None):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred(): return time.time() - t0
        time.sleep(0.5)
    if page is not None: page.screenshot(path=str(SHOTS/'explorer_timeout.png'))
    raise TimeoutError(f'{what}: not within {timeout} s')

def main():
    from playwright.sync_api import sync_playwright
    work, port, token = Path(tempfile.mkdtemp(prefix='explorer_ui_')), free_port(), secrets.token_hex(12)
    nb = json.loads(NB.read_text())
    show = next(i for i, c in enumerate(nb['cells']) if ''.join(c['source']).startswith('app = explorer()'))
    nb['cells'] = nb['cells'][:show + 1]
    (work/NB.name).write_text(json.dumps(nb))
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = open(work/'jupyter.log', 'w')
    srv = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                            f'--ServerApp.token={token}', f'--ServerApp.root_dir={work}', '--allow-root',
                            '--LabServerApp.announcements_url=', '--LabApp.news_url='],
                           stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, MPLBACKEND='Agg'))
    t0 = time.time()
    try:
        wait_until(lambda: socket.socket().connect_ex(('127.0.0.1', port)) == 0, 60, 'jupyter lab to listen')
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get('CHROMIUM', '/usr/bin/chromium'), args=ARGS, headless=True)
            page = browser.new_page(viewport={'width': 1400, 'height': 1100})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/{NB.name}?token={token}')
            page.wait_for_selector('.jp-Notebook', timeout=90_000)
            time.sleep(3)
            for _ in range(3):  # the kernel-choice dialog, if any
                accept = page.locator('.jp-Dialog .jp-mod-accept')
                if accept.count(): accept.first.click(); time.sleep(1)
            page.get_by_text('Run', exact=True).first.click()
            page.get_by_text('Run All Cells', exact=True).click()
            busy = lambda: page.locator('.jp-InputPrompt:has-text("[*]")').count() > 0
            wait_until(lambda: page.locator('.widget-image').count() > 0, 300, 'the explorer to appear', page)
            wait_until(lambda: not busy(), 900, 'all cells to finish', page)
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]:has-text("Error")').count()
            no_news = page.get_by_role('button', name='No', exact=True)  # JupyterLab's news toast, over the app
            if no_news.count(): no_news.first.click()
            app = page.locator('.jp-OutputArea-output:has(.widget-image)').first
            app.scroll_into_view_if_needed()
            image, readout = page.locator('.widget-image').first, app.locator('.widget-html-content').nth(1)
            before, text_before = image.get_attribute('src'), readout.inner_text()
            app.screenshot(path=str(SHOTS/'explorer_before.png'))
            handle = app.locator('.widget-slider .noUi-handle').first
            handle.focus(); page.keyboard.press('ArrowRight')
            took = wait_until(lambda: image.get_attribute('src') != before and readout.inner_text() != text_before, 120,
                              'the figure to change after moving the width slider', page)
            time.sleep(0.5)
            app.screenshot(path=str(SHOTS/'explorer_after.png'))
            print(f'explorer UI: readout before {text_before.splitlines()[0]!r}, after {readout.inner_text().splitlines()[0]!r}; '
                  f'figure changed {took:.1f} s after the key press; {errors} error outputs; '
                  f'screenshots {SHOTS.relative_to(ROOT)}/explorer_before.png, explorer_after.png ({time.time() - t0:.0f} s in all)')
            browser.close()
            return 1 if errors else 0
    except Exception as e:
        print(f'explorer UI: FAILED: {type(e).__name__}: {e}; jupyter log: {work/"jupyter.log"}')
        return 1
    finally:
        srv.terminate()
        try: srv.wait(15)
        except subprocess.TimeoutExpired: srv.kill()

if __name__ == '__main__': sys.exit(main())
