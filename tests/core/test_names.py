"""
Names refuse bidi controls and other invisible format characters; pages show old rows' ones as markers.
"""

from __future__ import annotations

import importlib.util
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from idv_core import api, names
from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.models import VerificationAttempt

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# "Mahdizadeh" in Persian: a ZERO WIDTH NON-JOINER between two letters is part of its spelling.
PERSIAN = "\u0645\u0647\u062f\u06cc\u200c\u0632\u0627\u062f\u0647"
BIDI_CONTROLS = [chr(point) for point in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]

# Names as people write them: letters and marks of any script, spaces, apostrophes, hyphens, dots.
name_characters = st.one_of(st.characters(categories=["L", "M"]), st.sampled_from(" '-.\u2019"))
plain_names = st.text(name_characters, min_size=1, max_size=60).filter(lambda text: text.strip())
# Every invisible format character (Cf) and separator (Zl, Zp), the bidi controls among them.
invisible = st.one_of(st.sampled_from(BIDI_CONTROLS), st.characters(categories=["Cf", "Zl", "Zp"]))


def _with_inserted(name: str, character: str, position: int) -> str:
    position %= len(name) + 1
    return name[:position] + character + name[position:]


@pytest.mark.django_db
@FUZZ
@given(name=plain_names, character=invisible, position=st.integers(min_value=0))
def test_a_name_with_an_invisible_format_character_is_refused_and_nothing_is_written(
    user, name, character, position
):
    candidate = _with_inserted(name, character, position)
    # The joiners alone are allowed between two letters (Persian, Indic scripts): that case is tested below.
    assume(names.invisible_characters(candidate.strip()))
    with pytest.raises(VerificationAttemptInvalidName) as refused:
        api.create_verification_attempt(user, candidate, "created")
    assert f"U+{ord(character):04X}" in str(refused.value)
    # The message is made of the code points alone: it never repeats the name (PII).
    assert str(refused.value) == names.invisible_characters_message(
        names.invisible_characters(candidate.strip())
    )
    assert not VerificationAttempt.objects.exists()


@pytest.mark.django_db
@FUZZ
@given(name=plain_names)
def test_a_name_of_letters_marks_and_punctuation_is_stored_as_given(user, name):
    attempt_id = api.create_verification_attempt(user, name, "created")
    assert api.get_verification_attempt(attempt_id).name == name.strip()


@pytest.mark.django_db
@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_every_bidi_control_is_refused_on_create_and_update(user, control):
    with pytest.raises(VerificationAttemptInvalidName, match=f"U\\+{ord(control):04X}"):
        api.create_verification_attempt(user, f"Ada{control}ecalevoL", "created")
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    with pytest.raises(VerificationAttemptInvalidName, match="invisible format characters"):
        api.update_verification_attempt(attempt_id, name=f"{control}ecalevoL adA")
    assert api.get_verification_attempt(attempt_id).name == "Ada Lovelace"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [PERSIAN, "शिक्\u200dषा", "Ada\u0301 Lovelace"],
    ids=["persian-zwnj", "devanagari-zwj", "combining-acute"],
)
def test_joiners_between_letters_and_combining_marks_are_allowed(user, name):
    assert api.get_verification_attempt(api.create_verification_attempt(user, name, "created")).name == name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u200cAda", "Ada\u200d", "Ada \u200c Lovelace", "Ada\u200c\u200cLovelace"])
def test_a_joiner_not_between_two_letters_is_refused(user, name):
    with pytest.raises(VerificationAttemptInvalidName, match=r"U\+200[CD]"):
        api.create_verification_attempt(user, name, "created")


def test_the_message_lists_at_most_three_code_points():
    found = names.invisible_characters("A\u202eB\u2066C\u200bD\u00adE\u202e")
    assert found == ["U+202E", "U+2066", "U+200B", "U+00AD"]
    assert "U+202E, U+2066, U+200B, ...:" not in names.invisible_characters_message(found)
    assert "it has U+202E, U+2066, U+200B, ...." in names.invisible_characters_message(found)


@given(text=st.text(max_size=80))
def test_for_display_leaves_no_control_or_hidden_character(text):
    shown = names.for_display(text)
    assert names.invisible_characters(shown) == []
    assert not any(unicodedata.category(character) == "Cc" for character in shown)


@given(name=plain_names)
def test_for_display_leaves_a_plain_name_unchanged(name):
    assert names.for_display(name) == name


def test_for_display_shows_markers():
    assert names.for_display("\u202eecalevoL adA\t") == "[U+202E]ecalevoL adA[U+0009]"
    assert names.for_display(PERSIAN) == PERSIAN


# --- staff pages and the learner's page show an old row's bidi override as a marker -------------------


@pytest.fixture
def old_disguised_attempt(user, make_user):
    """An attempt whose name was written with a bidi override before the API refused them."""
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    api.update_verification_attempt(attempt_id, status="pending", changed_by=make_user(is_staff=True))
    VerificationAttempt.objects.filter(pk=attempt_id).update(name="\u202eecalevoL adA")
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    attempt._change_reason = "an old write"
    attempt.save()  # a history row with the disguised name, as old rows have
    return attempt_id


@pytest.mark.django_db
def test_the_admin_shows_the_marker_never_the_raw_override(client, make_user, old_disguised_attempt):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    base = f"/admin/idv_core/verificationattempt/{old_disguised_attempt}"
    version = VerificationAttempt.history.filter(id=old_disguised_attempt).latest("history_date").history_id
    for url in (f"{base}/change/", f"{base}/history/", f"{base}/history/{version}/"):
        page = client.get(url).content.decode()
        assert "\u202e" not in page, url
        # The history list shows the changed values from django-simple-history 3.5 on (not on the floor).
        if not url.endswith("/history/") or importlib.util.find_spec("simple_history.template_utils"):
            assert "[U+202E]ecalevoL adA" in page, url
    assert VerificationAttempt.objects.get(pk=old_disguised_attempt).name == "\u202eecalevoL adA"  # data kept


@pytest.mark.django_db
def test_the_status_page_shows_the_marker(client, user, old_disguised_attempt):
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert "[U+202E]ecalevoL adA" in page
    assert "\u202e" not in page
