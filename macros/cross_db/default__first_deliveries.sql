{% macro default__first_deliveries(deliveries_cte, key) -%}
    {#- Postgres: every delivery ranked by a window; its sort is what Postgres does well
        (counting first and joining back took 39 s against 24 s for the email events at
        100k customers). -#}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _loaded_at, _source_file, _line_number
            ) as delivery_rank
        from {{ deliveries_cte }}
    ) as deliveries_ranked
    where delivery_rank = 1
{%- endmacro %}
