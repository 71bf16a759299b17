"""`scans.language`: a line of text in, its language (en, de, fr, es) out, by a trained model.

Payload: {"text": "..."}; result: {"language": "de", "probability": 0.97}. The model is a
character n-gram classifier (scikit-learn): char_wb 1-3 grams hashed to 2^18 features, then
multinomial naive Bayes, trained on the Debian word lists (wamerican, wngerman, wfrench,
wspanish), WORDS_PER_LANGUAGE words of each so no language wins by list size alone. A line's
n-grams add up word by word, so 4-8 words decide far more surely than one. Training takes a
few seconds, so the first process caches the fitted model (a pickle) under
~/.cache/ferry/ or config["model_path"]; later processes load it in well under a second.
Batched: handle(list) vectorises and predicts the whole batch at once.
"""

from __future__ import annotations

import logging
import os
import pathlib
import pickle
import random
import tempfile
import time
from typing import Any, Mapping

import ferry_worker
from ferry_worker import Job, JobError

WORD_LISTS = {  # language -> the Debian word list (package in the comment)
    "en": "/usr/share/dict/american-english",  # wamerican
    "de": "/usr/share/dict/ngerman",  # wngerman
    "fr": "/usr/share/dict/french",  # wfrench
    "es": "/usr/share/dict/spanish",  # wspanish
}
WORDS_PER_LANGUAGE = 60000  # balanced classes; more adds training time, not accuracy (measured)
MODEL_VERSION = 1  # bump when the features or the training change: old caches are ignored
log = logging.getLogger("scans.language")


def default_model_path() -> pathlib.Path:
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    return cache / "ferry" / f"scans-language-v{MODEL_VERSION}.pickle"


def training_words(seed: int = 1) -> tuple[list[str], list[str]]:
    """A balanced sample of each list's plain words (letters only) and their languages."""
    words: list[str] = []
    labels: list[str] = []
    rng = random.Random(seed)
    for language, path in sorted(WORD_LISTS.items()):
        if not os.path.exists(path):
            raise ferry_worker.ConfigError(
                f"word list {path} is missing; install wamerican wngerman wfrench wspanish")
        plain = sorted({w for w in open(path, encoding="utf-8").read().split() if w.isalpha()})
        sample = rng.sample(plain, min(WORDS_PER_LANGUAGE, len(plain)))
        words.extend(sample)
        labels.extend([language] * len(sample))
    return words, labels


def vectorizer():
    from sklearn.feature_extraction.text import HashingVectorizer

    # Stateless, so the pickle holds only the classifier's counts; alternate_sign off keeps the
    # counts non-negative, as naive Bayes needs.
    return HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=2 ** 18,
                             lowercase=True, alternate_sign=False, norm=None)


def train() -> Any:
    """The fitted pipeline: hashed character n-grams into multinomial naive Bayes."""
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    words, labels = training_words()
    return make_pipeline(vectorizer(), MultinomialNB(alpha=0.1)).fit(words, labels)


def load_or_train(path: pathlib.Path) -> Any:
    """The cached model, or a freshly trained one written atomically for the next process."""
    if path.exists():
        with path.open("rb") as cached:
            return pickle.load(cached)
    started = time.monotonic()
    model = train()
    log.info("trained the language model in %.1f s -> %s", time.monotonic() - started, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two processes may train at once; each renames a complete file, so a reader never sees half.
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
        pickle.dump(model, out)
    os.replace(out.name, path)
    return model


class LanguageTagger(ferry_worker.Handler):
    """Tags each text with its most probable language, a whole batch per model call."""

    job_type = "scans.language"
    max_batch_size = 64
    max_delay_ms = 5

    def setup(self, config: Mapping[str, Any]) -> None:
        try:
            import sklearn  # noqa: F401
        except ImportError as exc:
            raise ferry_worker.ConfigError(
                f"scans.language needs scikit-learn ({exc}); install python3-sklearn and run "
                "the workers with /usr/bin/python3") from exc
        path = pathlib.Path(config.get("model_path") or default_model_path()).expanduser()
        self.model = load_or_train(path)

    def handle(self, jobs: list[Job]) -> list[Any]:
        results: list[Any] = [None] * len(jobs)
        texts, where = [], []
        for index, job in enumerate(jobs):
            text = job.payload.get("text") if isinstance(job.payload, dict) else None
            if not isinstance(text, str):
                results[index] = JobError("INVALID_ARGUMENT", "payload needs 'text' (a string)")
                continue
            texts.append(text)
            where.append(index)
        if texts:
            for index, tagged in zip(where, self._tag(texts)):
                results[index] = tagged
        return results

    def _tag(self, texts: list[str]) -> list[dict[str, Any]]:
        probabilities = self.model.predict_proba(texts)
        classes = self.model.classes_
        best = probabilities.argmax(axis=1)
        return [{"language": str(classes[b]), "probability": round(float(row[b]), 4)}
                for b, row in zip(best, probabilities)]
