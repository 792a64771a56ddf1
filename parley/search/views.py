"""`/search/`: the form, and its results when there are words to look for."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from parley.core import params
from parley.permissions.http import ParleyRequest
from parley.search import queries
from parley.search.forms import SearchForm
from parley.search.terms import parse_query

PAGE_PARAM_MAX_DIGITS = 4  # results stop at RESULTS_CAP: longer page numbers are junk


def search(request: ParleyRequest) -> HttpResponse:
    forums = queries.forum_choices(request.perms)
    form = SearchForm(request.GET if "q" in request.GET else None, forums=forums)
    context: dict[str, Any] = {"form": form, "results": None}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        parsed = parse_query(form.cleaned_data["q"])
        context["notes"] = parsed.notes
        if parsed.terms:
            page = params.parse_int(
                request.GET.get("page", ""), minimum=1, maximum=10**PAGE_PARAM_MAX_DIGITS - 1
            )
            context["results"] = queries.search(
                request.perms, parsed, form.filters(), page=page or 1
            )
            kept = [(k, v) for k, vs in request.GET.lists() if k != "page" for v in vs]
            context["page_query"] = "?" + urlencode(kept) + "&"
        else:
            context["no_words"] = True
    return render(request, "search/search.jinja", context)
