{% macro duckdb__first_deliveries(deliveries_cte, key) -%}
    {#- DuckDB: most keys arrive once and are kept as they are; only the re-delivered ones
        are ranked, by the Postgres implementation's window. A window over every column of
        every row holds them all in memory, which DuckDB cannot spill (at 100k customers
        under a 1 GB limit the email events ran out). The keys delivered more than once
        are found by an aggregate of the key alone, which spills; the wide rows then only
        probe that short list (about 1% of the keys): no join holds a row per key (the
        count joined back to every row took 13% longer at 100k customers). A null key is
        ranked as one key, as the window does. `deliveries_cte` must be `not
        materialized` (it is read three times). -#}
    {%- set delivered_again -%}
        (
            select *
            from {{ deliveries_cte }}
            where
                {{ key }} is null
                or {{ key }} in (select delivered_again_keys.{{ key }} from delivered_again_keys)
        ) as delivered_again
    {%- endset -%}
    with

    delivered_again_keys as (
        select {{ key }}
        from {{ deliveries_cte }}
        group by {{ key }}
        having count(*) > 1
    )

    select
        *,
        1 as delivery_rank
    from {{ deliveries_cte }}
    where {{ key }} not in (
        select delivered_again_keys.{{ key }}
        from delivered_again_keys
        where delivered_again_keys.{{ key }} is not null
    )
    union all
    {{ default__first_deliveries(delivered_again, key) }}
{%- endmacro %}
