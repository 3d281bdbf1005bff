"""The intent model: which service (or menu action, or nothing routable) a transcript asks for.

A linear model over word (1-2) and character (2-5, within words) n-grams of the normalised,
stemmed text, trained with scikit-learn on the paraphrase corpus (``citizen_center.phrasings``)
plus the catalogue's own names and keywords, so a service added to the catalogue is understood
from its keywords before anyone writes phrasings for it. Character n-grams carry recogniser
misspellings ("sinalera", "buraquo") to the right words; word pairs carry negation and context
("não passou", "cheiro de esgoto").

Labels are service codes, ``queue:<code>`` (an area without a specific service, trained on each
queue's name and groups), and the corpus's ``MenuLabel`` values.

The trained model is a file beside this module (``model/intent_classifier.joblib``), shipped with
the code like the catalogue and written only by ``central156 speech train``; it records the
corpus and catalogue it was trained on, so a stale model is reported at start-up.
``IntentClassifier`` is immutable after loading and safe to share between calls.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from citizen_center.catalogue import Catalogue
from citizen_center.phrasings import MenuLabel, Phrasing, corpus_fingerprint
from ivr.intent.normalise import normalise, stem

log = logging.getLogger(__name__)

QUEUE_PREFIX = "queue:"
# Inverse regularisation of the linear model; chosen on the evaluation set's dev part.
_C = 10.0
_CHAR_MIN_DF = 2


def model_dir() -> Path:
    return Path(str(resources.files("ivr.intent") / "model"))


def default_model_path() -> Path:
    return model_dir() / "intent_classifier.joblib"


def heard_path() -> Path:
    return model_dir() / "heard_phrasings.tsv"


def load_heard(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """Corpus text → (label, what the recogniser heard)."""
    source = path or heard_path()
    if not source.exists():
        return {}
    with source.open(encoding="utf-8", newline="") as fh:
        return {
            row["text"]: (row["label"], row["heard"]) for row in csv.DictReader(fh, delimiter="\t")
        }


def heard_phrasings(phrasings: Sequence[Phrasing], path: Path | None = None) -> list[Phrasing]:
    """The heard versions of ``phrasings`` that exist, as extra training phrasings."""
    heard = load_heard(path)
    return [
        Phrasing(p.label, heard[p.text][1], f"heard:{p.source}")
        for p in phrasings
        if p.text in heard and heard[p.text][0] == p.label and heard[p.text][1].strip()
    ]


def prepare(text: str) -> str:
    """What the model reads: lower case, no accents or punctuation, plurals stemmed."""
    return " ".join(stem(word) for word in normalise(text).split())


def training_examples(phrasings: Sequence[Phrasing], catalogue: Catalogue) -> list[tuple[str, str]]:
    """(label, text) pairs: the corpus plus the catalogue's names, keywords and queue groups."""
    known = {s.code for s in catalogue.service_types} | {m.value for m in MenuLabel}
    unknown = sorted({p.label for p in phrasings} - known)
    if unknown:
        where = next(p.source for p in phrasings if p.label == unknown[0])
        raise ValueError(
            f"{where}: label {unknown[0]!r} is not a service code of the catalogue "
            f"nor one of {', '.join(m.value for m in MenuLabel)}"
        )
    examples = [(p.label, p.text) for p in phrasings]
    for service in catalogue.service_types:
        examples.extend((service.code, text) for text in (service.name, *service.keywords))
    for queue in catalogue.queues:
        label = QUEUE_PREFIX + queue.code
        for name in (queue.name, *queue.groups):
            examples.extend([(label, name), (label, f"é sobre {name.lower()}")])
    return examples


