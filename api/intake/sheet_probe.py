"""The used area of a workbook's first worksheet, measured by python-calamine in a throwaway
process with a limited address space, before the importing process parses the sheet itself.

calamine holds a sheet's used area densely, a cell for every row and column between the first
and the last value: one stray value in cell XFD1048576 asks for 550 GB, and a failed allocation
in Rust aborts the whole process. Measured in a child, such a file costs only the child. Run
as a script (by its path: it needs nothing but python-calamine) it prints what it found as JSON.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

# Enough to measure sheets a few times larger than the reader accepts, so that their refusal
# can say how large they are; a sheet larger still is refused as too large to read.
PROBE_MEMORY_BYTES = 1024**3
PROBE_TIMEOUT_S = 120
OUT_OF_MEMORY = 3


def measure(path: Path) -> dict[str, Any]:
    """{"sheet": index, "rows": n, "columns": n} of the first worksheet, or why there is none:
    {"refused": message}, {"damaged": error class}, {"too_large": True} or {"too_slow": True}."""
    try:
        probe = subprocess.run([sys.executable, "-I", __file__, str(path),
                                str(PROBE_MEMORY_BYTES)], capture_output=True, text=True,
                               timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return {"too_slow": True}
    if probe.returncode == 0 and probe.stdout.strip():
        return dict(json.loads(probe.stdout))
    if probe.returncode in (OUT_OF_MEMORY, -signal.SIGABRT, -signal.SIGKILL):
        return {"too_large": True}  # Rust aborts when an allocation fails
    raise RuntimeError(f"measuring {path.name} failed ({probe.returncode}): "
                       f"{probe.stderr[-500:]}")


def _main(path: str, memory_bytes: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        book = CalamineWorkbook.from_path(path)
        kinds = [meta.typ for meta in book.sheets_metadata]
        if SheetTypeEnum.WorkSheet not in kinds:
            return {"refused": "has no worksheet"}
        index = kinds.index(SheetTypeEnum.WorkSheet)
        sheet = book.get_sheet_by_index(index)
        return {"sheet": index, "rows": sheet.height, "columns": sheet.width}
    except PasswordError:
        return {"refused": "is password-protected: remove the password and upload it again"}
    except MemoryError:
        sys.exit(OUT_OF_MEMORY)
    except Exception as error:
        return {"damaged": type(error).__name__}


if __name__ == "__main__":
    print(json.dumps(_main(sys.argv[1], int(sys.argv[2]))))
