"""Regenerate the pictures of ``netcheck render`` in ``docs/`` (``docs/render-*.png``) with headless Chromium.

Each picture is a spec rendered by ``netcheck render``, then printed to PNG by
Chromium (Debian's ``chromium``; ``--chromium`` or ``NETCHECK_CHROMIUM`` names
another): an SVG at its own size (twice the pixels, for sharp text), an HTML
page in a 1400×900 window. Run it after changing how pictures look:

    python3 scripts/render_docs.py                  # every picture below, into docs/
    python3 scripts/render_docs.py --out /tmp/look  # elsewhere (to look before committing)
    python3 scripts/render_docs.py --all --out /tmp/look   # every spec in specs/ and tests/render/, both formats
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The pictures in docs/: (picture name, spec, format).
PICTURES = (
    ("render-inception-block", "specs/inception-block.yaml", "svg"),
    ("render-encoder-decoder", "specs/encoder-decoder.yaml", "svg"),
    ("render-broken", "tests/render/broken.yaml", "svg"),
    ("render-resnet50-page", "specs/resnet50.yaml", "html"),
)
PAGE_WINDOW = (1400, 900)
SVG_SCALE = 2


def chromium(named: str | None) -> str:
    """The browser to print with: the one named, else the first of Chromium's usual names on the PATH."""
    for candidate in (named, os.environ.get("NETCHECK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return candidate
    sys.exit("render_docs: no Chromium found (apt-get install chromium, or pass --chromium)")


def render(spec: Path, output: Path) -> None:
    """``netcheck render SPEC -o OUTPUT`` (exit 0 expected: every spec here draws)."""
    shown = spec.relative_to(ROOT) if spec.is_relative_to(ROOT) else spec
    done = subprocess.run([sys.executable, "-m", "netcheck", "render", str(shown), "-o", str(output)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"render_docs: netcheck render {spec} failed:\n{done.stderr}")


def svg_size(svg: Path) -> tuple[int, int]:
    """The width and height the SVG's root element declares, rounded up."""
    head = svg.read_text(encoding="utf-8")[:2000]
    found = re.search(r'width="([0-9.]+)" height="([0-9.]+)"', head)
    if found is None:
        sys.exit(f"render_docs: no size in {svg}")
    return int(float(found.group(1)) + 0.999), int(float(found.group(2)) + 0.999)


def screenshot(browser: str, source: Path, png: Path, size: tuple[int, int], scale: int, profile: Path) -> None:
    """Print ``source`` to ``png`` in a window of ``size`` CSS pixels at ``scale`` device pixels each."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
               f"--force-device-scale-factor={scale}", f"--screenshot={png}", source.as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    if not png.exists():
        sys.exit(f"render_docs: Chromium wrote no {png}")


def picture(browser: str, name: str, spec: Path, fmt: str, out: Path, work: Path) -> Path:
    """One picture: the spec rendered as ``fmt``, printed to ``out/name.png``."""
    rendered = work / f"{name}.{fmt}"
    render(spec, rendered)
    png = out / f"{name}.png"
    png.unlink(missing_ok=True)
    if fmt == "svg":
        screenshot(browser, rendered, png, svg_size(rendered), SVG_SCALE, work / "profile")
    else:
        screenshot(browser, rendered, png, PAGE_WINDOW, 1, work / "profile")
    return png


def main() -> None:
    """Parse the options and print every picture asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="Where the PNGs go (default: docs/).")
    parser.add_argument("--chromium", help="The Chromium executable (default: chromium on the PATH).")
    parser.add_argument("--all", action="store_true", help="Every spec in specs/ and tests/render/, SVG and HTML.")
    arguments = parser.parse_args()
    browser = chromium(arguments.chromium)
    arguments.out.mkdir(parents=True, exist_ok=True)
    jobs = list(PICTURES)
    if arguments.all:
        specs = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "tests" / "render").glob("*.yaml"))
        jobs = [(f"{spec.stem}-{fmt}", str(spec.relative_to(ROOT)), fmt) for spec in specs for fmt in ("svg", "html")]
    with tempfile.TemporaryDirectory() as work:
        for name, spec, fmt in jobs:
            png = picture(browser, name, ROOT / spec, fmt, arguments.out, Path(work))
            print(png)


if __name__ == "__main__":
    main()
