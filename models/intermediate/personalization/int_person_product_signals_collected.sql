{#- One row per signal of interest in a product, a category or a brand, keyed to a
    person: product views and adds to cart on the web (crawlers left out), human clicks in
    emails on a category page (var traits__click_landing_categories; category only), and
    products bought (int_person_purchases_identified). The input of category and brand
    affinities and of the last product viewed. -#}
{%- set landing_categories = var('traits__click_landing_categories') -%}
with

tracking_events as (
    select
        tracking_event_id,
        event_name,
        anonymous_id,
        user_id,
        product_id,
        product_category,
        product_brand,
        occurred_at
    from {{ ref('stg_tracking__events') }}
    where
        event_name in ('Product Viewed', 'Product Added')
        and not is_bot
        and product_id is not null
),

email_clicks as (
    select
        email_event_id,
        email,
        clicked_url,
        occurred_at
    from {{ ref('stg_esp__email_events') }}
    where event_type = 'click' and not is_bot_click
),

purchases as (
    select
        order_line_id,
        person_id,
        product_id,
        product_category,
        product_brand,
        ordered_at
    from {{ ref('int_person_purchases_identified') }}
),

products as (
    select
        product_id,
        product_category,
        product_brand
    from {{ ref('stg_shop__products') }}
),

-- the people of the graph's signed-in accounts, devices and addresses, by value
customer_keys as (
    {{ person_keys_of_type(var('identity__tracking_user_id_type')) }}
),

device_keys as (
    {{ person_keys_of_type('anonymous_id') }}
),

email_keys as (
    {{ person_keys_of_type('email') }}
),

web_signals_identified as (
    -- the signed-in customer's person first, else the device's (as fct_web_sessions)
    select
        'web:' || tracking_events.tracking_event_id as signal_id,
        coalesce(customer_keys.person_id, device_keys.person_id) as person_id,
        case
            when tracking_events.event_name = 'Product Viewed' then 'view'
            else 'cart_add'
        end as signal_type,
        tracking_events.product_id,
        -- the catalogue's category and brand; the event's when the product is unknown
        coalesce(products.product_category, tracking_events.product_category)
            as product_category,
        coalesce(products.product_brand, tracking_events.product_brand)
            as product_brand,
        tracking_events.occurred_at
    from tracking_events
    left join products
        on tracking_events.product_id = products.product_id
    left join customer_keys
        on tracking_events.user_id = customer_keys.identifier_value
    left join device_keys
        on tracking_events.anonymous_id = device_keys.identifier_value
),

email_clicks_located as (
    select
        email_event_id,
        email,
        occurred_at,
        lower({{ dbt.split_part('clicked_url', "'?'", 1) }}) as landing_url
    from email_clicks
),

email_clicks_categorized as (
    select
        email_event_id,
        email,
        occurred_at,
        case
            when landing_url is null then null
            {%- for landing_path, category in landing_categories.items() %}
                when landing_url like {{ sql_literal('%' ~ landing_path | lower) }}
                    then {{ sql_literal(category) }}
            {%- endfor %}
        end as product_category
    from email_clicks_located
),

email_signals_identified as (
    select
        'email:' || email_clicks_categorized.email_event_id as signal_id,
        email_keys.person_id,
        'email_click' as signal_type,
        cast(null as {{ dbt.type_string() }}) as product_id,
        email_clicks_categorized.product_category,
        cast(null as {{ dbt.type_string() }}) as product_brand,
        email_clicks_categorized.occurred_at
    from email_clicks_categorized
    inner join email_keys
        on email_clicks_categorized.email = email_keys.identifier_value
    where email_clicks_categorized.product_category is not null
),

purchase_signals as (
    select
        'order:' || order_line_id as signal_id,
        person_id,
        'purchase' as signal_type,
        product_id,
        product_category,
        product_brand,
        ordered_at as occurred_at
    from purchases
),

signals_unioned as (
    select * from web_signals_identified
    where person_id is not null
    union all
    select * from email_signals_identified
    union all
    select * from purchase_signals
)

select * from signals_unioned
