"""Generate docs/case-format.md from the case model itself.

`python -m iptformulate.docsgen [PATH]` writes the reference page (by default to
docs/case-format.md of the repository this module lives in). Every field's meaning comes from
its `Field(description=...)` or, failing that, from `_FIELD_NOTES` below; a field with neither
is an error, so the page cannot silently lose a field. tests/test_docs_case_format.py checks
that the checked-in page equals `render_case_format()`.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .model.case import (
    Case,
    Culture,
    Dilemma,
    Episode,
    Expectation,
    LifeEvent,
    Network,
    Person,
    RiskScreen,
    RoleChange,
    RoleEffect,
    Severity,
    SocialRhythm,
    When,
)

MODELS: tuple[type[BaseModel], ...] = (
    Case,
    Episode,
    Person,
    Expectation,
    When,
    LifeEvent,
    RoleChange,
    RoleEffect,
    Network,
    SocialRhythm,
    RiskScreen,
    Culture,
    Dilemma,
    Severity,
)
"""The models documented, in page order."""

_FIELD_NOTES: dict[str, str] = {
    # Case
    "Case.id": "The case's id. Shown in every error message, so use a code, never a name.",
    "Case.age": "The client's age in years.",
    "Case.age_group": (
        "Developmental group, when the exact age is not recorded; IPT-A and older-adult "
        "adaptations depend on it."
    ),
    "Case.population": "The population whose IPT adaptation applies (reference §6.2).",
    "Case.diagnosis": "The working diagnosis of the index episode that IPT is to treat.",
    "Case.severity": "Symptom severity at intake, with the instrument used.",
    "Case.social_rhythm": "Daily routine and sleep; IPSRT's social-rhythm work uses them.",
    "Case.culture": "Culture, religion and language, where the client says they matter.",
    "Case.dilemma": "Two roles the client is torn between (e.g. worker and carer).",
    "Case.episode": "The index episode: onset, intake and course.",
    "Case.people": "The interpersonal inventory: one record per significant person.",
    "Case.events": "The timeline: life events around the onset of the episode.",
    "Case.network": "The client's interpersonal style and the size of the social network.",
    "Case.importance": (
        "How important the client rates each problem area (keys are problem areas, values "
        "the rating); used when agreeing the focus."
    ),
    "Case.risk": "Risk screen: items that need clinical attention before IPT starts.",
    "Case.notes": "Clinician's notes on the case. Free text, never shown in errors.",
    # Person
    "Person.id": (
        "Short id of the person, used by events to refer to them. Shown in errors: use a "
        "code or role label such as `mother`, not a name."
    ),
    "Person.relationship": "Who the person is to the client.",
    "Person.relationship_detail": "More detail on the relationship, in the clinician's words.",
    "Person.ideal_ring": "The ring where the client would like this person to be.",
    "Person.contact": "How often the client and this person are in contact.",
    "Person.activities": "What they do together.",
    "Person.support": "How much support the client gets from this person.",
    "Person.confidant": "Whether the client can confide in this person.",
    "Person.liked": "What the client values in the relationship, with examples.",
    "Person.disliked": "What the client dislikes in the relationship, with examples.",
    "Person.conflict": "How much conflict there is in the relationship.",
    "Person.conflict_frequency": "How often they argue.",
    "Person.conflict_ending": "How disagreements with this person usually end.",
    "Person.expectations": (
        "Mutual expectations in the relationship and whether they are met; non-reciprocal "
        "expectations are the core of a role dispute."
    ),
    "Person.knows_about_depression": "Whether this person knows the client has been depressed.",
    "Person.desired_change": "What the client would like to change in the relationship.",
    "Person.who_should_change": "Who the client thinks should change: self, the other, or both.",
    "Person.change_at_onset": "How the relationship changed around the onset of symptoms.",
    "Person.notes": "Clinician's notes on this relationship. Free text, never shown in errors.",
    # Expectation
    "Expectation.holder": "Who holds the expectation: the client or the other person.",
    "Expectation.text": "The expectation, in the client's or clinician's words.",
    # When
    "When.date": "The date, when it is known.",
    "When.approximate": "The date or offset is an estimate.",
    # LifeEvent
    "LifeEvent.id": "Short id of the event; unique across people and events.",
    "LifeEvent.type": "What happened.",
    "LifeEvent.ongoing": "The event's consequences still keep the episode going.",
    "LifeEvent.people": "Ids of the people involved; each must be in `people`.",
    "LifeEvent.valence": "Whether the client experienced the event as positive or negative.",
    "LifeEvent.role_change": "For a role transition: the role left and the role entered.",
    "LifeEvent.description": "What happened, as a short phrase ('moved abroad for her "
    "husband's job'): it names the event in every sentence the formulation writes, the "
    "statement for the patient included, so keep timing and caveats in their fields and "
    "longer notes in the case's `notes`. Never shown in errors.",
    # RoleEffect
    "RoleEffect.role": "The client's role.",
    "RoleEffect.change": "Whether the event started, ended or changed that role.",
    # SocialRhythm
    "SocialRhythm.routine_disrupted": "Meals, work, sleep and contact times have lost their order.",
    "SocialRhythm.sleep_disrupted": "Sleep is disrupted (too little, too much, shifted).",
    "SocialRhythm.notes": "Clinician's notes. Free text: read by no rule.",
    # Culture
    "Culture.religion": "Religion or faith, in the client's words. Read by no rule.",
    "Culture.language": "The language(s) the client prefers for therapy. Read by no rule.",
    "Culture.notes": "Clinician's notes. Free text: read by no rule.",
    # Dilemma
    "Dilemma.between": "The two roles, e.g. `[worker, carer]`.",
    "Dilemma.notes": "Clinician's notes. Free text: read by no rule.",
    # RoleChange
    "RoleChange.old": "The role the client left, e.g. `employed nurse`.",
    "RoleChange.new": "The role the client entered, e.g. `full-time carer`.",
    # Network
    "Network.size_before_onset": (
        "Number of people the client was in regular contact with before onset."
    ),
    "Network.size_now": "Number of people the client is in regular contact with now.",
    "Network.assertiveness": "How well the client asserts their own needs with others.",
    "Network.social_skills_concerns": (
        "The clinician has concerns about the client's social skills (interpersonal deficits)."
    ),
    "Network.attachment_notes": (
        "Notes on attachment and communication style. Never shown in errors."
    ),
    # RiskScreen
    "RiskScreen.suicidal_ideation": "Suicidal ideation at screening.",
    "RiskScreen.past_self_harm": "Self-harm or suicide attempts in the past.",
    "RiskScreen.access_to_means": "The client has access to means of suicide.",
    "RiskScreen.psychosis": "Psychotic symptoms are present.",
    "RiskScreen.substance_misuse": "Substance misuse is present.",
    # Severity
    "Severity.instrument": "The rating scale used.",
    "Severity.score": "The total score on that scale.",
}
"""IPT-terms meaning of each field that has no `description` in the model, keyed `Model.field`."""

_TIMELINE_ROWS: list[tuple[str, str]] = [
    (
        '"she died on 2 October 2023"',
        '`date: 2023-10-02` (needs the onset as a date to be placed)',
    ),
    (
        '"the move came two months before the depression"',
        '`months_from_onset: -2`',
    ),
    (
        '"died six months before she was seen"',
        '`months_before_intake: 6`',
    ),
    (
        '"around the time it started", "the onset came in the context of the pregnancy"',
        '`relation_to_onset: at_onset`',
    ),
    (
        '"the depression is linked in time to the cancer" (the order not said)',
        '`interval: short`',
    ),
    (
        '"the depression followed the divorce", "after the stillbirth she became depressed"',
        '`relation_to_onset: before_onset`, `interval: short`',
    ),
    (
        '"depressed since the accident", "soon after the move"',
        '`relation_to_onset: before_onset`, `interval: short`',
    ),
    (
        '"her husband died recently" (onset not dated, or recent)',
        '`interval: short`',
    ),
    (
        '"the symptoms followed the kidnapping"; when it happened, or how long before she was '
        'seen, is not given',
        "`relation_to_onset: before_onset`, `interval: short`: \"followed\" ties it to the onset; "
        "only the date is missing",
    ),
    (
        '"the depression followed his dementia; the time between the two is not stated"',
        "`relation_to_onset: before_onset` alone: the gap to the onset itself is unknown",
    ),
    (
        '"his wife died a year before he was seen; the depression followed" (onset not dated)',
        '`months_before_intake: 12`, `relation_to_onset: before_onset`, `interval: short`',
    ),
    (
        '"the divorce was some time before the depression" (the order only)',
        '`relation_to_onset: before_onset`',
    ),
    (
        '"his father died when he was a boy"',
        '`relation_to_onset: before_onset`, `interval: long`',
    ),
]
"""How the notes place an event or a death, and what to write (the timeline table)."""

_READING_ROWS: list[tuple[str, str]] = [
    (
        '"someone close to her", "his best friend" (no circle drawn)',
        '`ring: 2` ("closest", "could not do without": `ring: 1`), with `ring_estimated: true`',
    ),
    (
        '"the relationship that matters most to him now", "the most important person in her '
        'life"',
        "`ring: 1` with `ring_estimated: true`: the circle places people by how much they "
        "matter",
    ),
    (
        '"what troubles her most is her marriage", "his main worry is the new job"',
        "`main_concern: [husband]`, `main_concern: [ev-new-job]`: the ids of the people or "
        "events the client names, never an area (an explicit rating of an area goes in "
        "`importance`)",
    ),
    (
        '"very supportive", "her rock", "the one she turns to"',
        "`support: high` (plain \"supportive\", \"helps when asked\": `moderate`)",
    ),
    (
        "someone at work whose rank is not stated",
        "`relationship: colleague`, with `contact` when the text says how often they meet",
    ),
    (
        '"she says she has no one to talk to"',
        "`network.has_confidant: false` (and `confidant: true` on a person who is one)",
    ),
    (
        '"no close friends, ever", "very few people in his life" for years',
        '`network.longstanding_isolation: true`',
    ),
    (
        '"she stopped going to church", "sees friends less since she became depressed"',
        "on those people `change_at_onset: lost_contact` or `less_contact`, and "
        "`network.withdrew_since_onset: true`; not an event (events are changes in the "
        "client's life, not the depression's own withdrawal)",
    ),
    (
        '"his friends drifted away", "contacts fell away in the lockdown"',
        "on those people `change_at_onset: less_contact` or `lost_contact`; not "
        "`withdrew_since_onset`, which is the client's own withdrawal",
    ),
    (
        '"her grief has not eased", "still grieving as if it were yesterday", "unresolved '
        'bereavement"',
        "`grief_signs: [grief_not_easing]` on the person who died (ordinary grief eases over a "
        "few months)",
    ),
    (
        '"blames herself for his death"; "cannot visit the grave or talk about her"',
        "`grief_signs: [excessive_guilt]`; `grief_signs: [avoids_reminders]`",
    ),
    (
        'a change of circumstances cut the client off from their usual social life ("the '
        'lockdown ended his daily contacts", "since the move she sees no one")',
        "an event of the client's own (`subject: client`, its `type`, or `other`) with "
        "`role_effects: [{role: community_member, change: changed}]` (`ended` when that life "
        "stopped altogether), besides `change_at_onset` on the people; not when the contacts "
        "fell away through the depression's own withdrawal or with a death alone",
    ),
    (
        'a stillbirth, or a baby who died after birth',
        "a person (`relationship: child`, `status: deceased`, `died`) and a `death` event; "
        "`miscarriage` is an early pregnancy loss",
    ),
    (
        '"she became his carer", "he lost his job when the firm closed"',
        'the event with `subject: client` (or the person it happened to) and `role_effects`',
    ),
    (
        '"she is still caring for him", "still adjusting to the move", "getting ready to run '
        'the new branch"',
        "`ongoing: true` on the event: the change is still unfolding when she is seen",
    ),
    (
        'a change under way: "she is looking for a new job", "they are preparing to emigrate"',
        "an event with `ongoing: true` and the `role_change` it is heading for (`old`, `new`); "
        "its `type` is what it will be (`new_job`, `migration`) only once it has happened",
    ),
    (
        '"her parents quarrelled when she was a child" (background)',
        "`notes`; an event only for what happened to the client (a `trauma`, a `death`) with "
        "`relation_to_onset: before_onset`, `interval: long`",
    ),
    (
        '"lifelong shyness, much worse since the panic two months ago"',
        "the onset is the start of the worsening being treated (`onset_months_before_intake: 2`) "
        "with `episode.longstanding_trait_recent_flare: true`",
    ),
    (
        '"an ongoing conflict with her mother", "relations are strained", "difficulties between '
        'them" (no degree given)',
        "`conflict: present`: a conflict described, its degree not (\"friction\" on its own, "
        "or friction the text plays down, \"occasional\", \"soon over\", is `low`)",
    ),
    (
        '"they argue", "arguments with her mother" (how often not said)',
        "`conflict: moderate` (the \"we argue\" anchor); `present` is for a conflict named "
        "without saying they argue",
    ),
    (
        '"no conflict is reported", "prior episodes: none reported" (nobody says either way)',
        "leave the field out; `conflict: none` only for \"they get on well\", \"no arguments\", "
        "`prior_episodes: 0` only for \"a first episode\"",
    ),
    (
        '"they argue about it but keep trying to sort it out"',
        '`engagement: negotiating` (the dispute stage renegotiation)',
    ),
    (
        '"they no longer talk about it", "a cold war", "nothing is moving"',
        "`engagement: stopped_talking` (impasse); with `conflict_style: covert` when "
        "resentment is kept back",
    ),
    (
        '"she has decided to leave him", "the marriage is over"',
        '`engagement: ending` (dissolution)',
    ),
    (
        '"resents them but says nothing"',
        '`resentment: unvoiced` (say `voiced` only when the text says she told them)',
    ),
    (
        '"he resents his brothers"; whether he told them is not said',
        "leave `resentment` out (the unmet expectation still goes in `expectations`)",
    ),
    (
        '"PTSD and major depression", treated with IPT for PTSD',
        "`diagnosis: ptsd`, `comorbidity: [major depression]`: the diagnosis is the disorder "
        "the IPT treats",
    ),
    (
        '"one admission for suicidal thoughts", "a suicidal crisis led to an emergency visit"',
        "`risk.past_suicidal_crisis: true` (`past_self_harm` is for self-harm or attempts)",
    ),
    (
        '"depressed" with no diagnosis named',
        'leave `diagnosis` out',
    ),
    (
        'pregnant, or within a year of a birth or a perinatal loss',
        '`population: perinatal`',
    ),
    (
        '"elderly", "late-life depression", aged 65 or over',
        '`population: older_adult`',
    ),
    (
        '"a woman", "a young man" with no age given',
        "`population: adult` (an adolescent or an older adult is named as one)",
    ),
    (
        'weekly IPT together with an antidepressant',
        '`format: combined`; `brief` is a shortened course (8 sessions or fewer)',
    ),
    (
        '"moved abroad for her husband\'s job recently; how long ago is not stated"',
        "`description: moved abroad for her husband's job` with `interval: short`: the "
        "description is the phrase every sentence names the event by, the patient's "
        "statement included; what the notes leave out is left out of the fields, not "
        "written into the description",
    ),
]
"""Phrases of case write-ups and the fields that record them."""


def _table(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"| {said} | {write} |" for said, write in rows)


_INTRO = """\
# Case format (version 2)

