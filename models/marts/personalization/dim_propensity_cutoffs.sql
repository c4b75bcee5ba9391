{#- One row per cutoff the propensity and churn features are taken at
    (fct_person_propensity_features): the as-of date, whose features are scored; the
    holdout, one label window (var predict__propensity_label_days) before the latest
    purchase day, on which `mailpipe train` measures the models; and
    var predict__propensity_training_cutoffs more, var predict__propensity_cutoff_step_days
    apart, that it trains on. The training cutoffs are anchored to the latest purchase
    day, not to the as-of date, so that every label window they have holds data. -#}
{%- set as_of_date = personalization_as_of_date() -%}
{%- set label_days = var('predict__propensity_label_days') -%}
{%- set step_days = var('predict__propensity_cutoff_step_days') -%}

with

orders as (
    select ordered_at
    from {{ ref('fct_orders') }}
    where not is_cancelled and cast(ordered_at as date) <= {{ as_of_date }}
),

anchor as (
    -- the latest purchase day: the end of the latest label window
    select cast(max(ordered_at) as date) as last_purchase_date
    from orders
),

cutoff_indexes as (
    -- the holdout's and the training cutoffs' indexes (0, the scoring cutoff, is below)
    {%- for index in propensity_cutoff_indexes()[1:] %}
        select {{ index }} as cutoff_index
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

labelled_cutoffs as (
    -- index 1 is the holdout, the others train, each a step further back
    select
        cutoff_indexes.cutoff_index,
        cast(
            {{ dbt.dateadd(
                'day',
                '-1 * (' ~ label_days ~ ' + ' ~ step_days
                ~ ' * (cutoff_indexes.cutoff_index - 1))',
                'anchor.last_purchase_date'
            ) }} as date
        ) as cutoff_date,
        case
            when cutoff_indexes.cutoff_index = 1 then 'holdout' else 'training'
        end as cutoff_role
    from cutoff_indexes
    cross join anchor
    where anchor.last_purchase_date is not null
),

cutoffs_unioned as (
    select
        0 as cutoff_index,
        {{ as_of_date }} as cutoff_date,
        'scoring' as cutoff_role,
        cast(null as date) as label_end_date
    union all
    select
        cutoff_index,
        cutoff_date,
        cutoff_role,
        cast(
            {{ dbt.dateadd('day', label_days, 'cutoff_date') }} as date
        ) as label_end_date
    from labelled_cutoffs
)

select
    cast(cutoff_index as {{ dbt.type_bigint() }}) as cutoff_index,
    cutoff_date,
    cast(cutoff_role as varchar) as cutoff_role,
    label_end_date
from cutoffs_unioned
