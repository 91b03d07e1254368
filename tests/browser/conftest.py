"""Browser tests: the `browser`, `page` and `screenshot` fixtures live in tests/conftest.py, shared by every module."""
