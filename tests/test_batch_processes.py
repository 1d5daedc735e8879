"""``translator batch`` across processes: torchrun and accelerate launch give the folder of a
one-process run, and a run killed with SIGKILL and rerun gives the folder of a clean run.

These start real subprocesses (each loads the tiny models), so they are marked slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import free_port
from test_batch import (
    MANIFEST,
    PARAGRAPHS,
    REPO,
    article,
    groups_of,
    make_docx,
    manifest_lines,
    one_thread,  # noqa: F401 - a fixture, imported for pytest to find it
    report,
    run_batch,
    tree,
)

from translator.batch.config import GROUP_CHARS_ENV
from translator.system.durable import TMP_SUFFIX

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def hf_engine(monkeypatch):
    """The engine of the in-process runs; tests of the default engine set it themselves."""
    monkeypatch.setenv("TRANSLATOR_ENGINE", "hf")


def _env(tiny_models, **extra: str) -> dict[str, str]:
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
        PYTHONPATH=str(REPO),
        TRANSLATOR_TRANSLATION_MODEL=str(tiny_models.marian),
        TRANSLATOR_SUMMARY_MODEL=str(tiny_models.bart),
    )
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    env.update(extra)
    return env


def _mixed_tree(src: Path) -> None:
    src.mkdir()
    for i in range(7):
        (src / f"f{i}.txt").write_text(article(1 + i % 4, i), encoding="utf-8")
    make_docx(src / "dopis.docx", PARAGRAPHS[1:4])


def _check_same_as_one(src: Path, one: Path, two: Path, limit: int) -> None:
    assert tree(two) == tree(one)
    rep = report(two)
    assert rep["processes"] == 2 and rep["counts"]["done"] == 8
    ranks = {f["path"]: f["rank"] for f in rep["files"]}
    assert set(ranks.values()) == {0, 1}
    # the work groups are the tree's, whatever the number of processes
    assert {r["source"]: r["group"] for r in manifest_lines(two)} == {
        r["source"]: r["group"] for r in manifest_lines(one)
    }
    sizes = {f.name: f.stat().st_size for f in src.iterdir()}
    groups = groups_of(src, two, limit)
    assert all(len({ranks[rel] for rel in g}) == 1 for g in groups)  # a group stays in one process
    loads = [sum(sizes[p] for p, r in ranks.items() if r == rank) for rank in (0, 1)]
    assert max(loads) - min(loads) <= max(sum(sizes[rel] for rel in g) for g in groups)  # balanced
    assert [p.name for p in two.glob(".translator-manifest*")] == [MANIFEST]  # parts merged
    assert len(manifest_lines(two)) == 8


@pytest.mark.parametrize("engine,beams", [("hf", 1), ("auto", 4)])
def test_two_processes_give_the_same_outputs_as_one(tiny_env, tiny_models, tmp_path, monkeypatch, engine, beams):
    src, one, two = tmp_path / "in", tmp_path / "one", tmp_path / "two"
    _mixed_tree(src)
    limit = 300  # several work groups, so that both processes get some
    monkeypatch.setenv("TRANSLATOR_ENGINE", engine)
    monkeypatch.setenv(GROUP_CHARS_ENV, str(limit))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "translator",
            "batch",
            str(src),
            str(two),
            "--beams",
            str(beams),
        ],
        env=_env(tiny_models, TRANSLATOR_ENGINE=engine, **{GROUP_CHARS_ENV: str(limit)}),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert run_batch(src, one, "--beams", beams) == 0
    _check_same_as_one(src, one, two, limit)


def test_accelerate_launch_runs_two_processes(tiny_env, tiny_models, tmp_path, monkeypatch):
    """``accelerate launch --multi_gpu`` starts its processes through torchrun, which works on a
    CPU-only machine too (the process group is gloo). ``--cpu --num_processes 2`` would start one
    process: accelerate's multi-CPU launch needs mpirun and ``--mpirun_hostfile``."""
    launcher = Path(sys.executable).parent / "accelerate"
    if not launcher.exists():
        pytest.skip("accelerate's launcher is not installed beside this Python")
    src, one, two = tmp_path / "in", tmp_path / "one", tmp_path / "two"
    _mixed_tree(src)
    limit = 300
    monkeypatch.setenv(GROUP_CHARS_ENV, str(limit))
    result = subprocess.run(
        [
            str(launcher),
            "launch",
            "--multi_gpu",
            "--num_processes",
            "2",
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "--main_process_port",
            str(free_port()),
            "-m",
            "translator",
            "batch",
            str(src),
            str(two),
            "--beams",
            "1",
            "--quiet",
        ],
        # HF_HOME: no accelerate config file of this machine's user is read
        env=_env(
            tiny_models, TRANSLATOR_ENGINE="hf", HF_HOME=str(tmp_path / "hf-home"), **{GROUP_CHARS_ENV: str(limit)}
        ),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert run_batch(src, one) == 0
    _check_same_as_one(src, one, two, limit)


def test_kill_9_mid_run_then_rerun_gives_the_clean_outputs(tiny_env, tiny_models, tmp_path, monkeypatch):
    src, clean, out = tmp_path / "in", tmp_path / "clean", tmp_path / "out"
    for i in range(12):
        folder = src / f"d{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"članek{i}.txt").write_text(article(1 + i % 2, i), encoding="utf-8")
    limit = 300
    monkeypatch.setenv(GROUP_CHARS_ENV, str(limit))
    first = groups_of(src, out, limit)[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "translator", "batch", str(src), str(out), "--beams", "1", "--quiet"],
        env=_env(tiny_models, TRANSLATOR_ENGINE="hf", **{GROUP_CHARS_ENV: str(limit)}),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            manifest = out / MANIFEST
            # the first work group is complete and the next one under way
            if manifest.is_file() and manifest.read_bytes().count(b'"done"') > len(first):
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
    assert not [p for p in tree(out, skip=()) if p.endswith(TMP_SUFFIX)]
    counts = report(out)["counts"]
    assert counts["up-to-date"] >= len(first) and counts["done"] >= 1 and counts["done"] + counts["up-to-date"] == 12
