"""The search form: the words, and the filters XenForo offers (forum with its sub-forums,
member, date range, titles only, threads only, order)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.usernames import username_key
from parley.core.widgets import QuickSelect
from parley.search.queries import ForumChoice, SearchFilters, subtree_ids

MEMBER_MAX_CHARS = 100
# Dates outside these cannot be turned into times in every zone; nothing was posted then.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(9000, 12, 31)
ORDER_RELEVANCE = "relevance"
ORDER_NEWEST = "newest"


class DateInput(forms.DateInput):
    input_type = "date"


class QueryField(forms.CharField):
    """Any text at all is a search (`terms.parse_query` makes words of it): a NUL byte is a
    separator here, not a reason to refuse the form."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\x00", " ").strip()


class SearchForm(forms.Form):
    q = QueryField(label="Search for", required=False, strip=True)
    forum = forms.TypedChoiceField(
        label="In forum",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="",
        widget=QuickSelect,  # a board's every forum, each option otherwise its own template
    )
    member = forms.CharField(label="Posted by member", required=False, max_length=MEMBER_MAX_CHARS)
    date_from = forms.DateField(label="Posted from", required=False, widget=DateInput)
    date_to = forms.DateField(label="Posted until", required=False, widget=DateInput)
    titles_only = forms.BooleanField(label="Search titles only", required=False)
    threads_only = forms.BooleanField(label="Search first posts only (threads)", required=False)
    order = forms.ChoiceField(
        label="Order by",
        required=False,
        choices=[(ORDER_RELEVANCE, "Relevance"), (ORDER_NEWEST, "Newest first")],
        initial=ORDER_RELEVANCE,
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any = None, *, forums: list[ForumChoice], **kwargs: Any) -> None:
        if data is not None and not data.get("order"):
            data = data.copy()  # the default shows as chosen on a results page too
            data["order"] = ORDER_RELEVANCE
        super().__init__(data, **kwargs)
        self.forums = forums
        forum = self.fields["forum"]
        assert isinstance(forum, forms.TypedChoiceField)  # declared above
        forum.choices = [("", "Any forum")] + [
            (c.forum.pk, "\u00a0\u00a0" * c.depth + c.forum.title) for c in forums
        ]
        self.member_id: int | None = None

    def clean_member(self) -> str:
        name: str = self.cleaned_data["member"]
        if name:
            member = Member.objects.filter(username_key=username_key(name)).only("id").first()
            if member is None:
                raise ValidationError("No member is called that.", code="no_member")
            self.member_id = member.pk
        return name

    def _check_date(self, name: str) -> date | None:
        day: date | None = self.cleaned_data[name]
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ValidationError(
                f"Choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.",
                code="date_range",
            )
        return day

    def clean_date_from(self) -> date | None:
        return self._check_date("date_from")

    def clean_date_to(self) -> date | None:
        return self._check_date("date_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("date_from"), data.get("date_to")
        if since and until and since > until:
            self.add_error("date_to", "This date is before the “from” date.")
        return data

    def filters(self) -> SearchFilters:
        """Only for a valid form. Dates are whole days in the reader's time zone."""
        data = self.cleaned_data
        forum_id = data["forum"]

        def start_of(day: date) -> datetime:
            return timezone.make_aware(datetime.combine(day, time.min))

        return SearchFilters(
            forum_ids=subtree_ids(self.forums, forum_id) if forum_id is not None else None,
            member_id=self.member_id,
            since=start_of(data["date_from"]) if data["date_from"] else None,
            until=start_of(data["date_to"] + timedelta(days=1)) if data["date_to"] else None,
            titles_only=data["titles_only"],
            threads_only=data["threads_only"],
            newest_first=data["order"] == ORDER_NEWEST,
        )
