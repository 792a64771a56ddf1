"""News feeds in Django's admin: settings, how the last fetch went, and "Fetch now".

Saving goes through the importer's services (the posting member joins the News feeds group,
a re-addressed or reactivated feed is due at once); the fetch state is read-only. "Fetch now"
(a button on a feed's page, and an action on the list) hands the fetch to the job queue, since
no web request waits on someone else's server; where jobs run inline it has already happened
when the page comes back, and the message says what it did."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Field, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from parley.accounts.models import Member
from parley.core import jobs
from parley.feeds import tasks
from parley.feeds.importer import services
from parley.feeds.importer.arguments import NEWSROOM
from parley.feeds.models import ImportedEntry, NewsFeed
from parley.permissions.guardian import perms_for

STATUS_FIELDS = [
    "last_fetch_at",
    "last_result",
    "last_error_at",
    "last_error",
    "failure_count",
    "next_fetch_at",
    "entries_imported",
]
# A typed address without a scheme is taken as https (Django 6's default).
URL_FIELDS: dict[type[Field[Any, Any]], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


def _actor(request: HttpRequest) -> Member:
    if not isinstance(request.user, Member):
        raise PermissionDenied
    return request.user


class NewsFeedForm(ModelForm[NewsFeed]):
    """The services' own checks, so a refused setting shows under its field."""

    def clean_url(self) -> str:
        return services.clean_feed_url(self.cleaned_data["url"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member, forum = data.get("member"), data.get("forum")
        if member is not None and forum is not None:
            try:
                services.check_feed_settings(
                    member=member,
                    forum=forum,
                    interval_minutes=data.get("interval_minutes") or 0,
                    excerpt_chars=data.get("excerpt_chars") or 0,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(NewsFeed)
class NewsFeedAdmin(admin.ModelAdmin[NewsFeed]):
    form = NewsFeedForm
    formfield_overrides = URL_FIELDS
    change_form_template = "admin/feeds/newsfeed/change_form.html"
    list_display = [
        "__str__",
        "forum",
        "member",
        "is_active",
        "last_fetch_at",
        "last_result",
        "has_error",
        "entries_imported",
    ]
    list_filter = ["is_active", "forum"]
    search_fields = ["url", "source_name"]
    raw_id_fields = ["member"]  # a board's members are too many for one select
    actions = ["fetch_now"]

    class Media:
        css = {"all": ["feeds/admin.css"]}

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "url",
                    "source_name",
                    "forum",
                    "member",
                    "prefix",
                    "interval_minutes",
                    "excerpt_chars",
                    "is_active",
                ],
                "description": "The posting member joins the “News feeds” group, which skips "
                "flood control, duplicate checks and approval (a feed posts several stories at "
                "once). A Newsroom account made for the purpose is the usual choice.",
            },
        ),
        ("Last fetch", {"fields": [*STATUS_FIELDS]}),
    ]
    readonly_fields = STATUS_FIELDS

    @admin.display(description="Error", boolean=True)
    def has_error(self, feed: NewsFeed) -> bool:
        return bool(feed.failure_count)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        newsroom = Member.objects.filter(username=NEWSROOM).first()
        if newsroom is not None:
            initial.setdefault("member", str(newsroom.pk))
        return initial

    def save_model(
        self, request: HttpRequest, obj: NewsFeed, form: ModelForm[NewsFeed], change: bool
    ) -> None:
        if change:
            services.update_feed(actor=_actor(request), feed=obj)
            return
        created = services.register_feed(
            actor=_actor(request),
            url=obj.url,
            forum=obj.forum,
            member=obj.member,
            prefix=obj.prefix,
            source_name=obj.source_name,
            interval_minutes=obj.interval_minutes,
            excerpt_chars=obj.excerpt_chars,
            is_active=obj.is_active,
        )
        obj.pk = created.pk
        obj.next_fetch_at = created.next_fetch_at

    def delete_model(self, request: HttpRequest, obj: NewsFeed) -> None:
        services.delete_feeds(actor=_actor(request), feeds=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[NewsFeed]) -> None:
        services.delete_feeds(actor=_actor(request), feeds=list(queryset))

    # --- Fetch now ------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        fetch = self.admin_site.admin_view(require_POST(self.fetch_view))
        return [
            path("<int:feed_id>/fetch/", fetch, name="feeds_newsfeed_fetch"),
            *super().get_urls(),
        ]

    def fetch_view(self, request: HttpRequest, feed_id: int) -> HttpResponse:
        feed = get_object_or_404(NewsFeed, pk=feed_id)
        if not self.has_change_permission(request, feed):
            raise PermissionDenied
        self._fetch(request, [feed])
        return HttpResponseRedirect(reverse("admin:feeds_newsfeed_change", args=[feed.pk]))

    @admin.action(description="Fetch now")
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[NewsFeed]) -> None:
        self._fetch(request, list(queryset))

    def _fetch(self, request: HttpRequest, feeds: list[NewsFeed]) -> None:
        if not perms_for(_actor(request)).is_admin:
            raise PermissionDenied("Only administrators manage news feeds.")
        asked = timezone.now()
        for feed in feeds:
            if not jobs.safe_enqueue(tasks.fetch_feed, feed.pk):
                messages.error(
                    request,
                    f"Could not fetch {feed}: the job queue is unavailable. Try again shortly, "
                    f"or run `parley feeds fetch {feed.pk}`.",
                )
                continue
            feed.refresh_from_db()
            if feed.last_fetch_at is not None and feed.last_fetch_at >= asked:
                if feed.last_error_at == feed.last_fetch_at:
                    messages.error(request, f"Fetching {feed} failed: {feed.last_error}")
                else:
                    messages.success(request, f"Fetched {feed}: {feed.last_result}")
            else:
                messages.info(
                    request,
                    f"Fetching {feed} is queued: the job worker fetches it in a moment. Reload "
                    "this page to see what it did.",
                )


@admin.register(ImportedEntry)
class ImportedEntryAdmin(admin.ModelAdmin[ImportedEntry]):
    """Read-only: what the importer has seen, and where each entry went."""

    formfield_overrides = URL_FIELDS
    list_display = ["title", "source_name", "imported_at", "published_at", "grouped", "thread"]
    list_filter = ["grouped", "feed"]
    search_fields = ["title", "link"]
    readonly_fields = [
        "feed",
        "title",
        "link",
        "source_name",
        "published_at",
        "imported_at",
        "thread",
        "post",
        "grouped",
    ]
    exclude = ["guid_key", "link_key", "fingerprint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportedEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportedEntry | None = None) -> bool:
        return False  # dedupe remembers every entry; a deleted row would be posted again
