from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.accounts import services
from parley.accounts.forms import (
    ConfirmationResendForm,
    EmailChangeForm,
    LoginForm,
    PreferencesForm,
    RegisterForm,
    ResetRequestForm,
)
from parley.accounts.models import Member
from parley.core import knobs
from parley.core.params import id_or_404
from parley.forums import queries
from parley.moderation import defences
from parley.permissions.http import MemberRequest, ParleyRequest


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else "/"


class BoardName:
    """Django's auth views put the request's host into `site_name` (there is no Sites app),
    over the board's name every other page shows: put the board's name back."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["site_name"] = knobs.SITE_NAME.get()
        return context


class LoginView(BoardName, auth_views.LoginView[LoginForm]):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        defences.remember_device(self.request, response, form.get_user())
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The right password for an account still waiting for its confirmation link: offer to
        # send the link again.
        context["unconfirmed_email"] = getattr(context.get("form"), "unconfirmed_email", None)
        return context


class PasswordResetView(BoardName, auth_views.PasswordResetView):
    form_class = ResetRequestForm

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        # The email's "your account on …" and subject: the board's name, not the host.
        return {"site_name": knobs.SITE_NAME.get()}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetConfirmView(BoardName, auth_views.PasswordResetConfirmView):
    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        # The new password starts the account's failure counters afresh (they are keyed by
        # it), and this browser, which just proved it reads the member's email, becomes a
        # known device that nobody else's failures can refuse.
        response = super().form_valid(form)
        defences.remember_device(self.request, response, form.user)
        # The reset link went to the member's address: an account still waiting for its
        # confirmation link needs it no more.
        services.confirm_email_by_reset(member=form.user)
        return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("index")
    form = RegisterForm(request.POST or None)
    allowance = defences.register_ip_allowance(request) if request.method == "POST" else None
    if allowance is not None and not allowance.allowed:
        form.add_error(None, defences.register_refusal(allowance))
    elif request.method == "POST" and form.is_valid() and form.claim():
        try:
            member = services.register_member_or_notify_owner(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                time_zone=form.cleaned_data.get("time_zone") or "UTC",
                login_url=request.build_absolute_uri(reverse("login")),
                reset_url=request.build_absolute_uri(reverse("password_reset")),
                confirm_url=_confirm_url_maker(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            form.renew()  # the one sent was spent
        else:
            # None: a confirmation link went to a new address, or the address has an account
            # and its owner was told by email. The same page either way.
            if member is None:
                return render(
                    request,
                    "accounts/register_check_email.html",
                    {"email": form.cleaned_data["email"]},
                )
            login(request, member, backend="parley.accounts.backends.NameOrEmailBackend")
            messages.success(request, f"Welcome, {member.username}! Your account is ready.")
            response = redirect(_next_url(request))
            defences.remember_device(request, response, member)
            return response
    return render(request, "accounts/register.html", {"form": form, "next": _next_url(request)})


def _confirm_url_maker(request: HttpRequest) -> Callable[[str], str]:
    return lambda token: request.build_absolute_uri(reverse("register-confirm", args=[token]))


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. Opening it changes nothing (mail scanners and link
    previews open links too, and would spend it): the page's button confirms the address,
    logs the member in on this browser (which becomes a known device, as after a login) and
    welcomes them. A bad, expired or already used link gets a page that can send a new one."""
    if request.method == "POST":
        member = services.confirm_email(token=token)
    else:
        member = services.member_for_confirmation(token)
    if member is None:
        return render(
            request,
            "accounts/register_confirm_invalid.html",
            {"form": ConfirmationResendForm(), "days": services.CONFIRMATION_DAYS},
            status=400,
        )
    if request.method == "GET":
        return render(request, "accounts/register_confirm.html", {"member": member})
    login(request, member, backend="parley.accounts.backends.NameOrEmailBackend")
    messages.success(
        request,
        f"Welcome, {member.username}! Your email address is confirmed and your account is ready.",
    )
    response = redirect("index")
    defences.remember_device(request, response, member)
    return response


@require_http_methods(["GET", "POST"])
def register_confirm_resend(request: HttpRequest) -> HttpResponse:
    """Ask for a new confirmation link. The answer is the same page whether or not an account
    waits at the address (and whether or not the address had its share of emails)."""
    if request.method == "POST":
        form = ConfirmationResendForm(request.POST, request=request)
        if form.is_valid():
            services.resend_confirmation_link(
                email=form.cleaned_data["email"], confirm_url=_confirm_url_maker(request)
            )
            return redirect("register-confirm-sent")
    else:
        form = ConfirmationResendForm(initial={"email": request.GET.get("email", "")[:254]})
    return render(request, "accounts/register_confirm_resend.html", {"form": form})


@require_GET
def register_confirm_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_confirm_sent.html")


def member_profile(request: ParleyRequest, member_id: str, slug: str | None = None) -> HttpResponse:
    member = (
        Member.objects.filter(pk=id_or_404(member_id), is_active=True)
        .exclude(email_confirmed_at=None)  # an account waiting for its link is nobody yet
        .first()
    )
    if member is None:
        raise Http404("No such member.")
    if slug != member.slug:
        return HttpResponsePermanentRedirect(member.get_absolute_url())
    return render(
        request,
        "accounts/member_profile.html",
        {
            "member": member,
            "recent_posts": queries.recent_posts_by(request.perms, member.pk),
            "show_last_seen": request.perms.can_see_last_seen(member),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: MemberRequest) -> HttpResponse:
    member = request.user
    prefs = PreferencesForm(
        request.POST if request.POST.get("form") == "prefs" else None,
        initial={
            "time_zone": member.time_zone,
            "is_invisible": member.is_invisible,
            "colour_scheme": member.colour_scheme,
        },
    )
    if prefs.is_bound and prefs.is_valid():
        services.update_preferences(
            member=member,
            time_zone=prefs.cleaned_data["time_zone"],
            is_invisible=prefs.cleaned_data["is_invisible"],
            colour_scheme=prefs.cleaned_data["colour_scheme"] or None,
        )
        messages.success(request, "Your preferences were saved.")
        return redirect("account")
    return render(
        request,
        "accounts/account.html",
        {"prefs": prefs, "session_count": services.session_count(member)},
    )


@login_required
@require_POST
def account_logout_others(request: MemberRequest) -> HttpResponse:
    ended = services.end_other_sessions(
        member=request.user, keep_session_key=request.session.session_key or ""
    )
    if ended:
        messages.success(
            request, f"Logged out of {ended} other session{'s' if ended != 1 else ''}."
        )
    else:
        messages.info(request, "You were not logged in anywhere else.")
    return redirect("account")


@login_required
@require_http_methods(["GET", "POST"])
def account_password(request: MemberRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(
            member=request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session_key=request.session.session_key or "",
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password was changed.")
        return redirect("account")
    return render(request, "accounts/account_password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_email(request: MemberRequest) -> HttpResponse:
    form = EmailChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_email(member=request.user, email=form.cleaned_data["email"])
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, "Your email address was changed.")
            return redirect("account")
    return render(request, "accounts/account_email.html", {"form": form})
