{#- One row per person who may be emailed (contact purpose email_marketing): the
    personalization payload as the batch build assembles it, with every token the email
    platform's dynamic content needs; the platform reads it through
    sync_email_platform__contacts, which adds the activity of micro-batches.
    Tokens drawn from the person's profile (segment, scores, traits) are filled only for
    people who may be profiled (contact purpose personalisation); the others get the
    plain version. -#}
with

customers as (
    select
        person_id,
        email_key,
        language_code,
        time_zone,
        loyalty_tier,
        loyalty_points_balance_count
    from {{ ref('dim_customers') }}
),

predictions as (
    -- the predicted scores on the customer 360, joined as the other profile tokens are
    select
        person_id,
        alive_probability,
        lifetime_value_amount,
        purchase_propensity,
        churn_probability
    from {{ ref('dim_customers') }}
),

profiles as (
    select
        person_id,
        email,
        first_name
    from {{ ref('int_customer_profiles_merged') }}
),

contactability as (
    select
        person_id,
        contact_purpose
    from {{ ref('dim_person_contactability') }}
    where can_contact and contact_purpose in ('email_marketing', 'personalisation')
),

scores as (
    select
        person_id,
        rfm_segment,
        engagement_score,
        churn_risk_score,
        purchase_intent_score
    from {{ ref('dim_customer_scores') }}
),

traits as (
    select
        person_id,
        best_send_hour,
        best_send_weekday,
        send_time_source,
        top_category,
        top_brand,
        recommended_product_ids,
        last_viewed_product_id,
        last_abandoned_checkout_id,
        last_abandoned_product_ids,
        next_replenishment_product_id,
        next_replenishment_date
    from {{ ref('dim_customer_traits') }}
),

memberships as (
    select
        person_id,
        segment_name
    from {{ ref('fct_segment_memberships') }}
    where is_current
),

segment_priorities as (
    {{ segment_priorities() }}
),

segments_ranked as (
    select
        memberships.person_id,
        memberships.segment_name,
        row_number() over (
            partition by memberships.person_id
            order by
                segment_priorities.segment_priority desc,
                memberships.segment_name asc
        ) as priority_rank
    from memberships
    inner join segment_priorities
        on memberships.segment_name = segment_priorities.segment_name
),

customers_contactable as (
    select
        customers.*,
        profiles.email,
        profiles.first_name,
        personalisable.person_id is not null as is_personalised,
        -- the key that joins the profile's tokens: null unless the person may be
        -- profiled (a plain equality join; the flag in the join condition made
        -- DuckDB compare every contact with every person)
        personalisable.person_id as personalised_person_id
    from customers
    inner join profiles
        on customers.person_id = profiles.person_id
    inner join contactability as emailable
        on
            customers.person_id = emailable.person_id
            and emailable.contact_purpose = 'email_marketing'
    left join contactability as personalisable
        on
            customers.person_id = personalisable.person_id
            and personalisable.contact_purpose = 'personalisation'
),

contacts_joined as (
    select
        customers.person_id,
        customers.email,
        customers.email_key,
        customers.first_name,
        customers.language_code,
        customers.time_zone,
        segments_ranked.segment_name as segment,
        scores.rfm_segment,
        traits.top_category,
        traits.top_brand,
        traits.recommended_product_ids,
        traits.best_send_hour,
        traits.best_send_weekday,
        traits.send_time_source,
        customers.loyalty_tier,
        customers.loyalty_points_balance_count,
        traits.last_viewed_product_id,
        traits.last_abandoned_checkout_id,
        traits.last_abandoned_product_ids,
        traits.next_replenishment_product_id,
        traits.next_replenishment_date,
        scores.engagement_score,
        scores.churn_risk_score,
        scores.purchase_intent_score,
        predictions.alive_probability,
        predictions.lifetime_value_amount,
        predictions.purchase_propensity,
        predictions.churn_probability,
        customers.is_personalised,
        {{ dbt.current_timestamp() }} as assembled_at
    from customers_contactable as customers
    left join scores
        on customers.personalised_person_id = scores.person_id
    left join traits
        on customers.personalised_person_id = traits.person_id
    left join predictions
        on customers.personalised_person_id = predictions.person_id
    left join segments_ranked
        on
            customers.personalised_person_id = segments_ranked.person_id
            and segments_ranked.priority_rank = 1
)

select * from contacts_joined
