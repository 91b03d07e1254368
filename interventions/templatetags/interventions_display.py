"""How people are named on the triage and task pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def person(user, default: str = "") -> str:
    """The user's full name, else their username; `default` when there is no user (e.g. an unassigned task)."""
    if user is None:
        return default
    return user.get_full_name() or user.get_username()
