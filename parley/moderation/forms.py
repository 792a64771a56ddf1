from django import forms

from parley.moderation.models import REPORT_MESSAGE_MAX_CHARS, ReportReason


class ReportForm(forms.Form):
    reason = forms.ModelChoiceField(
        queryset=ReportReason.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Please choose the rule this post breaks."},
    )
    message = forms.CharField(
        required=False,
        max_length=REPORT_MESSAGE_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything the moderators should know.",
    )