<!-- Generated by `python -m iptformulate.docsgen` from the case model; do not edit by hand. -->

A **case** is one client's *interpersonal inventory*: the review of the important people in
the client's life, and of what those relationships are like, that the IPT therapist gathers in
the initial sessions and uses to choose the problem area (grief, role dispute, role transition,
interpersonal deficits). It is the only input of a formulation. A case file is YAML (`.yaml`,
`.yml`) or JSON (`.json`); a `.jsonl` file holds one case per line. Start every file with
`format_version: 2`; `iptformulate validate FILE` checks it without formulating.

## Say only what was recorded

**Leave a field out when the notes do not say it.** Left out means *unknown*, and unknown is
never read as a fact: the rules do not fire on it, scores do not rise on it, and the
formulation lists the unknowns its rules would read under *ask next*. `population`,
`diagnosis`, `format`, `episode.prior_episodes` and a person's `status` have no default. For
lists, `[]` means "none" and leaving the field out means "not stated" (`comorbidity: []` says
there is none; no `comorbidity` says nobody asked). For yes/no fields, `false` is a finding
("has no confidant") and leaving it out is not.

Files without `format_version` are **format 1**, where those five fields had defaults (adult,
major depression, standard format, no prior episodes, alive). Such a file still loads: it is
upgraded in memory by writing exactly those defaults in, so it means what it meant before, and
the formulation and `iptformulate validate` list what was assumed. `iptformulate upgrade
FILE...` rewrites the files in format 2 with the assumptions written out for you to correct.

