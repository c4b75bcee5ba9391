{% macro duckdb__first_deliveries(deliveries_cte, key) -%}
    {#- DuckDB: most keys arrive once and are kept as they are; only the re-delivered ones
        are ranked, by the Postgres implementation's window. A window over every column of
        every row holds them all in memory, which DuckDB cannot spill (at 100k customers
        under a 1 GB limit the email events ran out); an aggregate and a join spill. A null
        key is ranked as one key, as the window does. `deliveries_cte` must be `not
        materialized` (it is read twice). -#}
    {%- set counted -%}
        select
            {{ deliveries_cte }}.*,
            delivery_counts.delivery_count
        from {{ deliveries_cte }}
        left join (
            select
                {{ key }},
                count(*) as delivery_count
            from {{ deliveries_cte }}
            group by {{ key }}
        ) as delivery_counts
            on {{ deliveries_cte }}.{{ key }} = delivery_counts.{{ key }}
    {%- endset -%}
    {%- set delivered_again -%}
        (
            select *
            from ({{ counted }}) as deliveries_counted
            where delivery_count is null or delivery_count > 1
        ) as delivered_again
    {%- endset -%}
    select
        *,
        1 as delivery_rank
    from ({{ counted }}) as delivered_once
    where delivery_count = 1
    union all
    {{ default__first_deliveries(delivered_again, key) }}
{%- endmacro %}
