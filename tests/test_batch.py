"""``translator batch``: the folder tree, formats, skip rules, bad files, reruns and resume.

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
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from translator.batch.config import GROUP_CHARS_ENV
from translator.batch.manifest import MANIFEST_NAME as MANIFEST
from translator.batch.plan import group_files, walk_tree
from translator.cli import main as cli_main
from translator.files import SUPPORTED_SUFFIXES
from translator.io import TMP_SUFFIX

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


MD = "# Novice dneva\n\nRegija je bogata z redkimi zemljami.\n\n- prva točka seznama\n- druga točka\n\n```\nkoda = 1\n```\n"
HTML = ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Novice</title></head>\n<body>\n"
        "<h1>Naslov članka</h1>\n<p>Regija je <b>bogata</b> z redkimi zemljami.</p>\n"
        "<img src=\"a.png\" alt=\"Zemljevid regije\">\n<script>var x = 'ne prevajaj';</script>\n</body></html>\n")
SRT = ("1\n00:00:01,000 --> 00:00:03,500\nDober dan, gospe in gospodje.\n\n"
       "2\n00:00:04,000 --> 00:00:06,000\nRegija je bogata z\nredkimi zemljami.\n\n")


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
    for name, encoding in [("cp1250", "cp1250"), ("latin2", "iso-8859-2"), ("utf16", "utf-16"),
                           ("bom", "utf-8-sig")]:
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

    paragraphs = [p for p in (REPO / "examples" / "article-sl.txt").read_text(encoding="utf-8").split("\n\n")
                  if p.strip()]
    pick = random.Random(7)
    root = tmp_path / "articles"
    for i in range(16):
        path = root / f"d{i % 2}" / f"f{i:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(pick.sample(paragraphs, 2 + i % 5)) + "\n", encoding="utf-8")
    return root


# -- the tree, formats and encodings ------------------------------------------------------


def test_tree_is_mirrored_with_every_format_and_encoding(tiny_env, tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    make_tree(src)
    before = digest(src)
    assert run_batch(src, out, "--summary", "--length", "short") == 0
    assert digest(src) == before  # sources byte for byte unchanged
    summary_line = capsys.readouterr().err
    assert re.search(r"12 files done, 0 skipped, 0 failed, 2 unsupported; \d+ sentences", summary_line)

    got = {rel: data for rel, data in tree(out).items() if data != b"<folder>"}
    expected = {"novice/šport/članek.txt", "novice/crlf.txt", "čšž.txt", "oblike/opis.md", "oblike/stran.html",
                "oblike/podnapisi.srt", "oblike/dopis.docx"} | {f"enc/{n}.txt" for n in
                                                                 ("utf8", "cp1250", "latin2", "utf16", "bom")}
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
    assert rep["counts"] == {"done": 12, "skipped": 0, "failed": 0, "unsupported": 2}
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


def test_work_groups_share_translate_calls(tiny_env, tmp_path, monkeypatch):
    from translator.translate import Translator

    src = tmp_path / "in"
    src.mkdir()
    for i in range(24):
        (src / f"f{i:02d}.txt").write_text(article(1 + i % 2, i), encoding="utf-8")
    units = {f"f{i:02d}.txt": 1 + i % 2 for i in range(24)}
    calls: list[int] = []
    real = Translator.translate_documents

    def counting(self, texts, **kwargs):
        calls.append(len(texts))
        return real(self, texts, **kwargs)

    monkeypatch.setattr(Translator, "translate_documents", counting)
    outputs = {}
    for limit in ("1", "400", "64000"):
        monkeypatch.setenv(GROUP_CHARS_ENV, limit)
        calls.clear()
        out = tmp_path / f"out-{limit}"
        assert run_batch(src, out) == 0
        groups = groups_of(src, out, int(limit))
        # one translate call per work group, holding the units of its files
        assert calls == [sum(units[rel] for rel in group) for group in groups]
        outputs[limit] = tree(out)
    assert len(groups_of(src, tmp_path, 1)) == 24
    assert 2 < len(groups_of(src, tmp_path, 400)) < 24
    assert len(groups_of(src, tmp_path, 64000)) < len(groups_of(src, tmp_path, 400))
    # the transformers engine on CPU does not depend on its batch-mates (ct2 int8 may)
    assert outputs["1"] == outputs["400"] == outputs["64000"]


def test_work_groups_depend_on_the_tree_only():
    from translator.batch.plan import FileState, SourceFile, work_groups

    files = [SourceFile(f"d{i // 10}/f{i:03d}.txt", Path("x"), 100 + i % 7) for i in range(300)]
    groups = group_files(files, 2000)
    assert [i for g in groups for i in g] == list(range(300)) and group_files(files, 2000) == groups
    assert all(sum(files[i].size for i in g) <= 2000 for g in groups)
    assert group_files(files, 1) == [[i] for i in range(300)]
    # removing a file moves group edges only up to the next path-picked edge
    gone = 150
    rels = lambda fs, gs: [[fs[i].rel for i in g] for g in gs]  # noqa: E731
    before = rels(files, groups)
    rest = files[:gone] + files[gone + 1:]
    after = rels(rest, group_files(rest, 2000))
    changed = [g for g in before if g not in after]
    assert 1 <= len(changed) <= 6, changed
    assert sum(len(g) for g in changed) < 60

    states = {i: FileState(i, f"sha{i}", True, None) for i in range(len(files))}
    first = work_groups(files, states, 2000)
    assert not any(g.current for g in first)  # no record names these groups yet
    for g in first:
        for f in g.files:
            states[files.index(f)].group = g.key
    assert all(g.current for g in work_groups(files, states, 2000))
    assert not any(g.current for g in work_groups(files, states, 2000, force=True))
    states[7] = FileState(7, "changed", True, states[7].group)  # a member's content changes
    again = work_groups(files, states, 2000)
    assert [g.current for g in again].count(False) == 1 and files[7] in next(g for g in again if not g.current).files
    states[9].sha256 = None  # unreadable: left out of its group
    assert all(files[9] not in g.files for g in work_groups(files, states, 2000))


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


@pytest.mark.parametrize("case", ["missing", "same", "in_inside_out", "bad_format", "not_a_folder",
                                  "bad_device_env", "bad_engine_env", "bad_group_env"])
def test_usage_errors_exit_2(tmp_path, capsys, monkeypatch, case):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Dober dan.", encoding="utf-8")
    env = {"bad_device_env": ("TRANSLATOR_DEVICE", "gpu"), "bad_engine_env": ("TRANSLATOR_ENGINE", "fast"),
           "bad_group_env": (GROUP_CHARS_ENV, "many")}.get(case)
    if env:
        monkeypatch.setenv(*env)
    args = {
        "missing": [tmp_path / "nope", tmp_path / "out"],
        "same": [src, src / "."],
        "in_inside_out": [src, tmp_path],
        "bad_format": [src, tmp_path / "out", "--formats", "txt,pdf"],
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
    result = subprocess.run([sys.executable, "-m", "translator", "batch", str(tmp_path / "nope"), str(tmp_path / "o")],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2 and "does not exist" in result.stderr


# -- bad files ----------------------------------------------------------------------------


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
    assert "3 files done, 0 skipped, 2 failed" in err
    assert re.search(r"failed: binarno\.txt: \w+", err) and re.search(r"failed: pokvarjeno\.docx: \w+", err)
    assert set(tree(out)) == {"dobro.txt", "tudi.md", "cel.docx"}
    files = {f["path"]: f for f in report(out)["files"]}
    assert files["binarno.txt"]["status"] == "failed" and files["binarno.txt"]["reason"]
    assert files["pokvarjeno.docx"]["status"] == "failed" and files["pokvarjeno.docx"]["reason"]
    # other options (a summary now): the good files are redone, the bad ones fail again
    assert run_batch(src, out, "--summary", "--length", "short") == 1
    assert statuses(out) == {"dobro.txt": "done", "tudi.md": "done", "cel.docx": "done",
                             "binarno.txt": "failed", "pokvarjeno.docx": "failed"}
    assert {"dobro.summary.txt", "tudi.summary.txt", "cel.summary.txt"} < set(tree(out))
    assert digest(src) == before


# -- reruns, resume, crash ----------------------------------------------------------------


def test_rerun_skips_and_force_redoes(tiny_env, small_tree, tmp_path):
    out = tmp_path / "out"
    assert run_batch(small_tree, out) == 0
    first = tree(out)
    stamps = {p: os.stat(out / p) for p in first if (out / p).is_file()}
    assert run_batch(small_tree, out) == 0
    assert set(statuses(out).values()) == {"skipped"}
    assert {r["status"] for r in manifest_lines(out)} == {"skipped"}
    for path, st in stamps.items():
        now = os.stat(out / path)
        assert (now.st_mtime_ns, now.st_ino) == (st.st_mtime_ns, st.st_ino), path
    assert tree(out) == first

    assert run_batch(small_tree, out, "--force") == 0
    assert set(statuses(out).values()) == {"done"}
    assert all(os.stat(out / p).st_ino != st.st_ino for p, st in stamps.items())  # rewritten
    assert tree(out) == first

    # a source changes: the files of its work group are redone, and the folder equals a clean run
    (small_tree / "a" / "f0.txt").write_text(article(2, 4), encoding="utf-8")
    assert run_batch(small_tree, out) == 0
    group = next(g for g in groups_of(small_tree, out, 64_000) if "a/f0.txt" in g)
    assert {p for p, s in statuses(out).items() if s == "done"} == set(group)
    assert list(statuses(out).values()).count("skipped") == 6 - len(group)
    assert run_batch(small_tree, tmp_path / "clean") == 0
    assert tree(out) == tree(tmp_path / "clean")


def simulate_crash(out: Path, lost_outputs: list[str]) -> set[str]:
    """Leave ``out`` as a kill would: outputs missing, the last manifest lines gone or cut short,
    a half-written temporary file. Returns the sources whose outputs or records were damaged."""
    lines = (out / MANIFEST).read_bytes().splitlines(keepends=True)
    cut = {json.loads(line)["source"] for line in lines[-2:]}
    for rel in lost_outputs:
        (out / rel).unlink()
    (out / MANIFEST).write_bytes(b"".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2])
    lost = out / lost_outputs[0]
    lost.with_name(f".{lost.name}.99999-deadbeef{TMP_SUFFIX}").write_bytes(b"half of a transl")
    return cut | set(lost_outputs)


def check_resumed(src: Path, out: Path, clean: Path, damaged: set[str], limit: int) -> None:
    assert not [p for p in tree(out, skip=()) if p.endswith(TMP_SUFFIX)]
    assert tree(out) == tree(clean)
    redo = {rel for g in groups_of(src, out, limit) if damaged & set(g) for rel in g}
    assert {p for p, s in statuses(out).items() if s == "done"} == redo  # whole work groups
    records = manifest_lines(out)  # every line parses: the cut line did not survive
    assert sorted(r["source"] for r in records) == sorted(statuses(out))


def test_resume_after_a_simulated_crash(tiny_env, small_tree, tmp_path):
    clean, out = tmp_path / "clean", tmp_path / "out"
    assert run_batch(small_tree, clean) == 0
    assert run_batch(small_tree, out) == 0
    damaged = simulate_crash(out, ["a/b/f5.txt"])
    assert run_batch(small_tree, out) == 0
    check_resumed(small_tree, out, clean, damaged, 64_000)


def test_resume_with_the_default_engine_gives_the_clean_run(tiny_env, article_tree, tmp_path, monkeypatch):
    """The files a crash left undone are redone in the same work groups as in a clean run, so an
    engine whose output depends on its batch-mates (ct2 int8, beam 4) gives the same folder too."""
    from translator.translate import Translator

    monkeypatch.setenv("TRANSLATOR_ENGINE", "auto")
    monkeypatch.setenv(GROUP_CHARS_ENV, "1500")
    calls: list[tuple[str, ...]] = []
    real = Translator.translate_documents

    def recording(self, texts, **kwargs):
        calls.append(tuple(texts))
        return real(self, texts, **kwargs)

    monkeypatch.setattr(Translator, "translate_documents", recording)
    clean, out = tmp_path / "clean", tmp_path / "out"
    assert run_batch(article_tree, clean, "--beams", 4) == 0
    clean_calls = set(calls)
    assert run_batch(article_tree, out, "--beams", 4) == 0
    damaged = simulate_crash(out, ["d1/f05.txt", "d0/f00.txt"])
    calls.clear()
    assert run_batch(article_tree, out, "--beams", 4) == 0
    check_resumed(article_tree, out, clean, damaged, 1500)
    assert list(statuses(out).values()).count("skipped") > 4
    # the very translate calls of the clean run: the same sentences share the same batches
    assert calls and set(calls) <= clean_calls


# -- a rerun leaves what a clean run leaves -----------------------------------------------


def test_rerun_with_other_options_leaves_what_a_clean_run_leaves(tiny_env, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    for rel, n in [("a/x.txt", 2), ("a/y.md", 1), ("b/only.txt", 1), ("c.txt", 2), ("d/e/z.txt", 1)]:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(article(n, len(rel)), encoding="utf-8")
    assert run_batch(src, out, "--summary", "--length", "short") == 0
    assert {"a/x.summary.txt", "d/e/z.summary.txt"} < set(tree(out))
    mine = {"notes.txt": b"my notes", "a/x.summary.txt.bak": b"a copy I keep", "b/mine.txt": b"keep me"}
    for rel, data in mine.items():
        (out / rel).write_bytes(data)

    def same_as_clean(name: str, *options: str) -> None:
        clean = tmp_path / name
        run_batch(src, clean, *options)
        got = tree(out)
        assert {rel: got.pop(rel) for rel in mine} == mine  # never touched
        got.pop("b", None)  # the folder of b/mine.txt
        assert got == tree(clean)

    # no summary now; a source removed, a whole folder of sources removed, a source broken
    (src / "b" / "only.txt").unlink()
    shutil.rmtree(src / "d")
    (src / "c.txt").write_bytes(b"\x00\x01\x02PK\x00\xff" * 200)
    assert run_batch(src, out) == 1
    same_as_clean("clean-plain")
    removed = set(report(out)["removed"])
    assert removed == {"a/x.summary.txt", "a/y.summary.txt", "c.summary.txt", "b/only.summary.txt",
                       "d/e/z.summary.txt", "b/only.txt", "d/e/z.txt", "c.txt"}
    assert not (out / "d").exists() and (out / "b").is_dir()  # emptied folders go, others stay
    assert {r["source"] for r in manifest_lines(out)} == {"a/x.txt", "a/y.md", "c.txt"}

    assert run_batch(src, out, "--formats", "md") == 0
    same_as_clean("clean-md", "--formats", "md")
    assert run_batch(src, out, "--summary", "--length", "short") == 1
    same_as_clean("clean-summary", "--summary", "--length", "short")


def test_outputs_named_before_a_kill_are_removed_by_the_next_run(tiny_env, small_tree, tmp_path):
    out = tmp_path / "out"
    assert run_batch(small_tree, out) == 0
    first = tree(out)
    # a --summary run killed after naming a/f0's outputs and writing one of them
    record = {"source": "a/f0.txt", "status": "writing", "outputs": ["a/f0.txt", "a/f0.summary.txt"],
              "time_ns": time.time_ns(), "seq": 1}
    with open(out / MANIFEST, "ab") as handle:
        handle.write(json.dumps(record).encode() + b"\n")
    (out / "a" / "f0.summary.txt").write_text("half a run", encoding="utf-8")
    assert run_batch(small_tree, out) == 0
    assert tree(out) == first
    assert report(out)["removed"] == ["a/f0.summary.txt"]
    assert "written" not in json.dumps(manifest_lines(out))


def test_temporaries_beside_an_outside_report_are_cleaned(tiny_env, small_tree, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    stale = reports / f".run.json.4242-deadbeef{TMP_SUFFIX}"
    stale.write_bytes(b"{")
    other = reports / f".other.json.4242-deadbeef{TMP_SUFFIX}"
    other.write_bytes(b"{")
    assert run_batch(small_tree, tmp_path / "out", "--report", reports / "run.json") == 0
    assert not stale.exists() and other.exists()
    assert json.loads((reports / "run.json").read_text(encoding="utf-8"))["counts"]["done"] == 6
    assert not (tmp_path / "out" / "report.json").exists()


# -- pieces -------------------------------------------------------------------------------


def test_sharding_is_balanced_and_deterministic():
    from translator.batch.plan import shard_files

    sizes = [50, 10, 40, 30, 20, 20, 5]
    shards = shard_files(sizes, 3)
    assert shards == [[0, 1], [2, 5], [3, 4, 6]]  # longest first, each into the lightest
    loads = [sum(sizes[i] for i in s) for s in shards]
    assert max(loads) - min(loads) <= 10
    assert shard_files(sizes, 1) == [list(range(7))]
    assert shard_files([], 2) == [[], []]


def test_manifest_reader_tolerates_a_cut_line_and_merges_parts(tmp_path):
    from translator.batch.manifest import MANIFEST_PART, ManifestWriter, compact_manifest, read_manifest

    writer = ManifestWriter(tmp_path / MANIFEST)
    writer.append({"source": "a.txt", "status": "failed"})
    writer.append({"source": "b.txt", "status": "done"})
    writer.close()
    part = ManifestWriter(tmp_path / MANIFEST_PART.format(rank=1))
    part.append({"source": "a.txt", "status": "done"})
    part.close()
    with open(tmp_path / MANIFEST, "ab") as fh:
        fh.write(b'{"source": "c.txt", "sta')
    records = read_manifest(tmp_path)
    assert {k: v["status"] for k, v in records.items()} == {"a.txt": "done", "b.txt": "done"}
    again = ManifestWriter(tmp_path / MANIFEST)  # appending after a cut line starts a new line
    again.append({"source": "d.txt", "status": "done"})
    again.close()
    assert set(read_manifest(tmp_path)) == {"a.txt", "b.txt", "d.txt"}
    compact_manifest(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]
    assert [json.loads(x)["source"] for x in (tmp_path / MANIFEST).read_text().splitlines()] == \
        ["a.txt", "b.txt", "d.txt"]


def test_compaction_keeps_every_written_output_named_until_removed(tmp_path):
    from translator.batch.manifest import ManifestWriter, compact_manifest, written_outputs

    writer = ManifestWriter(tmp_path / MANIFEST)
    writer.append({"source": "a.txt", "status": "done", "outputs": ["a.txt", "a.summary.txt"]})
    writer.append({"source": "a.txt", "status": "failed", "outputs": []})
    writer.append({"source": "b.txt", "status": "done", "outputs": ["b.txt"]})
    writer.close()
    kept = compact_manifest(tmp_path)
    assert kept["a.txt"]["status"] == "failed" and kept["a.txt"]["written"] == ["a.summary.txt", "a.txt"]
    assert written_outputs(tmp_path) == {"a.txt": {"a.txt", "a.summary.txt"}, "b.txt": {"b.txt"}}
    kept = compact_manifest(tmp_path, removed=["a.summary.txt"])
    assert kept["a.txt"]["written"] == ["a.txt"]
    kept = compact_manifest(tmp_path, keep={"a.txt"}, removed=["a.txt"])
    assert list(kept) == ["a.txt"] and "written" not in kept["a.txt"]
    assert written_outputs(tmp_path) == {"a.txt": set()}


def test_stale_removal_stays_inside_out_dir(tmp_path):
    from translator.batch.tidy import remove_stale_outputs

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "a" / "b").mkdir(parents=True)
    (out / "keep").mkdir()
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("not ours")
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    for rel in ("a/b/old.txt", "keep/old.txt", "keep/user.txt", "top.txt", "kept.txt"):
        (out / rel).write_text("x")
    out = out.resolve()
    written = ["a/b/old.txt", "keep/old.txt", "top.txt", "kept.txt", "../elsewhere/x.txt",
               str(elsewhere / "x.txt"), "link/x.txt", "a", "missing.txt", "report.json"]
    removed = remove_stale_outputs(out, written, keep={"kept.txt"}, protected={"report.json"})
    assert removed == ["a/b/old.txt", "keep/old.txt", "top.txt"]
    assert (elsewhere / "x.txt").read_text() == "not ours"
    assert not (out / "a").exists()  # emptied folders go
    assert (out / "keep" / "user.txt").exists() and (out / "kept.txt").exists()


def test_output_names_never_collide():
    from translator.batch.plan import SourceFile, assign_outputs

    files = [SourceFile(rel, Path(rel), 1) for rel in ("x.txt", "x.md", "y.txt", "y.summary.txt", "d/y.txt")]
    assign_outputs(files, lambda p: Path(p).suffix, summary=True)
    outputs = [o for f in files for o in f.outputs]
    assert len(outputs) == len(set(outputs))
    assert {f.rel: f.summary for f in files} == {
        "x.txt": "x.txt.summary.txt", "x.md": "x.md.summary.txt", "y.txt": "y.txt.summary.txt",
        "y.summary.txt": "y.summary.summary.txt", "d/y.txt": "d/y.summary.txt"}
