{#- One row per person with email, web or order activity: the latest activity of each kind
    and the engagement score, kept fresh between batch builds. In a micro-batch
    (var realtime__micro_batch) the model is incremental and recomputes only the people
    whom rows loaded since its last run concern, each from all their rows; in any other
    build it is a table rebuilt for everyone (identity may have moved). -#}
{{
    config(
        materialized=('incremental' if var('realtime__micro_batch') else 'table'),
        unique_key='person_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=indexes_on_postgres([
            {'columns': ['person_id'], 'unique': true}
        ]),
    )
}}
{%- set as_of_date = personalization_as_of_date() -%}
with

-- The staged rows, each import read by several joins in a micro-batch: not
-- materialized, so that each join reads the rows it needs instead of all being copied
email_events as not materialized (
    select
        email,
        message_id,
        event_type,
        occurred_at,
        is_machine_open,
        is_bot_click,
        loaded_at
    from {{ ref('stg_esp__email_events') }}
),

tracking_events as not materialized (
    select
        tracking_event_id,
        user_id,
        anonymous_id,
        event_name,
        product_id,
        occurred_at,
        is_bot,
        loaded_at
    from {{ ref('stg_tracking__events') }}
),

orders as not materialized (
    select
        shop_customer_id,
        email,
        ordered_at,
        cancelled_at,
        order_status,
        has_discount_code,
        loaded_at
    from {{ ref('stg_shop__orders') }}
),

-- The rows of each source loaded since the model's last run, read by a second import
-- of the same model and filtered there, before any join (read in a micro-batch only).
email_events_new as (  -- noqa: ST03
    select email
    from {{ ref('stg_esp__email_events') }}
    where {{ is_loaded_since_last_run(none, 'email_loaded_at') }}
),

tracking_events_new as (  -- noqa: ST03
    select
        user_id,
        anonymous_id
    from {{ ref('stg_tracking__events') }}
    where {{ is_loaded_since_last_run(none, 'tracking_loaded_at') }}
),

orders_new as (  -- noqa: ST03
    select
        shop_customer_id,
        email
    from {{ ref('stg_shop__orders') }}
    where {{ is_loaded_since_last_run(none, 'shop_loaded_at') }}
),

person_keys as not materialized (
    select
        identifier_node,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
),

-- the people of the graph's identifiers of each type the rows carry, by the value
email_keys as not materialized (
    {{ person_keys_of_type('email') }}
),

user_keys as not materialized (
    {{ person_keys_of_type(var('identity__tracking_user_id_type')) }}
),

device_keys as not materialized (
    {{ person_keys_of_type('anonymous_id') }}
),

shop_customer_keys as not materialized (
    {{ person_keys_of_type('shop_customer_id') }}
),

nodes_new as (  -- noqa: ST03
    -- every identifier the new rows carry (read in a micro-batch only)
    select {{ identity_node('email', 'email') }} as identifier_node
    from email_events_new
    union
    select {{ identity_node(var('identity__tracking_user_id_type'), 'user_id') }}
    from tracking_events_new
    union
    select {{ identity_node('anonymous_id', 'anonymous_id') }}
    from tracking_events_new
    union
    select {{ identity_node('shop_customer_id', 'shop_customer_id') }}
    from orders_new
    union
    select {{ identity_node('email', 'email') }}
    from orders_new
),

people_new as (  -- noqa: ST03
    -- the people those identifiers belong to, in one join (a call whose account and
    -- device belong to two people touches both: each is recomputed from all its rows,
    -- which is what a full build gives)
    select distinct person_keys.person_id
    from nodes_new
    inner join person_keys
        on nodes_new.identifier_node = person_keys.identifier_node
),

-- read in a micro-batch only (a full build renders no reader of it)
identifiers_touched as (  -- noqa: ST03
    select person_keys.identifier_node
    from person_keys
    inner join people_new
        on person_keys.person_id = people_new.person_id
),

email_events_in_scope as (
    -- every row of the touched people's addresses, found by plain equality (an index)
    {% if is_incremental() %}
        {{ rows_of_identifiers('email_events', 'email', 'identifiers_touched', 'email') }}
    {% else %}
        select * from email_events
    {% endif %}
),

tracking_events_in_scope as (
    -- every call of the touched people's accounts and devices
    {% if is_incremental() %}
        {{ rows_of_identifiers(
            'tracking_events', 'user_id', 'identifiers_touched',
            var('identity__tracking_user_id_type')
        ) }}
        union
        {{ rows_of_identifiers(
            'tracking_events', 'anonymous_id', 'identifiers_touched', 'anonymous_id'
        ) }}
    {% else %}
        select * from tracking_events
    {% endif %}
),

