"""Compiled loops for the exact comparison: ``parse``'s sentence bookkeeping and ``match``'s
coverage, used when numba is installed (see :mod:`scrubber.dedup.kernels`).

The NumPy code in :mod:`scrubber.dedup.parse` and :mod:`scrubber.dedup.scoring` is the
reference: about sixty small array operations per document or pair, each of which costs
more to dispatch than to run on a few hundred words. These loops do the same work in one
pass each (the tests compare both): sentences, numbers and vocabulary of a document in
about a tenth of the time, the coverage of a pair in about a fifth. Sums are taken in the
order the reference takes them; results agree to the last bit or the next-to-last.

These functions are compiled by numba; they only use what numba's nopython mode knows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FULL_MATCH = 0.2  # as scoring.FULL_MATCH (the tests check that both agree)
MIN_MATCH = 0.1
CAPACITY = 2.0
DIGIT_WEIGHT = 3.0


def _is_space_after(b: int) -> bool:
    return b >= 0x80 or b == 0x20 or b == 0x09 or b == 0x0D or b == 0x0A or b == 0x0B or b == 0x0C


def parse_units(
    data: Any, stems: Any, starts: Any, ends: Any, max_unit_words: int
) -> tuple[Any, Any, Any, Any, Any, Any, int]:
    """``parse``'s arrays from the words of a text (see ``dedup.parse``): vocab, numeric,
    cell_unit, cell_stem, unit_words, unit_paragraph, and the number of words."""
    n = data.size
    count = stems.size
    # numbers: "81,369" and "31.6" are one word each
    numeric = np.zeros(count, np.bool_)
    for k in range(count):
        for p in range(starts[k], ends[k]):
            if 0x30 <= data[p] <= 0x39:
                numeric[k] = True
                break
    joined = np.empty(count, np.uint64)
    first_at = np.empty(count, np.int64)
    is_number = np.empty(count, np.bool_)
    size = 0
    k = 0
    while k < count:
        first = k
        total = stems[k]
        rank = np.uint64(1)
        while k + 1 < count and numeric[k] and numeric[k + 1] and starts[k + 1] - ends[k] == 1:
            sep = data[min(ends[k], n - 1)]
            if sep != 0x2C and sep != 0x2E:
                break
            k += 1
            rank += np.uint64(1)
            total += stems[k] * rank
        joined[size] = total
        first_at[size] = starts[first]
        is_number[size] = numeric[first]
        size += 1
        k += 1
    joined, first_at, is_number = joined[:size], first_at[:size], is_number[:size]
    # sentence and paragraph breaks, in increasing order
    breaks = np.empty(n + 1, np.int64)
    paragraph_starts = np.empty(n + 1, np.int64)
    nb = 0
    npar = 0
    for q in range(1, n + 1):
        p = q - 1
        hit = False
        if data[p] == 0x2E or data[p] == 0x21 or data[p] == 0x3F:
            following = data[p + 1] if p + 1 < n else 0x20
            hit = _is_space_after(following)
        if q >= 2 and q - 2 < n - 1 and data[q - 2] == 0x0A and data[q - 1] == 0x0A:
            hit = True
            paragraph_starts[npar] = q
            npar += 1
        if q >= 3 and data[q - 3] == 0xE3 and data[q - 2] == 0x80 and data[q - 1] == 0x82:
            hit = True
        if hit:
            breaks[nb] = q
            nb += 1
    # sentence of each word (breaks at or before its start), then long ones cut in pieces
    sentence = np.empty(size, np.int64)
    b = 0
    for k in range(size):
        while b < nb and breaks[b] <= first_at[k]:
            b += 1
        sentence[k] = b
    longest = 0
    run = 0
    for k in range(size):
        run = run + 1 if k > 0 and sentence[k] == sentence[k - 1] else 1
        longest = max(longest, run)
    if longest > max_unit_words:
        cut = np.empty(size, np.int64)
        k = 0
        while k < size:
            end = k
            while end < size and sentence[end] == sentence[k]:
                end += 1
            length = end - k
            pieces = -(-length // max_unit_words)
            for r in range(length):
                cut[k + r] = sentence[k] * (max_unit_words + 1) + r * pieces // length
            k = end
        sentence = cut
    # units: consecutive numbering, words per unit, paragraph of each
    unit = np.empty(size, np.int64)
    unit_words = np.zeros(size, np.float64)
    unit_paragraph = np.zeros(size, np.int32)
    units = 0
    par = 0
    for k in range(size):
        if k == 0 or sentence[k] != sentence[k - 1]:
            while par < npar and paragraph_starts[par] <= first_at[k]:
                par += 1
            unit_paragraph[units] = par
            units += 1
        unit[k] = units - 1
        unit_words[units - 1] += 1.0
    # vocabulary (sorted distinct stems) and each word's place in it
    order = _radix_order(joined, 8)
    vocab = np.empty(size, np.uint64)
    stem = np.empty(size, np.int64)
    distinct = 0
    for r in range(size):
        k = order[r]
        if distinct == 0 or joined[k] != vocab[distinct - 1]:
            vocab[distinct] = joined[k]
            distinct += 1
        stem[k] = distinct - 1
    vocab = vocab[:distinct]
    digit = np.zeros(distinct, np.bool_)
    for k in range(size):
        if is_number[k]:
            digit[stem[k]] = True
    width = max(distinct, 1)
    codes = unit * width + stem  # below units * width: that many low bytes sort them
    passes = 1
    while passes < 8 and (units * width) >> (8 * passes) > 0:
        passes += 1
    order = _radix_order(codes, passes)
    cells = np.empty(size, np.int64)
    distinct_cells = 0
    for r in range(size):
        code = codes[order[r]]
        if distinct_cells == 0 or code != cells[distinct_cells - 1]:
            cells[distinct_cells] = code
            distinct_cells += 1
    cells = cells[:distinct_cells]
    return (
        vocab,
        digit,
        (cells // width).astype(np.int32),
        (cells % width).astype(np.int32),
        unit_words[:units].copy(),
        unit_paragraph[:units].copy(),
        size,
    )


def _radix_order(keys: Any, passes: int) -> Any:
    """A stable argsort of non-negative integers below ``256 ** passes``: a byte a pass,
    lowest first. A document's few hundred keys sort two to four times faster this way
    than with numba's ``argsort`` or ``unique``; a byte that all keys share is skipped."""
    n = keys.size
    order = np.arange(n)
    spare = np.empty(n, np.int64)
    counts = np.empty(257, np.int64)
    for p in range(passes):
        shift = np.uint64(8 * p)
        counts[:] = 0
        for i in range(n):
            counts[((np.uint64(keys[i]) >> shift) & np.uint64(0xFF)) + np.uint64(1)] += 1
        if counts.max() == n:
            continue  # one byte value for all: this pass would change nothing
        for b in range(256):
            counts[b + 1] += counts[b]
        for i in range(n):
            k = order[i]
            digit = (np.uint64(keys[k]) >> shift) & np.uint64(0xFF)
            spare[counts[digit]] = k
            counts[digit] += 1
        order, spare = spare, order
    return order