## The people and the closeness circle

One record per significant person (`people`). The client places each person on a ring of the
closeness circle by how close they feel (`ring`): **1** the closest (the people the client could
not imagine life without: often partner, a parent, a best friend), **2** close and important,
**3** people who matter but are not close, **4** acquaintances who still matter (a boss, a
neighbour). `ideal_ring` is where the client would like them. When the clinician placed the
person from the narrative instead of the client, add `ring_estimated: true`.

The levels, with everyday anchors:

- `support`: `none` never turns to them, or they never help; `low` a little practical or
  emotional help now and then; `moderate` "supportive", helps when asked; `high` the client's
  main support.
- `conflict`: `none` no disagreement; `low` occasional friction, soon over; `moderate` "we
  argue" about a recurring matter; `high` "constant rows", or a struggle that dominates the
  relationship (open or not: see `conflict_style`); `present` when the notes describe a
  conflict but not its degree (the rules then ask how strong it is).

Frequencies (`contact`, `conflict_frequency`): `daily`; `weekly` ("several times a week" is
weekly); `monthly`; `rarely` (a few times a year); `never`.

**Disputes as clinicians describe them.** `conflict_style` says whether disagreement is
`open` (rows, raised voices), `covert` (unspoken: resentment, silence, a cold war), `both` or
`none`; `gives_in` who usually yields ("he never speaks up": `client`); `resentment` whether
the client's resentment is `voiced` or `unvoiced` ("she resents that they don't help but says
nothing": `unvoiced`); `contact_stopped: true` for "they stopped talking". Each expectation has a
`holder` and `met`, and `met` may be left out when it is not known.

