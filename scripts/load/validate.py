"""Validate one landing file in DuckDB and split it into loadable and quarantined records.

Everything happens in one set-based pass per file (DuckDB's native readers and vectorised
JSON functions), never record by record in Python. The result is a temporary table
`_checked` with, per record, its line number, original text, the text value of each
column and the quarantine reason (null when the record loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scripts.tables import REASONS, Checks, Column, TableSpec

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
EPOCH_RANGE = {"epoch_s": (0, 4_102_444_800), "epoch_ms": (0, 4_102_444_800_000)}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(path: str) -> str:
    return "$." + ".".join(quote(part) for part in path.split("."))


@dataclass(frozen=True)
class Rule:
    """One value to check: a raw column or a nested JSON path checked in place."""

    ref: str  # SQL identifier of the text value in the `vals` CTE
    label: str  # what the detail message names
    type: str
    required: bool
    required_when: str | None
    accepted: tuple[str, ...]
    is_email: bool
    non_negative: bool


def _rules(spec: TableSpec) -> list[Rule]:
    rules = [
        Rule(
            quote(col.name),
            col.source_path,
            col.type,
            col.required,
            col.required_when,
            col.accepted,
            col.is_email,
            col.non_negative,
        )
        for col in spec.columns
    ]
    rules += [
        Rule(
            quote(f"_check_{i}"),
            chk.path,
            chk.type,
            False,
            chk.required_when,
            (),
            chk.is_email,
            False,
        )
        for i, chk in enumerate(spec.checks)
    ]
    return rules


def _type_ok(ref: str, type_: str) -> str | None:
    """SQL that is true when a non-null text value reads as its type (None: no check)."""
    if type_ in ("text", "json"):
        return None
    if type_ in EPOCH_RANGE:
        low, high = EPOCH_RANGE[type_]
        return f"coalesce(try_cast({ref} as bigint) between {low} and {high}, false)"
    sql_type = {
        "bigint": "bigint",
        "double": "double",
        "boolean": "boolean",
        "timestamp": "timestamptz",
        "date": "date",
    }[type_]
    return f"try_cast({ref} as {sql_type}) is not null"


def reason_case(spec: TableSpec, json_types: dict[str, str]) -> str:
    """SQL for `reason:detail` of the first rule a record breaks, in order of precedence."""
    rules = _rules(spec)
    whens: list[tuple[str, str, str]] = [("not _parsed", "malformed", "'not a JSON object'")]
    for rule in rules:
        if rule.required:
            whens.append((f"{rule.ref} is null", "missing_key", literal(rule.label)))
        elif rule.required_when:
            whens.append(
                (
                    f"{rule.ref} is null and ({rule.required_when})",
                    "missing_key",
                    literal(rule.label),
                )
            )
    for rule in rules:
        check = _type_ok(rule.ref, rule.type)
        if check and rule.type in ("timestamp", "date", "epoch_s", "epoch_ms"):
            whens.append(
                (f"{rule.ref} is not null and not ({check})", "bad_timestamp", literal(rule.label))
            )
    for rule in rules:
        check = _type_ok(rule.ref, rule.type)
        if check and rule.type in ("bigint", "double", "boolean"):
            whens.append(
                (f"{rule.ref} is not null and not ({check})", "wrong_type", literal(rule.label))
            )
        elif rule.type == "json" and rule.ref in json_types:
            kind = json_types[rule.ref]
            whens.append(
                (
                    f"{kind} is not null and {kind} not in ('{{', '[')",
                    "wrong_type",
                    literal(rule.label),
                )
            )
    for rule in rules:
        if rule.accepted:
            values = ", ".join(literal(v) for v in rule.accepted)
            whens.append(
                (
                    f"{rule.ref} is not null and {rule.ref} not in ({values})",
                    "unknown_value",
                    literal(rule.label),
                )
            )
    for rule in rules:
        if rule.is_email:
            whens.append(
                (
                    f"{rule.ref} is not null and not regexp_full_match(trim({rule.ref}), "
                    f"{literal(EMAIL_PATTERN)})",
                    "invalid_email",
                    literal(rule.label),
                )
            )
    for rule in rules:
        if rule.non_negative:
            whens.append(
                (f"try_cast({rule.ref} as double) < 0", "negative_amount", literal(rule.label))
            )
    assert [w[1] for w in whens] == sorted((w[1] for w in whens), key=REASONS.index)
    return "case " + " ".join(f"when {cond} then '{r}:' || {d}" for cond, r, d in whens) + " end"


def _value_expr(path: str, top_json: set[str]) -> str:
    """SQL for the text value at a dotted path, read from the parsed struct `_s`."""
    top, _, rest = path.partition(".")
    if not rest:
        return f"_s.{quote(top)}"
    return f"json_extract_string(_s.{quote(top)}, {literal(json_path(rest))})"


def _jsonl_sql(spec: TableSpec, path: Path) -> str:
    columns: list[Column] = list(spec.columns)
    checks: list[Checks] = list(spec.checks)
    paths = [col.source_path for col in columns] + [chk.path for chk in checks]
    top_keys = sorted({p.split(".")[0] for p in paths})
    # Each line is parsed once into a struct of its top-level keys: text for scalars,
    # JSON text for objects, arrays and the parents of nested paths.
    top_json = {p.split(".")[0] for p in paths if "." in p}
    top_json |= {col.source_path for col in columns if col.type == "json"}
    structure = (
        "{"
        + ", ".join(f'"{k}": "{"JSON" if k in top_json else "VARCHAR"}"' for k in top_keys)
        + "}"
    )
    json_cols = [col for col in columns if col.type == "json"]
    json_types = {quote(col.name): f"left({quote(col.name)}, 1)" for col in json_cols}
    verdict = reason_case(spec, json_types)
    value_cols = [
        f"{_value_expr(col.source_path, top_json)} as {quote(col.name)}" for col in columns
    ]
    value_cols += [
        f"{_value_expr(chk.path, top_json)} as {quote(f'_check_{i}')}"
        for i, chk in enumerate(checks)
    ]
    known = "{" + ", ".join(f'"{k}": null' for k in top_keys) + "}"
    known_keys = ", ".join(literal(k) for k in top_keys)
    # Lines are split into a table first: what follows then runs in parallel over its
    # row groups (straight after the unnest of one file it would run on one thread).
    return f"""
