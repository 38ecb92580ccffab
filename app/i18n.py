"""Language selection: Italian by default, English on request."""

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a string for translation where it must stay untranslated until shown."""
    return message


def select_locale() -> str:
    """The user's saved choice, then this browser's choice, then Italian.

    API clients have no session, so for them the Accept-Language header decides.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # no session to open, no signed-in user to load
        return request.accept_languages.best_match(languages) or languages[0]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.add_template_filter(lambda value: format_datetime(value, "short"), "datetimeformat")

    @app.context_processor
    def inject_languages() -> dict[str, object]:
        return {"languages": app.config["LANGUAGES"], "current_locale": str(get_locale())}


def in_user_language(message: str) -> str:
    """One language of a message that the pure packages write as "Italiano. / English.".

    Messages without that shape come back whole.
    """
    parts = message.split(" / ")
    if len(parts) != 2:
        return message
    return parts[1] if str(get_locale()) == "en" else parts[0]
