"""Forms for moderator actions: delete choices, move/merge/split targets, inline selections,
each with the shared optional reason (`moderation.forms.ReasonField`). Choices that depend on
the moderator come from the guardian (`perms.visible_target_forums`)."""

from __future__ import annotations

from typing import cast

from django import forms

from parley.core import params
from parley.forums.forms import EditPostForm
from parley.forums.models import TITLE_MAX_LENGTH, Forum, Prefix, Thread
from parley.moderation.forms import DaysField, ReasonField
from parley.permissions.guardian import Perms
from parley.permissions.guardian.moderation import INLINE_MAX_ITEMS

REDIRECT_DAYS = [  # how long a "Moved" stub stays in the old forum
    ("", "Keep it"),
    ("1", "1 day"),
    ("7", "1 week"),
    ("30", "1 month"),
]

# The inline moderation menus, as the bars under posts and threads list them ("…": a form
# follows). The bars start on CHOOSE_ACTION, so nothing happens by default.
CHOOSE_ACTION = "Choose an action…"
POST_ACTIONS = [
    ("delete", "Delete…"),
    ("undelete", "Undelete"),
    ("split", "Split into a new thread…"),
]
THREAD_ACTIONS = [
    ("delete", "Delete…"),
    ("undelete", "Undelete"),
    ("lock", "Lock"),
    ("unlock", "Unlock"),
    ("stick", "Stick"),
    ("unstick", "Unstick"),
    ("move", "Move…"),
    ("merge", "Merge…"),
]


REASON_HELP = "Shown to moderators and kept in the moderator log."


class ReasonForm(forms.Form):
    reason = ReasonField(required=False, help_text=REASON_HELP)


class DeleteForm(ReasonForm):
    """Soft delete, or for administrators (`allow_hard`) a permanent one."""

    hard = forms.TypedChoiceField(
        label="Delete",
        choices=[("0", "Hide it (can be undeleted)"), ("1", "Delete permanently")],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
        required=False,
        empty_value=False,  # type: ignore[arg-type]  # Django takes any value; the stubs say str
    )

    def __init__(self, *args: object, allow_hard: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not allow_hard:
            del self.fields["hard"]

    def is_hard(self) -> bool:
        return bool(self.cleaned_data.get("hard"))


class ModeratorEditForm(EditPostForm):
    """The author's edit form plus a reason, kept with the revision and in the log."""

    reason = ReasonField(label="Reason for editing", required=False, help_text=REASON_HELP)


class PrefixForm(forms.Form):
    # The stubs take a field named "prefix" for `BaseForm.prefix`; the form metaclass moves
    # declared fields into `base_fields`, so the form's own prefix stays None.
    prefix = forms.ModelChoiceField(  # type: ignore[assignment]
        queryset=Prefix.objects.all(), required=False, empty_label="(no prefix)"
    )


class _RedirectFields(forms.Form):
    redirect_days = DaysField(label="Keep the redirect for", choices=REDIRECT_DAYS)


class MoveForm(_RedirectFields):
    forum = forms.ModelChoiceField(queryset=Forum.objects.none(), empty_label=None)
    leave_redirect = forms.BooleanField(
        label="Leave a redirect in the old forum", required=False, initial=True
    )
    reason = ReasonField(required=False, help_text=REASON_HELP)

    field_order = ["forum", "leave_redirect", "redirect_days", "reason"]

    def __init__(self, *args: object, perms: Perms, thread: Thread, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        forum = cast("forms.ModelChoiceField[Forum]", self.fields["forum"])  # declared above
        forum.queryset = perms.visible_target_forums(Forum.objects.exclude(pk=thread.forum_id))


class MergeForm(_RedirectFields):
    """The target starts on the oldest thread, as XenForo's does: the merged thread then keeps
    the address and title it has had longest, which links elsewhere most likely point to."""

    target = forms.TypedChoiceField(
        label="Merge into",
        coerce=int,
        widget=forms.RadioSelect,
        help_text=(
            "The oldest thread is chosen for you. The thread you merge into keeps its title, "
            "address and forum; the others' posts join it."
        ),
    )
    leave_redirects = forms.BooleanField(
        label="Leave redirects where the other threads were", required=False
    )
    reason = ReasonField(required=False, help_text=REASON_HELP)

    field_order = ["target", "leave_redirects", "redirect_days", "reason"]

    def __init__(self, *args: object, threads: list[Thread], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        target = cast(forms.TypedChoiceField, self.fields["target"])  # declared above
        target.choices = [(t.pk, f"{t.title} (by {t.author_name})") for t in threads]
        if threads:
            target.initial = min(threads, key=lambda t: (t.created_at, t.pk)).pk


class SplitForm(forms.Form):
    title = forms.CharField(label="New thread title", max_length=TITLE_MAX_LENGTH)
    forum = forms.ModelChoiceField(queryset=Forum.objects.none(), empty_label=None)
    prefix = forms.ModelChoiceField(  # type: ignore[assignment]  # as in PrefixForm
        queryset=Prefix.objects.all(), required=False, empty_label="(no prefix)"
    )
    reason = ReasonField(required=False, help_text=REASON_HELP)

    def __init__(self, *args: object, perms: Perms, thread: Thread, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        forum = cast("forms.ModelChoiceField[Forum]", self.fields["forum"])  # declared above
        forum.queryset = perms.visible_target_forums(Forum.objects.all())
        forum.initial = thread.forum_id


class IdsField(forms.Field):
    """Checked ids (`ids=3&ids=7`): distinct positive integers, at most INLINE_MAX_ITEMS."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        distinct: set[int] = set()
        for raw in values:
            if (parsed := params.parse_id(raw)) is None:
                raise forms.ValidationError("Invalid selection.")
            distinct.add(parsed)
        ids = sorted(distinct)
        if len(ids) > INLINE_MAX_ITEMS:
            raise forms.ValidationError(f"Select at most {INLINE_MAX_ITEMS} items at once.")
        return ids

    def validate(self, value: list[int]) -> None:
        if not value:
            raise forms.ValidationError("Select something first.")


class InlineForm(forms.Form):
    """The checkbox selection and the chosen action (the first step of inline moderation)."""

    action = forms.ChoiceField(
        choices=[],
        label="Action",
        error_messages={
            "required": "Choose what to do with them.",
            "invalid_choice": "Choose one of the actions listed.",
        },
    )
    ids = IdsField()

    def __init__(self, *args: object, actions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        action = cast(forms.ChoiceField, self.fields["action"])  # declared above
        action.choices = [("", CHOOSE_ACTION), *actions]