## The timeline

Every event and every death (`died`) is placed the way case notes place it, with whichever
one of these the notes give; each may carry `approximate: true`:

| the notes say | write |
|---|---|
<<TIMELINE_ROWS>>

`interval` says in words how far the event lies from the onset when the notes give no number:
`short` means within the months around the onset (the profile's onset window), `long` means
years away; add `relation_to_onset` when the notes give the order. When the notes present the
event as what the episode followed ("followed", "after … she became depressed", "since"), they
tie the onset to it: that is `short`. When they give only the order ("some time before", "at
some point before"), or say the interval is not known, write `relation_to_onset` alone; an
event the notes do not place at all gets no timing. A timing placed in months from onset
needs no `interval`, and the two together are refused; so is an `interval` beside a date or
months before intake that the onset already places. While the onset is not dated, a date or
months before intake say *when* but not how near the onset: then the words still count ("died
a year before he was seen; the depression followed": `months_before_intake: 12`,
`relation_to_onset: before_onset`, `interval: short`).

The onset itself is `episode.onset_date`, or `episode.onset_months_before_intake` ("onset about
three months ago": `3` with `onset_approximate: true`), or left out when unknown. The library
derives months from onset as follows: a date is compared with the onset date; months before
intake are subtracted from the onset's months before intake (a death 6 months before intake,
with onset 4 months before intake, is at −2); when the onset is unknown, the interval stays
unknown. Timings given twice must agree to within a month. The rules see the derived offset,
whether it falls in the profile's onset window, how near to onset it is (a rank: within a
month, three months, six months, elsewhere in the window, outside it; a short interval in
words counts as in the window with its distance unknown, a long one as outside it) and, when
only the side of onset is known, that side (see docs/facts.md).

**Whose event is it?** `subject` is `client` for the client's own event, or the id of the
person it happened to (a spouse's stroke: `subject: husband`). `role_effects` says which of the
client's roles it started, ended or changed: a spouse's stroke that made the client a carer is
`role_effects: [{role: carer, change: started}]`; a friend's emigration that took away the
client's confidant is `[{role: has_confidant, change: ended}]`. Another person's event counts
as a change in the client's life only through a role effect.

## Reading a case write-up

Published cases and referral letters say things in ways the fields do not name. Record what
the text says, in these fields; where the text is silent, leave the field out.

| the text says | write |
|---|---|
<<READING_ROWS>>

## What the rules read, and what is for the report only

The rules read the closed-vocabulary fields, numbers and yes/no answers above. **Free text is
never read by any rule**: `name`, `notes`, `description`, `patient_words`, `activities`,
`liked`, `disliked`, `desired_change`, `relationship_detail`, `attachment_notes`, expectation
`text`, `role_change.old/new` (only whether one is named), `culture` text, and the items of
`comorbidity`, `medical_illness` and `medication` (only whether any are recorded). They go to
the report as written, so put the decisive nuance in a structured field when one exists.
`severity`, `other_severities`, `culture` and `dilemma` are shown in the report; `risk` is used
for warnings (a missing risk screen is itself warned about); `social_rhythm` feeds the IPSRT
plan. Free text is kept as written (normalised to Unicode NFC) but **never** shown in an error
message or a log: errors name the file, the case id, the field path and what was expected. Ids
(`id` of the case, of people and of events) *are* shown, so use codes or role labels (`mother`,
`p1`), never names.

Unknown fields are rejected, so a misspelt field name is an error rather than silently ignored.
The same format is available as JSON Schema from `iptformulate schema case`, for intake forms
and editors; the cross-field rules under "Validation rules" are checked by iptformulate only.

Types: *text* is free text (up to 4000 characters); *id* is 1-64 letters, digits, `_`, `.` or
`-`, starting with a letter or digit; *date* is an ISO date (`YYYY-MM-DD`). An optional field
may be left out or set to `null`.
"""

_RULES: tuple[str, ...] = (
    "**Unknown person reference**: every id in an event's `people` must be the `id` of a person "
    "in `people` (reported at `events[i].people[j]`); so must an event's `subject` unless it is "
    "`client` (reported at `events[i].subject`).",
    "**Duplicate ids**: person ids, event ids, and ids shared by a person and an event are "
    "errors (reported at `people[i].id` or `events[i].id`); `client` is reserved.",
    "**Death date for a living person**: `died` is only allowed when `status` is `deceased` "
    "(reported at `people[i].died`); likewise a `death` event may only involve deceased people "
    "(reported at `events[i].people`).",
    "**Grief signs on a living person**: `grief_signs` describe a reaction to a death and need "
    "`status: deceased` (reported at `people[i].grief_signs`).",
    "**Timings disagree**: when an event or a death gives more than one of `date`, "
    "`months_from_onset` and `months_before_intake`, they must agree to within one month "
    "(reported at the second); `relation_to_onset` must match the months when both are "
    "given; `interval` is refused beside `months_from_onset`, beside a date or "
    "`months_before_intake` that the onset places, and as `long` beside "
    "`relation_to_onset: at_onset`; likewise `episode.onset_date` and "
    "`episode.onset_months_before_intake`.",
    "**Onset after intake**: `episode.onset_date` may not be after `episode.intake_date`.",
    "**Dated event after intake**: an event or death dated more than a month after "
    "`episode.intake_date` cannot be recorded (reported at `...date`).",
)

EXAMPLE_NARRATIVE = """\
*The notes:* Ms D, 42, was referred with depression (PHQ-9 17) that began about four months
before her first session, two months after her mother died; she has had no earlier episode. She
avoids her mother's flat and keeps busy. Her partner Sam is supportive but they argue every
week about clearing the flat; she wants his help and he wants things back to how they were;
she usually gives in and says nothing. She went part-time at work about two months after the
onset. She denies suicidal thoughts and has never harmed herself.
"""

EXAMPLE_CASE = """\
format_version: 2
id: demo-001
age: 42
population: adult
diagnosis: major_depression
severity: {instrument: phq9, score: 17}
patient_words: "Since Mum died I can't get going; the house is too quiet."
episode:
  onset_months_before_intake: 4
  onset_approximate: true
  intake_date: 2024-03-15
  chronicity: acute
  prior_episodes: 0
people:
  - id: mother
    name: Mum
    relationship: parent
    ring: 1
    status: deceased
    died: {months_before_intake: 6}
    grief_signs: [avoids_reminders, keeps_busy]
    change_at_onset: ended
  - id: partner
    name: Sam
    relationship: partner
    ring: 2
    ideal_ring: 1
    status: alive
    contact: daily
    support: moderate
    conflict: moderate
    conflict_frequency: weekly
    conflict_style: both
    gives_in: client
    resentment: unvoiced
    expectations:
      - {holder: client, text: Help clearing Mum's flat, met: false}
      - {holder: other, text: Back to how things were, met: false}
    knows_about_depression: true
events:
  - id: ev-death
    type: death
    subject: mother
    months_before_intake: 6
    people: [mother]
    valence: negative
    ongoing: true
  - id: ev-hours
    type: new_job
    subject: client
    months_from_onset: 2
    approximate: true
    valence: mixed
    role_change: {old: full-time nurse, new: part-time nurse}
    role_effects: [{role: worker, change: changed}]
network:
  withdrew_since_onset: true
  assertiveness: low
importance: {grief: very, role_dispute: somewhat}
risk: {suicidal_ideation: none, past_self_harm: false}
"""


class DocsError(Exception):
    """The model cannot be documented (a field has no meaning, a note is stale)."""


def render_case_format() -> str:
    """The full text of docs/case-format.md."""
    _check_notes()
    Case.model_validate(yaml.safe_load(EXAMPLE_CASE))  # the example must stay valid
    intro = _INTRO.replace("<<TIMELINE_ROWS>>", _table(_TIMELINE_ROWS))
    parts = [intro.replace("<<READING_ROWS>>", _table(_READING_ROWS))]
    for model in MODELS:
        parts.append(_model_section(model))
    parts.append("## Validation rules\n\nBesides each field's type, a case must satisfy:\n")
    parts.append("".join(f"- {rule}\n" for rule in _RULES))
    parts.append(
        "\n## Worked example: from narrative to file\n\n"
        f"{EXAMPLE_NARRATIVE}\n*The file* (what the notes do not say is left out: Sam's "
        "confidant role, the size of her network, how their arguments end):\n\n"
        f"```yaml\n{EXAMPLE_CASE}```\n"
    )
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the page to the path given, or to docs/case-format.md of the repository."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1:
        print("usage: python -m iptformulate.docsgen [OUTPUT.md]", file=sys.stderr)
        return 2
    target = Path(args[0]) if args else default_output()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_case_format(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def default_output() -> Path:
    """docs/case-format.md of the source checkout this module runs from, else of the current
    directory (an installed copy has no repository beside it)."""
    here = Path(__file__).resolve()
    if here.parents[1].name == "src":
        return here.parents[2] / "docs" / "case-format.md"
    return Path.cwd() / "docs" / "case-format.md"


def _check_notes() -> None:
    known = {f"{m.__name__}.{name}" for m in MODELS for name in m.model_fields}
    stale = sorted(set(_FIELD_NOTES) - known)
    if stale:
        raise DocsError(f"_FIELD_NOTES names fields the model does not have: {', '.join(stale)}")


def _model_section(model: type[BaseModel]) -> str:
    doc = " ".join((model.__doc__ or "").split())
    lines = [
        f"## {model.__name__}",
        "",
        doc,
        "",
        "| Field | Type | Required / default | Meaning |",
        "|---|---|---|---|",
    ]
    for name, info in model.model_fields.items():
        meaning = _meaning(model, name, info)
        row = (
            f"`{name}`",
            _render_type(info.annotation, info.metadata),
            _render_default(info),
            meaning,
        )
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def _meaning(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    key = f"{model.__name__}.{name}"
    # an inherited field (LifeEvent's timing comes from When) keeps its base's note
    notes = (_FIELD_NOTES.get(f"{base.__name__}.{name}") for base in model.__mro__)
    text = info.description or next(filter(None, notes), None)
    if not text:
        raise DocsError(f"field {key} has no description and no entry in _FIELD_NOTES")
    return " ".join(text.split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _constraints(metadata: Sequence[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found.update(_constraints(item.metadata))
        elif isinstance(item, annotated_types.Ge):
            found["ge"] = item.ge
        elif isinstance(item, annotated_types.Le):
            found["le"] = item.le
        elif isinstance(item, annotated_types.MaxLen):
            found["max_length"] = item.max_length
        elif getattr(item, "pattern", None) is not None:
            found["pattern"] = item.pattern
    return found


def _values(values: Sequence[Any]) -> str:
    return "one of " + ", ".join(f"`{v}`" for v in values)


def _render_type(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _render_type(args[0], [*metadata, *annotation.__metadata__])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return " or ".join(_render_type(a) for a in inner)
    if origin is typing.Literal:
        return _values(args)
    limits = _constraints(metadata)
    if origin is list:
        text = f"list of {_render_type(args[0])}"
        if "max_length" in limits:
            text += f" (at most {limits['max_length']})"
        return text
    if origin is dict:
        return f"mapping from {_render_type(args[0])} to {_render_type(args[1])}"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return _values([member.value for member in annotation])
        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
        if annotation is bool:
            return "`true` / `false`"
        if annotation is int:
            if "ge" in limits and "le" in limits:
                return f"integer {limits['ge']} to {limits['le']}"
            return "integer"
        if annotation is str:
            return "id" if "pattern" in limits else "text"
        if annotation is dt.date:
            return "date"
    raise DocsError(f"no rendering for the type {annotation!r}")


def _render_default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        factory: Any = info.default_factory
        if factory is list:
            return "optional, default `[]`"
        if factory is dict:
            return "optional, default `{}`"
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            return "optional, default empty"
        raise DocsError(f"no rendering for the default factory {factory!r}")
    default = info.default
    if default is None:
        return "optional"
    if isinstance(default, bool):
        return f"optional, default `{str(default).lower()}`"
    if isinstance(default, enum.Enum):
        return f"optional, default `{default.value}`"
    return f"optional, default `{default}`"


if __name__ == "__main__":
    raise SystemExit(main())
