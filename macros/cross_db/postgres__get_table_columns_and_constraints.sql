{% macro postgres__get_table_columns_and_constraints() -%}
    {#- The table is created without its keys; postgres__create_table_as adds them after
        the insert (contract_keys_added). -#}
    {{ return(contract_columns_without_keys()) }}
{%- endmacro %}
