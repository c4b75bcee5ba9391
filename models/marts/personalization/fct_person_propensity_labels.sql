{#- One row per person and labelled cutoff (holdout and training, dim_propensity_cutoffs)
    in fct_person_propensity_features: whether they bought within the label window after
    the cutoff (var predict__propensity_label_days; the cutoff day itself is the
    features'), and, for those who had bought before, whether they churned (did not). The
    labels `mailpipe train` fits to; features never read them. -#}
with

features as (
    select
        person_id,
        cutoff_date,
        cutoff_role,
        has_ordered
    from {{ ref('fct_person_propensity_features') }}
    where cutoff_role in ('holdout', 'training')
),

cutoffs as (
    select
        cutoff_date,
        label_end_date
    from {{ ref('dim_propensity_cutoffs') }}
    where label_end_date is not null
),

orders as (
    select
        person_id,
        cast(ordered_at as date) as order_date
    from {{ ref('fct_orders') }}
    where person_id is not null and not is_cancelled
),

buyers_in_window as (
    select distinct
        orders.person_id,
        cutoffs.cutoff_date
    from orders
    inner join cutoffs
        on
            orders.order_date > cutoffs.cutoff_date
            and orders.order_date <= cutoffs.label_end_date
),

labelled as (
    select
        features.person_id,
        features.cutoff_date,
        features.cutoff_role,
        buyers_in_window.person_id is not null as purchased_in_window,
        case
            when features.has_ordered = 1 then buyers_in_window.person_id is null
        end as churned_in_window
    from features
    left join buyers_in_window
        on
            features.person_id = buyers_in_window.person_id
            and features.cutoff_date = buyers_in_window.cutoff_date
)

select * from labelled
