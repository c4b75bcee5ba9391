{#- One row per person and recommendation slot (1 to traits__recommendation_count):
    active products the person has not bought. First those bought by the same people as
    the products they bought (pairs of at least traits__copurchase_min_buyers people, the
    traits__copurchase_neighbours most similar of each product), scored by the pairs'
    cosine similarity summed over the person's products; then the
    bestsellers of the person's top category; then, for everyone in
    int_customer_profiles_merged (the spine of dim_customers), the overall bestsellers.
    Bestsellers are ranked by the people who bought them in the last
    traits__bestseller_window_days up to the as-of date. Every person gets all slots when
    enough active products exist. -#}
{%- set as_of_date = personalization_as_of_date() -%}
{%- set recommendation_count = var('traits__recommendation_count') -%}
{%- set person_batches = whole_number_var('traits__recommendation_person_batches', 1) -%}
{%- set copurchase_neighbours = var('traits__copurchase_neighbours') -%}
with

profiles as (
    select person_id
    from {{ ref('int_customer_profiles_merged') }}
),

purchases as (
    select
        person_id,
        product_id,
        ordered_date
    from {{ ref('int_person_purchases_identified') }}
),

copurchases as (
    select
        product_id,
        copurchased_product_id,
        buyer_count,
        order_count,
        copurchase_similarity
    from {{ ref('int_product_copurchases_counted') }}
    where buyer_count >= {{ var('traits__copurchase_min_buyers') }}
),

top_categories as (
    select
        person_id,
        affinity_value as product_category
    from {{ ref('int_person_affinities_scored') }}
    where affinity_type = 'category' and affinity_rank = 1
),

products as (
    select
        product_id,
        product_category
    from {{ ref('stg_shop__products') }}
    where is_active
),

people_unioned as (
    select person_id from profiles
    union
    select person_id from purchases
),

people_numbered as (
    -- everyone recommended to, numbered: the joins, aggregates and windows over millions
    -- of candidates below key on integers, not 32-character person ids (see DECISIONLOG)
    select
        person_id,
        row_number() over (order by person_id) as person_number
    from people_unioned
),

products_unioned as (
    select product_id from products
    union
    select product_id from purchases
),

products_numbered as (
    -- numbered in product id order, so that the number breaks ties as the id would
    select
        product_id,
        row_number() over (order by product_id) as product_number
    from products_unioned
),

active_products_numbered as (
    select
        products_numbered.product_number,
        products.product_id,
        products.product_category
    from products
    inner join products_numbered
        on products.product_id = products_numbered.product_id
),

copurchases_numbered as (
    select
        products_numbered.product_number,
        active_products_numbered.product_number as copurchased_product_number,
        copurchases.buyer_count,
        copurchases.order_count,
        copurchases.copurchase_similarity
    from copurchases
    inner join products_numbered
        on copurchases.product_id = products_numbered.product_id
    -- only active products are recommended
    inner join active_products_numbered
        on copurchases.copurchased_product_id = active_products_numbered.product_id
),

copurchases_ranked as (
    -- each product's nearest active co-purchases (traits__copurchase_neighbours are
    -- considered): every pair would be people's products times each product's hundreds
    -- of pairs at scale
    select
        *,
        row_number() over (
            partition by product_number
            order by
                copurchase_similarity desc,
                buyer_count desc,
                order_count desc,
                copurchased_product_number asc
        ) as neighbour_rank
    from copurchases_numbered
),

person_products as (
    select distinct
        people_numbered.person_number,
        products_numbered.product_number
    from purchases
    inner join people_numbered
        on purchases.person_id = people_numbered.person_id
    inner join products_numbered
        on purchases.product_id = products_numbered.product_id
),

person_products_counted as (
    select
        person_number,
        count(*) as product_count
    from person_products
    group by person_number
),

{% for batch in range(person_batches) %}
    copurchase_candidates_{{ batch }} as (
        -- the pairs' scores summed over the person's products, for active products the
        -- person has not bought: one batch of people (person number modulo the batches)
        select
            person_products.person_number,
            copurchases.copurchased_product_number as product_number,
            sum(copurchases.copurchase_similarity) as candidate_score,
            sum(copurchases.buyer_count) as candidate_buyer_count,
            sum(copurchases.order_count) as candidate_order_count
        from person_products
        inner join copurchases_ranked as copurchases
            on
                person_products.product_number = copurchases.product_number
                and copurchases.neighbour_rank <= {{ copurchase_neighbours }}
        left join person_products as bought
            on
                person_products.person_number = bought.person_number
                and copurchases.copurchased_product_number = bought.product_number
        where
            bought.product_number is null
            and mod(person_products.person_number, {{ person_batches }}) = {{ batch }}
        group by person_products.person_number, copurchases.copurchased_product_number
    ),

