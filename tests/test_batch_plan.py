"""The pieces of ``translator batch`` on their own: work groups, sharding, the manifest, what a
run may delete, output names."""

from __future__ import annotations

import json
from pathlib import Path

from translator.batch.manifest import MANIFEST_NAME as MANIFEST
from translator.batch.plan import group_files


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
    rest = files[:gone] + files[gone + 1 :]
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
    from translator.batch.manifest import MANIFEST_PART, ManifestWriter, Record, compact_manifest, read_manifest

    writer = ManifestWriter(tmp_path / MANIFEST)
    writer.append(Record("a.txt", "failed"))
    writer.append(Record("b.txt", "done"))
    writer.close()
    part = ManifestWriter(tmp_path / MANIFEST_PART.format(rank=1))
    part.append(Record("a.txt", "done"))
    part.close()
    with open(tmp_path / MANIFEST, "ab") as fh:
        fh.write(b'{"source": "c.txt", "sta')
    records = read_manifest(tmp_path)
    assert {k: v.status for k, v in records.items()} == {"a.txt": "done", "b.txt": "done"}
    again = ManifestWriter(tmp_path / MANIFEST)  # appending after a cut line starts a new line
    again.append(Record("d.txt", "done"))
    again.close()
    assert set(read_manifest(tmp_path)) == {"a.txt", "b.txt", "d.txt"}
    compact_manifest(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST]
    assert [json.loads(x)["source"] for x in (tmp_path / MANIFEST).read_text().splitlines()] == [
        "a.txt",
        "b.txt",
        "d.txt",
    ]


def test_compaction_keeps_every_written_output_named_until_removed(tmp_path):
    from translator.batch.manifest import ManifestWriter, Record, compact_manifest, written_outputs

    writer = ManifestWriter(tmp_path / MANIFEST)
    writer.append(Record("a.txt", "done", outputs=("a.txt", "a.summary.txt")))
    writer.append(Record("a.txt", "failed", outputs=()))
    writer.append(Record("b.txt", "done", outputs=("b.txt",)))
    writer.close()
    kept = compact_manifest(tmp_path)
    assert kept["a.txt"].status == "failed" and kept["a.txt"].written == ("a.summary.txt", "a.txt")
    assert written_outputs(tmp_path) == {"a.txt": {"a.txt", "a.summary.txt"}, "b.txt": {"b.txt"}}
    kept = compact_manifest(tmp_path, removed=["a.summary.txt"])
    assert kept["a.txt"].written == ("a.txt",)
    kept = compact_manifest(tmp_path, keep={"a.txt"}, removed=["a.txt"])
    assert list(kept) == ["a.txt"] and kept["a.txt"].written == ()
    assert "written" not in json.loads((tmp_path / MANIFEST).read_text())  # not set: not written
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
    written = [
        "a/b/old.txt",
        "keep/old.txt",
        "top.txt",
        "kept.txt",
        "../elsewhere/x.txt",
        str(elsewhere / "x.txt"),
        "link/x.txt",
        "a",
        "missing.txt",
        "report.json",
    ]
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
        "x.txt": "x.txt.summary.txt",
        "x.md": "x.md.summary.txt",
        "y.txt": "y.txt.summary.txt",
        "y.summary.txt": "y.summary.summary.txt",
        "d/y.txt": "d/y.summary.txt",
    }
