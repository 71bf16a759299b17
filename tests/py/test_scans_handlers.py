"""The day's-scans example's handlers on rendered pages: Tesseract's lines, then their languages."""

from __future__ import annotations

import difflib
import importlib.util
import json
import pathlib
import sys

import pytest

pytest.importorskip("tesserocr", reason="the scans example needs python3-tesserocr")
pytest.importorskip("sklearn", reason="the scans example needs python3-sklearn")
pytest.importorskip("PIL", reason="the scans example needs python3-pil")

from ferry_worker.testing import StubWorker  # noqa: E402

SCANS = pathlib.Path(__file__).resolve().parents[2] / "examples" / "scans"
NEEDED = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/dict/american-english",
          "/usr/share/dict/ngerman", "/usr/share/dict/french", "/usr/share/dict/spanish",
          "/usr/share/tesseract-ocr/5/tessdata/deu.traineddata",
          "/usr/share/tesseract-ocr/5/tessdata/fra.traineddata",
          "/usr/share/tesseract-ocr/5/tessdata/spa.traineddata"]
missing = [path for path in NEEDED if not pathlib.Path(path).exists()]
pytestmark = pytest.mark.skipif(bool(missing), reason=f"missing {missing}; run scripts/install-deps.sh")


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"scans_{name}", SCANS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> tuple[pathlib.Path, list[dict]]:
    """Three rendered pages and their truth: (the day's directory, one record per page)."""
    out = tmp_path_factory.mktemp("scans")
    truth = load("render").write_day(out, "2026-12-03", pages=3, seed=5)
    return out / "2026-12-03", [json.loads(line) for line in truth.read_text().splitlines()]


@pytest.fixture(scope="module")
def read_pages(day) -> list:
    directory, truth = day
    with StubWorker(str(SCANS / "ocr_handler.py")) as worker:
        return worker.run("scans.ocr", [{"path": str(directory / page["name"]),
                                         "name": page["name"]} for page in truth])


@pytest.fixture(scope="module")
def tagger(request):
    # Training takes seconds, loading not: pytest's cache keeps the model between runs; without
    # it (CTest runs -p no:cacheprovider) the workers' own cache under ~/.cache/ferry does.
    language = load("language_handler")
    cache = getattr(request.config, "cache", None)
    path = language.default_model_path()
    if cache is not None:
        path = pathlib.Path(cache.mkdir("scans-language")) / path.name
    config = {"model_path": str(path)}
    with StubWorker(str(SCANS / "language_handler.py"), config=config) as worker:
        yield worker


def test_ocr_reads_each_page_into_its_lines_close_to_the_rendered_text(day, read_pages) -> None:
    _, truth = day
    for page, result in zip(truth, read_pages):
        assert result.ok, result.error
        assert result.value["page"] == page["name"]
        lines = result.value["lines"]
        assert len(lines) == len(page["lines"])
        got = "\n".join(line["text"] for line in lines)
        expected = "\n".join(line["text"] for line in page["lines"])
        assert difflib.SequenceMatcher(None, got, expected).ratio() > 0.9, (got, expected)
        assert all(0 <= line["confidence"] <= 100 for line in lines)


def test_a_missing_page_image_is_a_job_error_naming_the_path(tmp_path) -> None:
    absent = tmp_path / "page-9999.png"
    with StubWorker(str(SCANS / "ocr_handler.py")) as worker:
        result = worker.run_one("scans.ocr", {"path": str(absent), "name": absent.name})
    assert not result.ok
    assert result.error.code == "INVALID_ARGUMENT"
    assert str(absent) in result.error.message


def test_the_tagger_names_the_language_of_ocr_lines_at_least_nine_times_in_ten(
        day, read_pages, tagger) -> None:
    _, truth = day
    expected = [line["language"] for page in truth for line in page["lines"]]
    texts = [line["text"] for result in read_pages for line in result.value["lines"]]
    tags = tagger.run("scans.language", [{"text": text} for text in texts])
    assert len(tags) == len(expected)
    right = sum(tag.value["language"] == language for tag, language in zip(tags, expected))
    # Measured 0.97 over 182 OCR'd lines of 40 pages; a 3-page sample is noisier.
    assert right / len(expected) >= 0.9, (right, len(expected))
    assert all(0.25 <= tag.value["probability"] <= 1.0 for tag in tags)


def test_a_batch_of_lines_is_tagged_in_one_call_with_one_result_per_job(tagger) -> None:
    texts = ["the quick brown fox jumps over the lazy dog", "der schnelle braune Fuchs springt",
             "les maisons anciennes étaient très belles", "el zorro marrón salta sobre el perro"]
    tagger.calls.clear()
    tags = tagger.run("scans.language", [{"text": text} for text in texts] + [{"words": 3}])
    assert len(tagger.calls) == 1 and len(tagger.calls[0]) == 5
    assert [tag.value["language"] for tag in tags[:4]] == ["en", "de", "fr", "es"]
    assert tags[4].error.code == "INVALID_ARGUMENT" and "'text'" in tags[4].error.message
