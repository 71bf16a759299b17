#!/usr/bin/python3
"""Renders text lines of known content to PNG images and writes the OCR jobs for them.

    /usr/bin/python3 examples/ocr/render.py --count 200 --out-dir demo-out/ocr

Writes OUT/images/line-0001.png ... and OUT/ocr-jobs.jsonl, one job per image:
{"id": "ocr-0001", "payload": {"path": "/abs/OUT/images/line-0001.png"}, "text": "the truth"}.
With --embed the payload carries the PNG itself ({"png_b64": "..."}), so workers on other hosts
need no shared disk. Lines vary in length (2 to 12 words) so OCR time varies per job.
Deterministic: the same --seed gives the same lines and images.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import pathlib
import random
import sys
from typing import Any

from PIL import Image, ImageDraw, ImageFont

FONT = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WORDS = (
    "ferry broker worker batch queue model result summary latency credit heartbeat journal "
    "retry timeout python native socket message payload record output input accuracy river "
    "harbour morning evening north south signal window number letter paper scan invoice "
    "order total amount delivery station platform train ticket the of and to in on with for"
).split()
log = logging.getLogger("ocr.render")


def text_line(rng: random.Random) -> str:
    """2 to 12 words, sometimes capitalised, sometimes with a number: plain printed English."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 12))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), str(rng.randint(1, 9999)))
    return " ".join(words)


def render(text: str, font: ImageFont.FreeTypeFont, margin: int = 16) -> Image.Image:
    """Black text on white, grayscale, with a margin: a clean scan of one printed line."""
    left, top, right, bottom = font.getbbox(text)
    size = (right - left + 2 * margin, bottom - top + 2 * margin)
    image = Image.new("L", size, color=255)
    ImageDraw.Draw(image).text((margin - left, margin - top), text, font=font, fill=0)
    return image


def job_payload(image: Image.Image, path: pathlib.Path, embed: bool) -> dict[str, Any]:
    if not embed:
        return {"path": str(path.resolve())}
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return {"png_b64": base64.b64encode(buffer.getvalue()).decode("ascii")}


def write_jobs(count: int, out_dir: pathlib.Path, seed: int, embed: bool, size: int) -> pathlib.Path:
    font = ImageFont.truetype(str(FONT), size)
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    jobs_path = out_dir / "ocr-jobs.jsonl"
    with jobs_path.open("w") as out:
        for i in range(1, count + 1):
            text = text_line(rng)
            image = render(text, font)
            path = images / f"line-{i:04d}.png"
            image.save(path)
            record = {"id": f"ocr-{i:04d}", "payload": job_payload(image, path, embed), "text": text}
            out.write(json.dumps(record) + "\n")
    return jobs_path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out-dir", type=pathlib.Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--font-size", type=int, default=28)
    parser.add_argument("--embed", action="store_true", help="put the PNG in the payload")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if not FONT.exists():
        raise SystemExit(f"render.py: font {FONT} is missing; install fonts-dejavu-core")
    jobs_path = write_jobs(args.count, args.out_dir, args.seed, args.embed, args.font_size)
    log.info("%d images -> %s, jobs -> %s", args.count, args.out_dir / "images", jobs_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
