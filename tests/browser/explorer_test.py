#!/usr/bin/env python3
"""The browser test of explorer.html (demos/explorer/page.hpp), run by
`make test` (scripts/run_tests.sh browser).

It trains four very short feature2d runs on 300 synthetic digits (2-D ArcFace,
3-D CosFace, 2-D triplet, 5-D softmax drawn on its principal plane) and a
two-loss gallery, opens each explorer.html from file:// in headless Chromium
through the DevTools protocol (tests/browser/cdp.py) and checks, as a reader
would see it:
  - the page loads with no exception, console error or failed load;
  - moving the epoch slider (a mouse click on it) changes what is drawn;
  - hovering a point shows the numbers metrics.json lists for it (class,
    theta_y, psi, loss, -dL/dh), for the three most isolated points; for the
    triplet run they are numbers (its P x K batch's) and the panel says so;
  - the 3-D sphere turns when dragged; the margin playground redraws when
    its s slider moves; the gallery page's slider redraws every panel and
    its table is an HTML <table> with the Markdown's header cells and a row
    per loss;
then runs the same checks on four broken copies of the pages (a script that
throws, frames that are all the same, one number changed, the table left as
text) and expects each to fail. Screenshots go to build/browser/*.png. Ends with "browser: N passed,
N failed".

    tests/browser/explorer_test.py [--reuse]   (--reuse: keep the runs already in build/browser)
"""
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "browser")
RUNS = {
    "arc2d": ["--loss", "arcface", "s=16", "m=0.2", "--dim", "2"],
    "cos3d": ["--loss", "cosface", "s=16", "m=0.2", "--dim", "3"],
    "trip2d": ["--loss", "triplet", "--dim", "2"],
    "soft5d": ["--loss", "softmax", "--dim", "5"],
}


class CheckFailed(Exception):
    pass


def start(cmd):
    """Starts one program; finish() waits for it. The runs go at once."""
    return cmd, subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(job, what):
    cmd, proc = job
    try:
        out, _ = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise CheckFailed(what + " took more than 300 s: " + " ".join(cmd))
    if proc.returncode != 0:
        raise CheckFailed(what + " failed: " + " ".join(cmd) + "\n" + out[-800:])


def feature2d_cmd(name, args):
    return [os.path.join(ROOT, "build", "feature2d"), *args, "--data", "digits:300", "--epochs", "2",
            "--threads", "1", "--quiet", "--out", os.path.join(OUT, name)]


GALLERY = ["--only", "softmax,arcface", "--data", "digits:300", "--epochs", "1", "--threads", "1", "--quiet"]


def gallery_cmd():
    return [os.path.join(ROOT, "build", "gallery"), *GALLERY, "--out", os.path.join(OUT, "gallery")]


def check_gallery(page):
    n = page.eval("fgExplorer.data.runs.length")
    if n != 2:
        raise CheckFailed(f"the gallery page shows {n} runs, expected 2")
    slide_to(page, "epoch", 1)
    last = [canvas(page, f"panel-{r}") for r in range(n)]
    slide_to(page, "epoch", 0)
    first = [canvas(page, f"panel-{r}") for r in range(n)]
    for r in range(n):
        if first[r] == last[r]:
            raise CheckFailed(f"the shared slider changed nothing in panel {r}")
    check_table(page)


def check_table(page):
    """The gallery's Markdown table drawn as an HTML <table>: the header cells
    the Markdown names (whatever columns the gallery writes), one row a loss."""
    pipe = [line.strip() for line in page.eval("fgExplorer.data.table").split("\n") if line.strip().startswith("|")]
    if len(pipe) < 3:
        raise CheckFailed("the page's data holds no Markdown table")
    want = [c.strip() for c in pipe[0].strip("|").split("|")]
    head = page.eval("[...document.querySelectorAll('#table table thead th')].map(e => e.textContent)")
    if head != want:
        raise CheckFailed(f"the table's header cells are {head}, the Markdown names {want}")
    if head[0] != "loss" or "test accuracy" not in head:
        raise CheckFailed(f"the table's header {head} lacks 'loss' or 'test accuracy'")
    rows = page.eval("[...document.querySelectorAll('#table table tbody tr')]"
                     ".map(r => [...r.children].map(c => c.textContent))")
    if len(rows) != 2 or len(pipe) - 2 != 2:
        raise CheckFailed(f"the table has {len(rows)} rows (Markdown: {len(pipe) - 2}), expected one per loss, 2")
    if [r[0] for r in rows] != ["Softmax", "ArcFace"] or any(len(r) != len(head) for r in rows):
        raise CheckFailed(f"the table's rows {rows} do not name Softmax and ArcFace with {len(head)} cells each")


