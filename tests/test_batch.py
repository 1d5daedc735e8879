"""``translator batch``: the folder tree, formats, work groups, skip rules, bad files, languages.

Everything runs the real pipeline on the tiny random-weight models, so outputs are deterministic
but meaningless: tests compare runs with each other and check structure, never an expected
translation. The runs with several processes (torchrun, accelerate launch, kill -9) are in
test_batch_processes.py; the helpers here are shared with it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from translator.batch.config import GROUP_CHARS_ENV
from translator.batch.manifest import MANIFEST_NAME as MANIFEST
from translator.batch.plan import group_files, walk_tree
from translator.cli import main as cli_main
from translator.formats.files import SUPPORTED_SUFFIXES

REPO = Path(__file__).resolve().parent.parent

PARAGRAPHS = [
    "Trump se je prejšnji mesec v Južni Koreji dogovoril, da bodo omejitve izvoza preložene.",
    "Regija je bogata z redkimi zemljami. Trump išče nove vire za ameriška podjetja.",
    "Omenjene države skupno proizvedejo približno polovico svetovnega urana.",
    "Ameriške naložbe se tako zdijo dobrodošle, je dejal predsednik.",
    "Zaradi tega je partnerstvo z ZDA še toliko pomembnejše.",
    "Skupina senatorjev je predlagala zakon o trgovinskih ovirah.",
]


def article(n: int, start: int = 0) -> str:
    return "\n\n".join(PARAGRAPHS[(start + i) % len(PARAGRAPHS)] for i in range(n)) + "\n"


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: tiny models gain nothing from more, and on a busy machine spinning
    worker threads make every step many times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def hf_engine(monkeypatch):
    """The same engine in this process and in the subprocesses, so their outputs compare
    (tests of the default engine set TRANSLATOR_ENGINE=auto themselves)."""
    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")


def run_batch(in_dir, out_dir, *extra, quiet: bool = True) -> int:
    args = ["batch", str(in_dir), str(out_dir), *map(str, extra)]
    if "--beams" not in args:
        args += ["--beams", "1"]
    return cli_main(args + (["--quiet"] if quiet else []))


def tree(root: Path, skip=(MANIFEST, "report.json"), zips: bool = True) -> dict[str, bytes]:
    """Every file and folder under ``root`` (symlinks as their target text), by relative path."""
    found: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if rel in skip:
                continue
            if path.is_symlink():
                found[rel] = b"-> " + os.readlink(path).encode()
            elif path.is_file():
                found[rel] = unzipped(path.read_bytes()) if rel.endswith(".docx") and zips else path.read_bytes()
            else:
                found[rel] = b"<folder>"
    return found


def unzipped(data: bytes) -> bytes:
    """A .docx by its entries' names and contents: the zip's entry timestamps are the time of
    writing, so two renderings of the same document differ in those bytes only."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return b"".join(name.encode() + b"\0" + archive.read(name) + b"\0" for name in sorted(archive.namelist()))
    except zipfile.BadZipFile:
        return data


def digest(root: Path) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in tree(root, skip=(), zips=False).items()}


def report(out_dir: Path) -> dict:
    return json.loads((out_dir / "report.json").read_text(encoding="utf-8"))


def statuses(out_dir: Path) -> dict[str, str]:
    return {f["path"]: f["status"] for f in report(out_dir)["files"]}


def manifest_lines(out_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (out_dir / MANIFEST).read_text(encoding="ascii").splitlines()]


def groups_of(src: Path, out: Path, limit: int) -> list[list[str]]:
    """The work groups a run over ``src`` forms (relative paths), as plan.py computes them."""
    walk = walk_tree(src.resolve(), out.resolve(), SUPPORTED_SUFFIXES, SUPPORTED_SUFFIXES)
    return [[walk.files[i].rel for i in group] for group in group_files(walk.files, limit)]


