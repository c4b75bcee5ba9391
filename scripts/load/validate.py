"""Validate one landing file in DuckDB and split it into loadable and quarantined records.

Everything happens in set-based passes per file (DuckDB's native readers and vectorised
JSON functions), never record by record in Python. The result is a temporary table
`_checked` with, per record: its line number, the raw table's columns already cast to
their types, `_extra` (keys beyond the declared columns), and for a record that breaks a
rule, `_reason`, `_detail` and its original text `_raw_text`.

Each value is cast once: the cast that validates it is the value that is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scripts.tables import REASONS, TableSpec

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
EPOCH_RANGE = {"epoch_s": (0, 4_102_444_800), "epoch_ms": (0, 4_102_444_800_000)}
TIME_TYPES = ("timestamp", "date", "epoch_s", "epoch_ms")
CASTS = {
    "bigint": "bigint",
    "epoch_s": "bigint",
    "epoch_ms": "bigint",
    "double": "double",
    "boolean": "boolean",
    "timestamp": "timestamptz",
    "date": "date",
}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(path: str) -> str:
    return "$." + ".".join(quote(part) for part in path.split("."))


@dataclass(frozen=True)
class Rule:
    """One value to check: a raw column, or a nested JSON path checked in place."""

    name: str  # output column name (raw column), or _check_<i>
    path: str  # where the value is in the record
    type: str
    required: bool = False
    required_when: str | None = None
    accepted: tuple[str, ...] = ()
    is_email: bool = False
    non_negative: bool = False
    is_column: bool = True

    @property
    def text(self) -> str:
        """The value as text (or JSON text)."""
        return quote(f"_v_{self.name}")

    @property
    def typed(self) -> str:
        """The value cast to its type (null when the cast fails)."""
        return quote(f"_t_{self.name}")


def rules(spec: TableSpec) -> list[Rule]:
    out = [
        Rule(
            c.name,
            c.source_path,
            c.type,
            c.required,
            c.required_when,
            c.accepted,
            c.is_email,
            c.non_negative,
        )
        for c in spec.columns
    ]
    out += [
        Rule(
            f"_check_{i}",
            chk.path,
            chk.type,
            False,
            chk.required_when,
            (),
            chk.is_email,
            False,
            is_column=False,
        )
        for i, chk in enumerate(spec.checks)
    ]
    return out


def _typed_expr(rule: Rule) -> str:
    if rule.type in CASTS:
        return f"try_cast({rule.text} as {CASTS[rule.type]})"
    return rule.text


def verdict_case(spec: TableSpec, first_when: tuple[str, str, str] | None) -> str:
    """SQL for `reason:detail` of the first rule a record breaks, in order of precedence.

    `required_when` conditions name columns; they are evaluated on the text values.
    """
    all_rules = rules(spec)
    whens: list[tuple[str, str, str]] = [first_when] if first_when else []

    def add(cond: str, reason: str, rule: Rule) -> None:
        whens.append((cond, reason, literal(rule.path)))

    for rule in all_rules:
        if rule.required:
            add(f"{rule.text} is null", "missing_key", rule)
        elif rule.required_when:
            condition = rule.required_when
            for other in all_rules:
                condition = condition.replace(quote(other.name), other.text)
            add(f"{rule.text} is null and ({condition})", "missing_key", rule)
    for rule in all_rules:
        if rule.type in EPOCH_RANGE:
            low, high = EPOCH_RANGE[rule.type]
            add(
                f"{rule.text} is not null and not coalesce({rule.typed} between {low} and "
                f"{high}, false)",
                "bad_timestamp",
                rule,
            )
        elif rule.type in TIME_TYPES:
            add(f"{rule.text} is not null and {rule.typed} is null", "bad_timestamp", rule)
    for rule in all_rules:
        if rule.type in ("bigint", "double", "boolean"):
            add(f"{rule.text} is not null and {rule.typed} is null", "wrong_type", rule)
        elif rule.type == "json":
            add(
                f"{rule.text} is not null and left({rule.text}, 1) not in ('{{', '[')",
                "wrong_type",
                rule,
            )
    for rule in all_rules:
        if rule.accepted:
            values = ", ".join(literal(v) for v in rule.accepted)
            add(f"{rule.text} not in ({values})", "unknown_value", rule)
    for rule in all_rules:
        if rule.is_email:
            add(
                f"not regexp_full_match(trim({rule.text}), {literal(EMAIL_PATTERN)})",
                "invalid_email",
                rule,
            )
    for rule in all_rules:
        if rule.non_negative:
            add(f"{rule.typed} < 0", "negative_amount", rule)
    reasons = [w[1] for w in whens]
    assert reasons == sorted(reasons, key=REASONS.index), reasons
    return "case " + " ".join(f"when {c} then '{r}:' || {d}" for c, r, d in whens) + " end"


def _outputs(spec: TableSpec) -> str:
    cols = ", ".join(f"{r.typed} as {quote(r.name)}" for r in rules(spec) if r.is_column)
    return f"""
    _line_number,
    _blank,
    split_part(_verdict, ':', 1) as _reason,
    nullif(substr(_verdict, strpos(_verdict, ':') + 1), '') as _detail,
    -- Postgres text cannot hold NUL: a quarantined line shows it as U+2400 (␀)
    case when _verdict is not null then replace(_raw_text, chr(0), chr(9216)) end as _raw_text,
    _extra,
    {cols}"""


def _lines_sql(path: Path, exact: bool) -> str:
    """Statements that fill `_lines(_line_number, _raw_text)` with the file's lines.

    The fast path is DuckDB's CSV reader with one column and no quoting; it runs in
    parallel but treats a carriage return as a line end and splits at control character
    0x01, so files that contain either take the exact path (the whole file split on
    newlines), which is slower but reads any bytes.
    """
    if not exact:
        return f"""
