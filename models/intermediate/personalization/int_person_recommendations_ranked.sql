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

copurchases_ranked as (
    -- each product's nearest active co-purchases (traits__copurchase_neighbours are
    -- considered): every pair would be people's products times each product's hundreds
    -- of pairs at scale
    select
        copurchases.*,
        row_number() over (
            partition by copurchases.product_id
            order by
                copurchases.copurchase_similarity desc,
                copurchases.buyer_count desc,
                copurchases.order_count desc,
                copurchases.copurchased_product_id asc
        ) as neighbour_rank
    from copurchases
    inner join products
        on copurchases.copurchased_product_id = products.product_id
),

person_products as (
    select distinct
        person_id,
        product_id
    from purchases
),

person_products_counted as (
    select
        person_id,
        count(*) as product_count
    from person_products
    group by person_id
),

copurchase_candidates as (
    -- the pairs' scores summed over the person's products, for active products the person
    -- has not bought
    select
        person_products.person_id,
        copurchases.copurchased_product_id as product_id,
        sum(copurchases.copurchase_similarity) as candidate_score,
        sum(copurchases.buyer_count) as candidate_buyer_count,
        sum(copurchases.order_count) as candidate_order_count
    from person_products
    inner join copurchases_ranked as copurchases
        on
            person_products.product_id = copurchases.product_id
            and copurchases.neighbour_rank <= {{ var('traits__copurchase_neighbours') }}
    left join person_products as bought
        on
            person_products.person_id = bought.person_id
            and copurchases.copurchased_product_id = bought.product_id
    where bought.product_id is null
    group by person_products.person_id, copurchases.copurchased_product_id
),

copurchase_candidates_ranked as (
    -- only a person's best slots of them can be recommended: co-purchases come first, so
    -- one further down could only take a slot if fewer than the slots existed (then
    -- none is cut). Cutting here keeps the union below small (millions of pairs at 100k
    -- customers, against a few slots each).
    select
        *,
        row_number() over (
            partition by person_id
            order by
                candidate_score desc,
                candidate_buyer_count desc,
                candidate_order_count desc,
                product_id asc
        ) as candidate_rank
    from copurchase_candidates
),

bestsellers_counted as (
    select
        products.product_id,
        products.product_category,
        count(distinct recent_purchases.person_id) as buyer_count
    from products
    left join purchases as recent_purchases
        on
            products.product_id = recent_purchases.product_id
            and recent_purchases.ordered_date > {{ dbt.dateadd(
                'day', -1 * var('traits__bestseller_window_days'), as_of_date
            ) }}
            and recent_purchases.ordered_date <= {{ as_of_date }}
    group by products.product_id, products.product_category
),

bestsellers_ranked as (
    select
        product_id,
        product_category,
        buyer_count,
        row_number() over (
            order by buyer_count desc, product_id asc
        ) as bestseller_rank,
        row_number() over (
            partition by product_category
            order by buyer_count desc, product_id asc
        ) as category_rank
    from bestsellers_counted
),

people_slotted as (
    -- how many bestsellers a person needs: the slots plus the products they bought, so
    -- that enough are left once those are taken out (ranked as candidates are, no
    -- product further down could take a slot)
    select
        profiles.person_id,
        {{ recommendation_count }} + coalesce(person_products_counted.product_count, 0)
            as needed_count
    from profiles
    left join person_products_counted
        on profiles.person_id = person_products_counted.person_id
),

categories_slotted as (
    -- the same for the bestsellers of a person's top category
    select
        top_categories.person_id,
        top_categories.product_category,
        {{ recommendation_count }} + coalesce(person_products_counted.product_count, 0)
            as needed_count
    from top_categories
    left join person_products_counted
        on top_categories.person_id = person_products_counted.person_id
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
        bestsellers_ranked.product_id,
        bestsellers_ranked.buyer_count
    from needed_counts
    inner join bestsellers_ranked
        on needed_counts.needed_count >= bestsellers_ranked.bestseller_rank
),

category_bestsellers_needed as (
    select
        category_needed_counts.product_category,
        category_needed_counts.needed_count,
        bestsellers_ranked.product_id,
        bestsellers_ranked.buyer_count
    from category_needed_counts
    inner join bestsellers_ranked
        on
            category_needed_counts.product_category = bestsellers_ranked.product_category
            and category_needed_counts.needed_count >= bestsellers_ranked.category_rank
),

category_bestseller_candidates as (
    select
        categories_slotted.person_id,
        category_bestsellers_needed.product_id,
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
        people_slotted.person_id,
        bestsellers_needed.product_id,
        cast(bestsellers_needed.buyer_count as {{ dbt.type_numeric() }})
            as candidate_score,
        0 as candidate_buyer_count,
        0 as candidate_order_count
    from people_slotted
    inner join bestsellers_needed
        on people_slotted.needed_count = bestsellers_needed.needed_count
),

candidates_unioned as (
    select
        person_id,
        product_id,
        'copurchase' as recommendation_source,
        1 as source_priority,
        candidate_score,
        candidate_buyer_count,
        candidate_order_count
    from copurchase_candidates_ranked
    where candidate_rank <= {{ recommendation_count }}
    union all
    select
        person_id,
        product_id,
        'category_bestseller' as recommendation_source,
        2 as source_priority,
        candidate_score,
        candidate_buyer_count,
        candidate_order_count
    from category_bestseller_candidates
    union all
    select
        person_id,
        product_id,
        'bestseller' as recommendation_source,
        3 as source_priority,
        candidate_score,
        candidate_buyer_count,
        candidate_order_count
    from bestseller_candidates
),

candidates_filtered as (
    -- active products only, and none the person already bought
    select
        candidates_unioned.*,
        row_number() over (
            partition by candidates_unioned.person_id, candidates_unioned.product_id
            order by candidates_unioned.source_priority asc
        ) as source_rank
    from candidates_unioned
    inner join products
        on candidates_unioned.product_id = products.product_id
    left join person_products
        on
            candidates_unioned.person_id = person_products.person_id
            and candidates_unioned.product_id = person_products.product_id
    where person_products.product_id is null
),

candidates_ranked as (
    select
        person_id,
        product_id,
        recommendation_source,
        candidate_score,
        row_number() over (
            partition by person_id
            order by
                source_priority asc,
                candidate_score desc,
                candidate_buyer_count desc,
                candidate_order_count desc,
                product_id asc
        ) as recommendation_rank
    from candidates_filtered
    where source_rank = 1
),

recommendations_ranked as (
    select
        person_id || ':' || cast(recommendation_rank as {{ dbt.type_string() }})
            as person_recommendation_id,
        person_id,
        cast(recommendation_rank as {{ dbt.type_bigint() }}) as recommendation_rank,
        product_id,
        recommendation_source,
        cast(candidate_score as {{ dbt.type_numeric() }}) as recommendation_score
    from candidates_ranked
    where recommendation_rank <= {{ recommendation_count }}
)

select * from recommendations_ranked
