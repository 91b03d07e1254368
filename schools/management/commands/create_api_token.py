"""Print a user's API token, creating it on first use, for a school's MIS integration."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from schools.models import Membership


class Command(BaseCommand):
    help = (
        "Print USERNAME's API token (created if the user has none). Send it as 'Authorization: Token <key>'. "
        "The token acts with the user's roles, so give an integration its own user."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the user's token; the old one stops working at once."
        )

    def handle(self, *args, username: str, rotate: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active.")
        # A token for a user outside every trust would only ever get 403.
        if not Membership.objects.filter(user=user).exists():
            raise CommandError(f"{username!r} belongs to no trust; add a membership and a role first.")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
