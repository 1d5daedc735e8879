"""One process's share of the run: say what is up to date, translate its work groups through the
pipeline, write each file's outputs durably and record them in the manifest."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from translator.batch.config import Config
from translator.batch.distributed import Processes
from translator.batch.manifest import DONE_STATUSES, MANIFEST_NAME, MANIFEST_PART, REFUSED, ManifestWriter, Record
from translator.batch.plan import FileState, SourceFile, WorkGroup, sha256_file
from translator.batch.progress import Bars
from translator.batch.report import FileResult
from translator.core.cache import open_cache
from translator.core.memory import open_memory
from translator.core.pipeline import run_documents
from translator.core.summarize import Summarizer
from translator.core.translate import Translator
from translator.engines.models import ModelNotFoundError
from translator.formats.files import Document, read_document, render_document
from translator.results import TranslationAndSummary, least_confident
from translator.system.durable import atomic_write
from translator.text.language import LanguageRoute, UnsupportedLanguageError

logger = logging.getLogger("translator")

LEAST_CONFIDENT = 3  # sentences per file listed in the report for a human to check first
PIPELINE_VERSION = 2  # bump when outputs of the same source and options would change


SUMMARY_OPTIONS = ("summary", "summary_model", "length", "summary_num_beams")


def _translation(options: dict[str, Any]) -> dict[str, Any]:
    """The options a translation depends on: all but the summary's."""
    return {key: value for key, value in options.items() if key not in SUMMARY_OPTIONS}


class OutsideOut(OSError):
    """An output path that leads outside OUT (through a symlinked folder or file)."""


def inside(out: Path, rel: str) -> Path:
    """Where ``OUT/rel`` really is, its folders' symlinks resolved. Raises OutsideOut when that
    is not inside OUT itself (``OUT/sub`` a symlink to a folder elsewhere), or when the file is a
    symlink: a batch writes only inside OUT."""
    root = out.resolve()
    path = out / rel
    folder = path.parent.resolve()
    if not folder.is_relative_to(root):
        raise OutsideOut(f"{rel}: its folder in OUT leads outside OUT (to {folder}); not written there")
    if path.is_symlink():
        raise OutsideOut(f"{rel}: a symlink in OUT; not written through")
    return folder / path.name


