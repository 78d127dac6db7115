"""Page forms. They shape the input for the browser; ratings.services checks it again and has the last word."""

from __future__ import annotations

from django import forms

from ratings.models import DIMENSIONS, Dimension
from ratings.services import COMMENT_MAX, REASON_MAX, REPLY_MAX

STAR_CHOICES = [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)]
SCORE_CHOICES = [("", "Not rated"), *STAR_CHOICES]


class RatingForm(forms.Form):
    stars = forms.ChoiceField(choices=STAR_CHOICES, widget=forms.RadioSelect, label="Your rating")
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Comment (optional)",
        help_text="Plain text: what worked, what did not. Shown publicly with your name.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DIMENSIONS:
            self.fields[f"dim_{name}"] = forms.ChoiceField(
                choices=SCORE_CHOICES, required=False, label=Dimension(name).label
            )

    @property
    def dimension_fields(self):
        return [self[f"dim_{name}"] for name in DIMENSIONS]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "stars": data["stars"],
            "comment": data.get("comment", ""),
            "dimensions": {name: data.get(f"dim_{name}") or None for name in DIMENSIONS},
        }

    @staticmethod
    def field_for(path: str) -> str | None:
        """The form field a service error's JSON Pointer names."""
        if path.startswith("/dimensions/"):
            return f"dim_{path.rsplit('/', 1)[1]}"
        name = path.lstrip("/")
        return name if name in ("stars", "comment") else None

    @classmethod
    def initial_from(cls, rating) -> dict:
        if rating is None:
            return {}
        return {
            "stars": str(rating.stars),
            "comment": rating.comment,
            **{f"dim_{n}": str(v) if v else "" for n, v in rating.dimension_scores().items()},
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 3}), label="Public reply", help_text="Plain text."
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason",
        help_text="Recorded, and shown to the review's author.",
    )
