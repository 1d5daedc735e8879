"""``translator batch`` writes only inside OUT: a folder of OUT that is a symlink to a folder
elsewhere, or an output file that is a symlink, is refused for the files that would go there
(each a failure in the report), never written through; the other files are done. The real CLI,
tiny models."""

from __future__ import annotations

import json
import os

import pytest

from translator.cli import main

pytestmark = pytest.mark.slow

SLOVENIAN = "Vlada je v četrtek sprejela predlog proračuna. Minister je dejal, da bodo izdatki višji.\n"


def test_batch_output_stays_inside_out(tmp_path, tiny_env):
    source, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "a.txt").write_text(SLOVENIAN, encoding="utf-8")
    (source / "b.txt").write_text(SLOVENIAN, encoding="utf-8")
    (source / "c.txt").write_text(SLOVENIAN, encoding="utf-8")
    elsewhere.mkdir()
    out.mkdir()
    os.symlink(elsewhere, out / "sub")  # OUT/sub leads outside OUT
    victim = elsewhere / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    os.symlink(victim, out / "c.txt")  # an output file that is a symlink

    assert main(["batch", str(source), str(out), "--quiet", "--beams", "1"]) == 1
    assert list(elsewhere.iterdir()) == [victim] and victim.read_text(encoding="utf-8") == "keep me\n"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    results = {entry["path"]: entry for entry in report["files"]}
    assert results["sub/a.txt"]["status"] == "failed"
    assert "leads outside OUT" in results["sub/a.txt"]["reason"]
    assert results["c.txt"]["status"] == "failed" and "symlink" in results["c.txt"]["reason"]
    assert results["b.txt"]["status"] == "done" and (out / "b.txt").is_file()