create or replace temp table _lines as
select row_number() over () as _line_number, coalesce(line, '') as _raw_text
from read_csv(
    {literal(str(path))}, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\\x01',
    quote = '', escape = '', new_line = '\\n', auto_detect = false, strict_mode = false,
    max_line_size = 67108864
);
"""
    return f"""
create or replace temp table _lines as
with file as (
    select string_split(content, chr(10)) as lines
    from read_text({literal(str(path))})
),
physical as (
    select unnest(lines) as _line, generate_subscripts(lines, 1) as _line_number
    from file
)
select _line_number, rtrim(_line, chr(13)) as _raw_text
from physical;

-- a file that ends with a newline has no line after it
delete from _lines
where _raw_text = '' and _line_number = (select max(_line_number) from _lines);
"""


def _jsonl_sql(spec: TableSpec, path: Path, exact: bool) -> str:
    all_rules = rules(spec)
    top_keys = sorted({r.path.split(".")[0] for r in all_rules})
    # Each line is parsed once into a struct of its top-level keys: text for scalars, JSON
    # text for objects, arrays and the parents of nested paths.
    top_json = {r.path.split(".")[0] for r in all_rules if "." in r.path}
    top_json |= {r.path for r in all_rules if r.type == "json"}
    structure = (
        "{"
        + ", ".join(f'"{k}": "{"JSON" if k in top_json else "VARCHAR"}"' for k in top_keys)
        + "}"
    )

    def text_expr(rule: Rule) -> str:
        top, _, rest = rule.path.partition(".")
        if not rest:
            return f"_s.{quote(top)}"
        return f"json_extract_string(_s.{quote(top)}, {literal(json_path(rest))})"

    texts = ",\n        ".join(f"{text_expr(r)} as {r.text}" for r in all_rules)
    typed = ",\n        ".join(f"{_typed_expr(r)} as {r.typed}" for r in all_rules)
    verdict = verdict_case(spec, ("not _parsed", "malformed", "'not a JSON object'"))
    known = "{" + ", ".join(f'"{k}": null' for k in top_keys) + "}"
    known_keys = ", ".join(literal(k) for k in top_keys)
    return (
        _lines_sql(path, exact)
        + f"""
