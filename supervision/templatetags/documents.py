"""``{% record_documents obj %}``: the PDF documents a record offers this user; ``{% attachment_preview a %}``."""
from django import template

from supervision.attachments import inline_type
from supervision.documents.services import documents_for

register = template.Library()


@register.inclusion_tag("documents/_links.html", takes_context=True)
def record_documents(context, obj):
    request = context.get("request")
    return {"docs": documents_for(request.user, obj) if request is not None else []}


@register.inclusion_tag("documents/_attachment.html")
def attachment_preview(attachment):
    """A download link, and an inline preview for PDFs and images (type detected from the content)."""
    return {"a": attachment, "kind": inline_type(attachment)}
