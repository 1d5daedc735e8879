"""``translator batch`` reruns: skip what is up to date, resume after a crash, and leave OUT_DIR
as a clean run with the same options would."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from test_batch import (  # fixtures are imported for pytest to find them
    MANIFEST,
    article,
    article_tree,  # noqa: F401
    groups_of,
    hf_engine,  # noqa: F401
    manifest_lines,
    one_thread,  # noqa: F401
    report,
    run_batch,
    small_tree,  # noqa: F401
    statuses,
    tree,
)

from translator.batch.config import GROUP_CHARS_ENV
from translator.system.durable import TMP_SUFFIX

pytestmark = pytest.mark.slow  # whole folders translated, killed and run again


def test_rerun_skips_and_force_redoes(tiny_env, small_tree, tmp_path):
    out = tmp_path / "out"
    assert run_batch(small_tree, out) == 0
    first = tree(out)
    stamps = {p: os.stat(out / p) for p in first if (out / p).is_file()}
    assert run_batch(small_tree, out) == 0
    assert set(statuses(out).values()) == {"up-to-date"}
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
    assert list(statuses(out).values()).count("up-to-date") == 6 - len(group)
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
    from translator.batch import runner

    monkeypatch.setenv("TRANSLATOR_ENGINE", "auto")
    monkeypatch.setenv(GROUP_CHARS_ENV, "1500")
    calls: list[tuple[tuple[str, ...], ...]] = []
    real = runner.run_documents

    def recording(documents, *args, **kwargs):
        calls.append(tuple(tuple(units) for units in documents))
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(runner, "run_documents", recording)
    clean, out = tmp_path / "clean", tmp_path / "out"
    assert run_batch(article_tree, clean, "--beams", 4) == 0
    clean_calls = set(calls)
    assert run_batch(article_tree, out, "--beams", 4) == 0
    damaged = simulate_crash(out, ["d1/f05.txt", "d0/f00.txt"])
    calls.clear()
    assert run_batch(article_tree, out, "--beams", 4) == 0
    check_resumed(article_tree, out, clean, damaged, 1500)
    assert list(statuses(out).values()).count("up-to-date") > 4
    # the very pipeline calls of the clean run: the same sentences share the same batches
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
    assert removed == {
        "a/x.summary.txt",
        "a/y.summary.txt",
        "c.summary.txt",
        "b/only.summary.txt",
        "d/e/z.summary.txt",
        "b/only.txt",
        "d/e/z.txt",
        "c.txt",
    }
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
    record = {
        "source": "a/f0.txt",
        "status": "writing",
        "outputs": ["a/f0.txt", "a/f0.summary.txt"],
        "time_ns": time.time_ns(),
        "seq": 1,
    }
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


def test_a_file_that_always_fails_never_makes_its_neighbours_translate_again(tiny_env, small_tree, tmp_path):
    (small_tree / "a" / "broken.docx").write_bytes(b"this is not a zip archive")
    out = tmp_path / "out"
    assert run_batch(small_tree, out) == 1
    group = next(g for g in groups_of(small_tree, out, 64_000) if "a/broken.docx" in g)
    assert len(group) > 1  # it shares a work group with files that translate
    first = statuses(out)
    assert first["a/broken.docx"] == "failed" and list(first.values()).count("done") == 6
    stamps = {p: os.stat(out / p).st_ino for p in tree(out) if (out / p).is_file()}
    assert run_batch(small_tree, out) == 1
    again = statuses(out)
    assert again["a/broken.docx"] == "failed"
    assert {p: s for p, s in again.items() if p != "a/broken.docx"} == {
        p: "up-to-date" for p in first if p != "a/broken.docx"
    }
    assert all(os.stat(out / p).st_ino == ino for p, ino in stamps.items())  # nothing rewritten