create or replace temp table _lines as
with file as (
    select string_split(content, chr(10)) as lines
    from read_text({literal(str(path))})
),
physical as (
    select
        unnest(lines) as _line,
        generate_subscripts(lines, 1) as _line_number
    from file
)
select _line_number, rtrim(_line, chr(13)) as _raw_text
from physical;

-- a file that ends with a newline has no line after it
delete from _lines
where _raw_text = '' and _line_number = (select max(_line_number) from _lines);

create or replace temp table _checked as
with lines as (
    select * from _lines
),
valid as (
    -- Valid JSON that starts with {{ is an object. (A case, not try(): try() evaluates
    -- row by row and costs five times as much.)
    select
        _line_number,
        _raw_text,
        trim(_raw_text) = '' as _blank,
        json_valid(_raw_text)
        and left(ltrim(_raw_text), 1) = '{{'
        and strpos(_raw_text, '\\u0000') = 0 as _parsed
    from lines
),
extracted as (
    select
        *,
        case when _parsed then json_transform(_raw_text, {literal(structure)}) end as _s,
        case when _parsed then json_keys(_raw_text) end as _keys
    from valid
),
vals as (
    select
        _line_number, _raw_text, _blank, _parsed, _keys, {", ".join(value_cols)}
    from extracted
),
verdicts as (
    select
        *,
        case when not _blank then {verdict} end as _verdict,
        case
            when not list_has_all([{known_keys}], _keys)
                then json_merge_patch(_raw_text, {literal(known)})
        end as _extra
    from vals
)
select
    * exclude (_verdict, _keys),
    split_part(_verdict, ':', 1) as _reason,
    nullif(substr(_verdict, strpos(_verdict, ':') + 1), '') as _detail
from verdicts
"""


def _csv_sql(spec: TableSpec, path: Path, header: list[str]) -> str:
    known = {col.source_path for col in spec.columns}
    extras = [h for h in header if h not in known]
    verdict = reason_case(spec, {})
    value_cols = [
        (
            f"{quote(col.source_path)} as {quote(col.name)}"
            if col.source_path in header
            else f"null::varchar as {quote(col.name)}"
        )
        for col in spec.columns
    ]
    extra = (
        "json_object(" + ", ".join(f"{literal(h)}, {quote(h)}" for h in extras) + ")"
        if extras
        else "null::json"
    )
    return f"""
create or replace temp table _checked as
with rows_read as (
    select * from _csv_rows
),
rejected as (
    select distinct line as _line_number, csv_line as _raw_text
    from _rejects
),
rejected_ranked as (
    select _line_number - 1 - row_number() over (order by _line_number) as _accepted_before
    from rejected
),
accepted as (
    select
        *,
        1 + _seq + (
            select count(*) from rejected_ranked where _accepted_before < rows_read._seq
        ) as _line_number,
        {extra} as _extra
    from rows_read
),
vals as (
    select
        _line_number,
        cast(json_object({", ".join(f"{literal(h)}, {quote(h)}" for h in header)}) as varchar)
            as _raw_text,
        false as _blank,
        true as _parsed,
        _extra,
        {", ".join(value_cols)}
    from accepted
)
select
    * exclude (_verdict),
    split_part(_verdict, ':', 1) as _reason,
    nullif(substr(_verdict, strpos(_verdict, ':') + 1), '') as _detail
from (select *, {verdict} as _verdict from vals)
union all by name
select
    _line_number, _raw_text, false as _blank, false as _parsed,
    'malformed' as _reason, 'CSV record does not match the header' as _detail
from rejected
"""


def validate_file(con, spec: TableSpec, path: Path) -> None:  # con: duckdb connection
    """Create the temp table `_checked` for one file in the given DuckDB connection."""
    if spec.format == "jsonl":
        con.execute(_jsonl_sql(spec, path))
        return
    con.execute("drop table if exists _rejects; drop table if exists _rejects_scan")
    header = read_csv_header(path)
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
    # Read first, so that the rejects table exists when the checks below are bound.
    con.execute(
        "create or replace temp table _csv_rows as "
        "select row_number() over () as _seq, * from read_csv(?, header = true, "
        "delim = ',', quote = '\"', escape = '\"', new_line = '\\n', auto_detect = false, "
        f"columns = {columns}, strict_mode = true, store_rejects = true, "
        "rejects_table = '_rejects', rejects_scan = '_rejects_scan')",
        [str(path)],
    )
    con.execute(_csv_sql(spec, path, header))


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


def typed_select(spec: TableSpec, engine: str) -> str:
    """The select list that casts `_checked`'s text values to the raw table's types."""
    parts = []
    for col in spec.columns:
        ref = quote(col.name)
        expr = {
            "text": ref,
            "bigint": f"cast({ref} as bigint)",
            "epoch_s": f"cast({ref} as bigint)",
            "epoch_ms": f"cast({ref} as bigint)",
            "double": f"cast({ref} as double)",
            "boolean": f"cast({ref} as boolean)",
            "timestamp": f"cast({ref} as timestamptz)",
            "date": f"cast({ref} as date)",
            "json": ref if engine == "postgres" else f"cast({ref} as json)",
        }[col.type]
        parts.append(f"{expr} as {ref}")
    parts.append("_extra" if engine == "postgres" else "cast(_extra as json) as _extra")
    return ", ".join(parts)
