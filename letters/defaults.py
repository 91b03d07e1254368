"""Every letter the graduated response sends, its default wording, and the fixed words of the letter's layout in each
language. No Django imports.

A trust with no wording of its own for a letter uses the default here; the first edit saves the trust's copy
(letters.models.LetterTemplate). The wording follows the trusts' own documents (shared/seeds): Omega's parent letter
and Attendance Charter (Strand 1: speak to parents in days absent rather than percentages and compare with children
nationally; Strand 3: "Your child has attended X out of a possible X school sessions"; Strand 4: letters LON1-LON6),
Waterton's attendance policy (the lateness warning, Stages 1-3 and the termly colour bands) and the National
Framework for Penalty Notices (August 2024). The tone is the parent letter's: supportive first, clear about
consequences.

Translations here are a starting point and are marked `needs_checking`: a school should have a fluent speaker check
them before they are sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ENGLISH = "English"


@dataclass(frozen=True)
class LetterKind:
    code: str
    name: str  # what the letter is, for staff (lists, the pupil's timeline), shown after its code
    group: str
    panel: str = "figures"  # the box of figures printed under the wording: "figures", "band" (with the colour) or ""


@dataclass(frozen=True)
class Wording:
    title: str
    body: str
    needs_checking: bool = False  # a translation no fluent speaker has checked yet


OMEGA, WATERTON, PENALTIES, EVERY = (
    "Omega Attendance Charter",
    "Waterton attendance policy",
    "Penalty notices",
    "Any trust",
)

CATALOGUE: dict[str, LetterKind] = {
    kind.code: kind
    for kind in (
        LetterKind("LON1", "Excellent attendance (97% and above)", OMEGA),
        LetterKind("LON2", "Letter of notification: attendance below 97%", OMEGA),
        LetterKind("LON3", "Below 95%: invitation to an Attendance Improvement Meeting", OMEGA),
        LetterKind("LON4", "Below 92%: further meeting with the headteacher", OMEGA),
        LetterKind("LON5", "Below 90%: referral to the local authority", OMEGA),
        LetterKind("LON6", "Attendance targets achieved", OMEGA),
        LetterKind("WAT_LATE_WARNING", "Lateness warning: 5 U sessions in a half-term", WATERTON),
        LetterKind("WAT_STAGE1", "Stage 1: Persistent Absence Review Meeting", WATERTON),
        LetterKind("WAT_STAGE2", "Stage 2: Serious Concern Persistent Absence Review Meeting", WATERTON),
        LetterKind("WAT_STAGE3", "Stage 3: referral to the local authority", WATERTON),
        LetterKind("WAT_TERMLY", "Termly attendance summary with its colour band", WATERTON, panel="band"),
        LetterKind("PENALTY_WARNING", "Warning: risk of a penalty notice", PENALTIES),
        LetterKind("NOTICE_TO_IMPROVE", "Notice to Improve", PENALTIES),
        LetterKind("MEDICAL_EVIDENCE", "Request for medical evidence of illness", EVERY),
        LetterKind("LEAVE_DECISION", "Decision on a request for leave of absence", EVERY, panel=""),
        LetterKind("WEEKLY", "Weekly attendance: attended X out of a possible Y sessions", EVERY),
    )
}
GROUPS = (OMEGA, WATERTON, PENALTIES, EVERY)


def describe(code: str) -> str:
    """The letter's code and what it is, e.g. "LON3 – Below 95%: invitation to ..."; the code alone if unknown."""
    kind = CATALOGUE.get(code)
    return f"{code} – {kind.name}" if kind else code


# The sentences most letters share: the year's figures in sessions and days, and the national comparison.
_SO_FAR = (
    "So far this school year {{ pupil_forename }} has attended {{ attended_sessions }} out of a possible "
    "{{ possible_sessions }} sessions (a session is a morning or an afternoon)."
)
_MISSED = (
    "That means {{ pupil_forename }} has missed {{ days_absent }} school day{{ 's' if days_absent != 1 }} "
    "({{ absent_sessions }} sessions) since {{ since }}. A pupil with the national average attendance would have "
    "missed about {{ national_days_absent }} day{{ 's' if national_days_absent != 1 }} in the same time."
)

