"""The account forms. What defends them against abuse (the login cool-off, registration traps,
limits on account emails) is asked through `hooks.account_defences()`: moderation's, plugged in
at start-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from parley.accounts import hooks
from parley.accounts.models import TIME_ZONE_CHOICES, USERNAME_MAX_LENGTH, ColourScheme, Member
from parley.accounts.services import validate_chosen_username
from parley.core.widgets import QuickSelect


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": "Incorrect username, email or password. Passwords are case-sensitive.",
        "inactive": "This account is inactive.",
        "unconfirmed": "Please confirm your email address first: we sent a link to {email}.",
    }
    # Set when the password was right but the account still waits for its confirmation link:
    # the page then offers to send the link again.
    unconfirmed_email: str | None = None

    def clean(self) -> dict[str, Any]:
        login = self.cleaned_data.get("username") or ""
        return hooks.account_defences().guard_login(self.request, login, super().clean)

    def confirm_login_allowed(self, user: Member) -> None:
        """Checked only once the password is right, so the refusal tells nothing to someone
        who does not know it."""
        super().confirm_login_allowed(user)
        if user.email_confirmed_at is None:
            self.unconfirmed_email = user.email
            raise ValidationError(
                self.error_messages["unconfirmed"].format(email=user.email), code="unconfirmed"
            )


class RegisterForm(forms.Form):
    username = forms.CharField(
        max_length=USERNAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
        help_text=(
            "Letters of any alphabet, digits, spaces, dots, dashes, underscores and apostrophes."
        ),
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, initial="UTC", required=False, widget=QuickSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(hooks.account_defences().registration_fields())
        if not self.is_bound:  # a first visit: parley.js picks the browser's zone
            self.fields["time_zone"].widget.attrs["data-guess-zone"] = ""

    def clean_username(self) -> str:
        name = " ".join(self.cleaned_data["username"].split())
        validate_chosen_username(name)
        return name

    def clean_email(self) -> str:
        # Whether an account already uses the address is not said here: anyone could ask. The
        # registration service tells that account's owner by email instead.
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        hooks.account_defences().check_registration(self)
        if data.get("password"):
            # Checked even while the username or address is refused, so every problem is
            # listed at once (against what was typed, when it did not pass).
            typed = " ".join(str(self.data.get("username", "")).split())
            email = data.get("email") or str(self.data.get("email", "")).strip()
            candidate = Member(username=data.get("username") or typed, email=email)
            try:
                password_validation.validate_password(data["password"], candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return data

    def claim(self) -> bool:
        """Once the form is valid, just before registering: spend what the defences allow once
        (the form's time token). False refuses, with the reason added to the form."""
        return hooks.account_defences().claim_registration(self)

    def renew(self) -> None:
        """The form goes back to the member after the service refused: renew what was spent."""
        hooks.account_defences().renew_registration(self)


class _EmailRequestLimit(forms.Form):
    """A limit per client on requests that send an account email, with a clear message (the
    defences count every request, so it says nothing about the address typed). Takes the
    request as a keyword argument (the view passes it)."""

    SCOPE = ""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.request is not None and data.get("email"):
            refusal = hooks.account_defences().refuse_email_request(self.request, self.SCOPE)
            if refusal is not None:
                raise ValidationError(refusal, code="rate_limited")
        return data


class ResetRequestForm(_EmailRequestLimit, PasswordResetForm):
    """The lost-password form: Django's, limited per client and (silently) per address: past
    the address's share of account emails the page says "check your email" as always, and
    nothing is sent."""

    SCOPE = "password-reset"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not hooks.account_defences().count_account_email(self.cleaned_data["email"]):
            return
        super().save(*args, **kwargs)


class ConfirmationResendForm(_EmailRequestLimit, forms.Form):
    """Ask for a new email confirmation link: limited per client (with a message) and per
    address (silently, by the sending service); the answer is the same whether or not an
    account waits at the address."""

    SCOPE = "confirm-resend"

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="New email address")
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, member: Member, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.member = member

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise ValidationError("Your current password is not correct.")
        return password

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if Member.objects.filter(email__iexact=email).exclude(pk=self.member.pk).exists():
            raise ValidationError("An account with that email address already exists.")
        return email


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, widget=QuickSelect)
    is_invisible = forms.BooleanField(
        label="Hide my online status",
        required=False,
        help_text="You still count as a member online, but your name is not shown and you do "
        "not appear in the list of current visitors.",
    )
    # Not required: a form without it (an old page, a script) leaves the choice as it is.
    colour_scheme = forms.ChoiceField(
        label="Colour scheme",
        choices=ColourScheme.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="System follows your device's light or dark setting.",
    )
