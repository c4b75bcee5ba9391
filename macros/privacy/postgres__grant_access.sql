{% macro postgres__grant_access(readers, schemas) -%}
    {#- Postgres: bring each reader role's privileges on this target's schemas to what
        access_changes_query says, run on every invocation since tables are recreated by
        each build (the default privileges also make a rebuilt table readable at once).
        A role that does not exist is skipped with a log line, so a server without the
        roles still builds. Changes are logged (statements in dbt.log); objects the
        current user does not own are reported, not touched. -#}
    {%- if not readers -%}
        {{ return('') }}
    {%- endif -%}
    {%- set roles = readers | map(attribute='role') | unique | list -%}
    {#- statement() rather than run_query(): it opens the transaction committed below. -#}
    {%- call statement('access_roles', fetch_result=true) -%}
        select rolname from pg_roles where rolname in ({{ sql_literal_list(roles) }})
    {%- endcall -%}
    {%- set found = load_result('access_roles').table.columns[0].values() -%}
    {%- for reader in readers if reader.role not in found -%}
        {{ log(
            'access: role ' ~ reader.role ~ ' does not exist: ' ~ reader.schema
            ~ ' not granted (create the role: README, Access on Postgres)', info=true
        ) }}
    {%- endfor -%}
    {%- set present = readers | selectattr('role', 'in', found) | list -%}
    {%- if present -%}
        {%- call statement('access_changes', fetch_result=true) -%}
            {{ access_changes_query(present, schemas) }}
        {%- endcall -%}
        {%- set changes = load_result('access_changes').table -%}
        {%- set statements = [] -%}
        {%- for reader in present -%}
            {%- set counts = {'grant': 0, 'revoke': 0, 'alter': 0} -%}
            {%- for change in changes.rows if change['role_name'] == reader.role -%}
                {%- if change['is_ours'] -%}
                    {%- set kind = change['statement'].split(' ')[0] -%}
                    {%- do statements.append(change['statement']) -%}
                    {%- do counts.update({kind: counts[kind] + 1}) -%}
                    {{ log('access: ' ~ change['statement'], info=false) }}
                {%- else -%}
                    {{ log(
                        'access: WARNING ' ~ reader.role ~ ' not changed on '
                        ~ change['statement'], info=true
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {{ log(
                'access: ' ~ reader.role ~ ' may read ' ~ reader.schema ~ ' only ('
                ~ (reader.get('relations') or []) | length ~ ' relations; '
                ~ schemas | length ~ ' schemas of the target checked; '
                ~ counts['grant'] ~ ' grants, ' ~ counts['revoke'] ~ ' revokes, '
                ~ counts['alter'] ~ ' default privileges changed)', info=true
            ) }}
        {%- endfor -%}
        {%- if statements -%}
            {%- call statement('grant_access') -%}
                {{ statements | join(';\n') }}
            {%- endcall -%}
        {%- endif -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}
