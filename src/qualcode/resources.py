"""Where the bundled data lives: the default codebook and the sample interviews.

In an installed package they are `qualcode/data/...` (pyproject force-includes the
repository's top-level `codebook/` and `interviews/` there); in a source checkout they are
those top-level folders themselves.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_path(name: str) -> Path:
    """The folder of bundled data `name` ("codebook" or "interviews")."""
    packaged = Path(str(resources.files("qualcode"))) / "data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name