create or replace temp table _checked as
with valid as (
    -- Valid JSON that starts with {{ is an object. (A case below, not try(): try()
    -- evaluates row by row and costs five times as much.)
    select
        _line_number,
        _raw_text,
        trim(_raw_text) = '' as _blank,
        json_valid(_raw_text)
        and left(ltrim(_raw_text), 1) = '{{'
        and strpos(_raw_text, '\\u0000') = 0 as _parsed
    from _lines
),
parsed as (
    select
        *,
        case when _parsed then json_transform(_raw_text, {literal(structure)}) end as _s,
        case when _parsed then json_keys(_raw_text) end as _keys
    from valid
),
texts as (
    select
        _line_number, _raw_text, _blank, _parsed, _keys,
        {texts}
    from parsed
),
typed as (
    select
        *,
        {typed}
    from texts
),
verdicts as (
    select
        *,
        case when not _blank then {verdict} end as _verdict,
        case
            when not list_has_all([{known_keys}], _keys)
                then json_merge_patch(_raw_text, {literal(known)})
        end as _extra
    from typed
)
select {_outputs(spec)}
from verdicts
"""
    )


def _csv_sql(spec: TableSpec, header: list[str]) -> str:
    all_rules = rules(spec)
    extras = [h for h in header if h not in {r.path for r in all_rules}]
    texts = ",\n        ".join(
        f"{quote(r.path) if r.path in header else 'null::varchar'} as {r.text}" for r in all_rules
    )
    typed = ",\n        ".join(f"{_typed_expr(r)} as {r.typed}" for r in all_rules)
    extra = (
        "json_object(" + ", ".join(f"{literal(h)}, {quote(h)}" for h in extras) + ")"
        if extras
        else "null::json"
    )
    record = "json_object(" + ", ".join(f"{literal(h)}, {quote(h)}" for h in header) + ")"
    # A NUL byte in a field: malformed, as in a JSON line (no text column can hold it).
    # Checked on the fields: the record's text is JSON, where NUL is escaped.
    has_nul = " or ".join(
        f"coalesce(strpos(cast({quote(h)} as varchar), chr(0)), 0) > 0" for h in header
    )
    nul = ("_has_nul", "malformed", "'NUL byte in a field'")
    verdict = verdict_case(spec, nul)
    return f"""
create or replace temp table _checked as
with rejected as (
    select distinct line as _line_number, csv_line as _raw_text
    from _rejects
),
rejected_ranked as (
    select _line_number - 1 - row_number() over (order by _line_number) as _accepted_before
    from rejected
),
accepted as (
    -- physical line of the n-th accepted record: header, n, and the rejects before it
    select
        *,
        1 + _seq + (
            select count(*) from rejected_ranked where _accepted_before < _csv_rows._seq
        ) as _line_number
    from _csv_rows
),
texts as (
    select
        _line_number,
        cast({record} as varchar) as _raw_text,
        ({has_nul or "false"}) as _has_nul,
        false as _blank,
        {extra} as _extra,
        {texts}
    from accepted
),
typed as (
    select
        *,
        {typed}
    from texts
),
verdicts as (
    select *, {verdict} as _verdict
    from typed
)
select {_outputs(spec)}
from verdicts
union all by name
select
    _line_number,
    false as _blank,
    'malformed' as _reason,
    'CSV record does not match the header' as _detail,
    replace(_raw_text, chr(0), chr(9216)) as _raw_text
from rejected
"""


def validate_file(con, spec: TableSpec, path: Path, exact: bool = False) -> None:
    """Create the temp table `_checked` for one file in the given DuckDB connection.

    `exact`: read JSONL lines with the exact (slower) reader; required when the file
    contains carriage returns or control character 0x01 (see `_lines_sql`).
    """
    if spec.format == "jsonl":
        con.execute(_jsonl_sql(spec, path, exact))
        return
    con.execute("drop table if exists _rejects; drop table if exists _rejects_scan")
    header = read_csv_header(path)
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
    # Read first, so that the rejects table exists when the checks are bound.
    con.execute(
        "create or replace temp table _csv_rows as "
        "select row_number() over () as _seq, * from read_csv(?, header = true, "
        "delim = ',', quote = '\"', escape = '\"', new_line = '\\n', auto_detect = false, "
        f"columns = {columns}, strict_mode = true, store_rejects = true, "
        "rejects_table = '_rejects', rejects_scan = '_rejects_scan')",
        [str(path)],
    )
    con.execute(_csv_sql(spec, header))


def read_csv_header(path: Path) -> list[str]:
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            return []
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        raise ValueError(f"{path.name}: duplicate column names in the header")
    return header


def column_names(spec: TableSpec) -> list[str]:
    """The raw table's columns as `_checked` holds them, already typed."""
    return [c.name for c in spec.columns] + ["_extra"]
