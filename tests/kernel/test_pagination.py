"""Every list page that can grow is paginated (issue 11 item 4): its context carries a Page of at
most 100 rows, whatever the number of records."""
import pytest
from django.core.paginator import Page
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    ("notices:register", "inspector"),
    ("rectification:list", "organization"),
    ("postings:posting-list", "organization"),
    ("postings:assessment-board", "organization"),
    ("postings:recall-list", "organization"),
    ("cases:list", "discipline"),
    ("cases:approvals", "discipline_head"),
    ("cases:matter-list", "discipline"),
    ("notification-list", "inspector"),
    # The audit search pages by keyset (a cursor, not a Paginator): tests/kernel/test_audit_search.py.
]


@pytest.mark.parametrize("url_name,username", LIST_PAGES)
def test_list_page_is_paginated(url_name, username, users, web):
    response = web(users[username]).get(reverse(url_name))
    assert response.status_code == 200
    contexts = response.context if isinstance(response.context, list) else [response.context]
    pages = [v for c in contexts for d in c.dicts for v in d.values() if isinstance(v, Page)]
    assert pages, f"{url_name} renders its rows without a pager"
    assert all(p.paginator.per_page <= 100 for p in pages)
