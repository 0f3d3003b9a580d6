"""Runs a spreadsheet import in batches, recording the job's progress after each batch.

The file is checked (format, size, header) before the job is recorded, so a bad file is
refused with nothing imported. Rows are streamed and written `BATCH_SIZE` at a time: each
batch's candidates and the job's progress event commit in one transaction, while the next
batch is parsed and checked.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID

from api.intake.spreadsheet import Sheet, open_sheet
from domain.actor import Actor
from domain.commands.imports import ImportBatch, Imports
from domain.import_job import ImportJob
from domain.service import Rekindle

log = logging.getLogger(__name__)

BATCH_SIZE = 500
Progress = Callable[[int], None]


@dataclass
class PreparedImport:
    """A checked file and its recorded job, ready to run (here or in a thread)."""

    imports: Imports
    job: ImportJob
    sheet: Sheet
    path: Path
    by: Actor
    delete_after: bool = False

    @property
    def id(self) -> UUID:
        return self.job.id

    def run(self, progress: Progress | None = None) -> ImportJob:
        """Imports every row; a crash mid-way records ImportFailed and re-raises.

        Three stages overlap: a reader thread parses the next batches, this thread checks
        and claims one batch, and a writer thread records the previous one, so the
        database's work runs alongside the Python work instead of after it. At most one
        batch is being recorded at a time, in file order; `progress` gets the number of
        rows recorded so far, after each batch commits.
        """
        seen: set[str] = set()
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"import-writer-{self.id}")
        writing: tuple[ImportBatch, Future[Any]] | None = None
        prepared: ImportBatch | None = None
        try:
            with self.sheet:
                for rows in self._batches():
                    prepared = self.imports.prepare(self.job, rows, self.by, seen)
                    if writing is not None:
                        self._written(*writing, progress)
                    writing, prepared = (prepared, writer.submit(self.imports.record,
                                                                 prepared)), None
            if writing is not None:
                self._written(*writing, progress)
                writing = None
            self.imports.finish(self.job, self.by)
            return self.job
        except Exception as error:
            log.exception("import %s failed", self.job.id)
            if writing is not None:
                writing[1].exception()  # let it finish; it releases its own claims on failure
            if prepared is not None:
                self.imports.abandon(prepared)
            self.imports.fail(self.job.id, _reason(error), self.by)
            raise
        finally:
            writer.shutdown(wait=True)
            if self.delete_after:
                self.path.unlink(missing_ok=True)

    @staticmethod
    def _written(batch: ImportBatch, future: Future[Any], progress: Progress | None) -> None:
        future.result()
        if progress is not None:
            progress(batch.rows_done)

    def _batches(self) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """Parses the next batches in a thread while the current one is written (I/O overlap);
        the bounded queue keeps at most a few batches in memory."""
        ready: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set() and (batch := list(islice(self.sheet.rows, BATCH_SIZE))):
                    ready.put(batch)
                ready.put(None)
            except BaseException as error:
                ready.put(error)

        reader = threading.Thread(target=read, name=f"import-reader-{self.job.id}", daemon=True)
        reader.start()
        try:
            while (item := ready.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            while reader.is_alive():
                try:
                    ready.get(timeout=0.1)
                except queue.Empty:
                    continue
            reader.join()

    def run_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self._run_quietly, name=f"import-{self.job.id}",
                                  daemon=True)
        thread.start()
        return thread

    def _run_quietly(self) -> None:
        try:
            self.run()
        except Exception:
            log.debug("import %s ended with an error (recorded as ImportFailed)", self.job.id)


def prepare_import(rekindle: Rekindle, path: Path, by: Actor, *, source: str | None = None,
                   pool_id: UUID | None = None, tags: list[str] | None = None,
                   delete_after: bool = False, name: str | None = None) -> PreparedImport:
    """Checks the file and records ImportStarted; raises ValidationFailed for a bad file.
    `name` is the file's name as the user gave it: its extension must agree with the content."""
    sheet = open_sheet(path, rekindle.settings.max_import_bytes, name)
    imports = rekindle.imports
    try:
        recorded = imports.start(by, file_format=sheet.format, file_size=path.stat().st_size,
                                 source=source, pool_id=pool_id, tags=tags)
    except BaseException:
        sheet.close()
        raise
    return PreparedImport(imports, recorded.extra["job"], sheet, path, by, delete_after)


def _reason(error: Exception) -> str:
    """Non-personal: the error's class and, for our own errors, their message."""
    message: Any = getattr(error, "message", None)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
