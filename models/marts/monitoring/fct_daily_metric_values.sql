{#- One row per metric and day. Email metrics are by the day messages were sent (UTC; a
    message's outcomes count on its send day, as in fct_deliverability_daily), commerce
    metrics by the day orders were placed (UTC), both on every day from the first to the
    latest day with a send or an order (a day without any is a row of zeros); load
    metrics by the day the loader committed files, for every raw table on every load day.
    Rates are defined as in fct_campaign_performance, rounded half up to four decimals,
    null when their denominator is zero. fct_daily_metrics publishes it; the anomaly
    checks read it here, so a failing test on the mart does not stop them. -#}

{#- count or amount metric: (group, column of days_measured) -#}
{%- set totals = {
    'sends_count': ('email', 'sent_count'),
    'order_count': ('commerce', 'order_count'),
    'order_revenue': ('commerce', 'order_revenue_amount'),
    'attributed_revenue': ('commerce', 'attributed_revenue_amount'),
} -%}
{#- rate metric: (group, numerator, denominator, whether the denominator is messages) -#}
{%- set rates = {
    'human_open_rate': ('email', 'opened_count', 'delivered_count', true),
    'click_rate': ('email', 'clicked_count', 'delivered_count', true),
    'bounce_rate': ('email', 'bounced_count', 'sent_count', true),
    'unsubscribe_rate': ('email', 'unsubscribe_count', 'delivered_count', true),
    'complaint_rate': ('email', 'complaint_count', 'delivered_count', true),
    'machine_open_share': ('email', 'machine_only_open_count', 'any_opened_count', true),
    'attributed_revenue_share': (
        'commerce', 'attributed_revenue_amount', 'order_revenue_amount', false
    ),
} -%}
{#- load metric: column of loads_filled -#}
{%- set loads = ['rows_loaded', 'rows_quarantined'] -%}

with recursive

email_sends as (
    select
        sent_at,
        is_delivered,
        is_opened,
        has_machine_open,
        is_clicked,
        is_bounced,
        is_unsubscribed,
        is_complained
    from {{ ref('fct_email_sends') }}
),

orders as (
    select
        ordered_at,
        is_cancelled,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
),

order_attributions as (
    select
        ordered_at,
        net_revenue_reporting_amount
    from {{ ref('fct_order_attributions') }}
),

raw_loads as (
    select
        table_name,
        load_date,
        rows_loaded,
        rows_quarantined
    from {{ ref('int_raw_loads_counted') }}
),

sends_counted as (
    select
        cast(sent_at as date) as metric_date,
        count(*) as sent_count,
        count(case when is_delivered then 1 end) as delivered_count,
        count(case when is_opened then 1 end) as opened_count,
        count(case when has_machine_open and not is_opened then 1 end)
            as machine_only_open_count,
        count(case when is_opened or has_machine_open then 1 end) as any_opened_count,
        count(case when is_clicked then 1 end) as clicked_count,
        count(case when is_bounced then 1 end) as bounced_count,
        count(case when is_unsubscribed then 1 end) as unsubscribe_count,
        count(case when is_complained then 1 end) as complaint_count
    from email_sends
    group by cast(sent_at as date)
),

orders_counted as (
    select
        cast(ordered_at as date) as metric_date,
        count(case when not is_cancelled then 1 end) as order_count,
        sum(net_revenue_reporting_amount) as order_revenue_amount
    from orders
    group by cast(ordered_at as date)
),

attributions_summed as (
    select
        cast(ordered_at as date) as metric_date,
        sum(net_revenue_reporting_amount) as attributed_revenue_amount
    from order_attributions
    group by cast(ordered_at as date)
),

event_days_bounded as (
    select
        min(metric_date) as first_date,
        max(metric_date) as last_date
    from (
        select metric_date from sends_counted
        union all
        select metric_date from orders_counted
    ) as event_days
),

days_spined (metric_date) as (
    select first_date
    from event_days_bounded
    where first_date is not null
    union all
    select cast({{ dbt.dateadd('day', 1, 'days_spined.metric_date') }} as date)
    from days_spined
    inner join event_days_bounded
        on days_spined.metric_date < event_days_bounded.last_date
),

days_measured as (
    select
        days_spined.metric_date,
        coalesce(sends_counted.sent_count, 0) as sent_count,
        coalesce(sends_counted.delivered_count, 0) as delivered_count,
        coalesce(sends_counted.opened_count, 0) as opened_count,
        coalesce(sends_counted.machine_only_open_count, 0) as machine_only_open_count,
        coalesce(sends_counted.any_opened_count, 0) as any_opened_count,
        coalesce(sends_counted.clicked_count, 0) as clicked_count,
        coalesce(sends_counted.bounced_count, 0) as bounced_count,
        coalesce(sends_counted.unsubscribe_count, 0) as unsubscribe_count,
        coalesce(sends_counted.complaint_count, 0) as complaint_count,
        coalesce(orders_counted.order_count, 0) as order_count,
        coalesce(orders_counted.order_revenue_amount, 0) as order_revenue_amount,
        coalesce(attributions_summed.attributed_revenue_amount, 0)
            as attributed_revenue_amount
    from days_spined
    left join sends_counted
        on days_spined.metric_date = sends_counted.metric_date
    left join orders_counted
        on days_spined.metric_date = orders_counted.metric_date
    left join attributions_summed
        on days_spined.metric_date = attributions_summed.metric_date
),

load_days as (
    select distinct load_date
    from raw_loads
),

load_tables as (
    select distinct table_name
    from raw_loads
),

loads_filled as (
    -- every raw table on every load day: a table without a file that day loaded 0 rows
    select
        load_tables.table_name,
        load_days.load_date,
        coalesce(raw_loads.rows_loaded, 0) as rows_loaded,
        coalesce(raw_loads.rows_quarantined, 0) as rows_quarantined
    from load_tables
    cross join load_days
    left join raw_loads
        on
            load_tables.table_name = raw_loads.table_name
            and load_days.load_date = raw_loads.load_date
),

metrics_unpivoted as (
    {%- for metric_name, (metric_group, column) in totals.items() %}
        select
            '{{ metric_name }}' as metric_name,
            '{{ metric_group }}' as metric_group,
            metric_date,
            cast({{ column }} as numeric(28, 4)) as metric_value,
            cast(null as numeric(28, 2)) as numerator_value,
            cast(null as numeric(28, 2)) as denominator_value,
            cast(null as {{ dbt.type_bigint() }}) as sample_size
        from days_measured
        union all
    {%- endfor %}
    {%- for metric_name, (metric_group, numerator, denominator, is_messages)
        in rates.items() %}
        select
            '{{ metric_name }}' as metric_name,
            '{{ metric_group }}' as metric_group,
            metric_date,
            -- half up to 4 decimals; floor of a quotient is exact on both engines
            cast(
                cast(
                    floor(
                        cast({{ numerator }} as numeric(28, 6)) * 10000
                        / nullif({{ denominator }}, 0)
                        + 0.5
                    )
                    as {{ dbt.type_bigint() }}
                ) * 0.0001
                as numeric(28, 4)
            ) as metric_value,
            cast({{ numerator }} as numeric(28, 2)) as numerator_value,
            cast({{ denominator }} as numeric(28, 2)) as denominator_value,
            cast(
                {{ denominator if is_messages else 'null' }} as {{ dbt.type_bigint() }}
            ) as sample_size
        from days_measured
        union all
    {%- endfor %}
    {%- for column in loads %}
        select
            {{ dbt.concat(["'" ~ column ~ "__'", 'table_name']) }} as metric_name,
            'loading' as metric_group,
            load_date as metric_date,
            cast({{ column }} as numeric(28, 4)) as metric_value,
            cast(null as numeric(28, 2)) as numerator_value,
            cast(null as numeric(28, 2)) as denominator_value,
            cast(null as {{ dbt.type_bigint() }}) as sample_size
        from loads_filled
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from metrics_unpivoted
