{#- One row per person of dim_customers: the traits email personalisation reads. Best
    send hour and weekday in the person's time zone (their own or the population's),
    preferred device, top category and brand, product recommendations (a JSON array),
    the last product viewed, the last abandoned cart not recovered, and the next
    replenishment due. -#}
{%- set as_of_date = personalization_as_of_date() -%}
with

customers as (
    select
        person_id,
        time_zone,
        primary_device_type
    from {{ ref('dim_customers') }}
),

email_events as (
    select
        person_id,
        occurred_at,
        user_agent_category
    from {{ ref('fct_email_events') }}
    where
        person_id is not null
        and (is_human_open or is_human_click)
        and user_agent_category in ('mobile', 'desktop')
),

cart_abandonments as (
    select
        checkout_id,
        person_id,
        started_at,
        product_ids
    from {{ ref('fct_cart_abandonments') }}
    where person_id is not null and not is_recovered
),

send_times as (
    select
        person_id,
        engagement_count,
        best_send_hour,
        best_send_weekday,
        send_time_source
    from {{ ref('int_person_send_times_ranked') }}
),

affinities as (
    select
        person_id,
        affinity_type,
        affinity_value,
        affinity_score
    from {{ ref('int_person_affinities_scored') }}
    where affinity_rank = 1
),

recommendations as (
    select
        person_id,
        recommendation_rank,
        product_id
    from {{ ref('int_person_recommendations_ranked') }}
),

product_views as (
    select
        signal_id,
        person_id,
        product_id,
        occurred_at
    from {{ ref('int_person_product_signals_collected') }}
    where signal_type = 'view'
),

replenishments as (
    select
        person_id,
        product_id,
        next_replenishment_date
    from {{ ref('int_person_replenishments_predicted') }}
    where next_replenishment_date >= {{ as_of_date }}
),

email_devices_ranked as (
    -- the device a person reads email on most (human opens and clicks)
    select
        person_id,
        user_agent_category as device_type,
        row_number() over (
            partition by person_id
            order by count(*) desc, max(occurred_at) desc, user_agent_category asc
        ) as device_rank
    from email_events
    group by person_id, user_agent_category
),

recommendations_aggregated as (
    select
        person_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as recommendation_count,
        {{ json_text_array_agg('product_id', 'recommendation_rank') }}
            as recommended_product_ids
    from recommendations
    group by person_id
),

product_views_ranked as (
    select
        person_id,
        product_id,
        occurred_at,
        row_number() over (
            partition by person_id
            order by occurred_at desc, signal_id desc
        ) as recency_rank
    from product_views
),

cart_abandonments_ranked as (
    select
        checkout_id,
        person_id,
        started_at,
        product_ids,
        row_number() over (
            partition by person_id
            order by started_at desc, checkout_id desc
        ) as recency_rank
    from cart_abandonments
),

replenishments_ranked as (
    select
        person_id,
        product_id,
        next_replenishment_date,
        row_number() over (
            partition by person_id
            order by next_replenishment_date asc, product_id asc
        ) as due_rank
    from replenishments
),

traits_joined as (
    select
        customers.person_id,
        customers.time_zone,
        send_times.best_send_hour,
        send_times.best_send_weekday,
        send_times.send_time_source,
        send_times.engagement_count as send_time_engagement_count,
        coalesce(email_devices_ranked.device_type, customers.primary_device_type)
            as preferred_device_type,
        case
            when email_devices_ranked.device_type is not null then 'email'
            when customers.primary_device_type is not null then 'web'
        end as preferred_device_source,
        category_affinities.affinity_value as top_category,
        category_affinities.affinity_score as top_category_score,
        brand_affinities.affinity_value as top_brand,
        brand_affinities.affinity_score as top_brand_score,
        coalesce(recommendations_aggregated.recommendation_count, 0)
            as recommendation_count,
        recommendations_aggregated.recommended_product_ids,
        product_views_ranked.product_id as last_viewed_product_id,
        product_views_ranked.occurred_at as last_viewed_at,
        cart_abandonments_ranked.checkout_id as last_abandoned_checkout_id,
        cart_abandonments_ranked.started_at as last_abandoned_at,
        cart_abandonments_ranked.product_ids as last_abandoned_product_ids,
        replenishments_ranked.product_id as next_replenishment_product_id,
        replenishments_ranked.next_replenishment_date,
        {{ as_of_date }} as traits_as_of_date
    from customers
    left join send_times
        on customers.person_id = send_times.person_id
    left join email_devices_ranked
        on
            customers.person_id = email_devices_ranked.person_id
            and email_devices_ranked.device_rank = 1
    left join affinities as category_affinities
        on
            customers.person_id = category_affinities.person_id
            and category_affinities.affinity_type = 'category'
    left join affinities as brand_affinities
        on
            customers.person_id = brand_affinities.person_id
            and brand_affinities.affinity_type = 'brand'
    left join recommendations_aggregated
        on customers.person_id = recommendations_aggregated.person_id
    left join product_views_ranked
        on
            customers.person_id = product_views_ranked.person_id
            and product_views_ranked.recency_rank = 1
    left join cart_abandonments_ranked
        on
            customers.person_id = cart_abandonments_ranked.person_id
            and cart_abandonments_ranked.recency_rank = 1
    left join replenishments_ranked
        on
            customers.person_id = replenishments_ranked.person_id
            and replenishments_ranked.due_rank = 1
)

select * from traits_joined
