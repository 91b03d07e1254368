"""Which wording a trust's letter uses: the trust's own (LetterTemplate) or the default (letters.defaults), and in
which language; and saving a trust lead's edit.

A contact's letter is in their preferred language (Contact.language) when the trust has wording for the letter in
it, its own or a default; otherwise it is in English.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from schools.models import Contact, Trust

from . import templating
from .defaults import CATALOGUE, DEFAULT_LANGUAGES, DEFAULTS, ENGLISH, Wording
from .models import LetterTemplate


@dataclass(frozen=True)
class TrustWording:
    """The wording a trust uses for one letter in one language, and where it comes from."""

    code: str
    language: str
    wording: Wording
    template: LetterTemplate | None  # the trust's own row; None while it uses the default

    @property
    def edited(self) -> bool:
        return self.template is not None


def _rows(trust: Trust) -> QuerySet:
    return LetterTemplate.objects.for_trust(trust).select_related("updated_by")


class Wordings:
    """Every wording of one trust, read in one query: the trust's rows over the defaults."""

    def __init__(self, trust: Trust):
        self.trust = trust
        self.rows = {(row.code, row.language): row for row in _rows(trust)}

    def get(self, code: str, language: str) -> TrustWording | None:
        """The wording for `code` in exactly `language`, or None when the trust has none in it."""
        row = self.rows.get((code, language))
        if row is not None:
            return TrustWording(code, language, Wording(row.title, row.body), row)
        default = DEFAULTS.get((code, language))
        return TrustWording(code, language, default, None) if default else None

    def languages(self, code: str) -> list[str]:
        """The languages the trust has this letter in, English first."""
        found = {lang for c, lang in self.rows if c == code} | {lang for c, lang in DEFAULTS if c == code}
        return [ENGLISH, *sorted(found - {ENGLISH})]

    def for_contact(self, code: str, preferred: str) -> TrustWording:
        """The wording a contact who prefers `preferred` gets: in that language if there is one, else English."""
        wanted = (preferred or ENGLISH).strip().casefold()
        language = next((lang for lang in self.languages(code) if lang.casefold() == wanted), ENGLISH)
        return self.get(code, language)


def contact_languages(trust: Trust) -> list[str]:
    """The languages the trust's contacts prefer, other than English, in order."""
    found = Contact.objects.for_trust(trust).exclude(language="").values_list("language", flat=True).distinct()
    return sorted({lang.strip() for lang in found} - {"", ENGLISH}, key=str.casefold)


def offered_languages(trust: Trust, wordings: Wordings | None = None) -> list[str]:
    """Languages a trust lead may write letters in: English, those with defaults or the trust's own wording, and
    those the trust's contacts prefer."""
    wordings = wordings or Wordings(trust)
    others = {lang for _, lang in wordings.rows} | set(DEFAULT_LANGUAGES) | set(contact_languages(trust))
    return [ENGLISH, *sorted(others - {ENGLISH}, key=str.casefold)]


def canonical_language(trust: Trust, language: str, wordings: Wordings | None = None) -> str | None:
    """`language` as the trust spells it among the offered languages (any case), or None when it is not offered."""
    wanted = language.strip().casefold()
    return next((lang for lang in offered_languages(trust, wordings) if lang.casefold() == wanted), None)


def wording_to_edit(trust: Trust, code: str, language: str) -> TrustWording:
    """What the edit page starts from: the trust's wording, else the default, else (a new translation) English."""
    wordings = Wordings(trust)
    found = wordings.get(code, language)
    if found is not None:
        return found
    english = wordings.get(code, ENGLISH)
    return TrustWording(code, language, english.wording, None)


def check_wording(title: str, body: str) -> dict[str, str]:
    """Problems by field ("title", "body"); empty when both can be saved."""
    problems = {}
    for name, source in (("title", title), ("body", body)):
        try:
            templating.check(source)
        except templating.TemplateProblem as e:
            problems[name] = str(e)
    return problems


@transaction.atomic
def save_wording(trust: Trust, code: str, language: str, title: str, body: str, user) -> LetterTemplate:
    """Save the trust's wording of a letter (the first edit creates the trust's row; pghistory keeps each version).

    Raises ValueError for a letter not in the catalogue, templating.TemplateProblem for wording that cannot be used.
    """
    if code not in CATALOGUE:
        raise ValueError(f"no letter {code!r}")
    for source in (title, body):
        templating.check(source)
    row, _ = LetterTemplate.objects.select_for_update().get_or_create(
        trust=trust, code=code, language=language, defaults={"title": title, "body": body, "updated_by": user}
    )
    if (row.title, row.body, row.updated_by_id) != (title, body, getattr(user, "pk", None)):
        row.title, row.body, row.updated_by = title, body, user
        row.save()
    return row
