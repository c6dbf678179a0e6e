"""Document downloads: the page side (session) and the API side (session or token)."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view

from .services import collection_generate, document_generate


def pdf_response(generated, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(generated.pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(generated.filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _messages(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


@login_required
def record_document(request, key, pk, kind):
    generated = document_generate(user=request.user, record_key=key, pk=pk, kind_key=kind,
                                  part=request.GET.get("part", ""), via="ui")
    return pdf_response(generated, inline=request.GET.get("inline") == "1")


@login_required
def collection_document(request, key, kind):
    try:
        generated = collection_generate(user=request.user, record_key=key, kind_key=kind, query=request.GET, via="ui")
    except ValidationError as exc:
        return HttpResponseBadRequest(_messages(exc), content_type="text/plain; charset=utf-8")
    return pdf_response(generated, inline=request.GET.get("inline") == "1")


_PDF = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF document."),
        401: OpenApiResponse(description="Not signed in."),
        404: OpenApiResponse(description="Not visible to you, or no such document for this record.")}


def api_record_document(record_key: str):
    @extend_schema(responses=_PDF, parameters=[
        OpenApiParameter("part", str, description="Which part (e.g. a case subject's id) when a record has several.")],
        operation_id=f"{record_key.replace('.', '_')}_document", summary="Generate a document of this record as PDF.")
    @api_view(["GET"])
    def view(request, pk, kind):
        generated = document_generate(user=request.user, record_key=record_key, pk=pk, kind_key=kind,
                                      part=request.query_params.get("part", ""), via="api")
        return pdf_response(generated)

    return view


def api_collection_document(record_key: str):
    @extend_schema(responses={**_PDF, 400: OpenApiResponse(description="Invalid parameters (e.g. year).")},
                   parameters=[OpenApiParameter("year", int, description="The year (default: this year).")],
                   operation_id=f"{record_key.replace('.', '_')}_collection_document",
                   summary="Generate a document over the records you may see (e.g. a year's 公示 list) as PDF.")
    @api_view(["GET"])
    def view(request, kind):
        try:
            generated = collection_generate(user=request.user, record_key=record_key, kind_key=kind,
                                            query=request.query_params, via="api")
        except ValidationError as exc:
            raise serializers.ValidationError({"detail": exc.messages}) from None
        return pdf_response(generated)

    return view
