from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import filetypes
from .signin import locked_message


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form; django-axes (supervision/signin.py) counts and refuses attempts, this form
    tells a locked-out user when the lockout ends."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            until = getattr(self.request, "signin_locked_until", None)
            if until is not None:
                raise forms.ValidationError(locked_message(until), code="locked") from None
            raise


def form_data(data):
    """Request data (a JSON object or a QueryDict) → what a Django form expects: strings, or lists of
    strings. A nested object becomes its text, which the field then refuses (400), never a crash."""
    if hasattr(data, "getlist"):
        return data
    from django.utils.datastructures import MultiValueDict

    out = MultiValueDict()
    for key, value in dict(data).items():
        if isinstance(value, list):
            out.setlist(key, [v if isinstance(v, str) else str(v) for v in value if v is not None])
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif value is not None:
            out[key] = value if isinstance(value, str) else str(value)
    return out


def validate_upload(upload) -> None:
    """Size limit and allowed types for every attachment (DESIGN §5)."""
    limit = settings.SUPERVISION["MAX_UPLOAD_BYTES"]
    allowed = {e.strip().lower() for e in settings.SUPERVISION["ALLOWED_UPLOAD_EXTENSIONS"]}
    name = getattr(upload, "name", "") or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise forms.ValidationError(_("不允许的文件类型“%(ext)s”，允许：%(allowed)s。")
                                    % {"ext": ext or "?", "allowed": "、".join(sorted(allowed))}, code="file_type")
    if upload.size > limit:
        raise forms.ValidationError(_("文件“%(name)s”超过 %(mb).0f MB 的上限。")
                                    % {"name": name, "mb": limit / 1024 / 1024}, code="file_size")
    detected = filetypes.detect(filetypes.read_head(upload))
    if not filetypes.matches(ext, detected):
        raise forms.ValidationError(
            _("文件“%(name)s”的内容与扩展名“%(ext)s”不符（可能是改了扩展名的其他文件），已拒绝。")
            % {"name": name, "ext": ext}, code="file_content")


class AttachmentField(forms.FileField):
    """A file field that enforces the upload size limit and type list."""

    default_validators = [validate_upload]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("附件"))
        super().__init__(**kwargs)


class CommentForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("意见/理由"), widget=forms.Textarea(attrs={"rows": 2}),
                              required=False)


class TownshipFilterForm(forms.Form):
    """A register's township filter on a hand-written filter bar (历史审计, cases, the routing
    register): a searchable select, not 1,000 ``<option>``s at province scale. The field is named
    ``field`` (``township`` by default); bind it to ``request.GET``."""

    township = forms.ModelChoiceField(label=gettext_lazy("乡镇"), required=False, empty_label=gettext_lazy("全部"),
                                      queryset=None)

    def __init__(self, *args, field: str = "township", **kwargs):
        from .autocomplete import AutocompleteSelect
        from .models import Region

        super().__init__(*args, **kwargs)
        if field != "township":
            self.fields[field] = self.fields.pop("township")
        field = self.fields[field]
        field.widget = AutocompleteSelect("township")
        field.queryset = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")
