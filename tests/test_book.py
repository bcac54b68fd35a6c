"""`make book`: the course's website builds from the committed notebooks, and headless Chromium shows
every page with its figures, and every link between pages leads to a page (and anchor) that exists."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))

PAGE_REPORT = """(async () => {
  await Promise.all(Array.from(document.images).map(i => i.complete ? null :
    new Promise(r => { i.onload = r; i.onerror = r; })));
  for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  return {
    math_spans: document.querySelectorAll("span.math, div.math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    title: document.title,
    images: Array.from(document.images).map(i => [i.getAttribute("src"), i.naturalWidth]),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    text: document.body.innerText,
  };
})()"""


def chromium() -> str:
    """The browser binary; missing skips on a user's machine and fails under CI (.ci/run installs it)."""
    found = next(filter(None, (shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome"))), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium: CI must install Debian's chromium (see .ci/run)")
        pytest.skip("no Chromium (apt-get install chromium)")
    return found


class Browser:
    """Headless Chromium driven over the DevTools protocol (one page, one websocket)."""

    def __init__(self, binary: str, profile: Path) -> None:
        import websocket

        self.proc = subprocess.Popen([binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                                      "--remote-debugging-port=0", f"--user-data-dir={profile}",
                                      "--window-size=1280,900", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        else:
            self.proc.kill()
            raise RuntimeError("Chromium did not open its DevTools port within 30 s")
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def open(self, url: str) -> dict[str, Any]:
        """Load ``url``, wait for its load event and its images, return the page report."""
        self.ws.send(json.dumps({"id": 0, "method": "Page.navigate", "params": {"url": url}}))
        while json.loads(self.ws.recv()).get("method") != "Page.loadEventFired":
            pass
        res = self.send("Runtime.evaluate", expression=PAGE_REPORT, awaitPromise=True, returnByValue=True)
        return res["result"]["value"]

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


def build_site(out: Path) -> Path:
    """``make book``'s command, into ``out``; warnings (a broken cross-reference, say) fail the build."""
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "book.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "html"


def image_outputs(nb: Path) -> int:
    book = nbformat.read(nb, as_version=4)
    return sum(1 for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {}))


def anchors(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text()))


@pytest.mark.notebook
def test_site_renders_every_page_with_its_figures(tmp_path):
    binary = chromium()
    site = build_site(tmp_path / "book")
    shipped_mathjax = (site / "_static" / "es5" / "tex-mml-chtml.js").is_file()  # npm fetched it
    if not shipped_mathjax and os.environ.get("CI"):
        pytest.fail("the site was built without MathJax: scripts/book.py could not fetch it with npm")
    pages = [site / "README.html"] + [site / "notebooks" / f"{nb.stem}.html" for nb in NOTEBOOKS]
    browser = Browser(binary, tmp_path / "chromium")
    try:
        reports = {p: browser.open(p.as_uri()) for p in pages}
    finally:
        browser.close()
    for nb in NOTEBOOKS:
        report = reports[site / "notebooks" / f"{nb.stem}.html"]
        broken = [src for src, width in report["images"] if width == 0]
        assert not broken, f"{nb.stem}: images that do not load: {broken}"
        assert len(report["images"]) >= image_outputs(nb) > 0, (nb.stem, len(report["images"]))
        assert nb.stem[:2] in report["title"], report["title"]
        # formulas typeset by MathJax (shipped with the site: no network needed), none left as TeX
        if report["math_spans"] and shipped_mathjax:
            assert report["typeset"] >= report["math_spans"], (nb.stem, report["math_spans"], report["typeset"])
            assert "\\(" not in report["text"], f"{nb.stem}: a formula shows as TeX"
    for page, report in reports.items():
        for bad in ("PosixPath(", "interactive(children=", str(REPO)):
            assert bad not in report["text"], f"{page.name} shows {bad!r}"
        for link in report["links"]:
            url = urlparse(link)
            if url.scheme != "file":
                continue  # the web, not this site
            target = Path(unquote(url.path))
            assert target.is_file(), f"{page.relative_to(site)} links to a missing {target}"
            if url.fragment and target.suffix == ".html":
                assert url.fragment in anchors(target), f"{page.relative_to(site)} links to a missing anchor {link}"
    front = reports[site / "README.html"]
    linked = {Path(unquote(urlparse(u).path)).name for u in front["links"]}
    assert {f"{nb.stem}.html" for nb in NOTEBOOKS} <= linked, "the front page links to every notebook"
    assert "Reproduction ledger" in front["text"] and "Course map" in front["text"]