def close(a, b, rel=2e-3):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-6


def number(text):
    return None if text.strip() == "n/a" else float(text)


def canvas(page, cid):
    return page.eval(f"document.getElementById('{cid}').toDataURL()")


def rect(page, eid):
    return page.eval(f"(() => {{ const r = document.getElementById('{eid}').getBoundingClientRect();"
                     " return [r.left, r.top, r.width, r.height]; })()")


def slide_to(page, eid, end):
    """Clicks the left (end=0) or right (end=1) end of a range input."""
    x, y, w, h = rect(page, eid)
    page.click(x + 2 + end * (w - 4), y + h / 2)


def check_loads(page):
    bad = page.problems()
    if bad:
        raise CheckFailed("; ".join(bad[:3]))
    if not page.eval("!!window.fgExplorer"):
        raise CheckFailed("the page's script did not finish (no window.fgExplorer)")


def check_slider(page):
    frames = page.eval("document.getElementById('epoch').max")
    if int(frames) < 1:
        raise CheckFailed("the epoch slider has a single frame")
    slide_to(page, "epoch", 1)
    last = canvas(page, "panel-0")
    slide_to(page, "epoch", 0)
    if page.eval("document.getElementById('epoch').value") != "0":
        raise CheckFailed("a click on the slider's left end did not move it to frame 0")
    first = canvas(page, "panel-0")
    slide_to(page, "epoch", 1)
    if first == last:
        raise CheckFailed("moving the epoch slider changed nothing drawn")
    if canvas(page, "panel-0") != last:
        raise CheckFailed("moving the slider back did not draw the last frame again")


def isolated_points(page, count):
    pts = page.eval("fgExplorer.screenPoints(0)")
    gap = []
    for i, p in enumerate(pts):
        if p[2] < 0:
            continue
        d = min((math.hypot(p[0] - q[0], p[1] - q[1]) for j, q in enumerate(pts) if j != i), default=1e9)
        gap.append((d, i))
    gap.sort(reverse=True)
    return [i for _, i in gap[:count]]


def check_hover(page, metrics):
    truth = {p["index"]: p for p in metrics["explorer_points"]}
    if page.eval("fgExplorer.state.epoch") != page.eval("fgExplorer.data.runs[0].frames.length - 1"):
        raise CheckFailed("the page is not on its last frame")
    for i in isolated_points(page, 3):
        at = page.eval(f"fgExplorer.pointOnScreen(0, {i})")
        page.mouse("mouseMoved", at["x"], at["y"])
        shown = page.eval("Object.fromEntries([...document.querySelectorAll('#info span[data-k]')]"
                          ".map(s => [s.dataset.k, s.textContent]))")
        if "index" not in shown:
            raise CheckFailed(f"hovering point {i} at ({at['x']:.0f}, {at['y']:.0f}) showed no numbers")
        index = int(shown["index"])
        aimed = page.eval(f"fgExplorer.data.runs[0].frames.at(-1).index[{i}]")
        if index != aimed:
            raise CheckFailed(f"hovering point {aimed} showed point {index}")
        t = truth.get(index)
        if t is None:
            raise CheckFailed(f"point {index} is not in metrics.json's explorer_points")
        if int(shown["label"]) != t["label"]:
            raise CheckFailed(f"point {index}: class {shown['label']} shown, {t['label']} in metrics.json")
        for k in ("theta_y_deg", "psi", "loss"):
            if not close(number(shown[k]), t[k]):
                raise CheckFailed(f"point {index}: {k} {shown[k]} shown, {t[k]} in metrics.json")
        grad = [number(v) for v in shown["neg_grad"].strip("()").split(",")]
        if len(grad) != len(t["neg_grad"]) or not all(close(a, b) for a, b in zip(grad, t["neg_grad"])):
            raise CheckFailed(f"point {index}: -dL/dh {shown['neg_grad']} shown, {t['neg_grad']} in metrics.json")


