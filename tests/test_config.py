import pytest

from bot.config import SettingsError, load_settings


def test_admin_ids_parse_from_comma_separated_string() -> None:
    settings = load_settings(_env_file=None, admin_user_ids="12, 34 56")
    assert settings.admin_user_ids == frozenset({12, 34, 56})


def test_bad_admin_ids_give_a_readable_error() -> None:
    with pytest.raises(SettingsError, match="ADMIN_USER_IDS"):
        load_settings(_env_file=None, admin_user_ids="12,bob")


def test_missing_token_explains_how_to_get_one() -> None:
    settings = load_settings(_env_file=None, telegram_bot_token="")
    with pytest.raises(SettingsError, match="BotFather"):
        settings.require_token()


def test_malformed_token_is_rejected_without_echoing_it() -> None:
    settings = load_settings(_env_file=None, telegram_bot_token="not-a-token-secret")
    with pytest.raises(SettingsError) as info:
        settings.require_token()
    assert "not-a-token-secret" not in str(info.value)


def test_token_is_secret_in_repr() -> None:
    token = "123456789:AAAbbbCCCdddEEEfffGGGhhhIIIjjjKKKlll"
    settings = load_settings(_env_file=None, telegram_bot_token=token)
    assert settings.require_token() == token
    assert token not in repr(settings)
