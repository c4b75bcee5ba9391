{#- One row per person: identifiers rolled up, and profile attributes merged from first-
    party sources (CRM, then the shop's shipping address and the web's device settings)
    with third-party enrichment filling only the gaps (never for people who opted out of
    sale or sharing: int_person_sale_opt_outs). Each merged attribute has a
    `<attribute>_source` column naming where its value came from. -#}

with

person_keys as (
    select
        identifier_node,
        identifier_type,
        identifier_value,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
),

-- the people of the graph's CRM records and devices, each by its value
crm_keys as (
    {{ person_keys_of_type('crm_customer_id') }}
),

device_keys as (
    {{ person_keys_of_type('anonymous_id') }}
),

links as (
    select
        node_a,
        node_b,
        seen_in
    from {{ ref('int_identity_links_observed') }}
),

crm_customers as (
    select
        crm_customer_id,
        email,
        phone,
        first_name,
        last_name,
        birth_date,
        gender,
        country_code,
        city,
        time_zone,
        language_code,
        custom_attributes,
        created_at,
        changed_at
    from {{ ref('stg_crm__customers') }}
),

orders as (
    select
        order_id,
        ordered_at,
        shipping_country_code,
        shipping_city
    from {{ ref('stg_shop__orders') }}
    where shipping_country_code is not null
),

orders_keyed as (
    select
        order_id,
        person_id
    from {{ ref('int_orders_keyed') }}
),

tracking_events as (
    select
        anonymous_id,
        time_zone,
        locale_code
    from {{ ref('stg_tracking__events') }}
    where not is_bot and time_zone is not null
),

enrichment_profiles as (
    select
        enrichment_profile_id,
        email_key,
        enrichment_vendor,
        age_band,
        income_band,
        household_size_count,
        has_children,
        interests_list,
        match_confidence_score,
        as_of_date
    from {{ ref('stg_enrichment__profiles') }}
),

address_pseudonyms as (
    select
        email_key,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

sale_opt_outs as (
    select person_id
    from {{ ref('int_person_sale_opt_outs') }}
),

identifiers_counted as (
    select
        person_id,
        count(case when identifier_type = 'email' then 1 end) as email_count,
        count(case when identifier_type = 'phone' then 1 end) as phone_count,
        count(case when identifier_type = 'crm_customer_id' then 1 end)
            as crm_customer_id_count,
        count(case when identifier_type = 'shop_customer_id' then 1 end)
            as shop_customer_id_count,
        count(case when identifier_type = 'anonymous_id' then 1 end)
            as anonymous_id_count,
        min(case when identifier_type = 'shop_customer_id' then identifier_value end)
            as shop_customer_id,
        min(case when identifier_type = 'phone' then identifier_value end) as any_phone
    from person_keys
    group by person_id
),

crm_ranked as (
    -- a person with several CRM records: the most recently changed one is the profile
    select
        crm_keys.person_id,
        crm_customers.*,
        row_number() over (
            partition by crm_keys.person_id
            order by crm_customers.changed_at desc, crm_customers.crm_customer_id asc
        ) as crm_rank
    from crm_customers
    inner join crm_keys
        on
            crm_keys.identifier_value
            = {{ identity_value('crm_customers.crm_customer_id') }}
),

emails_ranked as (
    -- without a CRM address, the address seen in the most sources (then the smallest)
    select
        person_keys.person_id,
        person_keys.identifier_value as email,
        row_number() over (
            partition by person_keys.person_id
            order by count(distinct links.seen_in) desc, person_keys.identifier_value asc
        ) as email_rank
    from person_keys
    inner join links
        on person_keys.identifier_node = links.node_a
    where person_keys.identifier_type = 'email'
    group by person_keys.person_id, person_keys.identifier_value
),

shipping_ranked as (
    select
        orders_keyed.person_id,
        orders.shipping_country_code,
        orders.shipping_city,
        row_number() over (
            partition by orders_keyed.person_id
            order by orders.ordered_at desc, orders.order_id desc
        ) as order_rank
    from orders
    inner join orders_keyed
        on orders.order_id = orders_keyed.order_id
),

time_zones_ranked as (
    select
        device_keys.person_id,
        tracking_events.time_zone,
        row_number() over (
            partition by device_keys.person_id
            order by count(*) desc, tracking_events.time_zone asc
        ) as time_zone_rank
    from tracking_events
    inner join device_keys
        on tracking_events.anonymous_id = device_keys.identifier_value
    group by device_keys.person_id, tracking_events.time_zone
),

enrichment_ranked as (
    select
        address_pseudonyms.person_id,
        enrichment_profiles.*,
        row_number() over (
            partition by address_pseudonyms.person_id
            order by
                enrichment_profiles.match_confidence_score desc,
                enrichment_profiles.as_of_date desc,
                enrichment_profiles.enrichment_profile_id asc
        ) as enrichment_rank
    from enrichment_profiles
    inner join address_pseudonyms
        on enrichment_profiles.email_key = address_pseudonyms.email_key
    left join sale_opt_outs
        on address_pseudonyms.person_id = sale_opt_outs.person_id
    where sale_opt_outs.person_id is null
),

profiles_joined as (
    select
        identifiers_counted.person_id,
        crm_ranked.crm_customer_id,
        identifiers_counted.shop_customer_id,
        coalesce(crm_ranked.email, emails_ranked.email) as email,
        coalesce(crm_ranked.phone, identifiers_counted.any_phone) as phone,
        identifiers_counted.email_count,
        identifiers_counted.phone_count,
        identifiers_counted.crm_customer_id_count,
        identifiers_counted.shop_customer_id_count,
        identifiers_counted.anonymous_id_count,
        crm_ranked.first_name,
        crm_ranked.last_name,
        crm_ranked.gender,
        crm_ranked.birth_date,
        crm_ranked.language_code,
        crm_ranked.created_at as crm_created_at,
        {{ json_get_text('crm_ranked.custom_attributes', 'preferred_contact') }}
            as preferred_contact_channel,
        {{ json_get_text('crm_ranked.custom_attributes', 'clothing_size') }}
            as clothing_size,
        {{ json_get_text('crm_ranked.custom_attributes', 'shoe_size') }} as shoe_size,
        crm_ranked.country_code as crm_country_code,
        crm_ranked.city as crm_city,
        crm_ranked.time_zone as crm_time_zone,
        shipping_ranked.shipping_country_code,
        shipping_ranked.shipping_city,
        time_zones_ranked.time_zone as web_time_zone,
        enrichment_ranked.enrichment_vendor,
        enrichment_ranked.age_band as enrichment_age_band,
        enrichment_ranked.income_band,
        enrichment_ranked.household_size_count,
        enrichment_ranked.has_children,
        enrichment_ranked.interests_list,
        cast(enrichment_ranked.match_confidence_score as numeric(5, 4))
            as enrichment_match_score,
        cast(
            floor(
                (
                    (
                        extract(year from current_date) * 10000
                        + extract(month from current_date) * 100
                        + extract(day from current_date)
                    )
                    - (
                        extract(year from crm_ranked.birth_date) * 10000
                        + extract(month from crm_ranked.birth_date) * 100
                        + extract(day from crm_ranked.birth_date)
                    )
                ) / 10000.0
            ) as {{ dbt.type_int() }}
        ) as age_years
    from identifiers_counted
    left join crm_ranked
        on
            identifiers_counted.person_id = crm_ranked.person_id
            and crm_ranked.crm_rank = 1
    left join emails_ranked
        on
            identifiers_counted.person_id = emails_ranked.person_id
            and emails_ranked.email_rank = 1
    left join shipping_ranked
        on
            identifiers_counted.person_id = shipping_ranked.person_id
            and shipping_ranked.order_rank = 1
    left join time_zones_ranked
        on
            identifiers_counted.person_id = time_zones_ranked.person_id
            and time_zones_ranked.time_zone_rank = 1
    left join enrichment_ranked
        on
            identifiers_counted.person_id = enrichment_ranked.person_id
            and enrichment_ranked.enrichment_rank = 1
),

profiles_merged as (
    select
        person_id,
        crm_customer_id,
        shop_customer_id,
        email,
        phone,
        email_count,
        phone_count,
        crm_customer_id_count,
        shop_customer_id_count,
        anonymous_id_count,
        first_name,
        last_name,
        gender,
        birth_date,
        age_years,
        coalesce({{ age_band('age_years') }}, enrichment_age_band) as age_band,
        case
            when age_years is not null then 'crm'
            when enrichment_age_band is not null then 'enrichment'
        end as age_band_source,
        language_code,
        preferred_contact_channel,
        clothing_size,
        shoe_size,
        coalesce(crm_country_code, shipping_country_code) as country_code,
        case
            when crm_country_code is not null then 'crm'
            when shipping_country_code is not null then 'shop_shipping_address'
        end as country_source,
        case
            when crm_country_code is not null then crm_city
            else shipping_city
        end as city,
        case
            when crm_country_code is not null and crm_city is not null then 'crm'
            when crm_country_code is null and shipping_city is not null
                then 'shop_shipping_address'
        end as city_source,
        coalesce(crm_time_zone, web_time_zone) as time_zone,
        case
            when crm_time_zone is not null then 'crm'
            when web_time_zone is not null then 'web_device'
        end as time_zone_source,
        income_band,
        household_size_count,
        has_children,
        interests_list,
        case when enrichment_vendor is not null then 'enrichment' end
            as third_party_attributes_source,
        enrichment_vendor,
        enrichment_match_score,
        crm_created_at
    from profiles_joined
)

select * from profiles_merged
