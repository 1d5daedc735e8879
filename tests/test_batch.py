"""``translator batch``: the folder tree, resume after a crash, bad files, several processes.

Everything runs the real pipeline on the tiny random-weight models (greedy, ``--beams 1``), so
outputs are deterministic but meaningless: tests compare runs with each other and check
structure, never an expected translation.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from translator import batch
from translator.cli import main as cli_main

REPO = Path(__file__).resolve().parent.parent
MANIFEST = batch.MANIFEST_NAME

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
    """The same engine in this process and in the subprocesses, so their outputs compare."""
    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")



def run_batch(in_dir, out_dir, *extra, quiet: bool = True) -> int:
    args = ["batch", str(in_dir), str(out_dir), "--beams", "1", *map(str, extra)]
    return cli_main(args + (["--quiet"] if quiet else []))


def tree(root: Path, skip=(MANIFEST, "report.json"), zips: bool = True) -> dict[str, bytes]:
    """Every file under ``root`` (symlinks as their target text), by relative path."""
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


# -- the tree, formats and encodings ------------------------------------------------------


def test_tree_is_mirrored_with_every_format_and_encoding(tiny_env, tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    make_tree(src)
    before = digest(src)
    assert run_batch(src, out, "--summary", "--length", "short") == 0
    assert digest(src) == before  # sources byte for byte unchanged
    summary_line = capsys.readouterr().err
    assert re.search(r"12 files done, 0 skipped, 0 failed, 2 unsupported; \d+ sentences", summary_line)

    got = tree(out)
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


def test_small_files_share_translate_calls(tiny_env, small_tree, tmp_path, monkeypatch):
    from translator.translate import Translator

    calls: list[int] = []
    original = Translator.translate

    def counting(self, text, **kwargs):
        calls.append(len(text))
        return original(self, text, **kwargs)

    monkeypatch.setattr(Translator, "translate", counting)
    assert run_batch(small_tree, tmp_path / "one") == 0
    assert calls == [12]  # six files, twelve paragraphs: one call
    calls.clear()
    monkeypatch.setenv(batch.GROUP_CHARS_ENV, "400")
    assert run_batch(small_tree, tmp_path / "many") == 0
    assert 1 < len(calls) < 6 and sum(calls) == 12
    assert tree(tmp_path / "one") == tree(tmp_path / "many")


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
        assert set(tree(out)) == {"a/x.txt", "noter.txt"}
        assert set(statuses(out)) == {"a/x.txt", "noter.txt"}
    assert tree(out)["noter.txt"] == tree(out)["a/x.txt"]
    ignored = {i["path"]: i["reason"] for i in report(out)["ignored"]}
    assert ignored[".skrito.txt"] == "hidden" and ignored[".git"] == "hidden"
    assert ignored["prevodi"] == "the output folder"
    assert "outside" in ignored["ven.txt"] and "outside" in ignored["mapa"]
    after = digest(src)
    assert {k: v for k, v in after.items() if not k.startswith("prevodi")} == before


@pytest.mark.parametrize("case", ["missing", "same", "in_inside_out", "bad_format", "not_a_folder"])
def test_usage_errors_exit_2(tmp_path, capsys, case):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Dober dan.", encoding="utf-8")
    args = {
        "missing": [tmp_path / "nope", tmp_path / "out"],
        "same": [src, src / "." ],
        "in_inside_out": [src, tmp_path],
        "bad_format": [src, tmp_path / "out", "--formats", "txt,pdf"],
        "not_a_folder": [src / "a.txt", tmp_path / "out"],
    }[case]
    assert run_batch(*args) == 2
    assert "translator batch: error:" in capsys.readouterr().err
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

    (small_tree / "a" / "f0.txt").write_text(article(2, 4), encoding="utf-8")  # a source changes
    assert run_batch(small_tree, out) == 0
    assert statuses(out)["a/f0.txt"] == "done" and list(statuses(out).values()).count("skipped") == 5


def test_resume_after_a_simulated_crash(tiny_env, small_tree, tmp_path):
    clean, out = tmp_path / "clean", tmp_path / "out"
    assert run_batch(small_tree, clean) == 0
    assert run_batch(small_tree, out) == 0
    # what a kill leaves behind: outputs of the last files missing, their manifest lines gone
    # or cut short, a half-written temporary file
    lines = (out / MANIFEST).read_bytes().splitlines(keepends=True)
    (out / "a" / "b" / "f5.txt").unlink()
    (out / "a" / "f4.txt").unlink()
    (out / MANIFEST).write_bytes(b"".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2])
    stale = out / "a" / f".f4.txt.99999-deadbeef{batch.TMP_SUFFIX}"
    stale.write_bytes(b"half of a transl")
    assert run_batch(small_tree, out) == 0
    assert not stale.exists()
    assert tree(out) == tree(clean)
    done = {p for p, s in statuses(out).items() if s == "done"}
    assert {"a/f4.txt", "a/b/f5.txt"} <= done and len(done) <= 3
    records = manifest_lines(out)  # every line parses: the cut line did not survive
    assert sorted(r["source"] for r in records) == sorted(statuses(out))


def _env(tiny_models, **extra) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSLATOR_ENGINE="hf", OMP_NUM_THREADS="1",
               TRANSLATOR_TRANSLATION_MODEL=str(tiny_models.marian), TRANSLATOR_SUMMARY_MODEL=str(tiny_models.bart),
               PYTHONPATH=str(REPO))
    env.pop("WORLD_SIZE", None), env.pop("RANK", None), env.pop("LOCAL_RANK", None)
    env.update(extra)
    return env


def test_kill_9_mid_run_then_rerun_gives_the_clean_outputs(tiny_env, tiny_models, tmp_path, monkeypatch):
    src, clean, out = tmp_path / "in", tmp_path / "clean", tmp_path / "out"
    for i in range(8):
        folder = src / f"d{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"članek{i}.txt").write_text(article(1 + i % 2, i), encoding="utf-8")
    # one file per work group, so that a resumed run batches exactly like a clean one
    monkeypatch.setenv(batch.GROUP_CHARS_ENV, "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "translator", "batch", str(src), str(out), "--beams", "1", "--quiet"],
        env=_env(tiny_models, **{batch.GROUP_CHARS_ENV: "1"}), cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            manifest = out / MANIFEST
            if manifest.is_file() and manifest.read_bytes().count(b'"done"') >= 2:
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read().decode()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert not (out / "report.json").exists()  # it really died mid-way
    assert run_batch(src, clean) == 0
    assert run_batch(src, out) == 0
    assert tree(out) == tree(clean)
    assert not [p for p in tree(out, skip=()) if p.endswith(batch.TMP_SUFFIX)]
    counts = report(out)["counts"]
    assert counts["skipped"] >= 2 and counts["done"] >= 1 and counts["done"] + counts["skipped"] == 8


# -- several processes --------------------------------------------------------------------


def test_two_processes_give_the_same_outputs_as_one(tiny_env, tiny_models, tmp_path):
    src, one, two = tmp_path / "in", tmp_path / "one", tmp_path / "two"
    src.mkdir()
    for i in range(7):
        (src / f"f{i}.txt").write_text(article(1 + i % 4, i), encoding="utf-8")
    make_docx(src / "dopis.docx", PARAGRAPHS[1:4])
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "translator", "batch", str(src), str(two), "--beams", "1"],
        env=_env(tiny_models), cwd=REPO, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert run_batch(src, one) == 0
    assert tree(two) == tree(one)
    rep = report(two)
    assert rep["processes"] == 2 and rep["counts"]["done"] == 8
    ranks = {f["path"]: f["rank"] for f in rep["files"]}
    assert set(ranks.values()) == {0, 1}
    sizes = {f.name: f.stat().st_size for f in src.iterdir()}
    loads = [sum(sizes[p] for p, r in ranks.items() if r == rank) for rank in (0, 1)]
    assert max(loads) - min(loads) <= max(sizes.values())  # balanced by size
    assert [p.name for p in two.glob(".translator-manifest*")] == [MANIFEST]  # parts merged
    assert {r["rank"] for r in rep["files"]} == {0, 1}
    assert len(manifest_lines(two)) == 8


# -- pieces -------------------------------------------------------------------------------


def test_sharding_is_balanced_and_deterministic():
    sizes = [50, 10, 40, 30, 20, 20, 5]
    shards = batch.shard_files(sizes, 3)
    assert shards == batch.shard_files(sizes, 3)
    assert sorted(i for s in shards for i in s) == list(range(7))
    loads = [sum(sizes[i] for i in s) for s in shards]
    assert max(loads) - min(loads) <= 10
    assert batch.shard_files(sizes, 1) == [list(range(7))]


def test_manifest_reader_tolerates_a_cut_line_and_merges_parts(tmp_path):
    writer = batch.ManifestWriter(tmp_path / MANIFEST)
    writer.append({"source": "a.txt", "status": "failed"})
    writer.append({"source": "b.txt", "status": "done"})
    writer.close()
    part = batch.ManifestWriter(tmp_path / batch.MANIFEST_PART.format(rank=1))
    part.append({"source": "a.txt", "status": "done"})
    part.close()
    with open(tmp_path / MANIFEST, "ab") as fh:
        fh.write(b'{"source": "c.txt", "sta')
    records = batch.read_manifest(tmp_path)
    assert {k: v["status"] for k, v in records.items()} == {"a.txt": "done", "b.txt": "done"}
    again = batch.ManifestWriter(tmp_path / MANIFEST)  # appending after a cut line starts a new line
    again.append({"source": "d.txt", "status": "done"})
    again.close()
    assert set(batch.read_manifest(tmp_path)) == {"a.txt", "b.txt", "d.txt"}
    batch.compact_manifest(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]
    assert [json.loads(x)["source"] for x in (tmp_path / MANIFEST).read_text().splitlines()] == \
        ["a.txt", "b.txt", "d.txt"]


def test_output_names_never_collide():
    files = [batch.SourceFile(rel, Path(rel), 1) for rel in ("x.txt", "x.md", "y.txt", "y.summary.txt", "d/y.txt")]
    batch.assign_outputs(files, lambda p: Path(p).suffix, summary=True)
    outputs = [o for f in files for o in f.outputs]
    assert len(outputs) == len(set(outputs))
    assert {f.rel: f.summary for f in files} == {
        "x.txt": "x.txt.summary.txt", "x.md": "x.md.summary.txt", "y.txt": "y.txt.summary.txt",
        "y.summary.txt": "y.summary.summary.txt", "d/y.txt": "d/y.summary.txt"}
