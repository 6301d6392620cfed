"""Card rendering speed and memory, as ratios against a blank card-size image saved as PNG.

Run with ``python -m bench.cards``. Cases: one business card at 600 dpi as PNG, and the A4 sheet
of ten as PDF; the baseline creates and saves a blank 600-dpi card-size image. Time is the median
of ``BENCH_CARD_RENDERS`` (20) renders after two warm-ups. Memory is measured two ways:
tracemalloc's peak (Python allocations only: Pillow keeps pixels outside it), and, on Linux, the
peak resident memory one render adds in a fresh process warmed by one render (C included).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from cards.design import CardDesign, default_design
from cards.render import PRINT_DPI, render_png, render_sheet_pdf
from core.config import DEFAULT_PROFILE
from core.profile import read_profile_file

RENDERS = int(os.environ.get("BENCH_CARD_RENDERS", "20"))
URL = "https://dedicated-window.example/kyotango?c=BENCH01"
NATIONAL = (
    ("こころの健康相談統一ダイヤル", "0570-064-556"),
    ("いのちの電話", "0570-783-556"),
    ("よりそいホットライン", "0120-279-338"),
)
BASELINE = "blank 600-dpi PNG"


def cases(design: CardDesign) -> dict[str, Callable[[], bytes]]:
    return {
        BASELINE: blank_card_png,
        "business card PNG": lambda: render_png(design, URL, dpi=PRINT_DPI),
        "A4 sheet PDF (10)": lambda: render_sheet_pdf(design, URL),
    }


def blank_card_png() -> bytes:
    size = (round(91 / 25.4 * PRINT_DPI), round(55 / 25.4 * PRINT_DPI))
    out = io.BytesIO()
    Image.new("RGB", size, "#ffffff").save(out, format="PNG", dpi=(PRINT_DPI, PRINT_DPI))
    return out.getvalue()


def bench_design() -> CardDesign:
    return default_design(read_profile_file(DEFAULT_PROFILE), NATIONAL)


def median_ms(run: Callable[[], bytes]) -> float:
    for _ in range(2):  # fonts registered, caches warm, as in a running server
        run()
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def traced_peak_kib(run: Callable[[], bytes]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def rss_peak_kib(name: str) -> float | None:
    """Peak resident memory a render adds, in a fresh process warmed by one render (Linux)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.cards", "--rss", name],
        check=True,
        capture_output=True,
        text=True,
    )
    figure = done.stdout.strip()
    return float(figure) if figure else None


def rss_child(name: str) -> None:
    run = cases(bench_design())[name]
    run()  # fonts loaded and registered, as in a running server
    gc.collect()
    try:
        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to now
    except OSError:
        return  # not Linux: no figure
    run()
    print(_status_kib("VmHWM") - before)


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise OSError(f"{key} not in /proc/self/status")


def main() -> None:
    design = bench_design()
    print(f"\nGuidance cards at {PRINT_DPI} dpi: median of {RENDERS} renders, peak memory\n")
    header = f"{'case':<22}{'ms':>9}{'x time':>9}{'traced KiB':>12}{'x':>8}{'RSS KiB':>10}{'x':>8}"
    print(header)
    rows = {}
    for name, run in cases(design).items():
        rows[name] = (median_ms(run), traced_peak_kib(run), rss_peak_kib(name))
    base = rows[BASELINE]
    for name, (ms, traced, rss) in rows.items():
        print(
            f"{name:<22}{ms:>9.1f}{ms / base[0]:>9.2f}{traced:>12.0f}{traced / base[1]:>8.1f}"
            + (f"{rss:>10.0f}{rss / base[2]:>8.2f}" if rss and base[2] else f"{'n/a':>10}")
        )
    print("(ratios against the baseline from the same run; compare ratios, not absolute figures)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rss"]:
        rss_child(sys.argv[2])
    else:
        main()
