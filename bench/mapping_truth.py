"""How truly the mapper tags real issues: figures on a hand-labelled corpus of Apache Mesos issues.

python -m bench.mapping_truth [--corpus DIR] [--seconds 5]

The corpus (``tests/data/mesos/`` by default, see its README) holds real Jira issues, a person's label for
320 of them and a strategy written from the objective definitions alone. Each labelled issue is mapped with
that strategy as it is, and its primary objective compared with the label:

* coverage: the share of labelled issues that got an objective at all;
* precision on tagged: of those, the share whose primary is the label;
* accuracy: the share of all labelled issues whose primary is the label (untagged counts as wrong);
* primary or second: the primary is the label or the person's genuine second choice;
* allocation distance: the total variation distance (half the sum of absolute differences of the shares)
  between the allocation by item count the tags give (untagged items in the unaligned bucket) and the one
  the labels give;
* precision of the surest 80%: the tagged issues ranked by strength (firm, keyword by margin, tie,
  resemblance by lead), the precision of the first 80% of the labelled issues' count — what a reader
  who trusts only the tags above a strength gets at coverage 0.80;
* ties: tagged issues whose two best objectives scored the same (decided by the evidence written first);
* the confusion matrix (rows: the label; columns: the primary);
* throughput: issues mapped per second of one core over all the corpus's issues, as a sync maps them.

The figures are printed for the strategy as it is (items no rule names tagged by the items they resemble,
``mapping.similar_items``, on by default), then for its rules alone, each for all labelled issues and for
each part of the corpus's ``split_mark``: design on ``train``; ``held out`` (the other marks) tells whether
a change holds on issues it was not tuned against.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from syncd.core.mapper import Mapper, map_items
from syncd.core.review_estimate import Tagged, draw_sample, estimate_shares
from syncd.model import Alignment, StatusCategory, TargetKind, TrackerKind, WorkItem
from syncd.strategy import Strategy, load_strategy

__all__ = [
    "CORPUS",
    "PARTS",
    "Corpus",
    "Review",
    "Truth",
    "load_corpus",
    "main",
    "measure",
    "simulate_review",
    "summary",
    "throughput",
]

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "mesos"
NONE = "(none)"
_WHEN = datetime(2026, 1, 1, tzinfo=UTC)
PARTS = ("train", "held out")


@dataclass(frozen=True)
class Corpus:
    """The issues, the labels (key to objective, and second choice or empty), the strategy, and each
    issue's split mark (``train``, ``val``, ``test``)."""

    items: tuple[WorkItem, ...]
    labels: Mapping[str, tuple[str, str]]
    strategy: Strategy
    splits: Mapping[str, str]

    def rules_alone(self) -> Corpus:
        """The same corpus with the strategy's ``mapping.similar_items`` option off (the file is unchanged)."""
        mapping = self.strategy.mapping.model_copy(update={"similar_items": False})
        return replace(self, strategy=self.strategy.model_copy(update={"mapping": mapping}))

    def part(self, name: str) -> Corpus:
        """The same corpus with only the labels of one part: ``train``, or ``held out`` (every other mark)."""
        keep = {key for key in self.labels if (self.splits[key] == "train") == (name == "train")}
        return replace(self, labels={key: self.labels[key] for key in self.labels if key in keep})


@dataclass(frozen=True)
class Truth:
    """The figures of one mapping of the labelled issues (see the module's docstring)."""

    labelled: int
    tagged: int
    correct: int
    primary_or_second: int
    ties: int
    distance: float
    confusion: Mapping[tuple[str, str], int]
    objectives: tuple[str, ...]
    surest: tuple[bool, ...] = ()
    """Whether each tagged issue's primary is its label, surest tag first."""

    @property
    def coverage(self) -> float:
        return self.tagged / self.labelled

    @property
    def precision(self) -> float:
        return self.correct / self.tagged if self.tagged else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.labelled

    def precision_of_surest(self, coverage: float) -> float:
        """The precision of the surest tags that cover ``coverage`` of the labelled issues (all of the tags
        when there are fewer)."""
        count = min(len(self.surest), round(coverage * self.labelled))
        return sum(self.surest[:count]) / count if count else 0.0