def _stem_cells(cell_stem: Any, vocab_size: int) -> tuple[Any, Any]:
    """Cells grouped by stem, in cell order within each stem: (first of each stem, cells)."""
    first = np.zeros(vocab_size + 1, np.int64)
    for c in range(cell_stem.size):
        first[cell_stem[c] + 1] += 1
    for s in range(vocab_size):
        first[s + 1] += first[s]
    fill = first[:-1].copy()
    cells = np.empty(cell_stem.size, np.int64)
    for c in range(cell_stem.size):
        s = cell_stem[c]
        cells[fill[s]] = c
        fill[s] += 1
    return first, cells


def _weights(
    units: Any, numeric: Any, shared: Any, counts: Any, documents: int, total_units: int
) -> Any:
    weight = np.empty(units.size, np.float64)
    use_counts = counts.size == units.size and documents > 2
    for s in range(units.size):
        w = np.log((total_units + 1.0) / units[s]) ** 2.0
        if numeric[s]:
            w = w * DIGIT_WEIGHT
        if use_counts:
            others = max(counts[s] - 1 - (1 if shared[s] else 0), 0)
            w = w * np.log(documents / (others + 1.0)) ** 2.0
        weight[s] = w
    return weight


def _credit(d: float) -> float:
    return min(d / FULL_MATCH, 1.0) if d >= MIN_MATCH else 0.0


def _capped_cover(dice: Any, words: Any) -> float:
    """Share of the rows' words whose best column gives credit, shared among the rows
    that chose the same column beyond CAPACITY (scoring._capped)."""
    rows, cols = dice.shape
    choice = np.empty(rows, np.int64)
    credit = np.empty(rows, np.float64)
    chosen = np.zeros(cols, np.int64)
    for i in range(rows):
        best = 0
        for j in range(1, cols):
            if dice[i, j] > dice[i, best]:
                best = j
        choice[i] = best
        credit[i] = _credit(dice[i, best])
        if credit[i] > 0:
            chosen[best] += 1
    covered = 0.0
    total = 0.0
    for i in range(rows):
        covered += credit[i] * min(1.0, CAPACITY / max(chosen[choice[i]], 1)) * words[i]
        total += words[i]
    return covered / total


