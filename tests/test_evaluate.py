"""`translator evaluate`: scores equal sacrebleu's / rouge-score's on what it wrote, errors name
the problem, and --compare runs every configuration on the same sentences. Tiny models only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from translator.cli import main
from translator.evaluation import (
    DatasetUnavailable,
    EvalData,
    RunConfig,
    evaluate,
    from_files,
    from_table,
    from_testset,
    parse_config,
    summary_scores,
    translation_scores,
)

SOURCES = ["Dober dan.", "", "Vlada je sprejela nov zakon.", "Kako ste danes?"]
REFERENCES = ["Good day.", "", "The government adopted a new law.", "How are you today?"]


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def aligned(tmp_path):
    return write_lines(tmp_path / "sl.txt", SOURCES), write_lines(tmp_path / "en.txt", REFERENCES)


def run_json(capsys, args):
    code = main(["evaluate", *args, "--json", "--beams", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_printed_scores_equal_sacrebleu_on_the_written_hypotheses(tiny_env, aligned, tmp_path, capsys):
    from sacrebleu.metrics import BLEU, CHRF, TER

    src, ref = aligned
    hyp_out = tmp_path / "hyp.txt"
    report = run_json(capsys, ["--src", str(src), "--ref", str(ref), "--hyp-out", str(hyp_out), "--worst", "10"])
    hypotheses = hyp_out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(hypotheses) == len(SOURCES) and hypotheses[1] == ""  # the empty line kept in place
    [run] = report["runs"]
    for metric in (BLEU(), CHRF(), TER()):
        expected = metric.corpus_score(hypotheses, [REFERENCES])
        assert run["scores"][expected.name]["score"] == pytest.approx(expected.score, abs=1e-9)
        assert run["scores"][expected.name]["signature"] == str(metric.get_signature())
    assert report["data"] == {
        "origin": f"{src} / {ref}",
        "lines": 4,
        "empty_sources": 1,
        "source_sha256": run["source_sha256"],
    }
    assert run["hypotheses_file"] == str(hyp_out)
    assert run["speed"]["output_tokens"] > 0 and run["speed"]["tokens_per_second"] > 0
    assert run["memory"]["peak_rss_bytes"] > 0
    assert run["engine"] and run["options"]["num_beams"] == 1
    # the worst list: every line with something to score (not the empty pair), lowest chrF first
    worst = run["worst"]["lines"]
    assert [item["line"] for item in worst] != [] and 2 not in [item["line"] for item in worst]
    assert [item["score"] for item in worst] == sorted(item["score"] for item in worst)
    assert all(item["confidence"] is None or item["confidence"] <= 0 for item in worst)


def test_text_report_shows_table_signatures_engine_and_worst_lines(tiny_env, aligned, capsys):
    src, ref = aligned
    assert main(["evaluate", "--src", str(src), "--ref", str(ref), "--beams", "1", "--worst", "2"]) == 0
    out = capsys.readouterr().out
    assert "BLEU" in out and "chrF2" in out and "TER" in out and "tok/s" in out and "peak RSS" in out
    assert "nrefs:1|case:mixed" in out and "version:" in out
    assert "engine " in out and "options: num_beams=1" in out
    assert "lowest chrF" in out and "1 empty" in out


def test_identical_hypothesis_and_reference_give_bleu_100():
    lines = ["The government adopted a new law on taxes.", "", "Prices rose again in October."]
    scores = {metric.name: metric.score for metric in translation_scores(lines, [lines])}
    assert scores["BLEU"] == pytest.approx(100)
    assert scores["chrF2"] == pytest.approx(100)
    assert scores["TER"] == pytest.approx(0)


def test_summary_scores_of_identical_text_are_100():
    lines = ["The minister presented the budget.", "The team won the final."]
    assert {m.name: round(m.score, 6) for m in summary_scores(lines, [lines])} == {
        "ROUGE-1": 100,
        "ROUGE-2": 100,
        "ROUGE-L": 100,
    }


def test_misaligned_files_name_both_counts_and_files(tmp_path, capsys):
    src = write_lines(tmp_path / "sl.txt", ["a", "b", "c"])
    ref = write_lines(tmp_path / "en.txt", ["a", "b"])
    with pytest.raises(ValueError) as caught:
        from_files(src, [ref])
    message = str(caught.value)
    assert "3 lines" in message and "has 2" in message and str(src) in message and str(ref) in message
    assert main(["evaluate", "--src", str(src), "--ref", str(ref)]) == 1
    assert "has 3 lines but" in capsys.readouterr().err


def test_missing_and_empty_inputs_are_errors(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    blank = write_lines(tmp_path / "blank.txt", ["", " "])
    assert main(["evaluate", "--src", str(tmp_path / "nope.txt"), "--ref", str(empty)]) == 1
    assert "nope.txt: no such file" in capsys.readouterr().err
    assert main(["evaluate", "--src", str(empty), "--ref", str(empty)]) == 1
    assert "is empty: nothing to evaluate" in capsys.readouterr().err
    with pytest.raises(ValueError, match="every source line is empty"):
        evaluate(from_files(blank, [blank]), [RunConfig("x")])
    with pytest.raises(SystemExit):
        main(["evaluate", "--ref", str(blank)])  # no source given: argparse usage error
    capsys.readouterr()
    with pytest.raises(SystemExit) as caught:
        main(["evaluate", "--src", str(blank)])  # --src without --ref
    assert caught.value.code == 2 and "--src and --ref go together" in capsys.readouterr().err


def test_compare_runs_every_configuration_on_the_same_sentences(tiny_env, aligned, generate_spy, monkeypatch, capsys):
    from translator.core import pipeline

    seen = []
    real = pipeline.run_documents

    def recording(documents, translator, *args, **kwargs):
        calls = generate_spy(translator.model.engine)
        result = real(documents, translator, *args, **kwargs)
        seen.append((translator.options.num_beams, documents, calls))
        return result

    monkeypatch.setattr(pipeline, "run_documents", recording)
    src, ref = aligned
    report = run_json(capsys, ["--src", str(src), "--ref", str(ref), "--compare", "num_beams=1", "beams=2"])
    assert [run["label"] for run in report["runs"]] == ["num_beams=1", "beams=2"]
    assert [run["options"]["num_beams"] for run in report["runs"]] == [1, 2]
    assert len({run["source_sha256"] for run in report["runs"]}) == 1
    assert [beams for beams, _docs, _calls in seen] == [1, 2]
    assert seen[0][1] == seen[1][1] == [[line] for line in SOURCES]
    sent = [sorted(tuple(ids) for call in calls for ids in call.batch) for _beams, _docs, calls in seen]
    assert sent[0] and sent[0] == sent[1]  # the engine got exactly the same token ids
    assert {call.kwargs["num_beams"] for call in seen[1][2]} == {2}


def test_compare_writes_one_hypothesis_file_per_configuration(tiny_env, aligned, tmp_path, capsys):
    src, ref = aligned
    report = run_json(
        capsys,
        [
            "--src",
            str(src),
            "--ref",
            str(ref),
            "--hyp-out",
            str(tmp_path / "hyp.txt"),
            "--compare",
            "num_beams=1",
            "max_length_offset=4",
        ],
    )
    files = [run["hypotheses_file"] for run in report["runs"]]
    assert files == [str(tmp_path / "hyp.1.txt"), str(tmp_path / "hyp.2.txt")]
    assert all(len(open(f, encoding="utf-8").read().split("\n")) == len(SOURCES) + 1 for f in files)


def test_config_keys_are_typed_and_checked():
    base = RunConfig("base", options={"num_beams": 4})
    config = parse_config(
        "engine=hf,dtype=float32,num_beams=1,retry_repetitions=false,max_length_ratio=1.5", "translation", base
    )
    assert (config.engine, config.dtype, config.label) == ("hf", "float32", config.label)
    assert config.options == {"num_beams": 1, "retry_repetitions": False, "max_length_ratio": 1.5}
    assert parse_config("length=short,max_input_tokens=none", "summary", base).options["length"] == "short"
    with pytest.raises(ValueError, match="unknown key 'beam'.*valid keys: model, engine, device, dtype.*num_beams"):
        parse_config("beam=2", "translation", base)
    with pytest.raises(ValueError, match="whole number"):
        parse_config("num_beams=two", "translation", base)
    with pytest.raises(ValueError, match="beams must be"):
        parse_config("num_beams=9", "translation", base)
    with pytest.raises(ValueError, match="unknown dtype"):
        parse_config("dtype=int4", "translation", base)
    with pytest.raises(ValueError, match="choose one of short, medium, long"):
        parse_config("length=tiny", "summary", base)


def test_bad_compare_key_fails_before_loading_a_model(tmp_path, aligned, capsys):
    src, ref = aligned
    assert main(["evaluate", "--src", str(src), "--ref", str(ref), "--compare", "colour=red"]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'colour'" in err and "num_beams" in err


def test_tsv_and_jsonl_data(tmp_path):
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("Dober dan.\tGood day.\n\t\nHvala.\tThanks.\n", encoding="utf-8")
    assert from_table(tsv).sources == ["Dober dan.", "", "Hvala."]
    headed = tmp_path / "headed.tsv"
    headed.write_text("id\tsl\ten\n1\tDober dan.\tGood day.\n", encoding="utf-8")
    data = from_table(headed, "sl", "en")
    assert (data.sources, data.references) == (["Dober dan."], [["Good day."]])
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text(
        '{"article": "A long story.", "highlights": "Short."}\n{"article": "", "highlights": ""}\n', encoding="utf-8"
    )
    data = from_table(jsonl)
    assert (data.sources, data.references) == (["A long story.", ""], [["Short.", ""]])
    with pytest.raises(ValueError, match="no source field 'src'"):
        from_table(jsonl, "src")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"source": "a", "reference": "b"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: not JSON"):
        from_table(broken)


def test_summary_rouge_equals_rouge_score(tiny_env, tmp_path, capsys):
    from rouge_score import rouge_scorer

    data = tmp_path / "news.jsonl"
    rows = [
        {"article": "The minister spoke about the budget. Prices rose in October.", "highlights": "Prices rose."},
        {"article": "", "highlights": ""},
        {"article": "The team won the final match on Sunday.", "highlights": "The team won."},
    ]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    hyp_out = tmp_path / "summaries.txt"
    report = run_json(
        capsys, ["--task", "summary", "--data", str(data), "--length", "short", "--hyp-out", str(hyp_out)]
    )
    hypotheses = hyp_out.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(hypotheses) == 3 and hypotheses[1] == ""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scored = [scorer.score(row["highlights"], hyp) for row, hyp in zip(rows, hypotheses) if row["article"]]
    [run] = report["runs"]
    for name, key in (("ROUGE-1", "rouge1"), ("ROUGE-2", "rouge2"), ("ROUGE-L", "rougeL")):
        expected = 100 * sum(s[key].fmeasure for s in scored) / len(scored)
        assert run["scores"][name]["score"] == pytest.approx(expected, abs=1e-9)
    assert run["worst"]["by"] == "ROUGE-L" and run["options"]["length"] == "short"


@pytest.fixture
def sacrebleu_cache(tmp_path, monkeypatch):
    import sacrebleu.dataset.base

    monkeypatch.setattr(sacrebleu.dataset.base, "SACREBLEU_DIR", str(tmp_path / "sacrebleu"))
    return tmp_path / "sacrebleu"


def test_testset_offline_fails_in_one_line_with_the_manual_alternative(sacrebleu_cache, capsys):
    assert main(["evaluate", "--testset", "flores200", "--langpair", "sl-en"]) == 1  # HF_HUB_OFFLINE=1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "flores200 sl-en" in err and "HF_HUB_OFFLINE=1" in err and "--src FILE --ref FILE" in err
    assert not sacrebleu_cache.exists() or not any(sacrebleu_cache.rglob("*.tar.gz"))


def test_testset_network_error_fails_with_the_manual_alternative(sacrebleu_cache, monkeypatch):
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    with pytest.raises(DatasetUnavailable, match="could not download test set flores200 sl-en.*--src FILE --ref FILE"):
        from_testset("flores200", "sl-en", offline=False)


def test_testset_cached_by_sacrebleu_is_read_offline(sacrebleu_cache):
    cached = sacrebleu_cache / "flores200"
    cached.mkdir(parents=True)
    write_lines(cached / "flores200.sl-en.src", ["Dober dan.", "Hvala."])
    write_lines(cached / "flores200.sl-en.ref", ["Good day.", "Thanks."])
    data = from_testset("flores200", "sl-en", offline=True)
    assert data == EvalData(["Dober dan.", "Hvala."], [["Good day.", "Thanks."]], "flores200 sl-en")


def test_unknown_testset_and_langpair_list_the_choices():
    with pytest.raises(ValueError, match="unknown test set 'nope'"):
        from_testset("nope", "sl-en", offline=True)
    with pytest.raises(ValueError, match="has no language pair sl-en; it has .*de-en"):
        from_testset("wmt22", "sl-en", offline=True)
    with pytest.raises(ValueError, match="not a FLORES-200 language"):
        from_testset("flores200", "xx-en", offline=True)


def test_line_confidence_is_the_mean_of_translated_segment_scores():
    from translator.evaluation.runner import line_confidence, one_line
    from translator.results import Segment

    scored = [
        Segment("A.", "A.", 0, 2, 0, score=-0.2),
        Segment("1", "1", 3, 4, 0, translated=False),
        Segment("B.", "B.", 5, 7, 0, score=-0.4),
    ]
    assert line_confidence(scored) == pytest.approx(-0.3)
    assert line_confidence([Segment("A.", "A.", 0, 2, 0)]) is None  # engine without scores: shown as "-"
    assert one_line(" Good day.\nThanks.\u2028Bye. ") == "Good day. Thanks. Bye."


def test_limit_keeps_the_first_lines_aligned(tmp_path):
    data = from_files(
        write_lines(tmp_path / "s.txt", ["a", "b", "c"]), [write_lines(tmp_path / "r.txt", ["x", "y", "z"])]
    )
    assert data.first(2) == EvalData(["a", "b"], [["x", "y"]], data.origin)


@pytest.mark.parametrize(("name", "split"), [("flores200", "devtest"), ("flores200/dev", "dev")])
def test_flores_is_fetched_extracted_and_cached_by_sacrebleu(sacrebleu_cache, tmp_path, monkeypatch, name, split):
    """The FLORES-200 path end to end, from a local copy of the tarball's layout (file:// URL);
    read again offline, it is found in sacrebleu's cache where sacrebleu put it."""
    import tarfile

    from translator.evaluation import data as data_module

    tree = tmp_path / "tree" / "flores200_dataset" / split
    tree.mkdir(parents=True)
    write_lines(tree / f"slv_Latn.{split}", ["Dober dan.", "Hvala."])
    write_lines(tree / f"eng_Latn.{split}", ["Good day.", "Thanks."])
    tarball = tmp_path / "flores200_dataset.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tmp_path / "tree" / "flores200_dataset", arcname="flores200_dataset")
    monkeypatch.setattr(data_module, "FLORES_URL", tarball.as_uri())
    data = from_testset(name, "sl-en", offline=False)
    assert (data.sources, data.references) == (["Dober dan.", "Hvala."], [["Good day.", "Thanks."]])
    assert (sacrebleu_cache / name / f"{name.replace('/', '_')}.sl-en.src").is_file()
    tarball.unlink()  # no second download possible
    assert from_testset(name, "sl-en", offline=True) == data  # cached: no download needed
