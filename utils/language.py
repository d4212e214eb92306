"""Small language tools for the text notebooks (05, 06 and 07).

* :class:`CharVocab` maps characters to integer ids and back, with one id for characters
  not seen in training.
* :class:`KneserNeyCharModel` is the non-neural peer of the character-level RNN: an
  interpolated Kneser-Ney n-gram model (Chen & Goodman, 1999), fitted and scored with
  vectorised NumPy, so that a 4.5-million-character corpus takes seconds.
* :func:`bits_per_character` turns a natural-log loss into bits per character.
* :func:`glove_tokens` cuts English text into the tokens GloVe's vocabulary uses (lower case,
  ``n't`` and clitics split off, punctuation as tokens), for the sentiment notebook (05).
* :func:`number_pairs` makes real English -> German translation pairs of written-out
  numbers with num2words, tokenised into words (English) and number morphemes (German, whose
  compounds put the units before the tens: "fünf und siebzig" for "seventy five").

The n-gram model works on integer id arrays, so the same code scores any alphabet.

Used by notebooks 05 (tokens for GloVe), 06 (the n-gram peer) and 07 (the translation pairs).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CharVocab", "glove_tokens", "KneserNeyCharModel", "GERMAN_NUMBER_MORPHEMES", "bits_per_character",
           "english_number_tokens", "german_number_tokens", "number_pairs", "pairs_sha256"]


def bits_per_character(mean_nats: float) -> float:
    """Convert a mean negative log-likelihood in nats (what Keras reports) to bits."""
    if not math.isfinite(mean_nats) or mean_nats < 0:
        raise ValueError(f"a mean negative log-likelihood must be finite and >= 0, got {mean_nats}")
    return mean_nats / math.log(2)


@dataclass
class CharVocab:
    """Characters seen at least ``min_count`` times in the training text, plus an unknown id.

    Id 0 is the unknown character (shown as ``unknown``); the others follow in sorted order.
    """

    chars: list[str]
    unknown: str = "\N{REPLACEMENT CHARACTER}"
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise ValueError("the characters of a vocabulary must be distinct")
        if self.unknown in self.chars:
            raise ValueError(f"the unknown marker {self.unknown!r} is also a character")
        self._index = {ch: i + 1 for i, ch in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str, min_count: int = 1) -> CharVocab:
        """Build the vocabulary of ``text``, keeping characters seen ``min_count`` times or more."""
        if not text:
            raise ValueError("cannot build a vocabulary from empty text")
        counts = Counter(text)
        return cls(sorted(ch for ch, n in counts.items() if n >= min_count))

    def __len__(self) -> int:
        return len(self.chars) + 1

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text`` (int32); unseen characters get id 0."""
        return np.fromiter((self._index.get(ch, 0) for ch in text), dtype=np.int32, count=len(text))

    def decode(self, ids: Iterable[int]) -> str:
        """The text of a sequence of ids (id 0 becomes the unknown marker)."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self):
                raise ValueError(f"id {i} is outside the vocabulary (0..{len(self) - 1})")
            out.append(self.unknown if i == 0 else self.chars[i - 1])
        return "".join(out)


def _codes(ids: np.ndarray, length: int, base: int) -> np.ndarray:
    """Integer code of every window of ``length`` ids: ``codes[i]`` encodes ``ids[i:i+length]``."""
    n = len(ids) - length + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    code = np.zeros(n, dtype=np.int64)
    for k in range(length):
        code = code * base + ids[k:k + n]
    return code


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` at the positions of ``query`` in the sorted ``keys``; 0 where absent."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=values.dtype)
    pos = np.searchsorted(keys, query)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[pos] == query
    return np.where(found, values[pos], 0)


class KneserNeyCharModel:
    """Interpolated Kneser-Ney character n-gram model.

    For the highest order, with context ``h`` and next character ``w``,

    ``p(w|h) = max(c(hw) - D, 0) / c(h) + D * N1+(h.) / c(h) * p_lower(w|h')``

    where ``h'`` drops the oldest character of ``h``, ``N1+(h.)`` is the number of distinct
    characters seen after ``h``, and ``D`` is the discount of that order, estimated as
    ``n1 / (n1 + 2 n2)`` from the numbers of n-grams seen once and twice (clamped to
    [0.05, 0.95]; 0.5 if neither occurs). Lower orders use the same formula with *continuation
    counts* (the number of distinct characters that precede an n-gram) in place of counts, and
    their n1 and n2 count continuation counts of 1 and 2. :meth:`rescaled` and
    :meth:`bits_by_discount_scale` tune the discounts on held-out text. A context never seen
    passes its whole mass to the lower order. The recursion ends at the uniform distribution
    over the vocabulary, so every character, seen or not, has a probability above zero.

    Parameters
    ----------
    order:
        n, the number of characters in an n-gram (the context is ``order - 1`` characters).
    vocab_size:
        Number of distinct ids; ids must lie in ``0..vocab_size-1``.
    """

    def __init__(self, order: int, vocab_size: int) -> None:
        if order < 1:
            raise ValueError(f"order must be at least 1, got {order}")
        if vocab_size < 2:
            raise ValueError(f"vocab_size must be at least 2, got {vocab_size}")
        if vocab_size ** order >= 2 ** 62:
            raise ValueError(f"vocab_size**order = {vocab_size}**{order} does not fit in int64 codes")
        self.order = order
        self.vocab_size = vocab_size
        self.discounts: list[float] = []
        self._tables: list[dict[str, np.ndarray]] = []

    def _check_ids(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"expected a 1-D array of character ids, got shape {ids.shape}")
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"character ids must be integers, got dtype {ids.dtype}")
        if len(ids) and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"character ids must lie in 0..{self.vocab_size - 1}")
        return ids.astype(np.int64)

    def fit(self, ids: np.ndarray) -> KneserNeyCharModel:
        """Count the n-grams of the training ids (one long sequence)."""
        fitted = self._fit(ids, self.order, self.vocab_size, every_order=False)[self.order]
        self._tables, self.discounts = fitted._tables, fitted.discounts
        return self

    @staticmethod
    def _table(grams: np.ndarray, counts: np.ndarray, v: int) -> tuple[dict[str, np.ndarray], float]:
        n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
        discount = float(n1 / (n1 + 2 * n2)) if n1 + n2 > 0 else 0.5
        contexts, first = np.unique(grams // v, return_index=True)
        table = {"grams": grams, "counts": counts, "contexts": contexts,
                 "ctx_total": np.add.reduceat(counts, first), "ctx_types": np.diff(np.append(first, len(grams)))}
        return table, min(max(discount, 0.05), 0.95)

    @classmethod
    def fit_orders(cls, ids: np.ndarray, max_order: int, vocab_size: int) -> dict[int, KneserNeyCharModel]:
        """Fit the models of every order ``1..max_order`` at once: ``{order: fitted model}``.

        A model of order ``k`` uses full counts at order ``k`` and continuation counts below
        it; the continuation tables of an order are the same in every model, so they are
        counted once and shared. The result equals fitting each order separately.
        """
        return cls._fit(ids, max_order, vocab_size, every_order=True)

    @classmethod
    def _fit(cls, ids: np.ndarray, max_order: int, vocab_size: int,
             every_order: bool) -> dict[int, KneserNeyCharModel]:
        models = {k: cls(k, vocab_size) for k in range(1, max_order + 1)}
        ids = models[max_order]._check_ids(ids)
        if len(ids) < max_order:
            raise ValueError(f"need at least {max_order} training characters, got {len(ids)}")
        v = vocab_size
        continuation: list[tuple[dict[str, np.ndarray], float]] = []
        for n in range(1, max_order + 1):
            if every_order or n == max_order:
                full = cls._table(*np.unique(_codes(ids, n, v), return_counts=True), v)
                models[n]._tables = [t for t, _ in continuation] + [full[0]]
                models[n].discounts = [d for _, d in continuation] + [full[1]]
            if n < max_order:  # continuation count: distinct characters seen before the n-gram
                longer = np.unique(_codes(ids, n + 1, v))
                continuation.append(cls._table(*np.unique(longer % v ** n, return_counts=True), v))
        return models

    def stored_numbers(self) -> int:
        """How many numbers the fitted model keeps: a count per distinct n-gram, and a total and a
        number of distinct followers per distinct context, at every order (its "parameters")."""
        if not self._tables:
            raise RuntimeError("call fit() first")
        return int(sum(len(t["grams"]) + 2 * len(t["contexts"]) for t in self._tables))

    def _lookups(self, windows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each order n, the count of each window's n-gram and the total and number of distinct
        followers of its context (the statistics the mixture needs, whatever the discounts)."""
        v = self.vocab_size
        stats = []
        for n in range(1, self.order + 1):
            table = self._tables[n - 1]
            gram = np.zeros(len(windows), dtype=np.int64)
            for k in range(self.order - n, self.order):
                gram = gram * v + windows[:, k]
            context = gram // v
            stats.append((_lookup(table["grams"], table["counts"], gram).astype(float),
                          _lookup(table["contexts"], table["ctx_total"], context).astype(float),
                          _lookup(table["contexts"], table["ctx_types"], context).astype(float)))
        return stats

    def _mix(self, stats: list[tuple[np.ndarray, np.ndarray, np.ndarray]], discounts: Sequence[float]) -> np.ndarray:
        """The interpolated probabilities from the looked-up statistics and one discount per order."""
        p = np.full(len(stats[0][0]), 1.0 / self.vocab_size)
        for (count, total, types), discount in zip(stats, discounts, strict=True):
            seen = total > 0
            safe = np.where(seen, total, 1.0)
            mixed = np.maximum(count - discount, 0) / safe + discount * types / safe * p
            p = np.where(seen, mixed, p)
        return p

    def _probabilities(self, windows: np.ndarray) -> np.ndarray:
        """p(last id | previous ids) for each row of ``windows`` (shape ``(m, order)``)."""
        return self._mix(self._lookups(windows), self.discounts)

    def _scaled(self, scale: float) -> list[float]:
        if not scale > 0:
            raise ValueError(f"a discount scale must be positive, got {scale}")
        return [min(d * scale, 0.99) for d in self.discounts]

    def rescaled(self, scale: float) -> KneserNeyCharModel:
        """A copy sharing this model's counts, with every discount multiplied by ``scale`` (capped at 0.99).

        The estimate ``n1 / (n1 + 2 n2)`` fits the training text; text of another kind (other plays)
        may want more mass moved to the lower orders, which a scale above 1 does.
        """
        copy = KneserNeyCharModel(self.order, self.vocab_size)
        copy._tables, copy.discounts = self._tables, self._scaled(scale)
        return copy

    def bits_by_discount_scale(self, ids: np.ndarray, scales: Sequence[float]) -> list[float]:
        """Bits per character of ``ids`` for each discount scale (as ``rescaled(s).bits_per_character``),
        looking the n-grams up only once."""
        ids = self._check_ids(ids)
        if len(ids) == 0:
            raise ValueError("nothing to score")
        stats = self._lookups(self._windows(ids))
        return [float(-np.log2(self._mix(stats, self._scaled(s))).mean()) for s in scales]

    def _windows(self, ids: np.ndarray) -> np.ndarray:
        if not self._tables:
            raise RuntimeError("call fit() before scoring")
        pad = np.zeros(self.order - 1, dtype=np.int64)  # id 0 as start-of-text context
        padded = np.concatenate([pad, ids])
        return np.lib.stride_tricks.sliding_window_view(padded, self.order)

    def log2_probabilities(self, ids: np.ndarray) -> np.ndarray:
        """log2 p of each character of ``ids`` given the characters before it in ``ids``."""
        ids = self._check_ids(ids)
        return np.log2(self._probabilities(self._windows(ids)))

    def bits_per_character(self, ids: np.ndarray, skip: int = 0) -> float:
        """Mean negative log2 probability of ``ids[skip:]``, each given its preceding ids."""
        logp = self.log2_probabilities(ids)[skip:]
        if len(logp) == 0:
            raise ValueError("nothing to score")
        return float(-logp.mean())

    def next_distribution(self, context: np.ndarray) -> np.ndarray:
        """The full distribution over the next id after ``context`` (sums to 1)."""
        context = self._check_ids(context)
        padded = np.concatenate([np.zeros(self.order - 1, dtype=np.int64), context])
        tail = padded[len(padded) - (self.order - 1):]
        windows = np.column_stack([np.tile(tail, (self.vocab_size, 1)),
                                   np.arange(self.vocab_size)]).astype(np.int64)
        return self._probabilities(windows)


# --------------------------------------------------------------------------- word tokens

_CLITIC = re.compile(r"(?<=[a-z0-9])(n't|'s|'re|'ve|'ll|'d|'m)\b")
_GLOVE_TOKEN = re.compile(r"(?:[a-z]\.){2,}|n't|'(?:s|re|ve|ll|d|m)\b|\d+(?:[.,]\d+)+|\w+(?:[-'/]\w+)*"
                          r"|\.\.\.|--|[^\w\s]")


def glove_tokens(text: str) -> list[str]:
    """Tokens of English text the way GloVe 6B spells them (its corpus was Stanford-tokenised).

    Lower case; ``n't`` and the clitics ``'s 're 've 'll 'd 'm`` become tokens of their own
    (``"don't"`` -> ``do n't``, ``"can't"`` -> ``ca n't``); abbreviations (``u.s.``), numbers
    (``1,000``, ``2.5``) and hyphenated words (``three-hour``) stay whole; ``...`` and ``--``
    are one token each; any other punctuation mark is a token.
    """
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    text = _CLITIC.sub(r" \1", text)
    return _GLOVE_TOKEN.findall(text)


# --------------------------------------------------------------------------- number phrases

#: The pieces German number words are glued from, longest first where one is a prefix of another.
GERMAN_NUMBER_MORPHEMES: tuple[str, ...] = (
    "null", "eins", "eine", "ein", "zwei", "drei", "vier", "fünf", "sechzehn", "sechzig", "sechs",
    "siebzehn", "siebzig", "sieben", "acht", "neun", "zehn", "elf", "zwölf", "zwanzig", "dreißig",
    "vierzig", "fünfzig", "achtzig", "neunzig", "hundert", "tausend", "und", "Millionen", "Million",
)
_GERMAN_PATTERN = re.compile("|".join(sorted(GERMAN_NUMBER_MORPHEMES, key=len, reverse=True)))


def english_number_tokens(text: str) -> list[str]:
    """Words of an English number phrase: ``"seventy-five"`` -> ``["seventy", "five"]``.

    Hyphens and spaces separate words; commas are dropped.
    """
    tokens = re.split(r"[\s\-]+", text.replace(",", " ").strip())
    if not text.strip() or not all(tokens):
        raise ValueError(f"not an English number phrase: {text!r}")
    return tokens


def german_number_tokens(text: str) -> list[str]:
    """Morphemes of a German number word: ``"fünfundsiebzig"`` -> ``["fünf", "und", "siebzig"]``.

    Each space-separated word is cut into the longest pieces of
    :data:`GERMAN_NUMBER_MORPHEMES`; ``"".join`` of a word's pieces gives the word back.

    Raises
    ------
    ValueError
        If some part of the text is not a known piece.
    """
    tokens: list[str] = []
    for word in text.split():
        pos = 0
        while pos < len(word):
            match = _GERMAN_PATTERN.match(word, pos)
            if match is None:
                raise ValueError(f"cannot segment {word!r} at {word[pos:]!r}")
            tokens.append(match.group())
            pos = match.end()
    if not tokens:
        raise ValueError("empty German number phrase")
    return tokens


def number_pairs(numbers: Iterable[int]) -> list[tuple[list[str], list[str]]]:
    """``(English tokens, German tokens)`` for each number, written out by num2words.

    Numbers must lie in 0..999,999,999 (nine digits at most).
    """
    from num2words import num2words

    pairs = []
    for number in numbers:
        number = int(number)
        if not 0 <= number < 10 ** 9:
            raise ValueError(f"numbers must lie in 0..999,999,999, got {number}")
        pairs.append((english_number_tokens(num2words(number, lang="en")),
                      german_number_tokens(num2words(number, lang="de"))))
    return pairs


def pairs_sha256(pairs: Sequence[tuple[list[str], list[str]]]) -> str:
    """A fingerprint of translation pairs: sha256 of one ``English<TAB>German`` line per pair (UTF-8)."""
    text = "\n".join(" ".join(en) + "\t" + " ".join(de) for en, de in pairs)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