DEFAULTS: dict[tuple[str, str], Wording] = {
    ("LON1", ENGLISH): Wording(
        "Congratulations on {{ pupil_forename }}'s excellent attendance",
        f"""We are delighted to write to you about {{{{ pupil_name }}}}'s attendance at {{{{ school_name }}}}.

{_SO_FAR}{{% if days_absent %}} {{{{ pupil_forename }}}} has missed only {{{{ days_absent }}}} school \
day{{{{ 's' if days_absent != 1 }}}}.{{% endif %}} That is excellent attendance, and it means {{{{ pupil_forename }}}} \
qualifies for our attendance rewards.

Pupils who attend well get the most out of school: research from the Department for Education shows that the pupils \
with the highest attainment at the end of each key stage have higher rates of attendance. Just as important are the \
chances to spend time with friends and to develop skills for life.

Thank you for making sure {{{{ pupil_forename }}}} is in school every day. Please keep it up!""",
    ),
    ("LON2", ENGLISH): Wording(
        "{{ pupil_forename }}'s attendance: missing some learning",
        f"""We are writing to let you know about {{{{ pupil_name }}}}'s attendance, because we want to work with you \
to make sure {{{{ pupil_forename }}}} gets the most out of school.

{_SO_FAR} {_MISSED}

We know that many absences are for genuine illness or other circumstances, and we thank you for keeping us \
informed. Every day counts, though: missed days add up to missed learning, and pupils who miss days early in the \
year are much more likely to miss a lot of school over the whole year.

Please help {{{{ pupil_forename }}}} to attend every day the school is open: book medical appointments around the \
school day where you can, and ask for leave of absence only in exceptional circumstances. If something is making it \
hard for {{{{ pupil_forename }}}} to come to school, please talk to us: we would much rather help early.

Thank you for your support.""",
    ),
    ("LON3", ENGLISH): Wording(
        "Invitation to an Attendance Improvement Meeting about {{ pupil_forename }}",
        f"""We are writing because {{{{ pupil_name }}}}'s attendance has continued to fall. We would like to meet \
you to understand why, and to agree how we can help.

{_SO_FAR} {_MISSED}

{{% if meeting_date %}}We have arranged an Attendance Improvement Meeting on {{{{ meeting_date }}}}.\
{{% else %}}We will contact you shortly to arrange an Attendance Improvement Meeting.{{% endif %}} Please come, and \
bring {{{{ pupil_forename }}}} if they are old enough to take part. If you cannot attend, please let us know so that \
we can find another time; if we cannot, the meeting will go ahead without you.

At the meeting we will listen to you and to {{{{ pupil_forename }}}}, share what {{{{ pupil_forename }}}}'s \
teachers tell us, and agree attendance targets for at least the next {{{{ target_weeks }}}} weeks. We will send you \
the Attendance Improvement Plan we agree, and if {{{{ pupil_forename }}}} meets the targets we will write to tell you.

From now on we will ask for medical evidence before we can authorise further absence for illness. Please send \
{{{{ pupil_forename }}}} to school with minor illnesses such as a cold.

We want to work with you so that {{{{ pupil_forename }}}} does not miss out.""",
    ),
    ("LON4", ENGLISH): Wording(
        "A further Attendance Improvement Meeting about {{ pupil_forename }}",
        f"""Despite the support we have put in place, {{{{ pupil_name }}}}'s attendance has continued to fall, and \
we are now seriously concerned.

{_SO_FAR} {_MISSED}{{% if unauthorised_sessions %}} {{{{ unauthorised_sessions }}}} of the sessions missed were not \
authorised.{{% endif %}}

{{% if meeting_date %}}We have arranged a further Attendance Improvement Meeting on {{{{ meeting_date }}}}\
{{% else %}}We will contact you shortly to arrange a further Attendance Improvement Meeting{{% endif %}}, which \
{{{{ headteacher }}}} or a senior leader will attend. Together we will review the Attendance Improvement Plan and \
agree targets for at least the next {{{{ target_weeks }}}} weeks. We will send you the plan after the meeting.

We must also tell you that without an immediate improvement that is kept up, the school may ask the local authority \
to consider a fixed penalty notice or prosecution. We do not want to do this: we would much rather work with you to \
remove whatever is getting in the way of {{{{ pupil_forename }}}}'s attendance.

Please contact the school if there is anything we should know before the meeting.""",
    ),
    ("LON5", ENGLISH): Wording(
        "{{ pupil_forename }}'s attendance: referral to the local authority",
        f"""{{{{ pupil_name }}}} has now missed 10% or more of school this year, which the Department for Education \
defines as persistent absence.

{_SO_FAR} {_MISSED} {{{{ unauthorised_sessions }}}} of the sessions missed were not authorised. Missing this much \
school makes it much harder for {{{{ pupil_forename }}}} to keep up with learning and with friends.

Because of this, we are referring {{{{ pupil_forename }}}} to the local authority's Attendance Support Team, who \
work with families and schools to remove barriers to attendance. Where appropriate, we will also ask the local \
authority to consider a fixed penalty notice or prosecution.

Parents have a legal duty to make sure their child attends school regularly. We still want to work with you: if \
something is making it hard for {{{{ pupil_forename }}}} to come to school, please contact us as soon as possible so \
that we can put the right support in place.""",
    ),
    ("LON6", ENGLISH): Wording(
        "Well done: {{ pupil_forename }} has met the attendance targets",
        f"""We are very pleased to tell you that {{{{ pupil_name }}}} has achieved the attendance targets we \
agreed{{% if target_pct %}} ({{{{ target_pct }}}}% attendance){{% endif %}}. Thank you for the effort you and \
{{{{ pupil_forename }}}} have put in.

{_SO_FAR}

Please keep it up: every day in school counts. If anything makes it hard for {{{{ pupil_forename }}}} to attend, \
please talk to us early so that we can help.""",
    ),
    ("WAT_LATE_WARNING", ENGLISH): Wording(
        "Warning: {{ pupil_forename }}'s late arrivals after registration",
        """{{ pupil_name }} has arrived after the close of registration {{ late_u_half_term }} \
time{{ 's' if late_u_half_term != 1 }} this half-term.

Late arrivals disrupt learning, for {{ pupil_forename }} and for the class. A pupil who arrives after the register \
closes is recorded as absent without authorisation for that session (code U).

This letter is a formal warning: if late arrivals after registration continue, a Penalty Notice may be issued. \
Persistent lateness is 10 sessions coded U within a 10-week period.

So far this school year {{ pupil_forename }} has arrived late {{ late_sessions }} \
time{{ 's' if late_sessions != 1 }} and has attended {{ attended_sessions }} out of a possible \
{{ possible_sessions }} sessions.

If something is making it hard for {{ pupil_forename }} to arrive on time, please contact the school office so that \
we can help.""",
    ),
    ("WAT_STAGE1", ENGLISH): Wording(
        "Stage 1 Persistent Absence Review Meeting: {{ pupil_name }}",
        f"""Every school day counts. We are writing because {{{{ pupil_name }}}}'s attendance has fallen below 90%, \
which means {{{{ pupil_forename }}}} is persistently absent.

{_SO_FAR} {_MISSED}

This letter is a written warning. You are required to attend a Stage 1 Persistent Absence Review Meeting with the \
Trust Education Welfare Officer and the school's attendance champion{{% if meeting_date %}} on \
{{{{ meeting_date }}}}{{% else %}}; we will contact you with a date{{% endif %}}. At the meeting we will review \
{{{{ pupil_forename }}}}'s absence, discuss the reasons for it and agree strategies for improvement, and afterwards \
we will write to you with the outcome.

You will need to show an improvement in {{{{ pupil_forename }}}}'s attendance within the following \
{{{{ target_weeks }}}} school weeks{{% if review_date %}}, by {{{{ review_date }}}}{{% endif %}}. Where absence is due \
to a known illness or exceptional circumstances, we will monitor it closely and sensitively, and support you.""",
    ),
    ("WAT_STAGE2", ENGLISH): Wording(
        "Stage 2 Serious Concern Persistent Absence Review Meeting: {{ pupil_name }}",
        f"""At the Stage 1 Persistent Absence Review Meeting we agreed that {{{{ pupil_name }}}}'s attendance needed \
to improve within four school weeks. There is no evidence of improvement, and this is now a serious concern.

{_SO_FAR} {_MISSED}

You are required to attend a Stage 2 Serious Concern Persistent Absence Review Meeting with the Trust Education \
Welfare Officer and {{{{ headteacher }}}} or a deputising senior leader{{% if meeting_date %}} on \
{{{{ meeting_date }}}}{{% endif %}}. We will review {{{{ pupil_forename }}}}'s continued absence and agree a formal \
Attendance Improvement Plan, whose actions you will be required to meet within the following {{{{ target_weeks }}}} \
school weeks.

If there is no improvement within that time, the matter will be referred to the Local Authority Education Welfare \
Service, and you may be at risk of a Penalty Notice and/or legal action.""",
    ),
    ("WAT_STAGE3", ENGLISH): Wording(
        "Stage 3: {{ pupil_name }}'s attendance has been referred to the local authority",
        f"""We have worked with you through Stages 1 and 2 of our persistent absence procedure. Since the Attendance \
Improvement Plan was agreed, {{{{ pupil_name }}}}'s attendance has not improved.

{_SO_FAR} {_MISSED} {{{{ unauthorised_sessions }}}} of the sessions missed were not authorised.

We are therefore notifying you that the matter has been referred to the Local Authority Education Welfare Service. \
This stage leaves you at risk of a Penalty Notice and/or legal action to enforce attendance: parents have a legal \
duty under section 444 of the Education Act 1996 to make sure their child attends school regularly.

The Education Welfare Officer will be in touch. If there are circumstances we do not know about, please contact the \
school straight away.""",
    ),
    ("WAT_TERMLY", ENGLISH): Wording(
        "Termly attendance summary for {{ pupil_name }}",
        f"""Here is {{{{ pupil_name }}}}'s termly attendance summary. {_SO_FAR}\
{{% if band %}} That is {{{{ attendance_pct }}}}% attendance, which puts {{{{ pupil_forename }}}} in the \
{{{{ band }}}} band: {{{{ band_meaning }}}}.{{% endif %}}

Our colour bands are:
Blue, 98% to 100%: great attendance, the best chance of success.
Green, 96% to 97.9%: good attendance.
Amber, 90% to 95.9%: cause for concern. Periods of lost learning time make it harder to progress well.
Red, below 90%: serious concerns, a significant loss of learning time. Pupils in the Red band are persistently \
absent, are monitored by the Education Welfare Officer and could receive a Penalty Notice.

{{% if band == "Blue" or band == "Green" %}}Thank you for your support: please keep it up.\
{{% else %}}If something is making it hard for {{{{ pupil_forename }}}} to attend, please talk to us: we want to \
help.{{% endif %}}""",
    ),
    ("PENALTY_WARNING", ENGLISH): Wording(
        "Warning: risk of a penalty notice for {{ pupil_forename }}'s absence",
        """We are writing to warn you that {{ pupil_name }}'s absence may lead to a penalty notice.

So far this school year {{ pupil_forename }} has missed {{ days_absent }} school day{{ 's' if days_absent != 1 }} \
({{ absent_sessions }} sessions), {{ unauthorised_sessions }} sessions of them without authorisation. In the latest \
10 school weeks {{ pupil_forename }} has had {{ unauthorised_10_weeks }} sessions of unauthorised absence.

Under the National Framework for Penalty Notices, schools must consider a penalty notice when a pupil has 10 \
sessions of unauthorised absence within a rolling period of 10 school weeks. Penalty notices are issued per parent, \
per child. A first notice is £160, reduced to £80 if paid within 21 days; a second notice to the same parent for the \
same child within three years is £160. A third offence within three years does not receive a penalty notice: the \
case may go straight to prosecution.

Without an immediate improvement that is kept up, the school may ask the local authority to issue a penalty notice. \
We would much rather work with you: if something is getting in the way of {{ pupil_forename }}'s attendance, please \
contact us so that we can support you.""",
    ),
    ("NOTICE_TO_IMPROVE", ENGLISH): Wording(
        "Notice to Improve: {{ pupil_name }}'s attendance",
        """This is a Notice to Improve. It gives you a final chance to engage with support to improve \
{{ pupil_name }}'s attendance before a penalty notice is considered.

So far this school year {{ pupil_forename }} has attended {{ attended_sessions }} out of a possible \
{{ possible_sessions }} sessions and has missed {{ days_absent }} school day{{ 's' if days_absent != 1 }}, \
{{ unauthorised_sessions }} sessions of them without authorisation. In the latest 10 school weeks \
{{ pupil_forename }} has had {{ unauthorised_10_weeks }} sessions of unauthorised absence.

The improvement period is {{ improvement_weeks }} weeks, ending on {{ improvement_ends }}. During this time we expect \
{{ pupil_forename }} to attend every day the school is open, unless a statutory reason applies, and we will offer \
you support to make that possible.{% if meeting_date %} We have arranged a meeting on {{ meeting_date }} to agree \
that support.{% endif %}

If {{ pupil_forename }}'s attendance does not improve within the improvement period, a penalty notice may be issued \
without further warning. Penalty notices are issued per parent, per child: a first notice is £160, reduced to £80 if \
paid within 21 days.

Please contact the school now so that we can agree how to help.""",
    ),
    ("MEDICAL_EVIDENCE", ENGLISH): Wording(
        "Medical evidence for {{ pupil_forename }}'s absence",
        """{{ pupil_name }} has missed {{ days_absent }} school day{{ 's' if days_absent != 1 }} so far this school \
year: {{ authorised_sessions }} sessions of authorised absence{% if unauthorised_sessions %} and \
{{ unauthorised_sessions }} without authorisation{% endif %}.

From now on, before we can authorise further absence for illness, we will need medical evidence: for example an \
appointment card, a prescription or its label, or a note from the GP, dentist or hospital. Please bring or send it \
to the school office when {{ pupil_forename }} returns. Without it, further absence may be recorded as unauthorised.

Please book medical and dental appointments outside the school day where you can. Where that is not possible, \
{{ pupil_forename }} should be out of school only for as long as the appointment needs.

Please send {{ pupil_forename }} to school with minor illnesses such as a cold. If you are unsure whether \
{{ pupil_forename }} is well enough to attend, please call us.""",
    ),
    ("LEAVE_DECISION", ENGLISH): Wording(
        "Your request for leave of absence for {{ pupil_forename }}",
        """Thank you for your request for {{ pupil_name }} to be absent from school from {{ leave_first_day }} to \
{{ leave_last_day }} ({{ leave_days }} school day{{ 's' if leave_days != 1 }}){% if leave_reason %}: \
{{ leave_reason }}{% endif %}.

{% if leave_decision == "granted" %}
The headteacher has granted the leave, because the circumstances are exceptional. {{ pupil_forename }}'s absence on \
those days will be recorded as authorised. Please make sure {{ pupil_forename }} is back in school on the next school \
day after {{ leave_last_day }}.
{% else %}
The headteacher has not granted the leave. The law allows leave of absence in term time only in exceptional \
circumstances, and this request does not meet that threshold.

If {{ pupil_forename }} is absent on those days, the absence will be recorded as unauthorised (code G). Term-time \
leave of 5 or more school days taken without authorisation may lead to a penalty notice, issued per parent, per \
child, under the National Framework for Penalty Notices.
{% endif %}

If you would like to discuss this decision, please contact the school.""",
    ),
    ("WEEKLY", ENGLISH): Wording(
        "{{ pupil_forename }}'s attendance this week",
        """This week {{ pupil_forename }} attended {{ week_attended_sessions }} out of a possible \
{{ week_possible_sessions }} sessions.{% if week_possible_sessions and week_attended_sessions == \
week_possible_sessions %} That is 100% attendance this week: well done, and thank you!{% endif %}

So far this school year {{ pupil_forename }} has attended {{ attended_sessions }} out of a possible \
{{ possible_sessions }} sessions{% if days_absent %} and has missed {{ days_absent }} school \
day{{ 's' if days_absent != 1 }}{% endif %}.

Every day in school counts. Thank you for your support.""",
    ),
    # Polish: Omega's Charter asks for communication in families' heritage languages. These need checking.
    ("LON2", "Polish"): Wording(
        "Frekwencja w szkole: {{ pupil_name }}",
        """Piszemy do Państwa w sprawie obecności w szkole Państwa dziecka, {{ pupil_name }}, ponieważ chcemy \
wspólnie zadbać o to, aby jak najwięcej skorzystało z nauki.

Od {{ since }} {{ pupil_forename }} był(a) obecny(a) w szkole przez {{ attended_sessions }} z \
{{ possible_sessions }} możliwych półdni szkolnych. Oznacza to {{ days_absent }} dni nieobecności \
({{ absent_sessions }} półdni). Uczeń z przeciętną frekwencją w Anglii opuściłby w tym samym czasie około \
{{ national_days_absent }} dni.

Wiemy, że wiele nieobecności wynika z choroby lub innych ważnych powodów, i dziękujemy za informowanie nas o nich. \
Każdy dzień się jednak liczy: opuszczone dni to opuszczona nauka, a uczniowie, którzy opuszczają zajęcia na początku \
roku, znacznie częściej opuszczają dużo zajęć w ciągu całego roku.

Prosimy, aby dziecko przychodziło do szkoły każdego dnia, w którym szkoła jest otwarta: wizyty lekarskie warto \
umawiać poza godzinami lekcji, a o zwolnienie z zajęć w trakcie roku szkolnego prosić tylko w wyjątkowych \
okolicznościach. Jeśli coś utrudnia dziecku przychodzenie do szkoły, prosimy o kontakt: wolimy pomóc jak najwcześniej.

Dziękujemy za Państwa wsparcie.""",
        needs_checking=True,
    ),
    ("WEEKLY", "Polish"): Wording(
        "Frekwencja w tym tygodniu: {{ pupil_name }}",
        """W tym tygodniu {{ pupil_forename }} był(a) obecny(a) w szkole przez {{ week_attended_sessions }} z \
{{ week_possible_sessions }} możliwych półdni szkolnych.{% if week_possible_sessions and week_attended_sessions == \
week_possible_sessions %} To 100% obecności w tym tygodniu: gratulujemy i dziękujemy!{% endif %}

Od początku roku szkolnego {{ pupil_forename }} był(a) obecny(a) przez {{ attended_sessions }} z \
{{ possible_sessions }} możliwych półdni{% if days_absent %}, a liczba dni nieobecności wynosi \
{{ days_absent }}{% endif %}.

Każdy dzień w szkole się liczy. Dziękujemy za Państwa wsparcie.""",
        needs_checking=True,
    ),
}