def reason(exc: BaseException) -> str:
    """One line naming what went wrong: the exception's type and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Runner:
    """Translate one process's share of the files; ``results`` lists what happened to each."""

    def __init__(self, cfg: Config, procs: Processes) -> None:
        self.cfg = cfg
        self.procs = procs
        device = procs.device(cfg.runtime.device)
        overrides: dict[str, Any] = {"num_beams": cfg.beams} if cfg.beams else {}
        self.translator = Translator(
            cfg.translation_model,
            device=device,
            engine=cfg.runtime.engine,
            dtype=cfg.runtime.dtype,
            source=cfg.source,
            cache=open_cache(cfg.cache, cfg.cache_mb),
            memory=open_memory(cfg.memory, cfg.memory_near),
            terms=cfg.terms,
            **overrides,
        )
        self.summarizer = (
            Summarizer(
                cfg.summary_model, device=device, engine=cfg.runtime.engine, dtype=cfg.runtime.dtype, **overrides
            )
            if cfg.summary
            else None
        )
        # what the outputs depend on: a record with other options is redone
        self.options: dict[str, Any] = {
            "pipeline": PIPELINE_VERSION,
            "translation_model": self.translator.model_name,
            "num_beams": self.translator.options.num_beams,
            "engine": cfg.runtime.engine,
            "dtype": cfg.runtime.dtype,
            "source": cfg.source,
            "summary": cfg.summary,
        }
        if cfg.terms:  # other terms, other English: a file done with none (or others) is redone
            self.options["terms"] = cfg.terms.fingerprint()
        if self.summarizer is not None:
            self.options.update(
                summary_model=self.summarizer.model_name,
                length=cfg.length,
                summary_num_beams=self.summarizer.options.num_beams,
            )
        part = MANIFEST_NAME if procs.world == 1 else MANIFEST_PART.format(rank=procs.rank)
        self.writer = ManifestWriter(cfg.out_dir / part)
        self.results: list[FileResult] = []
        self.sentences = 0

    def _result(self, f: SourceFile, status: str, **extra: Any) -> None:
        self.results.append(FileResult(f.rel, status, rank=self.procs.rank, **extra))

    def _record(
        self, f: SourceFile, status: str, sha: str | None, key: str | None, outputs: list[str], **extra: Any
    ) -> None:
        self.writer.append(
            Record(
                source=f.rel,
                status=status,
                sha256=sha,
                options=self.options,
                group=key,
                outputs=tuple(outputs),
                model=self.translator.model_name,
                **extra,
            )
        )

    def is_current(self, f: SourceFile, sha: str, record: Record | None) -> bool:
        """True when ``record`` proves that ``f``'s outputs are up to date (or that the file, in a
        language the model does not translate, has none). The translation depends on the
        translation options alone: a record with summaries is up to date for a run without
        ``--summary`` (the summaries it wrote are removed at the end); summaries wanted must come
        from these very options."""
        if not record or record.sha256 != sha or _translation(record.options) != _translation(self.options):
            return False
        if record.status == REFUSED:
            return True
        if record.status not in DONE_STATUSES or record.outputs[:1] != (f.output,):
            return False
        if f.summary and (record.options != self.options or list(record.outputs) != f.outputs):
            return False
        return all((self.cfg.out_dir / out).is_file() for out in f.outputs)

    def check(self, files: list[tuple[int, SourceFile]], manifest: dict[str, Record]) -> list[FileState]:
        """Hash ``files`` (index, file) and say which ones the manifest proves up to date. A file
        that cannot be read is recorded as failed."""
        states = []
        for index, f in files:
            try:
                sha = sha256_file(f.path)
            except OSError as exc:
                self._fail(f, None, None, exc)
                states.append(FileState(index, None))
                continue
            record = manifest.get(f.rel)
            current = record is not None and self.is_current(f, sha, record)
            failed = bool(
                record and record.status == "failed" and record.sha256 == sha and record.options == self.options
            )
            states.append(FileState(index, sha, current, record.group if record else None, failed))
        return states

    def skip(self, group: WorkGroup, mine: set[str], manifest: dict[str, Record]) -> None:
        """Record the files of ``group`` (an up-to-date one) that are in ``mine`` as skipped."""
        for f, sha in zip(group.files, group.hashes):
            if f.rel not in mine:
                continue
            record = manifest.get(f.rel) or Record(f.rel, "")
            if record.status == REFUSED:
                self._refuse(f, sha, group.key, record.reason or "", record.language)
                continue
            info = {"format": record.format, "encoding": record.encoding, "units": record.units}
            info["language"] = record.language
            self._record(f, "skipped", sha, group.key, f.outputs, **info)
            self._result(f, "up-to-date", reason="unchanged since the last run", outputs=f.outputs)

    def translate(self, groups: list[WorkGroup]) -> None:
        """Translate ``groups`` one after another, writing outputs and manifest lines."""
        label = f"[rank {self.procs.rank}] " if self.procs.world > 1 else ""
        show = not self.cfg.quiet and self.procs.local_rank == 0  # and on a terminal: Bars sees to it
        files = sum(len(g.files) for g in groups)
        bars = Bars(files, show and files > 0, label)
        try:
            for group in groups:
                self._run_group(group, bars)
        finally:
            bars.close()
            self.writer.close()

    def _run_documents(
        self, docs: list[tuple[Document, LanguageRoute]], progress: Any = None
    ) -> list[TranslationAndSummary]:
        return run_documents(
            [doc.units for doc, _ in docs],
            self.translator,
            self.summarizer,
            length=self.cfg.length,
            routes=[where for _, where in docs],
            progress=progress,
        )

    def _run_group(self, group: WorkGroup, bars: Bars) -> None:
        hashes = dict(zip((f.rel for f in group.files), group.hashes))
        docs: list[tuple[SourceFile, Document, LanguageRoute]] = []
        for f in group.files:
            try:
                doc = read_document(f.path, max_bytes=self.cfg.max_file_bytes)
                # the pipeline's own decision (from all the units), made before the group's call so
                # that a refused file leaves the others' batches as they are in every run
                where = self.translator.route("\n\n".join(unit for unit in doc.units if unit.strip()))
            except UnsupportedLanguageError as exc:
                self._refuse(f, hashes[f.rel], group.key, str(exc), exc.language)
                bars.file_done()
                continue
            except Exception as exc:  # binary, undecodable, corrupt, too large: this file only
                self._fail(f, hashes[f.rel], group.key, exc)
                bars.file_done()
                continue
            docs.append((f, doc, where))
        if not docs:
            return
        progress, finish = bars.group()
        results: list[TranslationAndSummary | BaseException]
        try:
            results = list(self._run_documents([(doc, where) for _, doc, where in docs], progress))
        except ModelNotFoundError:
            raise
        except Exception as exc:  # one file broke the group (or memory ran out)
            if len(docs) == 1:
                results = [exc]
            else:
                logger.warning("a work group of %d files failed (%s); retrying file by file", len(docs), reason(exc))
                results = [self._run_alone(doc, where) for _, doc, where in docs]
        finish()
        for (f, doc, _where), result in zip(docs, results):
            if isinstance(result, UnsupportedLanguageError):  # a paragraph of another language
                self._refuse(f, hashes[f.rel], group.key, str(result), result.language)
            elif isinstance(result, BaseException):
                self._fail(f, hashes[f.rel], group.key, result)
            else:
                self._finish_file(f, hashes[f.rel], group.key, doc, result)
            bars.file_done()

    def _run_alone(self, doc: Document, where: LanguageRoute) -> TranslationAndSummary | BaseException:
        try:
            return self._run_documents([(doc, where)])[0]
        except ModelNotFoundError:
            raise
        except Exception as exc:  # recorded as this file's failure
            return exc

    def _finish_file(self, f: SourceFile, sha: str, key: str, doc: Document, result: TranslationAndSummary) -> None:
        out = self.cfg.out_dir
        try:
            data = render_document(doc, result.parts)
            targets = [inside(out, rel) for rel in f.outputs]  # before anything is written
            # named before they are written: a run killed in between still knows they are ours
            self._record(f, "writing", sha, key, f.outputs)
            atomic_write(targets[0], data)
            if f.summary:
                atomic_write(targets[1], ((result.summary or "").strip() + "\n").encode("utf-8"))
        except Exception as exc:  # a render that does not fit, a full disk: this file only
            self._fail(f, sha, key, exc)
            return
        info = {"format": doc.format, "encoding": doc.encoding, "units": len(doc.units), "language": result.language}
        self._record(f, "done", sha, key, f.outputs, **info)
        self.sentences += sum(segment.translated for segment in result.segments)
        doubtful = [
            {"sentence": n, "source": s.source, "english": s.target, "score": round(s.score, 4)}
            for n, s in least_confident(result.segments, LEAST_CONFIDENT)
            if s.score is not None  # always: least_confident ranks scored segments only
        ]
        warnings = list(doc.warnings) + list(result.warnings)
        origins = Counter(segment.origin for segment in result.segments if segment.translated)
        self._result(
            f,
            "done",
            outputs=f.outputs,
            **info,
            notes=result.notes,
            warnings=warnings,
            least_confident=doubtful,
            origins=dict(sorted(origins.items())) or None,
        )

    def _refuse(self, f: SourceFile, sha: str, key: str, why: str, lang: str | None) -> None:
        logger.info("%s skipped: %s", f.rel, why)
        self._record(f, REFUSED, sha, key, [], reason=why, language=lang)
        self._result(f, "skipped", reason=why, language=lang)

    def _fail(self, f: SourceFile, sha: str | None, key: str | None, exc: BaseException) -> None:
        why = reason(exc)
        logger.info("%s failed: %s", f.rel, why)
        self._record(f, "failed", sha, key, [], reason=why)
        self._result(f, "failed", reason=why)
