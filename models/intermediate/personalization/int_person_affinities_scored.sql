{#- One row per person and category, and per person and brand, they showed interest in:
    the signals' weights (var traits__affinity_signal_weights) each halved every
    traits__affinity_half_life_days before the as-of date, summed, and ranked within the
    person (1 = the strongest; ties go to the latest signal, then the name). Email clicks
    carry a category but no brand. -#}
{%- set weights = var('traits__affinity_signal_weights') -%}
{%- set as_of_date = personalization_as_of_date() -%}
with

signals as (
    select
        person_id,
        signal_type,
        product_category,
        product_brand,
        occurred_at
    from {{ ref('int_person_product_signals_collected') }}
),

signals_weighted as (
    select
        person_id,
        product_category,
        product_brand,
        occurred_at,
        case
            when signal_type is null then 0
            {%- for signal_type, weight in weights.items() %}
                when signal_type = {{ sql_literal(signal_type) }} then {{ weight }}
            {%- endfor %}
            else 0
        end as signal_weight
    from signals
),

signals_decayed as (
    -- each signal rounded on its own, so that sums are exact decimals on every engine
    select
        person_id,
        product_category,
        product_brand,
        occurred_at,
        cast(
            round(
                cast(
                    signal_weight * {{ decayed_weight(
                        1,
                        dbt.datediff('cast(occurred_at as date)', as_of_date, 'day'),
                        var('traits__affinity_half_life_days')
                    ) }} as numeric(38, 12)
                ),
                6
            ) as {{ dbt.type_numeric() }}
        ) as decayed_weight
    from signals_weighted
),

signals_unpivoted as (
    select
        person_id,
        'category' as affinity_type,
        product_category as affinity_value,
        occurred_at,
        decayed_weight
    from signals_decayed
    where product_category is not null
    union all
    select
        person_id,
        'brand' as affinity_type,
        product_brand as affinity_value,
        occurred_at,
        decayed_weight
    from signals_decayed
    where product_brand is not null
),

affinities_summed as (
    select
        person_id,
        affinity_type,
        affinity_value,
        cast(count(*) as {{ dbt.type_bigint() }}) as signal_count,
        max(occurred_at) as last_signal_at,
        cast(sum(decayed_weight) as {{ dbt.type_numeric() }}) as affinity_score
    from signals_unpivoted
    group by person_id, affinity_type, affinity_value
),

affinities_ranked as (
    select
        person_id || ':' || affinity_type || ':' || affinity_value as person_affinity_id,
        person_id,
        affinity_type,
        affinity_value,
        signal_count,
        last_signal_at,
        affinity_score,
        cast(
            row_number() over (
                partition by person_id, affinity_type
                order by affinity_score desc, last_signal_at desc, affinity_value asc
            ) as {{ dbt.type_bigint() }}
        ) as affinity_rank
    from affinities_summed
)

select * from affinities_ranked
