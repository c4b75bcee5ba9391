{#- One row per person who may be emailed: the personalization payload, with every token
    the email platform's dynamic content needs. -#}
with

customers as (
    select
        person_id,
        email,
        first_name,
        language_code,
        time_zone,
        loyalty_tier,
        loyalty_points_balance_count
    from {{ ref('dim_customers') }}
    where is_emailable
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

contacts_joined as (
    select
        customers.person_id,
        customers.email,
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
        scores.purchase_intent_score
    from customers
    left join scores
        on customers.person_id = scores.person_id
    left join traits
        on customers.person_id = traits.person_id
    left join segments_ranked
        on
            customers.person_id = segments_ranked.person_id
            and segments_ranked.priority_rank = 1
)

select * from contacts_joined
