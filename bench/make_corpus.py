"""Generate a benchmark corpus of near-duplicates with known ground truth.

    python bench/make_corpus.py OUT_DIR --docs 100000 [--source FILE] [--seed 1]

Writes ``OUT_DIR/docs/NNNN/dXXXXXXX.txt`` (1,000 files a folder), the same documents as
``corpus.jsonl`` (``{"id", "text"}`` a line: what the peers of ``../shared/bench`` read, so
its ``run.sh --corpus OUT_DIR`` runs them on this corpus), ``truth.tsv`` (every
document: its cluster, its role, what was done to it) and ``pairs_truth.tsv`` (every pair
inside a cluster with its exact word-5-gram Jaccard ``j5`` and word-set Jaccard ``j1``).
Documents are written as they are made (a 1M corpus never sits in memory); only the words
of the bases of variants are kept until their variants are written.

Text comes from ``--source`` (any UTF-8 text file: its paragraphs are cut into documents)
or, without it, from a seeded synthetic vocabulary (Zipf-distributed made-up words in
sentences and paragraphs). A share ``--dup-rate`` of the documents are variants of a base:
word edits, paragraph reorders, truncation, site headers and footers, whitespace and
punctuation changes, alone or combined. Same arguments, same corpus. Stdlib and NumPy only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from itertools import accumulate, combinations
from pathlib import Path

import numpy as np

HEADERS = [
    "Home | News | Sport | Culture | Contact",
    "Skip to main content",
    "Sign in  Subscribe",
    "Menu\nSearch\nLogin",
    "You are here: Home > Articles",
]
FOOTERS = [
    "© 2024 Example Media Ltd. All rights reserved.",
    "Share on Facebook\nTweet\nPrint",
    "Privacy | Terms | Cookies | Imprint",
    "Back to top",
    "Read more articles like this in our newsletter.",
]


def synthetic_paragraphs(rng: random.Random) -> Iterator[str]:
    """Endless paragraphs of made-up words with a Zipf-like frequency."""
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    weights = [1 / (i + 1) for i in range(len(letters))]
    vocab = sorted(
        {"".join(rng.choices(letters, weights, k=rng.randint(2, 11))) for _ in range(60000)}
    )
    rng.shuffle(vocab)
    cumulative = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(vocab))))
    while True:
        sentences = []
        for _ in range(rng.randint(2, 9)):
            words = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(6, 30))
            sentences.append(" ".join(words).capitalize() + rng.choice(".....?!"))
        yield " ".join(sentences)


def source_paragraphs(path: Path, rng: random.Random) -> Iterator[str]:
    """Paragraphs of a text file (blank-line or line separated), in a seeded order, forever."""
    text = path.read_text(encoding="utf-8", errors="replace")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if len(p.split()) >= 8]
    if not paragraphs:
        raise SystemExit(f"{path}: no paragraphs of 8 words or more")
    while True:
        order = list(range(len(paragraphs)))
        rng.shuffle(order)
        for i in order:
            yield paragraphs[i]


def base_document(paragraphs: Iterator[str], rng: random.Random) -> list[str]:
    """A document: paragraphs until it has about 180 to 700 words (~3.7 KB on average)."""
    target = rng.randint(180, 700)
    out: list[str] = []
    words = 0
    while words < target:
        paragraph = next(paragraphs)
        out.append(paragraph)
        words += len(paragraph.split())
    return out


def edit_words(paras: list[str], rng: random.Random, rate: float) -> list[str]:
    out = []
    for p in paras:
        words = p.split()
        for i in range(len(words)):
            if rng.random() < rate:
                words[i] = rng.choice([words[rng.randrange(len(words))], words[i][::-1], ""])
        out.append(" ".join(w for w in words if w))
    return out


def variant(paras: list[str], rng: random.Random) -> tuple[list[str], str]:
    """A near-duplicate of ``paras`` and the operations that made it."""
    ops = []
    out = list(paras)
    kinds = rng.sample(["edit", "reorder", "trunc", "chrome", "space", "punct"], rng.randint(1, 3))
    for kind in kinds:
        if kind == "edit":
            rate = rng.choice([0.01, 0.03, 0.07])
            out = edit_words(out, rng, rate)
            ops.append(f"edit:{rate:.3f}")
        elif kind == "reorder" and len(out) > 1:
            i, j = sorted(rng.sample(range(len(out)), 2))
            out[i], out[j] = out[j], out[i]
            ops.append("reorder:swap")
        elif kind == "trunc":
            keep = rng.uniform(0.6, 0.95)
            words = " \n".join(out).split(" ")
            out = " ".join(words[: max(1, int(len(words) * keep))]).split(" \n")
            ops.append(f"trunc:{keep:.3f}")
        elif kind == "chrome":
            out = [rng.choice(HEADERS), *out, rng.choice(FOOTERS)]
            ops.append("chrome")
        elif kind == "space":
            out = [re.sub(" ", lambda _m: rng.choice([" ", " ", " ", "  ", "\t"]), p) for p in out]
            ops.append("space")
        elif kind == "punct":
            out = [p.replace(",", "").replace(". ", "; ", 1) for p in out]
            ops.append("punct")
    return out, ",".join(ops)


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def jaccard(a: list[str], b: list[str], n: int) -> float:
    """Exact Jaccard of the word n-gram sets (word sets for n=1)."""
    sa = {tuple(a[i : i + n]) for i in range(max(1, len(a) - n + 1))}
    sb = {tuple(b[i : i + n]) for i in range(max(1, len(b) - n + 1))}
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=20000, help="20000, 100000, 1000000, ...")
    ap.add_argument(
        "--dup-rate", type=float, default=0.1, help="share of documents that are variants"
    )
    ap.add_argument("--source", type=Path, help="UTF-8 text file to cut documents from")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    np_rng = np.random.default_rng(args.seed)
    paragraphs = source_paragraphs(args.source, rng) if args.source else synthetic_paragraphs(rng)
    n_variants = int(args.docs * args.dup_rate)
    n_bases = args.docs - n_variants
    # Each variant copies a base; bases with variants get 1 to 4 of them.
    sizes = np_rng.integers(1, 5, size=max(1, n_variants))
    counts: dict[int, int] = {}
    picks = np_rng.choice(n_bases, size=min(n_bases, len(sizes)), replace=False)
    left = n_variants
    for base, size in zip(picks.tolist(), sizes.tolist(), strict=False):
        take = min(size, left)
        if take <= 0:
            break
        counts[base] = take
        left -= take
    # Variants are written at random later positions: slot i of the corpus holds either
    # the next base or a pending variant.
    args.out.mkdir(parents=True, exist_ok=True)
    docs_dir = args.out / "docs"
    pending: list[tuple[int, str]] = []  # (base index, base doc id) awaiting variants
    kept: dict[str, tuple[list[str], list[str]]] = {}  # base id -> (paragraphs, words)
    members: dict[str, list[tuple[str, list[str], str]]] = {}
    truth = (args.out / "truth.tsv").open("w", encoding="utf-8")
    truth.write("doc_id\tcluster_id\trole\tparent\tops\twords\tsource\n")
    pairs = (args.out / "pairs_truth.tsv").open("w", encoding="utf-8")
    pairs.write("a\tb\tcluster_id\tj5\tj1\tops_a\tops_b\n")
    lines = (args.out / "corpus.jsonl").open("w", encoding="utf-8")
    bases_done = variants_done = 0
    total_bytes = true_pairs = near_pairs = 0
    for slot in range(args.docs):
        doc_id = f"d{slot:07d}"
        bases_left = n_bases - bases_done
        use_variant = pending and (
            bases_left == 0 or rng.random() < len(pending) / (bases_left + len(pending))
        )
        if use_variant:
            k = rng.randrange(len(pending))
            base_index, base_id = pending[k]
            paras, ops = variant(kept[base_id][0], rng)
            role, parent, cluster = "variant", base_id, base_id
            counts[base_index] -= 1
            if counts[base_index] == 0:
                pending.pop(k)
            variants_done += 1
        else:
            base_index = bases_done
            paras, ops = base_document(paragraphs, rng), ""
            role, parent, cluster = "base", "", doc_id
            if base_index in counts:
                pending.append((base_index, doc_id))
            bases_done += 1
        text = "\n\n".join(paras) + "\n"
        folder = docs_dir / f"{slot // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (folder / f"{doc_id}.txt").write_bytes(data)
        lines.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
        total_bytes += len(data)
        words = words_of(text)
        truth.write(
            f"{doc_id}\t{cluster}\t{role}\t{parent}\t{ops}\t{len(words)}\tseed{args.seed}\n"
        )
        if role == "base" and base_index in counts:
            kept[doc_id] = (paras, words)
            members[doc_id] = [(doc_id, words, "base")]
        elif role == "variant":
            members[cluster].append((doc_id, words, ops))
            if counts[base_index] == 0:  # the cluster is complete: write its pairs, forget it
                for (a, wa, oa), (b, wb, ob) in combinations(members.pop(cluster), 2):
                    j5, j1 = jaccard(wa, wb, 5), jaccard(wa, wb, 1)
                    pairs.write(f"{a}\t{b}\t{cluster}\t{j5:.4f}\t{j1:.4f}\t{oa}\t{ob}\n")
                    true_pairs += 1
                    near_pairs += j5 >= 0.5
                del kept[cluster]
    truth.close()
    pairs.close()
    lines.close()
    meta = {
        "docs": args.docs,
        "base_docs": bases_done,
        "variants": variants_done,
        "bytes": total_bytes,
        "text_bytes": total_bytes,  # the names ../shared/bench/peers.py reads
        "true_pairs": true_pairs,
        "true_pairs_j5_ge_0.5": near_pairs,
        "seed": args.seed,
        "source": str(args.source) if args.source else "synthetic",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
