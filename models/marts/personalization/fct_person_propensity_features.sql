{#- One row per person and cutoff (dim_propensity_cutoffs) with any order, email or
    visit on or before it: the features of the propensity and churn models
    (propensity_feature_names()), each read only from rows dated on or before the cutoff
    (a test truncates every input at each cutoff and gets the same rows). Counts are in
    the windows of var predict__propensity_windows and taken as ln(1 + n); days since the
    last order or engagement are capped at var predict__propensity_recency_cap_days, which
    is also their value when there was none. -#}
{%- set as_of_date = personalization_as_of_date() -%}
{%- set orders_days = var('predict__propensity_windows')['orders'] -%}
{%- set email_days = var('predict__propensity_windows')['email'] -%}
{%- set web_days = var('predict__propensity_windows')['web'] -%}
{%- set recency_cap = var('predict__propensity_recency_cap_days') -%}
{#- dim_propensity_cutoffs' indexes: the scoring cutoff (0), the holdout and the training
    cutoffs -#}
{%- set cutoff_indexes = propensity_cutoff_indexes() -%}

with

cutoffs as (
    select
        cutoff_index,
        cutoff_date,
        cutoff_role
    from {{ ref('dim_propensity_cutoffs') }}
),

orders as (
    select
        person_id,
        cast(ordered_at as date) as activity_date,
        has_discount_code,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
    where
        person_id is not null
        and not is_cancelled
        and cast(ordered_at as date) <= {{ as_of_date }}
),

email_events as (
    select
        person_id,
        cast(occurred_at as date) as activity_date,
        event_type,
        is_human_open,
        is_human_click
    from {{ ref('fct_email_events') }}
    where
        person_id is not null
        and cast(occurred_at as date) <= {{ as_of_date }}
),

web_sessions as (
    select
        person_id,
        cast(started_at as date) as activity_date,
        product_view_count,
        add_to_cart_count,
        has_started_checkout
    from {{ ref('fct_web_sessions') }}
    where
        person_id is not null
        and cast(started_at as date) <= {{ as_of_date }}
),

-- each source per person and day first, so that the cutoffs multiply days, not rows
orders_daily as (
    select
        person_id,
        activity_date,
        count(*) as order_count,
        count(case when has_discount_code then 1 end) as discounted_order_count,
        sum(net_revenue_reporting_amount) as net_revenue_amount
    from orders
    group by person_id, activity_date
),

email_daily as (
    select
        person_id,
        activity_date,
        count(case when event_type = 'deliver' then 1 end) as delivered_count,
        count(case when is_human_open then 1 end) as opened_count,
        count(case when is_human_click then 1 end) as clicked_count
    from email_events
    group by person_id, activity_date
),

web_daily as (
    select
        person_id,
        activity_date,
        count(*) as session_count,
        sum(product_view_count) as product_view_count,
        sum(add_to_cart_count) as add_to_cart_count,
        count(case when has_started_checkout then 1 end) as checkout_started_count
    from web_sessions
    group by person_id, activity_date
),

activity_daily as (
    -- one row per person, day and source, the other sources' counts 0
    select
        person_id,
        activity_date,
        order_count,
        discounted_order_count,
        net_revenue_amount,
        0 as delivered_count,
        0 as opened_count,
        0 as clicked_count,
        0 as session_count,
        0 as product_view_count,
        0 as add_to_cart_count,
        0 as checkout_started_count
    from orders_daily
    union all
    select
        person_id,
        activity_date,
        0 as order_count,
        0 as discounted_order_count,
        0 as net_revenue_amount,
        delivered_count,
        opened_count,
        clicked_count,
        0 as session_count,
        0 as product_view_count,
        0 as add_to_cart_count,
        0 as checkout_started_count
    from email_daily
    union all
    select
        person_id,
        activity_date,
        0 as order_count,
        0 as discounted_order_count,
        0 as net_revenue_amount,
        0 as delivered_count,
        0 as opened_count,
        0 as clicked_count,
        session_count,
        product_view_count,
        add_to_cart_count,
        checkout_started_count
    from web_daily
),

{#- the features of one person at one cutoff, from their days of activity on or before it
    (age_days: the day's age at the cutoff) -#}
{%- set aggregates -%}
        max(age_days) as tenure_days,
        min(case when order_count > 0 then age_days end) as order_recency_days,
        min(case when opened_count + clicked_count > 0 then age_days end)
            as engagement_recency_days,
        sum(order_count) as lifetime_order_count,
        sum(discounted_order_count) as lifetime_discounted_order_count,
        sum(case when age_days < {{ orders_days }} then order_count else 0 end)
            as order_count,
        sum(
            case when age_days < {{ orders_days }} then net_revenue_amount else 0 end
        ) as net_revenue_amount,
        sum(case when age_days < {{ email_days }} then delivered_count else 0 end)
            as email_delivered_count,
        sum(case when age_days < {{ email_days }} then opened_count else 0 end)
            as email_opened_count,
        sum(case when age_days < {{ email_days }} then clicked_count else 0 end)
            as email_clicked_count,
        -- the engagement score's points (scoring__ weights, half-life) at the cutoff
        sum(
            opened_count * {{ engagement_points("'open'", 'age_days') }}
            + clicked_count * {{ engagement_points("'click'", 'age_days') }}
            + order_count * {{ engagement_points("'purchase'", 'age_days') }}
        ) as engagement_points,
        sum(case when age_days < {{ web_days }} then session_count else 0 end)
            as web_session_count,
        sum(case when age_days < {{ web_days }} then add_to_cart_count else 0 end)
            as add_to_cart_count,
        -- the purchase-intent score's points of the window's visits
        sum(
            case
                when age_days < {{ web_days }}
                    then {{ purchase_intent_points(
                        'product_view_count',
                        'add_to_cart_count',
                        'checkout_started_count',
                        'age_days'
                    ) }}
                else 0
            end
        ) as intent_points
{%- endset %}

{% for cutoff_index in cutoff_indexes %}
    activity_aged_{{ cutoff_index }} as (
        -- every day of activity on or before the cutoff, with its age at the cutoff
        select
            activity_daily.*,
            cutoffs.cutoff_date,
            cutoffs.cutoff_role,
            {{ dbt.datediff(
                'activity_daily.activity_date', 'cutoffs.cutoff_date', 'day'
            ) }} as age_days
        from activity_daily
        inner join cutoffs
            on activity_daily.activity_date <= cutoffs.cutoff_date
        where cutoffs.cutoff_index = {{ cutoff_index }}
    ),

{% endfor %}
activity_aggregated as (
    -- one aggregate per cutoff, each grouping the people once: a single aggregate over
    -- every (person, cutoff) held all of them at once and, at 1M customers on DuckDB,
    -- spilled past the free disk (DECISIONLOG "Performance")
    {%- for cutoff_index in cutoff_indexes %}
        select
            person_id,
            cutoff_date,
            cutoff_role,
            {{ aggregates }}
        from activity_aged_{{ cutoff_index }}
        group by person_id, cutoff_date, cutoff_role
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

features as (
    select
        cast(person_id as varchar) as person_id,
        cutoff_date,
        cast(cutoff_role as varchar) as cutoff_role,
        cast(case when lifetime_order_count > 0 then 1 else 0 end as double precision)
            as has_ordered,
        cast(
            least(coalesce(order_recency_days, {{ recency_cap }}), {{ recency_cap }})
            as double precision
        ) as order_recency_days,
        ln(1.0 + cast(order_count as double precision)) as order_count_log,
        ln(1.0 + cast(lifetime_order_count as double precision))
            as lifetime_order_count_log,
        ln(1.0 + greatest(cast(net_revenue_amount as double precision), 0.0))
            as net_revenue_log,
        cast(
            case
                when lifetime_order_count > 0
                    then
                        cast(lifetime_discounted_order_count as double precision)
                        / lifetime_order_count
                else 0
            end as double precision
        ) as discounted_order_share,
        ln(1.0 + cast(email_delivered_count as double precision))
            as email_delivered_count_log,
        ln(1.0 + cast(email_opened_count as double precision)) as email_opened_count_log,
        ln(1.0 + cast(email_clicked_count as double precision))
            as email_clicked_count_log,
        cast(
            least(coalesce(engagement_recency_days, {{ recency_cap }}), {{ recency_cap }})
            as double precision
        ) as engagement_recency_days,
        ln(1.0 + cast(engagement_points as double precision)) as engagement_points_log,
        ln(1.0 + cast(web_session_count as double precision)) as web_session_count_log,
        ln(1.0 + cast(add_to_cart_count as double precision)) as add_to_cart_count_log,
        ln(1.0 + cast(intent_points as double precision)) as intent_points_log,
        ln(1.0 + cast(tenure_days as double precision)) as tenure_days_log
    from activity_aggregated
)

select * from features