def catalogue_fingerprint(catalogue: Catalogue) -> str:
    """Changes with what the model learns from the catalogue, not with the order it is listed
    in (the database lists services by code, the shipped file by group)."""
    parts = sorted(
        f"{s.code}:{s.queue}:{s.name}:{'|'.join(s.keywords)}" for s in catalogue.service_types
    )
    parts += sorted(f"{q.code}:{q.name}:{'|'.join(q.groups)}" for q in catalogue.queues)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class IntentClassifier:
    pipeline: Any  # sklearn Pipeline: text -> probabilities over ``labels``
    labels: tuple[str, ...]
    corpus: str  # fingerprints of what it was trained on
    catalogue: str

    @classmethod
    def train(
        cls, phrasings: Sequence[Phrasing], catalogue: Catalogue, heard: Sequence[Phrasing] = ()
    ) -> IntentClassifier:
        """Train on the corpus, the catalogue and ``heard``: the corpus as the recogniser
        transcribes it (derived data, not part of the fingerprint)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        examples = training_examples(phrasings, catalogue)
        examples += [(p.label, p.text) for p in heard]
        features = make_union(
            TfidfVectorizer(preprocessor=prepare, ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(
                preprocessor=prepare,
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                min_df=_CHAR_MIN_DF,
            ),
        )
        model = LogisticRegression(C=_C, max_iter=5000, class_weight="balanced")
        pipeline = make_pipeline(features, model)
        pipeline.fit([text for _, text in examples], [label for label, _ in examples])
        return cls(
            pipeline,
            tuple(str(c) for c in pipeline.classes_),
            corpus_fingerprint(list(phrasings)),
            catalogue_fingerprint(catalogue),
        )

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """One row per text, one column per label (``labels``), each row summing to 1."""
        return np.asarray(self.pipeline.predict_proba(list(texts)), dtype=np.float64)

    def known_share(self, text: str) -> float:
        """How many of the text's words the corpus has seen (0..1): garbled recognitions of
        robotic or noisy speech are full of non-words ("tâmingu magua madela")."""
        words = prepare(text).split()
        if not words:
            return 0.0
        vocabulary = self._word_vocabulary
        return sum(word in vocabulary for word in words) / len(words)

    @cached_property
    def _word_vocabulary(self) -> frozenset[str]:
        union = self.pipeline.steps[0][1]
        words = union.transformer_list[0][1].vocabulary_
        return frozenset(term for term in words if " " not in term)

    def is_current(self, phrasings: Sequence[Phrasing], catalogue: Catalogue) -> bool:
        return self.corpus == corpus_fingerprint(
            list(phrasings)
        ) and self.catalogue == catalogue_fingerprint(catalogue)

    def save(self, path: Path) -> None:
        import joblib
        import sklearn

        path.parent.mkdir(parents=True, exist_ok=True)
        model = self.pipeline.steps[-1][1]
        # float32 weights: half the file, the same decisions (differences ~1e-7). zlib, not xz:
        # xz made the file 7 MB instead of 11.7 MB but took 3 s to load (joblib reads it in small
        # pieces) against 0.3 s, on every IVR start and reload and in every test run.
        model.coef_ = model.coef_.astype(np.float32)
        joblib.dump(
            {
                "pipeline": self.pipeline,
                "labels": self.labels,
                "corpus": self.corpus,
                "catalogue": self.catalogue,
                "sklearn": sklearn.__version__,
            },
            path,
            compress=("zlib", 3),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> IntentClassifier:
        """The model at ``path`` (default: the shipped one). Raises ``FileNotFoundError`` when
        there is none, ``ValueError`` when it was written by another scikit-learn."""
        import joblib
        import sklearn

        # Our own file, shipped with the code and written by ``speech train``: same trust as
        # the code itself, so unpickling it is safe.
        stored = joblib.load(path or default_model_path())
        if stored["sklearn"] != sklearn.__version__:
            raise ValueError(
                f"the intent model was trained with scikit-learn {stored['sklearn']},"
                f" this is {sklearn.__version__}"
            )
        return cls(
            stored["pipeline"], tuple(stored["labels"]), stored["corpus"], stored["catalogue"]
        )
