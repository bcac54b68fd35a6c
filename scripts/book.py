"""`make book`: the course's website, built by Sphinx + myst-nb from the committed notebooks.

    python scripts/book.py                  site in build/book/ (open build/book/README.html)
    python scripts/book.py --out DIR        site in DIR/html (doctrees in DIR/doctrees)

Formulas are typeset by MathJax. So that the site also reads offline (and the site test can see
the formulas typeset), MathJax 3.2.2 is fetched once from the npm registry into
``build/mathjax/`` (its sha512 checked against the value pinned here) and shipped with the site.
Without npm the pages load MathJax from its CDN instead, and the build says so.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_VERSION = "3.2.2"
MATHJAX_SHA512 = "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
MATHJAX_DIR = ROOT / "build" / "mathjax"          # holds es5/ of the npm package


def fetch_mathjax(dest: Path = MATHJAX_DIR) -> Path | None:
    """``dest`` with MathJax's es5/ bundle (fetched with ``npm pack`` if absent), or None without npm."""
    if (dest / "es5" / "tex-mml-chtml.js").is_file():
        return dest
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent"], cwd=tmp,
                              capture_output=True, text=True)
        tgz = Path(tmp) / f"mathjax-{MATHJAX_VERSION}.tgz"
        if done.returncode or not tgz.is_file():
            print(f"[book] npm pack mathjax@{MATHJAX_VERSION} failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
            return None
        digest = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if digest != MATHJAX_SHA512:
            raise SystemExit(f"[book] mathjax-{MATHJAX_VERSION}.tgz has sha512 {digest}, expected {MATHJAX_SHA512}")
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tgz) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/es5/") and m.isfile()]
            try:
                tar.extractall(staging, members=members, filter="data")
            except TypeError:  # Python < 3.10.12 has no extraction filters; the members are plain files
                tar.extractall(staging, members=members)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.move(str(staging / "package"), dest)  # whole, or not at all
    return dest


def build(out_html: Path, doctrees: Path) -> None:
    mathjax = fetch_mathjax()
    env = dict(os.environ)
    if mathjax is None:
        print("[book] no npm: the pages load MathJax from its CDN (formulas show as TeX offline)", file=sys.stderr)
        env.pop("COURSE_BOOK_MATHJAX", None)
    else:
        env["COURSE_BOOK_MATHJAX"] = str(mathjax)
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", str(ROOT / "book"),
           "-d", str(doctrees), str(ROOT), str(out_html)]
    done = subprocess.run(cmd, env=env)
    if done.returncode:
        raise SystemExit(f"[book] sphinx-build failed (exit {done.returncode}); its warnings are above")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="folder for html/ and doctrees/ (default: build/book)")
    args = ap.parse_args(argv)
    if args.out is None:
        html, doctrees = ROOT / "build" / "book", ROOT / "build" / "book-doctrees"
    else:
        html, doctrees = args.out / "html", args.out / "doctrees"
    build(html, doctrees)
    print(f"[book] site: {html / 'README.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
