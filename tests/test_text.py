from embeddings.text import normalise, split_sentences, words


def test_sentences_respect_abbreviations_initials_and_quotes() -> None:
    text = (
        "WATERLOO, Ont.—BlackBerry Ltd. is standing firm. It exits by Dec. 30 as planned. "
        "“Protecting that security is paramount.” Charles I. Omedo wrote it in the U.S. today."
    )
    assert split_sentences(text) == [
        "WATERLOO, Ont.—BlackBerry Ltd. is standing firm.",
        "It exits by Dec. 30 as planned.",
        "“Protecting that security is paramount.”",
        "Charles I. Omedo wrote it in the U.S. today.",
    ]


def test_sentences_join_back_to_the_text() -> None:
    text = "One.  Two?   Three!  four lower. Five"
    assert " ".join(split_sentences(text)) == "One. Two? Three! four lower. Five"


def test_normalise_matches_the_eval_rules() -> None:
    assert normalise("  “Won’t”\u00a0— Dec.\n30 ") == '"won\'t" - dec. 30'


def test_words_keep_numbers_and_contractions_whole() -> None:
    assert words("About 5,000 firms won’t comply.") == [
        "about",
        "5000",  # one spelling for every way of writing it (tests/test_chat.py)
        "firms",
        "won't",
        "comply",
    ]


def test_searchable_drops_what_a_tokenizer_cannot_take() -> None:
    from embeddings.text import searchable

    assert searchable("when\ud800 does\u200b it\x00end?\u202e") == "when does it end?"
    assert searchable("\u200b\u200c") == ""


def test_searchable_with_a_limit_is_what_the_bot_asks() -> None:
    from embeddings.text import searchable

    assert searchable("  what\u200b   happened\n\tnext?  ", 9) == "what happ"
    assert searchable("a" * 10 + "  " + "b" * 50, 11) == "a" * 10  # cut, then trimmed
    assert searchable("x" * 100_000, 20) == "x" * 20
