"""Creating a project: the store plus its first codebook, in one step."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook import Codebook, default_codebook_path, install_codebook, load_codebook
from qualcode.errors import QualcodeError
from qualcode.store import DB_NAME, Project


@dataclass
class NewProject:
    project: Project
    codebook: Codebook


def init_project(folder: Path, codebook_path: Path | None = None) -> NewProject:
    """Create `folder/qualcode.db` with the given (or default) codebook installed.

    The codebook is checked before anything is created, so a bad codebook leaves no
    half-made project behind.
    """
    folder = Path(folder)
    source = codebook_path or default_codebook_path()
    codebook = load_codebook(source)
    existed = folder.exists()
    project = Project.create(folder)
    try:
        install_codebook(project, codebook, change="init", source_name=Path(source).name)
    except QualcodeError:
        project.close()
        if existed:
            for suffix in ("", "-wal", "-shm"):
                (folder / (DB_NAME + suffix)).unlink(missing_ok=True)
        else:
            shutil.rmtree(folder)
        raise
    return NewProject(project, codebook)
