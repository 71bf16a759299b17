#!/usr/bin/python3
"""Renders a day's scans: pages of printed lines, each line in one language (en, de, fr, es).

    /usr/bin/python3 examples/scans/render.py --out-dir demo-out/scans --date 2026-12-03 --pages 20

Writes OUT/DATE/page-0001.png ... (the directory `ferry run --input` reads, one job per page) and
OUT/DATE.truth.jsonl, one record per page: {"name": "page-0001.png", "lines": [{"language": "de",
"text": "..."}, ...]}. Each line is 4-8 real words sampled from the language's Debian word list
(wamerican, wngerman, wfrench, wspanish), rendered in DejaVu Sans like examples/ocr/render.py.
Deterministic: the same --seed gives the same pages.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import logging
import pathlib
import random
import sys
from typing import Any

from PIL import Image, ImageFont

HERE = pathlib.Path(__file__).resolve().parent
FONT = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WORD_LISTS = {  # language -> the Debian word list (package in the comment)
    "en": pathlib.Path("/usr/share/dict/american-english"),  # wamerican
    "de": pathlib.Path("/usr/share/dict/ngerman"),  # wngerman
    "fr": pathlib.Path("/usr/share/dict/french"),  # wfrench
    "es": pathlib.Path("/usr/share/dict/spanish"),  # wspanish
}
LINE_GAP = 14  # pixels between rendered lines: enough for Tesseract to split them
log = logging.getLogger("scans.render")


def _load_ocr_render():
    """examples/ocr/render.py's one-line renderer, so both examples draw text the same way."""
    spec = importlib.util.spec_from_file_location("ocr_render", HERE.parent / "ocr" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render


render_line = _load_ocr_render()


def plain_words(path: pathlib.Path) -> list[str]:
    """Letters only, 3-12 long, not an abbreviation: no possessives ('s), digits or acronyms."""
    if not path.exists():
        raise SystemExit(f"render.py: word list {path} is missing; run scripts/install-deps.sh")
    words = path.read_text(encoding="utf-8").split()
    return sorted({w for w in words if w.isalpha() and 3 <= len(w) <= 12 and not w.isupper()})


def text_line(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(4, 8)))


def page_lines(rng: random.Random, vocab: dict[str, list[str]]) -> list[dict[str, str]]:
    """3-6 lines, each in a language of its own (languages may repeat on a page)."""
    languages = sorted(vocab)
    lines = []
    for _ in range(rng.randint(3, 6)):
        language = rng.choice(languages)
        lines.append({"language": language, "text": text_line(rng, vocab[language])})
    return lines


def render_page(texts: list[str], font: ImageFont.FreeTypeFont) -> Image.Image:
    """The lines stacked top to bottom, left-aligned on a white page."""
    images = [render_line(text, font) for text in texts]
    width = max(image.width for image in images)
    height = sum(image.height for image in images) + LINE_GAP * (len(images) - 1)
    page = Image.new("L", (width, height), color=255)
    top = 0
    for image in images:
        page.paste(image, (0, top))
        top += image.height + LINE_GAP
    return page


def write_day(out_dir: pathlib.Path, date: str, pages: int, seed: int,
              font_size: int = 28) -> pathlib.Path:
    """Renders the pages and returns the truth file's path."""
    vocab = {language: plain_words(path) for language, path in WORD_LISTS.items()}
    font = ImageFont.truetype(str(FONT), font_size)
    day = out_dir / date
    day.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    truth_path = out_dir / f"{date}.truth.jsonl"
    with truth_path.open("w", encoding="utf-8") as truth:
        for i in range(1, pages + 1):
            name = f"page-{i:04d}.png"
            lines = page_lines(rng, vocab)
            render_page([line["text"] for line in lines], font).save(day / name)
            truth.write(json.dumps({"name": name, "lines": lines}, ensure_ascii=False) + "\n")
    return truth_path


def iso_date(text: str) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--date {text!r} is not YYYY-MM-DD") from exc


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=pathlib.Path, required=True)
    parser.add_argument("--date", type=iso_date, default=datetime.date.today().isoformat())
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--font-size", type=int, default=28)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if not FONT.exists():
        raise SystemExit(f"render.py: font {FONT} is missing; install fonts-dejavu-core")
    truth = write_day(args.out_dir, args.date, args.pages, args.seed, args.font_size)
    log.info("%d pages -> %s, truth -> %s", args.pages, args.out_dir / args.date, truth)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
