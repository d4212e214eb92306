"""Unit tests for utils.language: vocabularies, the Kneser-Ney peer, number phrases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from utils.data import load_catalogue
from utils.language import (
    CharVocab,
    KneserNeyCharModel,
    bits_per_character,
    english_number_tokens,
    german_number_tokens,
    glove_tokens,
    number_pairs,
    pairs_sha256,
)


def test_char_vocab_round_trip_and_unknowns() -> None:
    vocab = CharVocab.from_text("abracadabra", min_count=2)
    assert vocab.chars == ["a", "b", "r"] and len(vocab) == 4
    ids = vocab.encode("bad")
    assert ids.tolist() == [2, 1, 0] and ids.dtype == np.int32
    assert vocab.decode(vocab.encode("abra")) == "abra"
    assert vocab.decode([0]) == vocab.unknown
    with pytest.raises(ValueError, match="outside"):
        vocab.decode([4])
    with pytest.raises(ValueError, match="empty"):
        CharVocab.from_text("")
    with pytest.raises(ValueError, match="distinct"):
        CharVocab(["a", "a"])


def test_bits_per_character_converts_nats() -> None:
    assert bits_per_character(math.log(2)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        bits_per_character(float("nan"))


def _random_ids(n: int, v: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, v, n)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_kneser_ney_distributions_sum_to_one(order: int) -> None:
    v = 6
    text = np.array([1, 2, 3, 1, 2, 4, 1, 2, 3, 5] * 20 + list(_random_ids(100, v)))
    model = KneserNeyCharModel(order, v).fit(text)
    for context in ([], [1, 2], [5, 5, 5, 5], [0, 0, 0]):  # seen, partly seen and unseen contexts
        p = model.next_distribution(np.array(context, dtype=np.int64))
        assert p.shape == (v,) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_kneser_ney_scores_agree_with_its_distributions() -> None:
    v = 5
    text = _random_ids(400, v, seed=1)
    model = KneserNeyCharModel(3, v).fit(text)
    held_out = _random_ids(30, v, seed=2)
    logp = model.log2_probabilities(held_out)
    for i in range(2, len(held_out)):
        p = model.next_distribution(held_out[:i])
        assert logp[i] == pytest.approx(math.log2(p[held_out[i]]))


def test_kneser_ney_learns_a_repeating_pattern_and_prefers_more_context() -> None:
    v = 4
    pattern = np.array([1, 2, 3, 1, 3, 2] * 200)
    bits = [KneserNeyCharModel(n, v).fit(pattern).bits_per_character(pattern[:120], skip=5) for n in (1, 2, 3)]
    assert bits[0] > bits[1] > bits[2]
    assert bits[2] < 0.1  # two characters of context determine the next one
    assert bits[0] == pytest.approx(math.log2(3), abs=0.01)  # three characters, equally often


def test_kneser_ney_discounts_follow_count_of_counts() -> None:
    text = np.array([1, 2, 1, 3, 1, 2, 4, 4])
    model = KneserNeyCharModel(2, 5).fit(text)
    # bigrams 12 21 13 31 12 24 44: "12" twice, five others once -> D = n1 / (n1 + 2 n2) = 5 / 7
    assert model.discounts[1] == pytest.approx(5 / 7)


@pytest.mark.parametrize("scale", [0.5, 1.0, 1.7])
def test_rescaled_discounts_keep_distributions_and_match_the_fast_scan(scale: float) -> None:
    v = 6
    text = np.array([1, 2, 3, 1, 2, 4, 1, 2, 3, 5] * 20 + list(_random_ids(100, v)))
    model = KneserNeyCharModel(3, v).fit(text)
    scaled = model.rescaled(scale)
    assert scaled.discounts == pytest.approx([min(d * scale, 0.99) for d in model.discounts])
    assert model.discounts != scaled.discounts or scale == 1.0  # the original is left as it was
    for context in ([], [1, 2], [0, 0]):
        assert scaled.next_distribution(np.array(context, dtype=np.int64)).sum() == pytest.approx(1.0, abs=1e-12)
    held_out = _random_ids(200, v, seed=3)
    fast = model.bits_by_discount_scale(held_out, [scale, 1.0])
    assert fast == pytest.approx([scaled.bits_per_character(held_out), model.bits_per_character(held_out)])


def test_a_larger_discount_helps_on_text_unlike_the_training_text() -> None:
    v = 5
    model = KneserNeyCharModel(3, v).fit(np.array([1, 2, 3, 4] * 50 + [1, 3, 2, 4]))
    other = _random_ids(300, v, seed=4)  # held-out text with no pattern: the counts mislead, back-off helps
    bits = model.bits_by_discount_scale(other, [0.5, 1.0, 1.5])
    assert bits[0] > bits[1] > bits[2]
    with pytest.raises(ValueError, match="positive"):
        model.rescaled(0.0)
    with pytest.raises(ValueError, match="nothing"):
        model.bits_by_discount_scale(np.array([], dtype=int), [1.0])


def test_kneser_ney_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="order"):
        KneserNeyCharModel(0, 5)
    with pytest.raises(ValueError, match="int64"):
        KneserNeyCharModel(20, 100)
    model = KneserNeyCharModel(2, 3)
    with pytest.raises(RuntimeError, match="fit"):
        model.bits_per_character(np.array([1, 2]))
    with pytest.raises(ValueError, match="0..2"):
        model.fit(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="1-D"):
        model.fit(np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="integers"):
        model.fit(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="at least 2"):
        model.fit(np.array([1]))


def test_english_number_tokens() -> None:
    assert english_number_tokens("two million, five hundred thousand and seventy-five") == [
        "two", "million", "five", "hundred", "thousand", "and", "seventy", "five"]
    with pytest.raises(ValueError, match="not an English"):
        english_number_tokens("  ")


@pytest.mark.parametrize(("text", "tokens"), [
    ("fünfundsiebzig", ["fünf", "und", "siebzig"]),
    ("einhundertsiebzehn", ["ein", "hundert", "siebzehn"]),
    ("sechzehntausendeins", ["sechzehn", "tausend", "eins"]),
    ("eine Million", ["eine", "Million"]),
    ("zwei Millionen dreihundertsechsundsechzig", ["zwei", "Millionen", "drei", "hundert", "sechs", "und", "sechzig"]),
])
def test_german_number_tokens(text: str, tokens: list[str]) -> None:
    assert german_number_tokens(text) == tokens
    assert "".join(german_number_tokens(text)) == text.replace(" ", "")


def test_german_number_tokens_rejects_unknown_pieces() -> None:
    with pytest.raises(ValueError, match="cannot segment"):
        german_number_tokens("fünfundsiebzigx")
    with pytest.raises(ValueError, match="empty"):
        german_number_tokens("")


def test_number_pairs_cover_the_range_and_reorder() -> None:
    pairs = number_pairs([0, 75, 1001, 999_999_999])
    assert pairs[0] == (["zero"], ["null"])
    assert pairs[1] == (["seventy", "five"], ["fünf", "und", "siebzig"])
    assert pairs[2] == (["one", "thousand", "and", "one"], ["ein", "tausend", "eins"])
    assert len(pairs[3][0]) == 17
    with pytest.raises(ValueError, match="999,999,999"):
        number_pairs([10 ** 9])


def test_number_pairs_fingerprint_in_the_catalogue() -> None:
    entry = load_catalogue()["generated"]["number_pairs"]
    assert entry["generator"] == "utils.language.number_pairs"
    pairs = number_pairs([*range(2000), 999_999_999])
    assert pairs_sha256(pairs) == entry["fingerprint_sha256"], (
        "num2words now writes some numbers differently: check the notebook 07 figures, then update the catalogue")
    assert pairs_sha256(pairs[:-1]) != entry["fingerprint_sha256"]


@pytest.mark.parametrize(("text", "tokens"), [
    ("It's good.", ["it", "'s", "good", "."]),
    ("Don't, can't, won't!", ["do", "n't", ",", "ca", "n't", ",", "wo", "n't", "!"]),
    ("A three-hour film -- U.S. made...", ["a", "three-hour", "film", "--", "u.s.", "made", "..."]),
    ("1,000 films at 2.5 stars; they're fine", ["1,000", "films", "at", "2.5", "stars", ";", "they", "'re", "fine"]),
    ("Marker\u2019s \"best\" (ever)", ["marker", "'s", '"', "best", '"', "(", "ever", ")"]),
    ("end.Next", ["end", ".", "next"]),
])
def test_glove_tokens_follow_glove_spelling(text: str, tokens: list[str]) -> None:
    assert glove_tokens(text) == tokens


def test_fitting_every_order_at_once_equals_separate_fits() -> None:
    rng = np.random.default_rng(3)
    text = rng.integers(0, 6, 3000)
    text[::7] = 2  # some structure
    together = KneserNeyCharModel.fit_orders(text, 4, 6)
    held_out = rng.integers(0, 6, 500)
    for order in range(1, 5):
        alone = KneserNeyCharModel(order, 6).fit(text)
        assert together[order].order == order and together[order].discounts == alone.discounts
        np.testing.assert_array_equal(together[order].log2_probabilities(held_out), alone.log2_probabilities(held_out))


def test_stored_numbers_counts_grams_and_contexts() -> None:
    model = KneserNeyCharModel(2, 3).fit(np.array([0, 1, 2, 0, 1]))
    # order 1 (continuation): grams 0,1,2 with one empty context; order 2: bigrams 01,12,20 with contexts 0,1,2
    assert model.stored_numbers() == (3 + 2 * 1) + (3 + 2 * 3)
    with pytest.raises(RuntimeError, match="fit"):
        KneserNeyCharModel(2, 3).stored_numbers()