def check_batch_hover(page, metrics):
    """A triplet run: the hovered points show the loss and -dL/dh of the P x K
    batch they were drawn in (numbers, equal to metrics.json), and say so."""
    check_hover(page, metrics)
    text = page.eval("document.getElementById('info').textContent")
    loss = page.eval("document.querySelector('#info span[data-k=loss]').textContent")
    if loss.strip() == "n/a":
        raise CheckFailed("a point of a triplet run shows no loss (n/a)")
    if "batch drawn as training draws it" not in text:
        raise CheckFailed(f"the hover panel does not say the numbers come from one batch: {text!r}")


def check_turn(page):
    before = canvas(page, "panel-0")
    x, y, w, h = rect(page, "panel-0")
    page.mouse("mouseMoved", x + w / 2, y + h / 2)
    page.mouse("mousePressed", x + w / 2, y + h / 2, "left", 1)
    page.mouse("mouseMoved", x + w / 2 + 60, y + h / 2 + 20, "left", 1)
    page.mouse("mouseReleased", x + w / 2 + 60, y + h / 2 + 20, "left", 0)
    if canvas(page, "panel-0") == before:
        raise CheckFailed("dragging the sphere did not turn it")


def check_playground(page):
    text, pic = page.eval("document.getElementById('pg-text').textContent"), canvas(page, "pg-canvas")
    slide_to(page, "pg-s", 0)
    if page.eval("document.getElementById('pg-text').textContent") == text or canvas(page, "pg-canvas") == pic:
        raise CheckFailed("moving the playground's s slider changed nothing")


def open_page(browser, html):
    page = cdp.Page(browser)
    page.load("file://" + os.path.abspath(html))
    return page


def run_checks(browser, html, metrics, checks, shot=None):
    """Runs the checks in order on a fresh tab; returns [(name, error or None)]."""
    results = []
    try:
        page = open_page(browser, html)
    except Exception as e:  # noqa: BLE001
        return [("load " + os.path.basename(os.path.dirname(html)), str(e))]
    for name, fn in checks:
        try:
            fn(page, metrics) if fn in (check_hover, check_batch_hover) else fn(page)
            results.append((name, None))
        except (CheckFailed, RuntimeError, TimeoutError) as e:
            results.append((name, str(e)))
    if shot:
        page.screenshot(shot)
    return results


