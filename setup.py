"""Build step the declarative configuration in pyproject.toml cannot express: message catalogues.

Compiled catalogues (.mo) are build output, never committed. Every wheel compiles them afresh
from the .po files it ships, so ``pip install .`` from a clean clone serves English pages and a
stale .mo left in a checkout never reaches a release. An editable install reads the checkout's
own catalogues (``make translations``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = "core/translations"


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        # Imported here: Babel is a build requirement, not something setup.py needs to load.
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in sorted(Path(CATALOGUES).glob("*/LC_MESSAGES/*.po")):
            with po_path.open("rb") as handle:
                catalogue = read_po(handle, locale=po_path.parts[-3])
            target = Path(self.build_lib) / po_path.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_mo(handle, catalogue)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
