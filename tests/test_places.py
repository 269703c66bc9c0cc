from embeddings.retrieval.places import with_countries


def test_a_capital_is_searched_with_its_country() -> None:
    assert with_countries("What did Riyadh demand?") == "What did Riyadh (Saudi Arabia) demand?"
    assert with_countries("did new delhi ban it?") == "did new delhi (India) ban it?"
    assert with_countries("Riyadh and Abu Dhabi") == (
        "Riyadh (Saudi Arabia) and Abu Dhabi (United Arab Emirates)"
    )


def test_a_country_already_named_or_a_plain_word_is_left_alone() -> None:
    assert with_countries("Why did Islamabad, Pakistan's capital, ban BES?") == (
        "Why did Islamabad, Pakistan's capital, ban BES?"
    )
    assert with_countries("What did the government in Limassol say?") == (
        "What did the government in Limassol say?"
    )
    assert with_countries("Singapore") == "Singapore"