{% endfor %}
copurchase_candidates_ranked as (
    -- only a person's best slots of them can be recommended: co-purchases come first, so
    -- one further down could only take a slot if fewer than the slots existed (then
    -- none is cut). Cutting here keeps the union below small (millions of pairs at 100k
    -- customers, against a few slots each). One window per batch of people: DuckDB holds
    -- a window's rows in memory
    {%- for batch in range(person_batches) %}
        select
            *,
            row_number() over (
                partition by person_number
                order by
                    candidate_score desc,
                    candidate_buyer_count desc,
                    candidate_order_count desc,
                    product_number asc
            ) as candidate_rank
        from copurchase_candidates_{{ batch }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

bestsellers_counted as (
    select
        active_products_numbered.product_number,
        active_products_numbered.product_category,
        count(distinct recent_purchases.person_id) as buyer_count
    from active_products_numbered
    left join purchases as recent_purchases
        on
            active_products_numbered.product_id = recent_purchases.product_id
            and recent_purchases.ordered_date > {{ dbt.dateadd(
                'day', -1 * var('traits__bestseller_window_days'), as_of_date
            ) }}
            and recent_purchases.ordered_date <= {{ as_of_date }}
    group by
        active_products_numbered.product_number,
        active_products_numbered.product_category
),

bestsellers_ranked as (
    select
        product_number,
        product_category,
        buyer_count,
        row_number() over (
            order by buyer_count desc, product_number asc
        ) as bestseller_rank,
        row_number() over (
            partition by product_category
            order by buyer_count desc, product_number asc
        ) as category_rank
    from bestsellers_counted
),

people_slotted as (
    -- how many bestsellers a person needs: the slots plus the products they bought, so
    -- that enough are left once those are taken out (ranked as candidates are, no
    -- product further down could take a slot)
    select
        people_numbered.person_number,
        {{ recommendation_count }} + coalesce(person_products_counted.product_count, 0)
            as needed_count
    from profiles
    inner join people_numbered
        on profiles.person_id = people_numbered.person_id
    left join person_products_counted
        on people_numbered.person_number = person_products_counted.person_number
),

categories_slotted as (
    -- the same for the bestsellers of a person's top category
    select
        people_numbered.person_number,
        top_categories.product_category,
        {{ recommendation_count }} + coalesce(person_products_counted.product_count, 0)
            as needed_count
    from top_categories
    inner join people_numbered
        on top_categories.person_id = people_numbered.person_id
    left join person_products_counted
        on people_numbered.person_number = person_products_counted.person_number
),

needed_counts as (
    select distinct needed_count
    from people_slotted
),

category_needed_counts as (
    select distinct
        product_category,
        needed_count
    from categories_slotted
),

bestsellers_needed as (
    -- each distinct number needed with its bestsellers, so that people then join theirs
    -- by equality (a join on rank <= needed compares every person with every product)
    select
        needed_counts.needed_count,
        bestsellers_ranked.product_number,
        bestsellers_ranked.buyer_count
    from needed_counts
    inner join bestsellers_ranked
        on needed_counts.needed_count >= bestsellers_ranked.bestseller_rank
),

category_bestsellers_needed as (
    select
        category_needed_counts.product_category,
        category_needed_counts.needed_count,
        bestsellers_ranked.product_number,
        bestsellers_ranked.buyer_count
    from category_needed_counts
    inner join bestsellers_ranked
        on
            category_needed_counts.product_category = bestsellers_ranked.product_category
            and category_needed_counts.needed_count >= bestsellers_ranked.category_rank
),

category_bestseller_candidates as (
    select
        categories_slotted.person_number,
        category_bestsellers_needed.product_number,
        cast(category_bestsellers_needed.buyer_count as {{ dbt.type_numeric() }})
            as candidate_score,
        0 as candidate_buyer_count,
        0 as candidate_order_count
    from categories_slotted
    inner join category_bestsellers_needed
        on
            categories_slotted.product_category
            = category_bestsellers_needed.product_category
            and categories_slotted.needed_count = category_bestsellers_needed.needed_count
),

bestseller_candidates as (
    select
        people_slotted.person_number,
        bestsellers_needed.product_number,
        cast(bestsellers_needed.buyer_count as {{ dbt.type_numeric() }})
            as candidate_score,
        0 as candidate_buyer_count,
        0 as candidate_order_count
    from people_slotted
    inner join bestsellers_needed
        on people_slotted.needed_count = bestsellers_needed.needed_count
),

copurchase_candidates_kept as (
    select
        person_number,
        product_number,
        candidate_score,
        candidate_buyer_count,
        candidate_order_count
    from copurchase_candidates_ranked
    where candidate_rank <= {{ recommendation_count }}
),

candidates_unioned as (
    -- each product once per person, from its first source: a source's candidates are
    -- kept unless an earlier source holds the product (anti-joins, which spill; a window
    -- over every candidate did not fit DuckDB's memory at a million customers). Every
    -- source holds active products only; the source is named at the end (the window
    -- below carries its number, not its name)
    select
        person_number,
        product_number,
        1 as source_priority,
        candidate_score,
        candidate_buyer_count,
        candidate_order_count
    from copurchase_candidates_kept
    union all
    select
        category_bestseller_candidates.person_number,
        category_bestseller_candidates.product_number,
        2 as source_priority,
        category_bestseller_candidates.candidate_score,
        category_bestseller_candidates.candidate_buyer_count,
        category_bestseller_candidates.candidate_order_count
    from category_bestseller_candidates
    left join copurchase_candidates_kept
        on
            category_bestseller_candidates.person_number
            = copurchase_candidates_kept.person_number
            and category_bestseller_candidates.product_number
            = copurchase_candidates_kept.product_number
    where copurchase_candidates_kept.product_number is null
    union all
    select
        bestseller_candidates.person_number,
        bestseller_candidates.product_number,
        3 as source_priority,
        bestseller_candidates.candidate_score,
        bestseller_candidates.candidate_buyer_count,
        bestseller_candidates.candidate_order_count
    from bestseller_candidates
    left join copurchase_candidates_kept
        on
            bestseller_candidates.person_number = copurchase_candidates_kept.person_number
            and bestseller_candidates.product_number
            = copurchase_candidates_kept.product_number
    left join category_bestseller_candidates
        on
            bestseller_candidates.person_number
            = category_bestseller_candidates.person_number
            and bestseller_candidates.product_number
            = category_bestseller_candidates.product_number
    where
        copurchase_candidates_kept.product_number is null
        and category_bestseller_candidates.product_number is null
),

candidates_filtered as (
    -- none the person already bought
    select candidates_unioned.*
    from candidates_unioned
    left join person_products
        on
            candidates_unioned.person_number = person_products.person_number
            and candidates_unioned.product_number = person_products.product_number
    where person_products.product_number is null
),

candidates_ranked as (
    select
        person_number,
        product_number,
        source_priority,
        candidate_score,
        row_number() over (
            partition by person_number
            order by
                source_priority asc,
                candidate_score desc,
                candidate_buyer_count desc,
                candidate_order_count desc,
                product_number asc
        ) as recommendation_rank
    from candidates_filtered
),

recommendations_ranked as (
    select
        people_numbered.person_id
        || ':' || cast(candidates_ranked.recommendation_rank as {{ dbt.type_string() }})
            as person_recommendation_id,
        people_numbered.person_id,
        cast(candidates_ranked.recommendation_rank as {{ dbt.type_bigint() }})
            as recommendation_rank,
        products_numbered.product_id,
        case candidates_ranked.source_priority
            when 1 then 'copurchase'
            when 2 then 'category_bestseller'
            else 'bestseller'
        end as recommendation_source,
        cast(candidates_ranked.candidate_score as {{ dbt.type_numeric() }})
            as recommendation_score
    from candidates_ranked
    inner join people_numbered
        on candidates_ranked.person_number = people_numbered.person_number
    inner join products_numbered
        on candidates_ranked.product_number = products_numbered.product_number
    where candidates_ranked.recommendation_rank <= {{ recommendation_count }}
)

select * from recommendations_ranked
