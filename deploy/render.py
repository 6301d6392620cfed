"""Fill in a deploy template: `python3 render.py site.values nginx/tsunagu.conf > tsunagu.conf`.

The templates (nginx and systemd files) hold @NAME@ where a site's own value goes (its names,
ports, paths, office network). The values file has one NAME=value a line (# starts a comment).
A template naming a value the file lacks is refused, so nothing is left half filled in.
Standard library only: it runs before Tsunagu is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TOKEN = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def read_values(path: Path) -> dict[str, str]:
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name.strip()):
            raise SystemExit(f"{path}:{number}: expected NAME=value")
        values[name.strip()] = value.strip()
    return values


def render(template: str, values: dict[str, str]) -> str:
    missing = sorted({name for name in TOKEN.findall(template) if name not in values})
    if missing:
        raise SystemExit("no value for " + ", ".join(missing))
    return TOKEN.sub(lambda match: values[match.group(1)], template)


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        raise SystemExit(__doc__.splitlines()[0])
    values = read_values(Path(argv[1]))
    sys.stdout.write(render(Path(argv[2]).read_text(encoding="utf-8"), values))


if __name__ == "__main__":
    main(sys.argv)