orders_in_scope as (
    -- every order of the touched people's shop accounts and addresses
    {% if is_incremental() %}
        {{ rows_of_identifiers(
            'orders', 'shop_customer_id', 'identifiers_touched', 'shop_customer_id'
        ) }}
        union
        {{ rows_of_identifiers('orders', 'email', 'identifiers_touched', 'email') }}
    {% else %}
        select * from orders
    {% endif %}
),

email_events_keyed as (
    select
        email_keys.person_id,
        email_events.message_id,
        email_events.event_type,
        email_events.occurred_at,
        email_events.event_type = 'open' and not email_events.is_machine_open
            as is_human_open,
        email_events.event_type = 'click' and not email_events.is_bot_click
            as is_human_click,
        email_events.loaded_at
    from email_events_in_scope as email_events
    inner join email_keys
        on email_events.email = email_keys.identifier_value
),

tracking_events_keyed as (
    select
        coalesce(user_keys.person_id, device_keys.person_id) as person_id,
        tracking_events.tracking_event_id,
        tracking_events.event_name,
        tracking_events.product_id,
        tracking_events.occurred_at,
        tracking_events.loaded_at
    from tracking_events_in_scope as tracking_events
    left join user_keys
        on tracking_events.user_id = user_keys.identifier_value
    left join device_keys
        on tracking_events.anonymous_id = device_keys.identifier_value
    where not tracking_events.is_bot
),

orders_keyed as (
    select
        coalesce(shop_customer_keys.person_id, email_keys.person_id) as person_id,
        orders.ordered_at,
        {{ is_cancelled_order('orders.cancelled_at', 'orders.order_status') }}
            as is_cancelled,
        orders.has_discount_code,
        orders.loaded_at
    from orders_in_scope as orders
    left join shop_customer_keys
        on orders.shop_customer_id = shop_customer_keys.identifier_value
    left join email_keys
        on orders.email = email_keys.identifier_value
),