DEFAULT_LANGUAGES = tuple(sorted({language for _, language in DEFAULTS} - {ENGLISH}))


def default_wording(code: str, language: str = ENGLISH) -> Wording | None:
    return DEFAULTS.get((code, language))


# --- The layout's fixed words ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrases:
    """The words of the letter's layout around the trust's wording. `{...}` fields are filled in by the layout."""

    salutation: str  # {parent}
    sign_off: str
    headteacher: str
    pupil: str  # {pupil}, {year}
    panel_heading: str  # {since}, {date}
    attended: str  # {attended}, {possible}
    days_absent: str  # {days}, {sessions}
    unauthorised: str  # {sessions}
    attendance: str  # {pct}
    national: str  # {pct}, {release}
    band: str  # {band}, {meaning}, {range}
    months: tuple[str, ...]  # month names as a date is written, January first
    lang: str  # the HTML language tag
    needs_checking: bool = False


PHRASES: dict[str, Phrases] = {
    ENGLISH: Phrases(
        salutation="Dear {parent},",
        sign_off="Yours sincerely,",
        headteacher="Headteacher",
        pupil="Pupil: {pupil}, Year {year}",
        panel_heading="Attendance this school year, {since} to {date}",
        attended="Attended {attended} out of a possible {possible} sessions",
        days_absent="Days absent: {days} ({sessions} sessions)",
        unauthorised="Sessions of unauthorised absence: {sessions}",
        attendance="Attendance: {pct}%",
        national="National average attendance for schools like ours ({release}): {pct}%",
        band="Colour band: {band}, {meaning} ({range})",
        months=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        lang="en-GB",
    ),
    "Polish": Phrases(
        salutation="Szanowni Państwo,",
        sign_off="Z poważaniem",
        headteacher="Dyrektor szkoły",
        pupil="Uczeń: {pupil}, klasa (Year) {year}",
        panel_heading="Frekwencja w tym roku szkolnym, od {since} do {date}",
        attended="Obecność: {attended} z {possible} możliwych półdni szkolnych",
        days_absent="Dni nieobecności: {days} ({sessions} półdni)",
        unauthorised="Półdni nieobecności nieusprawiedliwionej: {sessions}",
        attendance="Frekwencja: {pct}%",
        national="Średnia frekwencja w podobnych szkołach w Anglii ({release}): {pct}%",
        band="Kolor: {band}, {meaning} ({range})",
        months=(
            "stycznia",
            "lutego",
            "marca",
            "kwietnia",
            "maja",
            "czerwca",
            "lipca",
            "sierpnia",
            "września",
            "października",
            "listopada",
            "grudnia",
        ),
        lang="pl",
        needs_checking=True,
    ),
}


def phrases(language: str) -> Phrases:
    """The layout's words in `language`, or in English when there are none in it."""
    return PHRASES.get(language, PHRASES[ENGLISH])


def format_date(day: dt.date | None, language: str = ENGLISH) -> str:
    """A date as a letter writes it, e.g. "23 November 2026" or "23 listopada 2026"; "" for no date."""
    if day is None:
        return ""
    return f"{day.day} {phrases(language).months[day.month - 1]} {day.year}"


# --- Waterton's colour bands, as a letter words them ----------------------------------------------------------------

BAND_WORDS = {  # interventions.thresholds.Band value -> (name, meaning, range)
    "blue": ("Blue", "great attendance", "98% to 100%"),
    "green": ("Green", "good attendance", "96% to 97.9%"),
    "amber": ("Amber", "cause for concern", "90% to 95.9%"),
    "red": ("Red", "serious concerns", "below 90%"),
}
