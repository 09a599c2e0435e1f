"""`bulk.id_lists`: the `field__in=` values for many ids, one query on PostgreSQL, SQLite's chunks elsewhere, with
the same rows either way."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rammeaftale.bulk import id_lists
from rammeaftale.core.chunks import CHUNK
from rammeaftale.parties.models import Organisation


def test_many_ids_find_the_same_rows_as_a_plain_in_list_in_one_query_on_postgresql(reference):
    known = list(Organisation.objects.values_list("pk", flat=True))
    asked = known + [pk + 100_000 for pk in range(CHUNK * 2 + 7)]  # more than two of SQLite's chunks; most unknown
    with CaptureQueriesContext(connection) as queries:
        found = sorted(pk for ids in id_lists(asked)
                       for pk in Organisation.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert found == sorted(known) and len(known) > 100
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


def test_no_ids_ask_nothing(reference):
    with CaptureQueriesContext(connection) as queries:
        assert list(id_lists([])) == []
        assert list(id_lists(set())) == []
    assert len(queries) == 0