-- In a micro-batch, each source's rows of the people touched; in a full build every
-- row with a person (everyone is touched: a join with all people would only cost time;
-- rows of no person stay out, as that join left them out, or they would count in the
-- population's median gap).
email_events_touched as (
    select email_events_keyed.*
    from email_events_keyed
    {%- if is_incremental() %}
        inner join people_new
            on email_events_keyed.person_id = people_new.person_id
    {%- endif %}
    where email_events_keyed.person_id is not null
),

tracking_events_touched as (
    select tracking_events_keyed.*
    from tracking_events_keyed
    {%- if is_incremental() %}
        inner join people_new
            on tracking_events_keyed.person_id = people_new.person_id
    {%- endif %}
    where tracking_events_keyed.person_id is not null
),

orders_touched as (
    select orders_keyed.*
    from orders_keyed
    {%- if is_incremental() %}
        inner join people_new
            on orders_keyed.person_id = people_new.person_id
    {%- endif %}
    where orders_keyed.person_id is not null
),

email_aggregated as (
    select
        person_id,
        max(case when event_type = 'deliver' then occurred_at end)
            as last_email_delivered_at,
        max(case when is_human_open then occurred_at end) as last_email_opened_at,
        max(case when is_human_click then occurred_at end) as last_email_clicked_at,
        max(
            case
                when {{ is_email_stop_event('event_type') }} then loaded_at
            end
        ) as last_email_stop_loaded_at,
        max(loaded_at) as email_loaded_at
    from email_events_touched
    group by person_id
),

product_views_ranked as (
    select
        person_id,
        product_id,
        row_number() over (
            partition by person_id
            order by occurred_at desc, tracking_event_id desc
        ) as view_rank
    from tracking_events_touched
    where event_name = 'Product Viewed' and product_id is not null
),

tracking_aggregated as (
    select
        person_id,
        max(occurred_at) as last_site_visit_at,
        max(loaded_at) as tracking_loaded_at
    from tracking_events_touched
    group by person_id
),

orders_aggregated as (
    select
        person_id,
        max(case when not is_cancelled then ordered_at end) as last_ordered_at,
        count(case when not is_cancelled then 1 end) as order_count,
        max(loaded_at) as shop_loaded_at
    from orders_touched
    group by person_id
),

people_touched as (
    -- the people of the rows: in a micro-batch those the new rows concern; in a full
    -- build everyone with an email event, call or order (from the aggregates, so that
    -- the keyed rows are read once)
    {% if is_incremental() %}
        select person_id from people_new
    {% else %}
        select person_id from email_aggregated
        union
        select person_id from tracking_aggregated
        union
        select person_id from orders_aggregated
    {% endif %}
),

engagement_events as (
    -- as in dim_customer_scores: human opens and clicks, orders not cancelled
    select
        person_id,
        message_id,
        event_type,
        occurred_at
    from email_events_touched
    where
        (is_human_open or is_human_click)
        and cast(occurred_at as date) <= {{ as_of_date }}
),

purchases as (
    select
        person_id,
        ordered_at,
        has_discount_code
    from orders_touched
    where not is_cancelled and cast(ordered_at as date) <= {{ as_of_date }}
),

purchases_aggregated as (
    -- the order scores of dim_customer_scores (RFM recency and frequency, churn risk,
    -- discount sensitivity), from the same orders
    select
        person_id,
        count(*) as purchase_count,
        count(case when has_discount_code then 1 end) as discounted_purchase_count,
        {{ dbt.datediff('cast(max(ordered_at) as date)', as_of_date, 'day') }}
            as days_since_last_order,
        {{ dbt.datediff(
            'cast(min(ordered_at) as date)', 'cast(max(ordered_at) as date)', 'day'
        ) }} as purchase_span_days
    from purchases
    group by person_id
),

purchases_timed as (
    -- the mean gap between a person's orders: first to last order over the gaps between
    select
        *,
        {{ own_order_gap_days('purchase_span_days', 'purchase_count') }}
            as own_order_gap_days
    from purchases_aggregated
),

population_gap as (
    -- the median of repeat buyers' own mean gaps: a population statistic, computed over
    -- everyone by a full build and kept by micro-batches until the next one
    {% if is_incremental() %}
        select max(population_order_gap_days) as population_order_gap_days
        from {{ this }}
    {% else %}
        select
            {{ population_order_gap_days('own_order_gap_days') }}
                as population_order_gap_days
        from purchases_timed
        where purchase_count > 1
    {% endif %}
),

purchases_scored as (
    select
        purchases_timed.person_id,
        purchases_timed.days_since_last_order,
        {{ rfm_recency_score('purchases_timed.days_since_last_order') }} as recency_score,
        {{ rfm_frequency_score('purchases_timed.purchase_count') }} as frequency_score,
        {{ churn_risk_score(
            'purchases_timed.days_since_last_order',
            typical_order_gap_days(
                'purchases_timed.own_order_gap_days',
                'purchases_timed.purchase_count',
                'population_gap.population_order_gap_days'
            )
        ) }} as churn_risk_score,
        {{ discount_sensitivity_score(
            'purchases_timed.discounted_purchase_count', 'purchases_timed.purchase_count'
        ) }} as discount_sensitivity_score
    from purchases_timed
    cross join population_gap
),

engagements_listed as (
    {{ engagements_listed('engagement_events', 'purchases') }}
),

engagements_scored as (
    select
        person_id,
        sum(
            {{ engagement_points(
                'engagement_type',
                dbt.datediff('cast(engaged_at as date)', as_of_date, 'day')
            ) }}
        ) as engagement_points
    from engagements_listed
    group by person_id
),

activity_joined as (
    select
        -- the contract's varchar (not text), so that Postgres sees no schema change
        cast(people_touched.person_id as varchar) as person_id,
        email_aggregated.last_email_delivered_at,
        email_aggregated.last_email_opened_at,
        email_aggregated.last_email_clicked_at,
        email_aggregated.last_email_stop_loaded_at,
        orders_aggregated.last_ordered_at,
        cast(coalesce(orders_aggregated.order_count, 0) as {{ dbt.type_bigint() }})
            as order_count,
        tracking_aggregated.last_site_visit_at,
        cast(product_views_ranked.product_id as varchar)
            as last_viewed_product_id,
        cast(
            round(
                cast(coalesce(engagements_scored.engagement_points, 0) as numeric(28, 6)),
                4
            ) as numeric(18, 4)
        ) as engagement_score,
        cast(purchases_scored.recency_score as {{ dbt.type_bigint() }}) as recency_score,
        cast(purchases_scored.frequency_score as {{ dbt.type_bigint() }})
            as frequency_score,
        cast(purchases_scored.days_since_last_order as {{ dbt.type_bigint() }})
            as days_since_last_order,
        cast(round(purchases_scored.churn_risk_score, 4) as numeric(5, 4))
            as churn_risk_score,
        cast(round(purchases_scored.discount_sensitivity_score, 4) as numeric(5, 4))
            as discount_sensitivity_score,
        cast(population_gap.population_order_gap_days as numeric(28, 6))
            as population_order_gap_days,
        email_aggregated.email_loaded_at,
        tracking_aggregated.tracking_loaded_at,
        orders_aggregated.shop_loaded_at,
        {{ to_utc(dbt.current_timestamp()) }} as refreshed_at
    from people_touched
    left join email_aggregated
        on people_touched.person_id = email_aggregated.person_id
    left join tracking_aggregated
        on people_touched.person_id = tracking_aggregated.person_id
    left join orders_aggregated
        on people_touched.person_id = orders_aggregated.person_id
    left join product_views_ranked
        on
            people_touched.person_id = product_views_ranked.person_id
            and product_views_ranked.view_rank = 1
    left join engagements_scored
        on people_touched.person_id = engagements_scored.person_id
    left join purchases_scored
        on people_touched.person_id = purchases_scored.person_id
    cross join population_gap
    where people_touched.person_id is not null
)

select * from activity_joined
