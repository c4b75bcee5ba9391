{#- One row per ordered pair of different products bought by at least
    traits__copurchase_min_buyers people (both directions: A with B and B with A): how
    many people bought both (at any time), how many orders held both, how many people
    bought each, and their cosine similarity (people who bought both / sqrt(buyers of A *
    buyers of B), 6 decimals), which does not grow with a product's popularity alone. From
    the lines people kept (int_person_purchases_identified). Pairs of fewer buyers are
    not written: nothing uses them, and at a million customers they are three quarters of
    the pairs (DECISIONLOG). -#}
{%- set min_buyers = whole_number_var('traits__copurchase_min_buyers', 1) -%}
with

purchases as (
    select
        person_id,
        order_id,
        product_id
    from {{ ref('int_person_purchases_identified') }}
),

person_products as (
    select distinct
        person_id,
        product_id
    from purchases
),

order_products as (
    select distinct
        order_id,
        product_id
    from purchases
),

products_counted as (
    select
        product_id,
        count(*) as buyer_count
    from person_products
    group by product_id
),

buyer_pairs_counted as (
    select
        person_products.product_id,
        other_products.product_id as copurchased_product_id,
        count(*) as buyer_count
    from person_products
    inner join person_products as other_products
        on
            person_products.person_id = other_products.person_id
            and person_products.product_id <> other_products.product_id
    group by person_products.product_id, other_products.product_id
    having count(*) >= {{ min_buyers }}
),

order_pairs_counted as (
    select
        order_products.product_id,
        other_products.product_id as copurchased_product_id,
        count(*) as order_count
    from order_products
    inner join order_products as other_products
        on
            order_products.order_id = other_products.order_id
            and order_products.product_id <> other_products.product_id
    group by order_products.product_id, other_products.product_id
),

copurchases_counted as (
    -- two products in one order are also bought by one person: the order pairs are a
    -- subset of the buyer pairs
    select
        buyer_pairs_counted.product_id
        || ':' || buyer_pairs_counted.copurchased_product_id as product_pair_id,
        buyer_pairs_counted.product_id,
        buyer_pairs_counted.copurchased_product_id,
        cast(buyer_pairs_counted.buyer_count as {{ dbt.type_bigint() }}) as buyer_count,
        cast(coalesce(order_pairs_counted.order_count, 0) as {{ dbt.type_bigint() }})
            as order_count,
        cast(products_counted.buyer_count as {{ dbt.type_bigint() }})
            as product_buyer_count,
        cast(copurchased_products_counted.buyer_count as {{ dbt.type_bigint() }})
            as copurchased_product_buyer_count
    from buyer_pairs_counted
    inner join products_counted
        on buyer_pairs_counted.product_id = products_counted.product_id
    inner join products_counted as copurchased_products_counted
        on
            buyer_pairs_counted.copurchased_product_id
            = copurchased_products_counted.product_id
    left join order_pairs_counted
        on
            buyer_pairs_counted.product_id = order_pairs_counted.product_id
            and buyer_pairs_counted.copurchased_product_id
            = order_pairs_counted.copurchased_product_id
),

copurchases_scored as (
    -- cosine similarity of the two products' sets of buyers, rounded on its own so that
    -- sums over a person's products are exact decimals on every engine
    select
        product_pair_id,
        product_id,
        copurchased_product_id,
        buyer_count,
        order_count,
        product_buyer_count,
        copurchased_product_buyer_count,
        cast(
            round(
                cast(buyer_count as {{ dbt.type_numeric() }})
                / sqrt(
                    cast(product_buyer_count as {{ dbt.type_numeric() }})
                    * copurchased_product_buyer_count
                ),
                6
            ) as {{ dbt.type_numeric() }}
        ) as copurchase_similarity
    from copurchases_counted
)

select * from copurchases_scored
