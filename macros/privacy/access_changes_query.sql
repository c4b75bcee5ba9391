{% macro access_changes_query(readers, schemas) -%}
    {#- Postgres: the statements that bring each reader role's own privileges (granted to
        it directly) on the target's schemas to what it should hold: usage on its readable
        schema, select on its listed relations there (every relation when the reader lists
        none) and on tables created there later (default privileges of the current user),
        and nothing on anything else of these schemas. One row per statement, in the
        order to run them (revoke before grant), with is_ours false for objects the
        current user cannot change (owned by another role): their row holds a note
        instead. Identifiers are quoted by format's %I. Roles that do not exist and
        schemas not created yet give no rows. -#}
    with

    -- Each reader role with each schema; readable_relations null: every relation.
    access (role_name, schema_name, is_readable, readable_relations) as (
        values
        {%- for reader in readers %}
            {%- set outer_loop = loop %}
            {%- for schema in (schemas + [reader.schema]) | unique | sort %}
            ({{ sql_literal(reader.role) }}, {{ sql_literal(schema) }},
                {%- if schema != reader.schema %} false, cast(null as text [])
                {%- elif reader.get('relations') is none %} true, cast(null as text [])
                {%- else %} true,
                cast(array[{{ sql_literal_list(reader.relations) }}] as text [])
                {%- endif %})
                {{- ',' if not (outer_loop.last and loop.last) }}
            {%- endfor %}
        {%- endfor %}
    ),

    schemas_found as (
        select
            access.role_name,
            access.is_readable,
            access.readable_relations,
            pg_roles.oid as role_oid,
            pg_namespace.oid as schema_oid,
            pg_namespace.nspname as schema_name,
            pg_namespace.nspacl as schema_acl,
            pg_get_userbyid(pg_namespace.nspowner) as owner_name,
            pg_has_role(pg_namespace.nspowner, 'USAGE') as is_ours
        from access
        inner join pg_roles on access.role_name = pg_roles.rolname
        inner join pg_namespace on access.schema_name = pg_namespace.nspname
    ),

    -- What the role holds on each object (sorted privilege names) and what it should.
    schema_holdings as (
        select
            schemas_found.*,
            coalesce((
                select string_agg(acl.privilege_type, ',' order by acl.privilege_type)
                from aclexplode(schemas_found.schema_acl) as acl
                where acl.grantee = schemas_found.role_oid
            ), '') as held,
            case when schemas_found.is_readable then 'USAGE' else '' end as wanted
        from schemas_found
    ),

    relation_holdings as (
        select
            schemas_found.role_name,
            schemas_found.schema_name,
            pg_class.relname as object_name,
            case
                when pg_class.relkind = 'S' then 'sequence' else 'table'
            end as object_kind,
            pg_get_userbyid(pg_class.relowner) as owner_name,
            pg_has_role(pg_class.relowner, 'USAGE') as is_ours,
            coalesce((
                select string_agg(acl.privilege_type, ',' order by acl.privilege_type)
                from aclexplode(pg_class.relacl) as acl
                where acl.grantee = schemas_found.role_oid
            ), '') || case when exists (
                select
                from pg_attribute
                cross join lateral aclexplode(pg_attribute.attacl) as acl
                where
                    pg_attribute.attrelid = pg_class.oid
                    and acl.grantee = schemas_found.role_oid
            ) then ',columns' else '' end as held,
            case
                when
                    schemas_found.is_readable
                    and pg_class.relkind <> 'S'
                    and (
                        schemas_found.readable_relations is null
                        or pg_class.relname = any(schemas_found.readable_relations)
                    )
                    then 'SELECT'
                else ''
            end as wanted
        from schemas_found
        inner join pg_class on schemas_found.schema_oid = pg_class.relnamespace
        where pg_class.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    ),

    default_holdings as (
        select
            schemas_found.role_name,
            schemas_found.schema_name,
            schemas_found.is_readable,
            pg_get_userbyid(pg_default_acl.defaclrole) as owner_name,
            pg_has_role(pg_default_acl.defaclrole, 'USAGE') as is_ours,
            case pg_default_acl.defaclobjtype
                when 'r' then 'tables'
                when 'S' then 'sequences'
                when 'f' then 'functions'
                when 'T' then 'types'
            end as object_kind,
            string_agg(acl.privilege_type, ',' order by acl.privilege_type) as held
        from schemas_found
        inner join pg_default_acl
            on schemas_found.schema_oid = pg_default_acl.defaclnamespace
        cross join lateral aclexplode(pg_default_acl.defaclacl) as acl
        where acl.grantee = schemas_found.role_oid
        group by 1, 2, 3, 4, 5, 6
    ),

    -- Default privileges the role should have and has: select on tables the current
    -- user creates in its readable schema.
    default_holdings_wanted as (
        select *
        from default_holdings
        where
            is_readable
            and owner_name = current_user
            and object_kind = 'tables'
            and held = 'SELECT'
    ),

    changes as (
        select
            role_name, schema_name, '' as object_name, 1 as step, is_ours,
            case
                when is_ours
                    then format('revoke all on schema %I from %I', schema_name, role_name)
                else format(
                    'schema %s: holds %s (wanted: %s); owned by %s',
                    schema_name, coalesce(nullif(held, ''), 'nothing'),
                    coalesce(nullif(wanted, ''), 'nothing'), owner_name
                )
            end as statement
        from schema_holdings
        where held <> wanted and (held <> '' or not is_ours)
        union all
        select
            role_name, schema_name, '', 2, true,
            format('grant usage on schema %I to %I', schema_name, role_name)
        from schema_holdings
        where held <> wanted and wanted <> '' and is_ours
        union all
        select
            role_name, schema_name, object_name, 1, is_ours,
            case
                when is_ours then format(
                    'revoke all on %s %I.%I from %I',
                    object_kind, schema_name, object_name, role_name
                )
                else format(
                    '%s %s.%s: holds %s (wanted: %s); owned by %s',
                    object_kind, schema_name, object_name,
                    coalesce(nullif(held, ''), 'nothing'),
                    coalesce(nullif(wanted, ''), 'nothing'), owner_name
                )
            end
        from relation_holdings
        where held <> wanted and (held <> '' or not is_ours)
        union all
        select
            role_name, schema_name, object_name, 2, true,
            format(
                'grant select on %s %I.%I to %I',
                object_kind, schema_name, object_name, role_name
            )
        from relation_holdings
        where held <> wanted and wanted <> '' and is_ours
        union all
        select
            default_holdings.role_name, default_holdings.schema_name,
            '~new ' || default_holdings.object_kind, 1, default_holdings.is_ours,
            case
                when default_holdings.is_ours then format(
                    'alter default privileges for role %I in schema %I '
                    || 'revoke all on %s from %I',
                    default_holdings.owner_name, default_holdings.schema_name,
                    default_holdings.object_kind, default_holdings.role_name
                )
                else format(
                    'new %s of %s in schema %s: holds %s by default (wanted: nothing)',
                    default_holdings.object_kind, default_holdings.owner_name,
                    default_holdings.schema_name, default_holdings.held
                )
            end
        from default_holdings
        left join default_holdings_wanted
            on
                default_holdings.role_name = default_holdings_wanted.role_name
                and default_holdings.schema_name = default_holdings_wanted.schema_name
                and default_holdings.owner_name = default_holdings_wanted.owner_name
                and default_holdings.object_kind = default_holdings_wanted.object_kind
        where default_holdings_wanted.role_name is null
        union all
        select
            schemas_found.role_name, schemas_found.schema_name, '~new tables', 2, true,
            format(
                'alter default privileges in schema %I grant select on tables to %I',
                schemas_found.schema_name, schemas_found.role_name
            )
        from schemas_found
        left join default_holdings_wanted
            on
                schemas_found.role_name = default_holdings_wanted.role_name
                and schemas_found.schema_name = default_holdings_wanted.schema_name
        where schemas_found.is_readable and default_holdings_wanted.role_name is null
    )

    select role_name, schema_name, object_name, step, is_ours, statement
    from changes
    order by role_name, schema_name, object_name, step
{%- endmacro %}
