"""The SQL of the profiles view (projections/views.py) that is more than one line: the
statements its batches apply many events' rows with at once, and the refresh of a
candidate's columns that sum up their opportunities."""

from __future__ import annotations

from projections.readview import rows

REFRESH_OPPORTUNITY_COLUMNS_SQL = (
    "UPDATE read.candidates c SET opportunity_tags = a.tags, "
    "opportunity_sources = a.sources, archive_reasons = a.reasons, stages = a.stages, "
    "posting_ids = a.postings FROM ("
    "  SELECT DISTINCT candidate_id FROM read.opportunities WHERE id = ANY(%s)) AS k"
    " CROSS JOIN LATERAL ("
    "  SELECT"
    "   coalesce(array_agg(DISTINCT t) FILTER (WHERE t IS NOT NULL), '{}') AS tags,"
    "   coalesce(array_agg(DISTINCT s) FILTER (WHERE s IS NOT NULL), '{}') AS sources,"
    "   coalesce(array_agg(DISTINCT archive_reason)"
    "     FILTER (WHERE archive_reason IS NOT NULL), '{}') AS reasons,"
    "   coalesce(array_agg(DISTINCT stage), '{}') AS stages,"
    "   coalesce(array_agg(DISTINCT posting_id) FILTER (WHERE posting_id IS NOT NULL),"
    "     '{}') AS postings"
    "  FROM read.opportunities o"
    "  LEFT JOIN LATERAL unnest(CASE WHEN o.tags = '{}' THEN ARRAY[NULL] ELSE o.tags END)"
    "    AS t ON true"
    "  LEFT JOIN LATERAL unnest(CASE WHEN o.sources = '{}' THEN ARRAY[NULL] "
    "    ELSE o.sources END) AS s ON true"
    "  WHERE o.candidate_id = k.candidate_id) AS a WHERE c.id = k.candidate_id")
"""A candidate's columns summing up its opportunities, redone for the candidates of the
touched opportunities (the only parameter: their ids). LATERAL makes each candidate's
opportunities come by index: a join on a subquery was planned as a scan of them all."""



def search_sql(name: str, emails: str) -> str:
    """The search vector: the name, then each address, its local part split into words at
    '.', '_' and '-', and its domain (lower case)."""
    return (f"to_tsvector('simple', concat_ws(' ', coalesce({name}, ''), (SELECT string_agg("
            "lower(a) || ' ' || translate(split_part(lower(a), '@', 1), '._-', '   ') || ' ' "
            "|| CASE WHEN strpos(a, '@') > 0 THEN substr(lower(a), strpos(a, '@') + 1) "
            f"ELSE '' END, ' ' ORDER BY n) FROM unnest({emails}) WITH ORDINALITY AS u(a, n))))")


def text_array(json: str) -> str:
    return f"ARRAY(SELECT x FROM jsonb_array_elements_text({json}) WITH ORDINALITY AS j(x, n) " \
        "ORDER BY n)"


def changed(key: str, array: bool = False) -> str:
    """A ProfileUpdated column: the new value if the update carries the key, else the old."""
    new = text_array(f"r.data->'{key}'") if array else f"r.data->>'{key}'"
    return f"CASE WHEN r.data ? '{key}' THEN {new} ELSE c.{key} END"


NEW_NAME = changed("name")
NEW_EMAILS = changed("emails", array=True)


def array_sql(column: str, kind: str, add: bool) -> tuple[str, ...]:
    """Adds (once) or removes one value of a candidate's array column."""
    source = rows(f"id uuid, value {kind}, at timestamptz")
    if add:
        return (f"UPDATE read.candidates c SET {column} = c.{column} || r.value, "
                f"updated_at = r.at FROM {source} "
                f"WHERE c.id = r.id AND NOT (r.value = ANY(c.{column}))",)
    return (f"UPDATE read.candidates c SET {column} = array_remove(c.{column}, r.value), "
            f"updated_at = r.at FROM {source} WHERE c.id = r.id",)


def opportunity_sql(sets: str, columns: str = "") -> tuple[str, ...]:
    source = rows("id uuid, at timestamptz" + (", " + columns if columns else ""))
    return (f"UPDATE read.opportunities o SET {sets}, updated_at = r.at FROM {source} "
            "WHERE o.id = r.id",)