def load_corpus(directory: Path = CORPUS) -> Corpus:
    """Read the issues, the labels and the strategy of a corpus directory."""
    with _issues_file(directory) as file:
        rows = list(csv.DictReader(file))
    items = tuple(_item(row) for row in rows)
    splits = {row["issuekey"]: row["split_mark"] for row in rows}
    with (directory / "mesos_dev_labels.csv").open(encoding="utf-8", newline="") as file:
        labels = {row["key"]: (row["objective"], row["second"]) for row in csv.DictReader(file)}
    return Corpus(items, labels, load_strategy(directory / "strategy.mesos.yaml"), splits)


def _issues_file(directory: Path) -> TextIO:
    """The issues as text: ``mesos_dev.csv``, or the gzip-compressed copy the repository keeps (the pasted
    CI logs in the descriptions are large and compress tenfold)."""
    plain = directory / "mesos_dev.csv"
    if plain.exists():
        return plain.open(encoding="utf-8", newline="")
    return gzip.open(directory / "mesos_dev.csv.gz", "rt", encoding="utf-8", newline="")


def _item(row: Mapping[str, str]) -> WorkItem:
    key = row["issuekey"]
    return WorkItem(
        tracker="jira.mesos",
        kind=TrackerKind.JIRA,
        id=key.rsplit("-", 1)[-1],
        key=key,
        title=row["title"],
        description=row["description"],
        status=StatusCategory.DONE,
        created=_WHEN,
        updated=_WHEN,
        project=key.split("-", 1)[0],
    )


def mapper_of(corpus: Corpus) -> Mapper:
    """The corpus's strategy compiled with a model of the corpus's issues, as a sync builds it from the
    items it holds (see :meth:`Mapper.learning_from`)."""
    return Mapper(corpus.strategy).learning_from(corpus.items)


def measure(corpus: Corpus) -> Truth:
    """Map the corpus's issues with its strategy and compare the labelled ones with their labels."""
    alignments = map_items(corpus.items, mapper_of(corpus))
    objectives = tuple(o.id for o in corpus.strategy.objectives)
    confusion: Counter[tuple[str, str]] = Counter()
    tagged = correct = either = ties = 0
    ranked: list[tuple[tuple[int, float], bool]] = []
    for key, (label, second) in corpus.labels.items():
        alignment = alignments[key]
        primary = alignment.primary
        confusion[label, primary or NONE] += 1
        if primary is None:
            continue
        tagged += 1
        correct += primary == label
        either += primary in (label, second)
        ties += _tied(alignment)
        ranked.append((_sureness(alignment), primary == label))
    predicted = Counter(alignments[key].primary or NONE for key in corpus.labels)
    truth = Counter(label for label, _ in corpus.labels.values())
    return Truth(
        labelled=len(corpus.labels),
        tagged=tagged,
        correct=correct,
        primary_or_second=either,
        ties=ties,
        distance=_distance(predicted, truth, len(corpus.labels)),
        confusion=dict(confusion),
        objectives=objectives,
        surest=tuple(right for _, right in sorted(ranked, key=itemgetter(0))),
    )


_STRENGTH_ORDER = {"firm": 0, "keyword": 1, "tie": 2, "resemblance": 3}


def _sureness(alignment: Alignment) -> tuple[int, float]:
    """A sort key, surest first: by strength, then by the lead within it."""
    return _STRENGTH_ORDER[alignment.strength], -(alignment.margin or 0.0)


def _tied(alignment: Alignment) -> bool:
    """The two best objectives of the deciding rule scored the same."""
    scores: defaultdict[str, float] = defaultdict(float)
    for reason in alignment.reasons:
        if reason.rule is alignment.decided_by and reason.kind is TargetKind.OBJECTIVE:
            scores[reason.target] += reason.weight
    best = sorted(scores.values(), reverse=True)
    return len(best) > 1 and best[0] == best[1]


def _distance(predicted: Counter[str], truth: Counter[str], total: int) -> float:
    keys = set(predicted) | set(truth)
    return sum(abs(predicted[k] - truth[k]) for k in keys) / total / 2


@dataclass(frozen=True)
class Review:
    """Repeated simulated reviews: a person answers a random sample of the labelled issues as labelled.

    Attributes:
        tags_distance: the allocation distance of the tags alone.
        distance: the mean allocation distance of the review's estimates over the draws.
        coverage: the share of (draw, objective) intervals that hold the labelled share.
    """

    size: int
    draws: int
    tags_distance: float
    distance: float
    coverage: float


