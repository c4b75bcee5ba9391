{#- One row per ordered pair of different products bought by the same person (both
    directions: A with B and B with A): how many people bought both (at any time) and how
    many orders held both. From the lines people kept (int_person_purchases_identified). -#}
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
            as order_count
    from buyer_pairs_counted
    left join order_pairs_counted
        on
            buyer_pairs_counted.product_id = order_pairs_counted.product_id
            and buyer_pairs_counted.copurchased_product_id
            = order_pairs_counted.copurchased_product_id
)

select * from copurchases_counted
