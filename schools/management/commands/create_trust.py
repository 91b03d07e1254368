from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug

from schools.models import Trust


class Command(BaseCommand):
    help = "Create a trust: `create_trust SLUG --name NAME --policy omega|waterton|odst`."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="short name used in addresses, e.g. omega-mat")
        parser.add_argument("--name", required=True)
        parser.add_argument("--policy", required=True, choices=Trust.Policy.values, help="the attendance policy preset")

    def handle(self, slug: str, name: str, policy: str, **options):
        try:
            validate_slug(slug)
        except ValidationError as e:
            raise CommandError(f"{slug!r} is not a slug: use letters, numbers, hyphens and underscores") from e
        if not name.strip():
            raise CommandError("--name is empty")
        # Trusts are the tenants themselves: looking one up across the installation is the point of this command.
        if Trust.objects.filter(slug=slug).exists():
            raise CommandError(f"a trust with slug {slug!r} already exists; nothing was changed")
        trust = Trust.objects.create(slug=slug, name=name.strip(), policy=policy)
        self.stdout.write(self.style.SUCCESS(f"Created {trust.name} ({trust.slug}), {trust.get_policy_display()}"))