def broken_copy(html, name, edit):
    with open(html, encoding="utf-8") as f:
        text = f.read()
    changed = edit(text)
    if changed == text:
        raise CheckFailed(f"could not make the broken copy '{name}'")
    path = os.path.join(OUT, "broken_" + name + ".html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(changed)
    return path


def same_frames(text):
    """Every frame's features replaced by the first frame's."""
    start = text.index('<script id="fg-data" type="application/json">') + len('<script id="fg-data" type="application/json">')
    end = text.index("</script>", start)
    d = json.loads(text[start:end].replace("<\\/", "</"))
    for r in d["runs"]:
        for f in r["frames"]:
            for k in ("H", "W", "grad", "W_push", "epoch", "accuracy"):
                f[k] = r["frames"][0][k]
    return text[:start] + json.dumps(d).replace("</", "<\\/") + text[end:]


def changed_loss(text):
    """The loss of every point of the last frame multiplied by 1.5."""
    start = text.index('<script id="fg-data" type="application/json">') + len('<script id="fg-data" type="application/json">')
    end = text.index("</script>", start)
    d = json.loads(text[start:end].replace("<\\/", "</"))
    f = d["runs"][0]["frames"][-1]
    f["loss"] = [None if v is None else v * 1.5 for v in f["loss"]]
    return text[:start] + json.dumps(d).replace("</", "<\\/") + text[end:]


# Each page's checks in order, and its screenshot under build/browser/.
PAGE_CHECKS = [
    ("arc2d", [("2-D page loads cleanly", check_loads), ("2-D epoch slider redraws", check_slider),
               ("2-D hover numbers equal metrics.json", check_hover),
               ("playground s slider redraws", check_playground),
               ("2-D page still clean after use", check_loads)], "explorer_2d.png"),
    ("cos3d", [("3-D page loads cleanly", check_loads), ("3-D epoch slider redraws", check_slider),
               ("3-D hover numbers equal metrics.json", check_hover),
               ("3-D sphere turns when dragged", check_turn),
               ("3-D page still clean after use", check_loads)], "explorer_3d.png"),
    ("trip2d", [("triplet page loads cleanly", check_loads),
                ("triplet hover shows its batch's numbers, equal to metrics.json", check_batch_hover)], None),
    ("soft5d", [("5-D page loads cleanly", check_loads), ("5-D epoch slider redraws", check_slider),
                ("5-D hover numbers (of the full features) equal metrics.json", check_hover)], "explorer_5d.png"),
    ("gallery", [("gallery page loads cleanly", check_loads),
                 ("gallery slider redraws every panel, its table is an HTML table of every loss", check_gallery),
                 ("gallery page still clean after use", check_loads)], "explorer_gallery.png"),
]

# Broken copies: (page, name, the edit, the check that must fail, words its error must hold).
BROKEN_PAGES = [
    ("arc2d", "throws", lambda t: t.replace("'use strict';", "'use strict'; null.oops;", 1), check_loads,
     "exception"),
    ("arc2d", "same_frames", same_frames, check_slider, "changed nothing drawn"),
    ("arc2d", "changed_loss", changed_loss, check_hover, ": loss "),
    ("gallery", "table_text", lambda t: t.replace(
        "appendChild(markdown(D.table))", "appendChild(el('pre', { id: 'table' }, D.table))", 1), check_table,
     "header cells"),
]


def main():
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    results = []
    path = cdp.find_browser()
    if not path:
        print("browser: no headless Chromium found (chromium-headless-shell or chromium); `make deps` installs it")
        print("browser: 0 passed, 1 failed")
        return 1
    reuse = "--reuse" in sys.argv
    jobs = {}
    for name, args in RUNS.items():
        if not (reuse and os.path.exists(os.path.join(OUT, name, "explorer.html"))):
            jobs[name] = start(feature2d_cmd(name, args))
    if not (reuse and os.path.exists(os.path.join(OUT, "gallery", "explorer.html"))):
        jobs["gallery"] = start(gallery_cmd())
    runs, gallery = {}, None
    for name in list(RUNS) + ["gallery"]:
        try:
            if name in jobs:
                finish(jobs[name], name)
            if name == "gallery":
                gallery = (os.path.join(OUT, "gallery", "explorer.html"), None)
            else:
                with open(os.path.join(OUT, name, "metrics.json")) as f:
                    runs[name] = (os.path.join(OUT, name, "explorer.html"), json.load(f))
        except (CheckFailed, OSError, ValueError) as e:
            results.append(("make the " + name + " page", str(e)))
    pages = dict(runs, gallery=(gallery[0], None)) if gallery else runs
    browser = cdp.Browser(path)
    try:
        for name, checks, shot in PAGE_CHECKS:
            if name in pages:
                html, metrics = pages[name]
                results += run_checks(browser, html, metrics, checks, shot and os.path.join(OUT, shot))
        # The checks must fail on broken pages, and for the reason broken.
        for page_name, name, edit, fn, reason in BROKEN_PAGES:
            if page_name not in pages:
                continue
            html, metrics = pages[page_name]
            try:
                copy = broken_copy(html, name, edit)
                checks = [(name, fn)] if fn is check_loads else [("load", check_loads), (name, fn)]
                err = run_checks(browser, copy, metrics, checks)[-1][1]
                results.append((f"broken page ({name}) fails its check",
                                None if err and reason in err else
                                f"the check {'passed' if not err else 'failed for another reason: ' + err}"))
            except CheckFailed as e:
                results.append((f"broken copy {name}", str(e)))
    finally:
        browser.close()
    passed = sum(1 for _, e in results if e is None)
    for name, err in results:
        print(f"  {'ok  ' if err is None else 'FAIL'} {name}" + (f": {err}" if err else ""))
    print(f"  screenshots: build/browser/explorer_2d.png, explorer_3d.png, explorer_5d.png, explorer_gallery.png "
          f"({time.time() - t0:.0f} s)")
    print(f"browser: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
