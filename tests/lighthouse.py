"""Lighthouse (mobile) on the public pages behind the shipped nginx: `make lighthouse`.

The same stack as the deployment test (tests/nginx_stack.py: nginx with the kit's site and
brotli, both apps under gunicorn in production mode, the demo directory) and the system
Chromium, which reaches the public name on the stack's port through its own resolver rules and
trusts the certificate made for the run by its key's hash. Prints the four scores of each page
and exits 1 if accessibility, best practices or SEO is under 100 or performance under 95 on any
(the goals in issues 18 and 19). Not part of `make test`: one run takes minutes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, unquote

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.config import PROJECT_ROOT
from tests.nginx_stack import PUBLIC, Stack, running_stack

LIGHTHOUSE = PROJECT_ROOT / "node_modules/.bin/lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
PAGES = {
    "home (ja)": "/",
    "home (en)": "/en/",
    "home (easy)": "/easy/",  # furigana in <ruby>, hreflang ja-x-easy
    "directory": "/directory",
    "search": "/directory?q=" + quote("しにたい"),  # a crisis search: the lines open now first
    "cards": "/cards",
}


def spki_hash(cert: Path) -> str:
    """The certificate's public key as Chromium's --ignore-certificate-errors-spki-list takes
    it: the page counts as securely served, as behind a real certificate, not as an error."""
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def a_service_page(stack: Stack) -> str:
    status, _, body = stack.curl(f"https://{PUBLIC}:PORT/directory")
    found = re.search(r'href="(/directory/services/[^"?#]+)"', body.decode())
    if status != 200 or found is None:
        raise SystemExit(f"no service page linked from /directory (status {status})")
    return found.group(1)


def audit(stack: Stack, path: str, report: Path) -> dict[str, int]:
    flags = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        # https://PUBLIC/ (port 443, as residents open it) is the stack's port on loopback.
        f'--host-resolver-rules="MAP {PUBLIC}:443 127.0.0.1:{stack.https}"',
        f"--ignore-certificate-errors-spki-list={spki_hash(stack.cert)}",
    ]  # fmt: skip
    command = [
        str(LIGHTHOUSE), f"https://{PUBLIC}{path}", "--quiet", "--output=json",
        f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=" + " ".join(flags),
    ]  # fmt: skip
    done = subprocess.run(
        command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"lighthouse failed on {path}:\n{done.stderr[-3000:]}")
    result = json.loads(report.read_text())
    if result.get("runtimeError"):
        raise SystemExit(f"lighthouse on {path}: {result['runtimeError']}")
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def failing_audits(report: Path) -> list[str]:
    """Audits under 1 in the categories with a goal, for the reader to act on."""
    result = json.loads(report.read_text())
    lines = []
    for name in GOALS:
        for ref in result["categories"][name]["auditRefs"]:
            found = result["audits"][ref["id"]]
            if ref["weight"] and found["score"] is not None and found["score"] < 1:
                shown = found.get("displayValue", "")
                lines.append(f"    {name}: {ref['id']} {found['score']:.2f} {shown}".rstrip())
    return lines


def main() -> int:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: npm ci (make lighthouse does it)")
    with tempfile.TemporaryDirectory(prefix="tsunagu-lighthouse-") as temp:
        folder = Path(temp)
        (folder / "stack").mkdir()
        with running_stack(folder / "stack") as stack:
            pages = {**PAGES, "service": a_service_page(stack)}
            rows, short = [], []
            for number, (label, path) in enumerate(pages.items()):
                report = folder / f"report-{number}.json"
                scores = audit(stack, path, report)
                rows.append((label, path, scores))
                if any(scores[name] < goal for name, goal in GOALS.items()):
                    short += [f"  {label} ({path}):", *failing_audits(report)]
    print(f"{'page':<16} {'perf':>5} {'a11y':>5} {'bp':>5} {'seo':>5}  address")
    for label, path, scores in rows:
        numbers = " ".join(f"{scores[name]:>5}" for name in CATEGORIES)
        print(f"{label:<16} {numbers}  {unquote(path)}")
    if short:
        print("\nUnder the goal (performance 95, accessibility, best practices and SEO 100):")
        print("\n".join(short))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
