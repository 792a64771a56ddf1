from django import forms

from parley.moderation.models import REPORT_MESSAGE_MAX_CHARS, ReportEntry


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=ReportEntry.REASONS, widget=forms.RadioSelect)
    message = forms.CharField(
        required=False,
        max_length=REPORT_MESSAGE_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything the moderators should know.",
    )
