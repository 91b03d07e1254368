"""Links to a pupil's access log and subject-access export, for those who may follow them."""

from django import template

from ..permissions import may_export_pupil, may_read_pupil_log

register = template.Library()


@register.simple_tag(takes_context=True)
def privacy_links(context, pupil) -> dict[str, bool]:
    """{"access_log": bool, "subject_access": bool} for the signed-in user and `pupil` (its enrolments prefetched)."""
    access = context["request"].access
    if not access:
        return {"access_log": False, "subject_access": False}
    return {"access_log": may_read_pupil_log(access, pupil), "subject_access": may_export_pupil(access, pupil)}
