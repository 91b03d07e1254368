"""Django's database sessions, refusing a session cookie that no session key could be.

A key is made of lower-case letters and digits; a cookie carrying anything else (a NUL character, say, which
PostgreSQL refuses in a query) is treated as no session at all rather than reaching the database.
"""

import string

from django.contrib.sessions.backends import db

KEY_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= KEY_CHARACTERS
