from django import template
from django.urls import reverse

from supervision import registry

register = template.Library()

# Transitions shown as a prominent (primary) button.
PRIMARY = {"issue", "acknowledge", "respond", "close", "approve_extension"}
# Transitions that undo work: folded away behind a click.
COLLAPSED = {"withdraw"}


@register.simple_tag
def transition_forms(obj, names):
    """One entry per transition the user may fire now: label, target URL, comment rule, form."""
    rt = registry.for_model(obj)
    meta = rt.transitions()
    forms = []
    for name in names:
        custom = meta[name].custom
        form_class = custom.get("form")
        form = form_class(auto_id=f"id_{name}_{obj.pk}_%s") if form_class else None
        forms.append({
            "name": name,
            "label": custom.get("label", name),
            "url": reverse("record-transition", args=[rt.key, obj.pk, name]),
            "comment_required": custom.get("comment_required", True),
            "form": form,
            "multipart": bool(form and form.is_multipart()),
            "primary": name in PRIMARY,
            "collapsed": name in COLLAPSED,
        })
    # The expected next step first; undoing ones last.
    forms.sort(key=lambda f: (not f["primary"], f["collapsed"]))
    return forms
