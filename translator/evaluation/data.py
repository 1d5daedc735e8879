"""What gets evaluated: source lines and their references, from line-aligned files, a TSV or JSONL
file, or a test set that sacrebleu downloads (FLORES-200 included, through sacrebleu's own
download and cache).

Line ``i`` of every reference stream is the reference of source line ``i``; an empty line stays in
place (it is translated to an empty hypothesis, so every file stays line-aligned).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import re
import socket
import tarfile
from dataclasses import dataclass
from pathlib import Path

from translator.errors import InvalidInputError, TranslatorError

# Source and reference field names tried, in order, in a JSONL file when none is given.
SOURCE_FIELDS = ("source", "src", "article", "document", "text")
REFERENCE_FIELDS = ("reference", "ref", "target", "translation", "highlights", "summary")

FLORES_URL = "https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
FLORES_SETS = {"flores200": "devtest", "flores200/dev": "dev"}
# ISO 639-1 codes → FLORES-200 codes, for the languages of the default model and a few more;
# FLORES codes (``slv_Latn-eng_Latn``) are accepted as they are.
FLORES_CODES = {
    "sl": "slv_Latn",
    "hr": "hrv_Latn",
    "sr": "srp_Cyrl",
    "bs": "bos_Latn",
    "mk": "mkd_Cyrl",
    "bg": "bul_Cyrl",
    "en": "eng_Latn",
    "de": "deu_Latn",
    "fr": "fra_Latn",
    "it": "ita_Latn",
    "es": "spa_Latn",
    "cs": "ces_Latn",
    "sk": "slk_Latn",
    "pl": "pol_Latn",
    "ru": "rus_Cyrl",
    "uk": "ukr_Cyrl",
    "hu": "hun_Latn",
}
_FLORES_CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
DOWNLOAD_TIMEOUT_S = 60


class DatasetUnavailable(TranslatorError, OSError):
    """A test set is neither in sacrebleu's cache nor downloadable here. One line: why, and the
    manual alternative."""


@dataclass(frozen=True)
class EvalData:
    """Sources and their references (one stream per reference set), line-aligned."""

    sources: list[str]
    references: list[list[str]]
    origin: str  # what the lines came from, for the report ("sl.txt / en.txt", "flores200 sl-en")

    @property
    def source_sha256(self) -> str:
        """A fingerprint of the source lines: equal fingerprints mean the same sentences."""
        return source_fingerprint(self.sources)

    def first(self, limit: int | None) -> EvalData:
        """The first ``limit`` lines (all of them for None)."""
        if limit is None:
            return self
        return EvalData(self.sources[:limit], [refs[:limit] for refs in self.references], self.origin)


def source_fingerprint(sources: list[str]) -> str:
    """sha256 of the source lines joined by newlines."""
    return hashlib.sha256("\n".join(sources).encode("utf-8")).hexdigest()


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file, split on ``\\n`` only (as ``wc -l`` and sacrebleu count
    them), without line endings. Raises FileNotFoundError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the file ends with a newline: no extra empty line
    return [line.removesuffix("\r") for line in lines]


def _check_aligned(named: list[tuple[str, list[str]]]) -> None:
    (first_name, first), *others = named
    if not first:
        raise InvalidInputError(f"{first_name} is empty: nothing to evaluate")
    for name, lines in others:
        if len(lines) != len(first):
            raise InvalidInputError(
                f"{first_name} has {len(first)} lines but {name} has {len(lines)}: the files must "
                "be line-aligned (line N of the reference is the reference of source line N)"
            )


def from_files(source: str | Path, references: list[str | Path]) -> EvalData:
    """Line-aligned source and reference files. Raises FileNotFoundError, or ValueError naming
    both line counts and both files when they differ, or when the source is empty."""
    sources = read_lines(source)
    streams = [read_lines(ref) for ref in references]
    _check_aligned([(str(source), sources), *((str(ref), lines) for ref, lines in zip(references, streams))])
    return EvalData(sources, streams, " / ".join(str(p) for p in (source, *references)))


def _pick(
    names: list[str] | tuple[str, ...], given: str | None, candidates: tuple[str, ...], what: str, path: Path
) -> str:
    if given is not None:
        if given not in names:
            raise InvalidInputError(f"{path}: no {what} field {given!r}; it has {', '.join(map(str, names))}")
        return given
    found = next((name for name in candidates if name in names), None)
    if found is None:
        raise InvalidInputError(
            f"{path}: no {what} field among {', '.join(candidates)}; name it with "
            f"--{what[:3]}-field (the file has {', '.join(map(str, names))})"
        )
    return found


def from_table(path: str | Path, source_field: str | None = None, reference_field: str | None = None) -> EvalData:
    """Sources and references from one file: ``.jsonl`` (one object per line, fields named by
    ``source_field``/``reference_field`` or found among :data:`SOURCE_FIELDS` and
    :data:`REFERENCE_FIELDS`) or ``.tsv`` (columns given as 1-based numbers, default 1 and 2, or as
    names of a header row). Raises FileNotFoundError or ValueError naming the line at fault."""
    path = Path(path)
    lines = read_lines(path)
    if not lines:
        raise InvalidInputError(f"{path} is empty: nothing to evaluate")
    if path.suffix.lower() == ".jsonl":
        sources, references = _from_jsonl(path, lines, source_field, reference_field)
    elif path.suffix.lower() in (".tsv", ".tab"):
        sources, references = _from_tsv(path, lines, source_field, reference_field)
    else:
        raise InvalidInputError(
            f"{path}: --data takes a .tsv or .jsonl file; for two plain text files use --src and --ref"
        )
    if not sources:
        raise InvalidInputError(f"{path} has no rows: nothing to evaluate")
    return EvalData(sources, [references], str(path))


def _from_jsonl(
    path: Path, lines: list[str], source_field: str | None, reference_field: str | None
) -> tuple[list[str], list[str]]:
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InvalidInputError(f"{path}, line {number}: expected a JSON object, got {type(row).__name__}")
        rows.append((number, row))
    if not rows:
        return [], []
    names = list(rows[0][1])
    src = _pick(names, source_field, SOURCE_FIELDS, "source", path)
    ref = _pick(names, reference_field, REFERENCE_FIELDS, "reference", path)
    sources: list[str] = []
    references: list[str] = []
    for number, row in rows:
        source, reference = row.get(src), row.get(ref)
        if not (isinstance(source, str) and isinstance(reference, str)):
            raise InvalidInputError(f"{path}, line {number}: {src!r} and {ref!r} must both be strings")
        sources.append(source)
        references.append(reference)
    return sources, references


def _from_tsv(
    path: Path, lines: list[str], source_field: str | None, reference_field: str | None
) -> tuple[list[str], list[str]]:
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    by_name = not all(field is None or field.isdigit() for field in (source_field, reference_field))
    if by_name:
        header, rows = rows[0], rows[1:]
        columns = [
            header.index(
                _pick(header, field, SOURCE_FIELDS if i == 0 else REFERENCE_FIELDS, ("source", "reference")[i], path)
            )
            for i, field in enumerate((source_field, reference_field))
        ]
    else:
        columns = [int(source_field or 1) - 1, int(reference_field or 2) - 1]
    sources, references = [], []
    for number, row in enumerate(rows, 1 + by_name):
        if len(row) <= max(columns):
            raise InvalidInputError(
                f"{path}, line {number}: {len(row)} tab-separated columns, need at least {max(columns) + 1}"
            )
        sources.append(row[columns[0]])
        references.append(row[columns[1]])
    return sources, references


# -- test sets that sacrebleu downloads -------------------------------------------------------


def _flores_dataset(name: str, langpair: str):
    """A sacrebleu dataset for a FLORES-200 split: sacrebleu downloads, caches and extracts it as
    it does its own sets (sacrebleu 2.6 ships none for FLORES)."""
    from sacrebleu.dataset.plain_text import PlainTextDataset

    split = FLORES_SETS[name]
    codes = []
    for code in langpair.split("-"):
        flores = FLORES_CODES.get(code, code)
        if not _FLORES_CODE.match(flores):
            raise InvalidInputError(
                f"--langpair {langpair}: {code!r} is not a FLORES-200 language; use "
                f"{', '.join(FLORES_CODES)} or a FLORES code such as slv_Latn"
            )
        codes.append(flores)
    files = [f"flores200_dataset/{split}/{code}.{split}" for code in codes]
    return PlainTextDataset(name, data=[FLORES_URL], description=f"FLORES-200 {split}", langpairs={langpair: files})


def _dataset(name: str, langpair: str):
    import sacrebleu

    if name in FLORES_SETS:
        return _flores_dataset(name, langpair)
    if name not in sacrebleu.DATASETS:
        raise InvalidInputError(
            f"unknown test set {name!r}: choose {', '.join(FLORES_SETS)} or one of sacrebleu's "
            "(`sacrebleu --list` shows them)"
        )
    dataset = sacrebleu.DATASETS[name]
    if langpair not in dataset.langpairs:
        raise InvalidInputError(
            f"test set {name} has no language pair {langpair}; it has {', '.join(dataset.langpairs)}"
        )
    return dataset


def _is_cached(dataset, langpair: str) -> bool:
    """Whether sacrebleu's cache holds the test set's source and a reference, found from
    sacrebleu's documented cache layout (``$SACREBLEU``, default ``~/.sacrebleu``:
    DATASET/DATASET.LANGPAIR.FIELD) without asking the dataset, whose methods download what is
    missing (and some, WMT's XML sets, already to list their fields)."""
    import sacrebleu.dataset.base

    folder = Path(sacrebleu.dataset.base.SACREBLEU_DIR, dataset.name)
    prefix = f"{dataset.name.replace('/', '_')}.{langpair}."
    return (folder / f"{prefix}src").is_file() and any(folder.glob(f"{glob.escape(prefix)}ref*"))


def from_testset(name: str, langpair: str, *, offline: bool) -> EvalData:
    """A test set known to sacrebleu (or FLORES-200), from sacrebleu's cache or downloaded into it.

    Raises ValueError for an unknown set or language pair, DatasetUnavailable when the files are
    not cached and ``offline`` is set or the download fails.
    """
    dataset = _dataset(name, langpair)
    manual = (
        f"download the test set on a machine with internet (`translator evaluate --testset {name} "
        f"--langpair {langpair}` fills sacrebleu's cache; copy ~/.sacrebleu/ here) or get its source and "
        "reference files elsewhere and pass --src FILE --ref FILE"
    )
    if offline and not _is_cached(dataset, langpair):
        raise DatasetUnavailable(
            f"test set {name} {langpair} is not in sacrebleu's cache and HF_HUB_OFFLINE=1 "
            f"forbids downloading it: {manual}"
        )
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)  # sacrebleu's urlopen has none: never hang offline
    try:
        source = dataset.get_source_file(langpair)
        references = dataset.get_reference_files(langpair)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise DatasetUnavailable(f"could not download test set {name} {langpair} ({exc}): {manual}") from None
    except SystemExit:  # sacrebleu exits on SSL errors and checksum mismatches
        raise DatasetUnavailable(
            f"sacrebleu could not fetch test set {name} {langpair} (see its log above): {manual}"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    data = from_files(source, references)
    return EvalData(data.sources, data.references, f"{name} {langpair}")