def dice_matrix(
    a_vocab: Any,
    a_numeric: Any,
    a_cell_unit: Any,
    a_cell_stem: Any,
    a_unit_words: Any,
    a_counts: Any,
    b_vocab: Any,
    b_numeric: Any,
    b_cell_unit: Any,
    b_cell_stem: Any,
    b_unit_words: Any,
    b_counts: Any,
    documents: int,
) -> Any:
    """``scoring.match``'s sentence overlaps (weighted Dice) of two parsed documents."""
    na, nb = a_unit_words.size, b_unit_words.size
    if na == 0 or nb == 0:
        return np.zeros((na, nb), np.float64)
    # shared stems (both vocabularies are sorted)
    in_a = np.empty(min(a_vocab.size, b_vocab.size), np.int64)
    in_b = np.empty(in_a.size, np.int64)
    shared = 0
    i = j = 0
    while i < a_vocab.size and j < b_vocab.size:
        if a_vocab[i] == b_vocab[j]:
            in_a[shared], in_b[shared] = i, j
            shared += 1
            i += 1
            j += 1
        elif a_vocab[i] < b_vocab[j]:
            i += 1
        else:
            j += 1
    # sentences holding each stem; a shared stem is as common as where it is rarer
    units_a = np.zeros(a_vocab.size, np.float64)
    for c in range(a_cell_stem.size):
        units_a[a_cell_stem[c]] += 1.0
    units_b = np.zeros(b_vocab.size, np.float64)
    for c in range(b_cell_stem.size):
        units_b[b_cell_stem[c]] += 1.0
    shared_a = np.zeros(a_vocab.size, np.bool_)
    shared_b = np.zeros(b_vocab.size, np.bool_)
    for t in range(shared):
        sa, sb = in_a[t], in_b[t]
        share = min(units_a[sa] / na, units_b[sb] / nb)
        both = max((na + nb) * share, 1.0)
        units_a[sa] = both
        units_b[sb] = both
        shared_a[sa] = True
        shared_b[sb] = True
    weight_a = _weights(units_a, a_numeric, shared_a, a_counts, documents, na + nb)
    weight_b = _weights(units_b, b_numeric, shared_b, b_counts, documents, na + nb)
    mass_a = np.zeros(na, np.float64)
    for c in range(a_cell_stem.size):
        mass_a[a_cell_unit[c]] += weight_a[a_cell_stem[c]]
    mass_b = np.zeros(nb, np.float64)
    for c in range(b_cell_stem.size):
        mass_b[b_cell_unit[c]] += weight_b[b_cell_stem[c]]
    # weighted overlap of every sentence pair, summed stem by stem as the reference does
    first_a, cells_a = _stem_cells(a_cell_stem, a_vocab.size)
    first_b, cells_b = _stem_cells(b_cell_stem, b_vocab.size)
    overlap = np.zeros((na, nb), np.float64)
    for t in range(shared):
        sa, sb = in_a[t], in_b[t]
        w = weight_a[sa]
        for x in range(first_a[sa], first_a[sa + 1]):
            ua = a_cell_unit[cells_a[x]]
            for y in range(first_b[sb], first_b[sb + 1]):
                overlap[ua, b_cell_unit[cells_b[y]]] += w
    dice = np.zeros((na, nb), np.float64)
    for i in range(na):
        for j in range(nb):
            denominator = mass_a[i] + mass_b[j]
            if denominator > 0:
                dice[i, j] = 2.0 * overlap[i, j] / denominator
    return dice


def coverage(dice: Any, a_unit_words: Any, b_unit_words: Any) -> tuple[float, float]:
    """``Match.coverage()`` from the sentence overlaps ``dice_matrix`` gives."""
    if a_unit_words.size == 0 or b_unit_words.size == 0:
        return 0.0, 0.0
    return _capped_cover(dice, a_unit_words), _capped_cover(dice.T.copy(), b_unit_words)


def paragraph_cover(
    dice: Any,
    a_paragraph: Any,
    a_paragraphs: int,
    b_paragraph: Any,
    b_words: Any,
    b_paragraphs: int,
) -> Any:
    """align.py's ``_paragraph_credit`` and the best counterparts in one pass: ``cover[p,
    q]`` (share of b's paragraph q, by words, covered by a's paragraph p), and per column
    q the first p with the most cover, that cover, and whether another p comes within
    1e-9 of it (a tie for the caller to break). Sums run in the reference's order, so the
    numbers are the same to the last bit."""
    units_a, units_b = dice.shape
    per_para = np.zeros((a_paragraphs, units_b))
    for u in range(units_a):
        p = a_paragraph[u]
        for v in range(units_b):
            credit = _credit(dice[u, v])
            if credit > per_para[p, v]:
                per_para[p, v] = credit
    cover = np.zeros((a_paragraphs, b_paragraphs))
    words = np.zeros(b_paragraphs)
    for v in range(units_b):
        q = b_paragraph[v]
        for p in range(a_paragraphs):
            cover[p, q] += per_para[p, v] * b_words[v]
        words[q] += b_words[v]
    best = np.zeros(b_paragraphs, np.int64)
    top = np.zeros(b_paragraphs)
    tied = np.zeros(b_paragraphs, np.bool_)
    for q in range(b_paragraphs):
        for p in range(a_paragraphs):
            cover[p, q] = cover[p, q] / words[q] if words[q] > 0 else 0.0
        if a_paragraphs == 0:
            continue
        for p in range(1, a_paragraphs):
            if cover[p, q] > cover[best[q], q]:
                best[q] = p
        top[q] = cover[best[q], q]
        near = 0
        for p in range(a_paragraphs):
            if cover[p, q] >= top[q] - 1e-9:
                near += 1
        tied[q] = near > 1 and top[q] > 0
    return cover, best, top, tied