def make_docx(path: Path, paragraphs: list[str]) -> None:
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        para = document.add_paragraph(text[: len(text) // 2])
        para.add_run(text[len(text) // 2 :]).bold = True
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Leto 2025"
    table.cell(0, 1).text = "Rudnine in uran"
    document.save(path)


def docx_shape(data: bytes) -> list[tuple[str, int]]:
    import docx

    document = docx.Document(io.BytesIO(data))
    return [(p.style.name, len(p.runs)) for p in document.paragraphs] + [("tables", len(document.tables))]


MD = (
    "# Novice dneva\n\nRegija je bogata z redkimi zemljami.\n\n- prva točka seznama\n- druga točka\n\n"
    "```\nkoda = 1\n```\n"
)
HTML = (
    '<!doctype html>\n<html><head><meta charset="utf-8"><title>Novice</title></head>\n<body>\n'
    "<h1>Naslov članka</h1>\n<p>Regija je <b>bogata</b> z redkimi zemljami.</p>\n"
    '<img src="a.png" alt="Zemljevid regije">\n<script>var x = \'ne prevajaj\';</script>\n</body></html>\n'
)
SRT = (
    "1\n00:00:01,000 --> 00:00:03,500\nDober dan, gospe in gospodje.\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nRegija je bogata z\nredkimi zemljami.\n\n"
)


def tags(html: str) -> list[str]:
    return [t.lower() for t in re.findall(r"</?([a-zA-Z0-9!]+)", html)]


def make_tree(root: Path) -> None:
    (root / "novice" / "šport").mkdir(parents=True)
    (root / "enc").mkdir()
    (root / "oblike").mkdir()
    (root / "novice" / "šport" / "članek.txt").write_text(article(4), encoding="utf-8")
    (root / "novice" / "crlf.txt").write_bytes(article(3, 2).replace("\n", "\r\n").encode("utf-8"))
    (root / "čšž.txt").write_text(article(2, 3), encoding="utf-8")
    sample = "Čas je za šest žlic. Južni veter piha.\n\nŽivljenje v Šentjurju je lepo.\n"
    (root / "enc" / "utf8.txt").write_text(sample, encoding="utf-8")
    for name, encoding in [("cp1250", "cp1250"), ("latin2", "iso-8859-2"), ("utf16", "utf-16"), ("bom", "utf-8-sig")]:
        (root / "enc" / f"{name}.txt").write_bytes(sample.encode(encoding))
    (root / "oblike" / "opis.md").write_text(MD, encoding="utf-8")
    (root / "oblike" / "stran.html").write_text(HTML, encoding="utf-8")
    (root / "oblike" / "podnapisi.srt").write_text(SRT, encoding="utf-8")
    make_docx(root / "oblike" / "dopis.docx", PARAGRAPHS[:4])
    (root / "oblike" / "slika.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
    (root / "podatki.csv").write_text("a,b\n1,2\n", encoding="utf-8")


@pytest.fixture
def small_tree(tmp_path) -> Path:
    root = tmp_path / "in"
    (root / "a" / "b").mkdir(parents=True)
    for i in range(6):
        folder = root / "a" / "b" if i % 2 else root / "a"
        (folder / f"f{i}.txt").write_text(article(1 + i % 3, i), encoding="utf-8")
    return root


@pytest.fixture
def article_tree(tmp_path) -> Path:
    """16 files of 2 to 6 paragraphs of the seed article, in two folders."""
    import random

    paragraphs = [
        p for p in (REPO / "examples" / "article-sl.txt").read_text(encoding="utf-8").split("\n\n") if p.strip()
    ]
    pick = random.Random(7)
    root = tmp_path / "articles"
    for i in range(16):
        path = root / f"d{i % 2}" / f"f{i:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(pick.sample(paragraphs, 2 + i % 5)) + "\n", encoding="utf-8")
    return root


# -- the tree, formats and encodings ------------------------------------------------------


@pytest.mark.slow  # a whole folder end to end
def test_tree_is_mirrored_with_every_format_and_encoding(tiny_env, tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    make_tree(src)
    before = digest(src)
    assert run_batch(src, out, "--summary", "--length", "short") == 0
    assert digest(src) == before  # sources byte for byte unchanged
    summary_line = capsys.readouterr().err
    assert re.search(r"12 translated, 0 up to date, 0 skipped, 0 failed, 2 unsupported; \d+ sentences", summary_line)

    got = {rel: data for rel, data in tree(out).items() if data != b"<folder>"}
    expected = {
        "novice/šport/članek.txt",
        "novice/crlf.txt",
        "čšž.txt",
        "oblike/opis.md",
        "oblike/stran.html",
        "oblike/podnapisi.srt",
        "oblike/dopis.docx",
    } | {f"enc/{n}.txt" for n in ("utf8", "cp1250", "latin2", "utf16", "bom")}
    summaries = {re.sub(r"\.[a-z]+$", ".summary.txt", p) for p in expected}
    assert set(got) == expected | summaries
    for rel in summaries:
        assert got[rel].decode("utf-8").strip()

    # every encoding → the same UTF-8 bytes (no BOM) as the UTF-8 source gives
    for name in ("cp1250", "latin2", "utf16", "bom"):
        assert got[f"enc/{name}.txt"] == got["enc/utf8.txt"], name
    assert not got["enc/utf8.txt"].startswith(b"\xef\xbb\xbf")

    for rel in ("novice/šport/članek.txt", "čšž.txt"):
        source = (src / rel).read_text(encoding="utf-8")
        text = got[rel].decode("utf-8")
        assert text.count("\n\n") == source.count("\n\n") and text.strip()
    crlf = got["novice/crlf.txt"]
    assert crlf.count(b"\r\n") == (src / "novice/crlf.txt").read_bytes().count(b"\r\n")
    assert b"\n" not in crlf.replace(b"\r\n", b"")

    md = got["oblike/opis.md"].decode("utf-8")
    assert md.startswith("# ") and md.count("\n- ") == 2 and "```\nkoda = 1\n```" in md
    html = got["oblike/stran.html"].decode("utf-8")
    assert tags(html) == tags(HTML) and "var x = 'ne prevajaj';" in html
    srt = got["oblike/podnapisi.srt"].decode("utf-8")
    assert re.findall(r"\d\d:\d\d:\d\d,\d+ --> \S+", srt) == re.findall(r"\d\d:\d\d:\d\d,\d+ --> \S+", SRT)
    assert docx_shape((out / "oblike/dopis.docx").read_bytes()) == docx_shape((src / "oblike/dopis.docx").read_bytes())

    rep = report(out)
    assert rep["counts"] == {"done": 12, "up-to-date": 0, "skipped": 0, "failed": 0, "unsupported": 2}
    assert {f["path"] for f in rep["files"] if f["status"] == "unsupported"} == {"oblike/slika.png", "podatki.csv"}
    encodings = {f["path"]: f["encoding"].lower().replace("_", "-") for f in rep["files"] if f["status"] == "done"}
    assert "utf-16" in encodings["enc/utf16.txt"] and "sig" in encodings["enc/bom.txt"]
    records = {r["source"]: r for r in manifest_lines(out)}
    assert set(records) == expected
    assert all(r["status"] == "done" and len(r["sha256"]) == 64 and r["options"]["summary"] for r in records.values())
    assert records["čšž.txt"]["outputs"] == ["čšž.txt", "čšž.summary.txt"]


def test_formats_option_selects_suffixes(tiny_env, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(article(1), encoding="utf-8")
    (src / "b.md").write_text(MD, encoding="utf-8")
    assert run_batch(src, out, "--formats", "md") == 0
    assert set(tree(out)) == {"b.md"}
    assert {i["path"]: i["reason"] for i in report(out)["ignored"]}["a.txt"].startswith("format not selected")


@pytest.mark.slow  # a whole folder end to end
def test_work_groups_share_translate_calls(tiny_env, tmp_path, monkeypatch):
    from translator.batch import runner

    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        (src / f"f{i:02d}.txt").write_text(article(1 + i % 2, i), encoding="utf-8")
    units = {f"f{i:02d}.txt": 1 + i % 2 for i in range(12)}
    calls: list[int] = []
    real = runner.run_documents

    def counting(documents, *args, **kwargs):
        calls.append(sum(len(units) for units in documents))
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(runner, "run_documents", counting)
    outputs = {}
    for limit in ("1", "300", "64000"):
        monkeypatch.setenv(GROUP_CHARS_ENV, limit)
        calls.clear()
        out = tmp_path / f"out-{limit}"
        assert run_batch(src, out) == 0
        groups = groups_of(src, out, int(limit))
        # one pipeline call per work group, holding the units of its files
        assert calls == [sum(units[rel] for rel in group) for group in groups]
        outputs[limit] = tree(out)
    assert len(groups_of(src, tmp_path, 1)) == 12
    assert 2 < len(groups_of(src, tmp_path, 300)) < 12
    assert len(groups_of(src, tmp_path, 64000)) < len(groups_of(src, tmp_path, 300))
    # the transformers engine on CPU does not depend on its batch-mates here
    assert outputs["1"] == outputs["300"] == outputs["64000"]


# -- what is left out ---------------------------------------------------------------------


def test_skip_rules_hidden_out_inside_in_and_symlinks(tiny_env, tmp_path):
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / ".git").mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "tuje.txt").write_text(article(1), encoding="utf-8")
    (src / "a" / "x.txt").write_text(article(2), encoding="utf-8")
    (src / ".skrito.txt").write_text(article(1), encoding="utf-8")
    (src / ".git" / "opis.txt").write_text(article(1), encoding="utf-8")
    (src / "ven.txt").symlink_to(outside / "tuje.txt")
    (src / "mapa").symlink_to(outside, target_is_directory=True)
    (src / "noter.txt").symlink_to(src / "a" / "x.txt")
    out = src / "prevodi"
    before = digest(src)
    for _ in range(2):  # the second run must not pick up the first run's outputs
        assert run_batch(src, out) == 0
        assert set(tree(out)) == {"a", "a/x.txt", "noter.txt"}
        assert set(statuses(out)) == {"a/x.txt", "noter.txt"}
    assert tree(out)["noter.txt"] == tree(out)["a/x.txt"]
    ignored = {i["path"]: i["reason"] for i in report(out)["ignored"]}
    assert ignored[".skrito.txt"] == "hidden" and ignored[".git"] == "hidden"
    assert ignored["prevodi"] == "the output folder"
    assert "outside" in ignored["ven.txt"] and "outside" in ignored["mapa"]
    after = digest(src)
    assert {k: v for k, v in after.items() if not k.startswith("prevodi")} == before


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "same",
        "in_inside_out",
        "bad_format",
        "not_a_folder",
        "bad_device_env",
        "bad_engine_env",
        "bad_group_env",
    ],
)
def test_usage_errors_exit_2(tmp_path, capsys, monkeypatch, case):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Dober dan.", encoding="utf-8")
    env = {
        "bad_device_env": ("TRANSLATOR_DEVICE", "gpu"),
        "bad_engine_env": ("TRANSLATOR_ENGINE", "fast"),
        "bad_group_env": (GROUP_CHARS_ENV, "many"),
    }.get(case)
    if env:
        monkeypatch.setenv(*env)
    args = {
        "missing": [tmp_path / "nope", tmp_path / "out"],
        "same": [src, src / "."],
        "in_inside_out": [src, tmp_path],
        "bad_format": [src, tmp_path / "out", "--formats", "txt,rtf"],
        "not_a_folder": [src / "a.txt", tmp_path / "out"],
    }.get(case, [src, tmp_path / "out"])
    assert run_batch(*args) == 2
    err = capsys.readouterr().err
    assert "translator batch: error:" in err and "Traceback" not in err
    if env:
        assert env[1] in err  # the message names the bad value
    assert not (tmp_path / "out").exists()


def test_bad_beams_exit_2_before_any_work(tmp_path, capsys):
    import argparse

    from translator.batch import main

    src = tmp_path / "in"
    src.mkdir()
    args = argparse.Namespace(in_dir=str(src), out_dir=str(tmp_path / "out"), beams=7)
    assert main(args) == 2
    assert "beams must be a whole number from 1 to 6" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_usage_error_from_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "translator", "batch", str(tmp_path / "nope"), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr


# -- bad files ----------------------------------------------------------------------------


@pytest.mark.slow  # a whole folder end to end
def test_bad_files_are_reported_and_the_rest_is_done(tiny_env, tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "dobro.txt").write_text(article(2), encoding="utf-8")
    (src / "tudi.md").write_text(MD, encoding="utf-8")
    (src / "binarno.txt").write_bytes(b"\x00\x01\x02PK\x00\xff" * 200)
    (src / "pokvarjeno.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    make_docx(src / "cel.docx", PARAGRAPHS[:2])
    before = digest(src)
    assert run_batch(src, out) == 1
    assert digest(src) == before
    err = capsys.readouterr().err
    assert "3 translated, 0 up to date, 0 skipped, 2 failed" in err
    assert re.search(r"failed: binarno\.txt: \w+", err) and re.search(r"failed: pokvarjeno\.docx: \w+", err)
    assert set(tree(out)) == {"dobro.txt", "tudi.md", "cel.docx"}
    files = {f["path"]: f for f in report(out)["files"]}
    assert files["binarno.txt"]["status"] == "failed" and files["binarno.txt"]["reason"]
    assert files["pokvarjeno.docx"]["status"] == "failed" and files["pokvarjeno.docx"]["reason"]
    # other options (a summary now): the good files are redone, the bad ones fail again
    assert run_batch(src, out, "--summary", "--length", "short") == 1
    assert statuses(out) == {
        "dobro.txt": "done",
        "tudi.md": "done",
        "cel.docx": "done",
        "binarno.txt": "failed",
        "pokvarjeno.docx": "failed",
    }
    assert {"dobro.summary.txt", "tudi.summary.txt", "cel.summary.txt"} < set(tree(out))
    assert digest(src) == before


GERMAN = (
    "Die Bundesregierung hat am Mittwoch einen neuen Haushaltsentwurf vorgelegt, der deutlich höhere "
    "Ausgaben für Verteidigung und Infrastruktur vorsieht.\n\nDer Finanzminister erklärte, dass die "
    "Schuldenbremse trotzdem eingehalten werde und die Steuern nicht steigen sollen.\n"
)
ENGLISH = (
    "The government adopted the budget on Wednesday after a long debate in parliament.\n\n"
    "The finance minister said that taxes would not rise next year.\n"
)


@pytest.mark.slow  # a whole folder end to end
def test_languages_english_is_copied_and_others_are_skipped(tiny_env, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "clanek.txt").write_text(article(3), encoding="utf-8")
    (src / "english.txt").write_text(ENGLISH, encoding="utf-8")
    (src / "nemsko.txt").write_text(GERMAN, encoding="utf-8")
    assert run_batch(src, out) == 0  # a language the model does not translate is no failure
    assert set(tree(out)) == {"clanek.txt", "english.txt"}
    assert (out / "english.txt").read_bytes() == (src / "english.txt").read_bytes()
    files = {f["path"]: f for f in report(out)["files"]}
    assert files["nemsko.txt"]["status"] == "skipped" and files["nemsko.txt"]["language"] == "de"
    assert "German" in files["nemsko.txt"]["reason"]
    assert files["english.txt"]["language"] == "en" and files["english.txt"]["notes"]
    assert files["clanek.txt"]["language"] == "sl"
    # nothing to redo on a rerun: the refused file does not send its work group back to the model
    assert run_batch(src, out) == 0
    assert statuses(out) == {"clanek.txt": "up-to-date", "english.txt": "up-to-date", "nemsko.txt": "skipped"}
    assert "German" in {f["path"]: f for f in report(out)["files"]}["nemsko.txt"]["reason"]
    # forced, the source language is obeyed
    assert run_batch(src, out, "--source", "sl") == 0
    assert statuses(out) == {"clanek.txt": "done", "english.txt": "done", "nemsko.txt": "done"}
    with pytest.raises(SystemExit) as bad:  # a usage error, as in translate: argparse exits 2
        run_batch(src, tmp_path / "bad", "--source", "xx")
    assert bad.value.code == 2


def test_the_report_lists_each_files_least_confident_sentences(tiny_env, tmp_path):
    import json

    from translator.cli import main

    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text(
        "Vlada je sprejela proračun. Minister je govoril o cenah. Cene so v oktobru zrasle.\n", encoding="utf-8"
    )
    assert main(["batch", str(source), str(tmp_path / "out"), "--quiet", "--beams", "1"]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    [entry] = [f for f in report["files"] if f["path"] == "a.txt"]
    doubtful = entry["least_confident"]
    assert 2 <= len(doubtful) <= 3
    scores = [item["score"] for item in doubtful]
    assert scores == sorted(scores) and all(score <= 0 for score in scores)
    assert all(item["source"] in (source / "a.txt").read_text(encoding="utf-8") for item in doubtful)


def test_manifest_records_are_typed_and_a_bad_line_is_read_safely(tmp_path):
    from translator.batch.manifest import MANIFEST_NAME, ManifestWriter, Record, read_manifest

    writer = ManifestWriter(tmp_path / MANIFEST_NAME)
    writer.append(Record("a.txt", "done", sha256="x", outputs=("a.en.txt",), units=3, language="sl"))
    writer.close()
    with open(tmp_path / MANIFEST_NAME, "ab") as handle:  # a hand-edited line: wrong types, unknown keys
        handle.write(b'{"source": "b.txt", "status": "done", "outputs": "b.en.txt", "units": "3", "extra": 1}\n')
        handle.write(b'{"status": "done"}\n["not", "a", "record"]\n')
    records = read_manifest(tmp_path)
    assert set(records) == {"a.txt", "b.txt"}
    a, b = records["a.txt"], records["b.txt"]
    assert isinstance(a, Record) and a.outputs == ("a.en.txt",) and a.units == 3 and a.language == "sl"
    assert a.seq == 1 and a.time_ns > 0
    assert b.outputs == () and b.units is None  # read as defaults, never as the wrong type
