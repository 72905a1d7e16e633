"""REFI-QDA interchange: `.qdc` codebooks and `.qdpx` projects, to and from NVivo,
ATLAS.ti, MAXQDA, QualCoder and other QDA tools.

`writer` exports, `reader` reads files safely, `loader` imports a project into the store,
`codes` maps codebooks both ways, `text` handles positions and segmentation of imported
texts, `check` runs the checks the XML schemas leave out.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.codebook import Codebook
from qualcode.ingest import slugify
from qualcode.refi.check import check_qdc, check_qdpx
from qualcode.refi.codes import CodeMapping, codebook_yaml, merge_codes
from qualcode.refi.loader import ImportSummary, import_qdpx
from qualcode.refi.reader import read_qdc
from qualcode.refi.writer import ExportSummary, export_qdc, export_qdpx

__all__ = ["CodeMapping", "ExportSummary", "ImportSummary", "check_qdc", "check_qdpx",
           "codebook_from_qdc", "codebook_yaml", "export_qdc", "export_qdpx", "import_qdpx"]


def codebook_from_qdc(path: Path, base: Codebook | None = None) -> CodeMapping:
    """The codebook in a `.qdc` file, merged into `base` (default: a new, empty codebook
    named after the file); problems lists what did not come through as it was."""
    path = Path(path)
    codes, problems = read_qdc(path)
    base = base or Codebook(id=slugify(path.stem), title=path.stem,
                            description=f"Imported from {path.name}.")
    mapping = merge_codes(codes, base)
    mapping.problems[:0] = problems
    return mapping
