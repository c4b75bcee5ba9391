{#- One row per person who may be emailed: the personalization payload the email platform
    reads. The batch build's contact row (sync_email_platform__contact_profiles) with the
    person's latest activity from dim_person_activity_live: the micro-batches' table with
    the raw email events loaded since, so that an email event shows here as soon as it is
    loaded. The engagement score, churn risk and latest product viewed replace the
    batch's (as of the last micro-batch), and a person whose unsubscribe, complaint or
    hard bounce was loaded after the batch assembled their row is left out at once, until
    the next batch applies every contactability rule. A view, so that a micro-batch never rewrites the payload. -#}
{{ config(materialized='view') }}
with

contact_profiles as (
    select
        person_id,
        email,
        email_key,
        first_name,
        language_code,
        time_zone,
        segment,
        rfm_segment,
        top_category,
        top_brand,
        recommended_product_ids,
        best_send_hour,
        best_send_weekday,
        send_time_source,
        loyalty_tier,
        loyalty_points_balance_count,
        last_viewed_product_id,
        last_abandoned_checkout_id,
        last_abandoned_product_ids,
        next_replenishment_product_id,
        next_replenishment_date,
        engagement_score,
        churn_risk_score,
        purchase_intent_score,
        alive_probability,
        lifetime_value_amount,
        purchase_propensity,
        churn_probability,
        is_personalised,
        assembled_at
    from {{ ref('sync_email_platform__contact_profiles') }}
),

activity as (
    select
        person_id,
        last_email_delivered_at,
        last_email_opened_at,
        last_email_clicked_at,
        last_email_stop_loaded_at,
        last_ordered_at,
        last_site_visit_at,
        last_viewed_product_id,
        engagement_score,
        churn_risk_score,
        refreshed_at
    from {{ ref('dim_person_activity_live') }}
),

contacts_refreshed as (
    select
        contact_profiles.person_id,
        contact_profiles.email,
        contact_profiles.email_key,
        contact_profiles.first_name,
        contact_profiles.language_code,
        contact_profiles.time_zone,
        contact_profiles.segment,
        contact_profiles.rfm_segment,
        contact_profiles.top_category,
        contact_profiles.top_brand,
        contact_profiles.recommended_product_ids,
        contact_profiles.best_send_hour,
        contact_profiles.best_send_weekday,
        contact_profiles.send_time_source,
        contact_profiles.loyalty_tier,
        contact_profiles.loyalty_points_balance_count,
        case
            when contact_profiles.is_personalised
                then coalesce(
                        activity.last_viewed_product_id,
                        contact_profiles.last_viewed_product_id
                    )
        end as last_viewed_product_id,
        contact_profiles.last_abandoned_checkout_id,
        contact_profiles.last_abandoned_product_ids,
        contact_profiles.next_replenishment_product_id,
        contact_profiles.next_replenishment_date,
        case
            when contact_profiles.is_personalised
                then coalesce(
                        activity.engagement_score, contact_profiles.engagement_score
                    )
        end as engagement_score,
        case
            when contact_profiles.is_personalised
                then coalesce(
                        activity.churn_risk_score, contact_profiles.churn_risk_score
                    )
        end as churn_risk_score,
        contact_profiles.purchase_intent_score,
        contact_profiles.alive_probability,
        contact_profiles.lifetime_value_amount,
        contact_profiles.purchase_propensity,
        contact_profiles.churn_probability,
        case
            when contact_profiles.is_personalised then activity.last_email_delivered_at
        end as last_email_delivered_at,
        case
            when contact_profiles.is_personalised then activity.last_email_opened_at
        end as last_email_opened_at,
        case
            when contact_profiles.is_personalised then activity.last_email_clicked_at
        end as last_email_clicked_at,
        case
            when contact_profiles.is_personalised then activity.last_ordered_at
        end as last_ordered_at,
        case
            when contact_profiles.is_personalised then activity.last_site_visit_at
        end as last_site_visit_at,
        contact_profiles.is_personalised,
        contact_profiles.assembled_at,
        activity.refreshed_at as activity_refreshed_at
    from contact_profiles
    left join activity
        on contact_profiles.person_id = activity.person_id
    where
        activity.last_email_stop_loaded_at is null
        or activity.last_email_stop_loaded_at <= contact_profiles.assembled_at
)

select * from contacts_refreshed
