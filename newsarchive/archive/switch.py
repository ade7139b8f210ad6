"""Replacing an archive's records and state in one step that a kill cannot leave half done.

``reparse --replace`` builds the new records and state in ``ARCHIVE_DIR/rebuild/``. The switch
writes a journal (``ARCHIVE_DIR/switch.json``, atomically) naming every rename, then renames: the
old records, rejects, duplicates and state into ``replaced/<time>/``, the new ones into place. Any
command that opens the archive first finishes a switch whose journal it finds, so a kill before the
journal leaves the old archive whole, and a kill after it leaves the new one whole once anything
opens the archive again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from newsarchive.archive.faults import write_atomically
from newsarchive.archive.paths import record_files

logger = logging.getLogger(__name__)

JOURNAL = "switch.json"
REBUILD = "rebuild"
# What an archive's records and state are: moved aside and replaced together.
CONTENT_DIRS = ("rejects", "duplicates")
STATE_FILES = ("state.sqlite3", "state.sqlite3-wal", "state.sqlite3-shm")


def record_dirs(archive: Path) -> list[str]:
    """The source directories of an archive (those holding record files)."""
    return sorted({p.parent.name for p in record_files(archive)})


def movable(archive: Path) -> list[str]:
    names = [*record_dirs(archive), *CONTENT_DIRS, *STATE_FILES]
    return [n for n in dict.fromkeys(names) if (archive / n).exists()]


def switch(archive: Path, rebuilt: Path, aside: Path) -> None:
    """Put the archive built in ``rebuilt`` in place of ``archive``'s, the old one into ``aside``."""
    moves = [[str(archive / n), str(aside / n)] for n in movable(archive)]
    moves += [[str(rebuilt / n), str(archive / n)] for n in movable(rebuilt)]
    write_atomically(archive / JOURNAL, json.dumps({"rebuilt": str(rebuilt), "moves": moves}).encode("utf-8"))
    finish_switch(archive)


def finish_switch(archive: Path) -> bool:
    """Carry out the switch a journal names, if any (every rename done once); whether there was one."""
    journal = archive / JOURNAL
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    for source, target in plan["moves"]:
        src, dst = Path(source), Path(target)
        if src.exists() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.rename(src, dst)
    shutil.rmtree(plan["rebuilt"], ignore_errors=True)
    journal.unlink()
    logger.info("Switched %s to its rebuilt records and state (the old ones are kept under replaced/)", archive)
    return True