def simulate_review(corpus: Corpus, *, size: int = 40, draws: int = 500, seed: int = 1) -> Review:
    """Draw ``draws`` samples of ``size`` labelled issues, answer each as its label says, and measure the
    estimated allocation (:func:`estimate_shares`) against the labelled one (the labelled issues are the population)."""
    alignments = map_items(corpus.items, mapper_of(corpus))
    items = [
        Tagged(key, alignments[key].primary or NONE, 1.0, alignments[key].strength != "firm") for key in corpus.labels
    ]
    buckets = (*(o.id for o in corpus.strategy.objectives), NONE)
    truth = Counter(label for label, _ in corpus.labels.values())
    shares = {bucket: truth[bucket] / len(items) for bucket in buckets}
    distances: list[float] = []
    held = 0
    for draw in range(draws):
        sample = draw_sample(items, size, seed=seed + draw)
        estimates = estimate_shares(items, [(item, corpus.labels[item.key][0]) for item in sample], buckets)
        distances.append(sum(abs(max(e.estimate, 0.0) - shares[e.bucket]) for e in estimates) / 2)
        held += sum(e.holds(shares[e.bucket]) for e in estimates)
    tags = estimate_shares(items, [], buckets)
    return Review(
        size=size,
        draws=draws,
        tags_distance=sum(abs(e.tagged - shares[e.bucket]) for e in tags) / 2,
        distance=sum(distances) / draws,
        coverage=held / (draws * len(buckets)),
    )


def throughput(corpus: Corpus, *, seconds: float) -> float:
    """Issues mapped per second of one core: every issue of the corpus, batch after batch, each batch with
    a fresh context as a sync has (the compiled strategy is kept, as the service keeps it)."""
    mapper = mapper_of(corpus)
    map_items(corpus.items, mapper)
    mapped = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        map_items(corpus.items, mapper)
        mapped += len(corpus.items)
    return mapped / (time.process_time() - start)


def report(truth: Truth, rate: float | None, review: Review | None = None) -> Iterable[str]:
    """The figures as text lines."""
    yield f"labelled issues:        {truth.labelled}"
    yield from summary(truth)
    if rate is not None:
        yield f"throughput:             {rate:,.0f} issues/s of one core"
    if review is not None:
        yield (
            f"simulated review:       {review.size} issues x {review.draws} draws: allocation distance "
            f"{review.tags_distance:.3f} (tags) -> {review.distance:.3f} (tags + review); "
            f"90% intervals hold the labelled share {review.coverage:.1%} of the time"
        )
    yield ""
    yield "confusion (rows: label, columns: primary)"
    columns = (*truth.objectives, NONE)
    width = max(len(c) for c in columns)
    yield " " * (width + 1) + " ".join(f"{c[:6]:>6}" for c in columns)
    for row in truth.objectives:
        cells = " ".join(f"{truth.confusion.get((row, c), 0):>6}" for c in columns)
        yield f"{row:<{width}} {cells}"


def summary(truth: Truth) -> Iterable[str]:
    """The headline figures of one mapping as text lines."""
    yield f"coverage:               {truth.coverage:.3f}  ({truth.tagged} tagged)"
    yield f"precision on tagged:    {truth.precision:.3f}"
    yield f"accuracy:               {truth.accuracy:.3f}"
    yield f"primary or second:      {truth.primary_or_second / truth.labelled:.3f}"
    yield f"allocation distance:    {truth.distance:.3f}"
    yield f"precision, surest 80%:  {truth.precision_of_surest(0.8):.3f}  (by strength, then margin)"
    yield f"ties (level scores):    {truth.ties} of {truth.tagged} tags"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="corpus directory (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="CPU seconds of the throughput run")
    parser.add_argument("--review", type=int, default=40, help="issues per simulated review (0: none)")
    parser.add_argument("--draws", type=int, default=500, help="simulated reviews")
    args = parser.parse_args()
    loaded = load_corpus(args.corpus)
    for title, corpus in (
        ("the strategy as it is", loaded),
        ("the rules alone (mapping.similar_items: false)", loaded.rules_alone()),
    ):
        print(f"== {title}\n")
        rate = throughput(corpus, seconds=args.seconds) if args.seconds > 0 else None
        review = simulate_review(corpus, size=args.review, draws=args.draws) if args.review > 0 else None
        for line in report(measure(corpus), rate, review):
            print(line)
        for part in PARTS:
            print(f"\n{part} ({len(corpus.part(part).labels)} labelled issues)")
            for line in summary(measure(corpus.part(part))):
                print(line)
        print()


if __name__ == "__main__":
    main()
