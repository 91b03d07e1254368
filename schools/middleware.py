from django.utils.functional import SimpleLazyObject

from .access import access_for


class TrustMiddleware:
    """Sets `request.access` and `request.trust` once, from the user's membership; views never look it up again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = SimpleLazyObject(lambda: access_for(request.user))
        request.trust = SimpleLazyObject(lambda: request.access.trust if request.access else None)
        return self.get_response(request)
