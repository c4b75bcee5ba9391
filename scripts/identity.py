"""`mailpipe identity`: how well identity resolution matches the generator's ground truth.

Every identifier in `_truth/identifiers.csv` (shared addresses excepted) is assigned the
person the warehouse put it in, or a person of its own when the graph has no edge for it.
Pairwise precision is the share of identifier pairs put together that belong to one true
person; recall the share of true same-person pairs put together.

Two figures are printed: over the identifiers that some record links to another identifier
of the same person (what any resolver can find, and what the target applies to), and over
all identifiers, including anonymousIds of visits that never signed in, bought or checked
out (no record says whose they are).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scripts.errors import UserError
from scripts.warehouse import (
    PROJECT_DIR,
    Target,
    add_target_argument,
    fetch_all,
    first_line,
    load_target,
)

MODEL = "int_identity_components_resolved"
# The ground truth's identifier types as the graph names them.
TYPE_ALIASES = {"user_id": "crm_customer_id"}


@dataclass
class IdentityScore:
    identifiers: int
    in_graph: int
    precision: float
    recall: float
    f1: float
    mixed_clusters: int  # predicted clusters holding identifiers of two or more people

    def lines(self) -> list[str]:
        return [
            f"identifiers scored:  {self.identifiers:,} ({self.in_graph:,} linked in the graph)",
            f"pairwise precision:  {self.precision:.4f}",
            f"pairwise recall:     {self.recall:.4f}",
            f"pairwise F1:         {self.f1:.4f}",
            f"clusters mixing two or more true people: {self.mixed_clusters:,}",
        ]


def _pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def score(truth: list[tuple[str, str]], predicted: dict[str, str]) -> IdentityScore:
    """truth: (node, true person); predicted: node -> component (missing: its own)."""
    assigned = [(person, predicted.get(node, node)) for node, person in truth]
    together = _pairs(Counter(component for _, component in assigned))
    same_person = _pairs(Counter(person for person, _ in assigned))
    correct = _pairs(Counter(assigned))
    precision = correct / together if together else 1.0
    recall = correct / same_person if same_person else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    people_per_cluster: dict[str, set[str]] = {}
    for person, component in assigned:
        people_per_cluster.setdefault(component, set()).add(person)
    mixed = sum(1 for people in people_per_cluster.values() if len(people) > 1)
    in_graph = sum(1 for node, _ in truth if node in predicted)
    return IdentityScore(len(truth), in_graph, precision, recall, f1, mixed)


@dataclass
class Truth:
    identifiers: list[tuple[str, str]]  # (node, true person), every identifier
    linkable: list[tuple[str, str]]  # the ones some record links to another of the person's


def read_truth(landing: Path) -> Truth:
    path = landing / "_truth" / "identifiers.csv"
    if not path.exists():
        raise UserError(f"no ground truth at {path} (generate the data with mailpipe generate)")
    out: dict[str, tuple[str, bool]] = {}  # a userId and the CRM id it equals are one node
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["is_shared"].lower() == "true" or not row["true_person_id"]:
                continue
            kind = TYPE_ALIASES.get(row["identifier_type"], row["identifier_type"])
            node = f"{kind}:{row['identifier_value'].strip().lower()}"
            linked = row.get("has_linking_record", "true").lower() == "true"
            person, was_linked = out.get(node, (row["true_person_id"], False))
            out[node] = (person, was_linked or linked)
    return Truth(
        identifiers=[(node, person) for node, (person, _) in out.items()],
        linkable=[(node, person) for node, (person, linked) in out.items() if linked],
    )


def read_components(target: Target) -> dict[str, str]:
    components = target.model_relation("intermediate", MODEL)
    sql = f"select identifier_node, component_root from {components}"
    try:
        rows = fetch_all(target, sql)
    except Exception as exc:
        raise UserError(
            f"cannot read {components} (run dbt build first): {first_line(exc)}"
        ) from None
    return {node.lower(): root for node, root in rows}


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "identity",
        help="score identity resolution against the generator's ground truth",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--landing",
        type=Path,
        default=PROJECT_DIR / "data" / "landing",
        help="landing folder with _truth/ (default: %(default)s)",
    )
    add_target_argument(parser)
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    truth = read_truth(args.landing)
    predicted = read_components(target)
    print(f"identity resolution on {target.describe()}")
    print("identifiers that some record links to another of the person's (target: F1 >= 0.99)")
    for line in score(truth.linkable, predicted).lines():
        print(f"  {line}")
    print("all identifiers, including anonymousIds no record links to anyone")
    for line in score(truth.identifiers, predicted).lines():
        print(f"  {line}")
    return 0
