from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing further attempts after too many failures."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request)
        if throttle.is_locked(username, address):
            raise forms.ValidationError(_("登录失败次数过多，请 %(m)d 分钟后再试。")
                                        % {"m": settings.SUPERVISION["LOGIN_LOCKOUT_SECONDS"] // 60},
                                        code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, address)
            raise
        throttle.record_success(username)
        return cleaned


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


class AttachmentField(forms.FileField):
    """A file field that enforces the upload size limit and type list."""

    default_validators = [validate_upload]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("附件"))
        super().__init__(**kwargs)


class CommentForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("意见/理由"), widget=forms.Textarea(attrs={"rows": 2}),
                              required=False)
