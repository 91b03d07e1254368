"""Values every page's header needs."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request: HttpRequest) -> dict[str, object]:
    """`unread_notifications`: the signed-in member's unread count, or nothing for anyone else.

    Lazy, so it costs its one query only where a template shows it (whole pages, not htmx partials).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(request, "access", None):
        return {}

    def count() -> int:
        return Notification.objects.for_trust(request.trust).filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notifications": SimpleLazyObject(count)}
