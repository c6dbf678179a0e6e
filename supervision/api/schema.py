"""OpenAPI schema post-processing: every status an endpoint can give is documented (issue 10 item 3).

Every operation may answer 400 (invalid input or parameters), 401 (no or bad credentials) and
404 (not visible); writes may also answer 403 (a known user without the right) and 409 (state
conflict), POSTs with an Idempotency-Key 422; the token endpoint 429 (sign-in locked).
The kernel's error body is ``{"detail": ...}`` or field → messages.
"""
from __future__ import annotations

ERROR = {
    "type": "object",
    "description": "An error: `detail` (a message or messages), or field name → messages.",
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Invalid input or parameters.",
    "401": "Missing or bad credentials.",
    "403": "Your role may not do this.",
    "404": "Not found or not visible to you.",
    "409": "Not allowed from the current state, or lost to a concurrent change.",
    "422": "This Idempotency-Key was used for another request.",
    "429": "Too many failed sign-ins: locked until `locked_until`.",
}


def _error(code):
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"description": DESCRIPTIONS[code], "content": content}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, item in result.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            if path.endswith(".pdf") and method == "get":
                responses["200"] = {"description": "The document (PDF).",
                                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
            codes = ["400", "401", "403", "404"]
            if method != "get":
                codes += ["409"]
            if method == "post":
                codes += ["422"]
                op.setdefault("parameters", []).append({
                    "in": "header", "name": "Idempotency-Key", "required": False,
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,100}$"},
                    "description": "Run this POST once: a repeat gets the first response again."})
            if path.endswith("/auth/token/"):
                codes = ["400", "429"]
            for code in codes:
                responses.setdefault(code, _error(code))
                if "content" not in responses[code]:
                    responses[code]["content"] = _error(code)["content"]
    return result


def allow_blank_read_only_enums(result, generator, request, public):
    """A read-only choice field of a model field with ``blank=True`` answers ``""`` while nothing is
    chosen (e.g. a case's sanction before the decision); drf-spectacular adds the blank value only
    to writable fields. Every read-only enum property therefore also admits the blank value."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for component in list(schemas.values()):
        for prop in (component.get("properties") or {}).values():
            if not prop.get("readOnly"):
                continue
            if "enum" in prop and "" not in prop["enum"]:
                prop["enum"] = [*prop["enum"], ""]
            refs = prop.get("allOf") or []
            if len(refs) == 1 and "$ref" in refs[0]:
                target = schemas.get(refs[0]["$ref"].rsplit("/", 1)[-1], {})
                if "enum" in target and "" not in target["enum"]:
                    schemas.setdefault("BlankEnum", {"enum": [""]})
                    prop.pop("allOf")
                    prop["oneOf"] = [refs[0], {"$ref": "#/components/schemas/BlankEnum"}]
    return result
