{% macro engagements_listed(email_events, orders) -%}
    {#- The body of a CTE listing each person's engagements: a message counts once for a
        human open and once for a human click, however often it was opened or clicked
        (its first time), and every order counts as a purchase. `email_events` holds only
        human opens and clicks (person_id, message_id, event_type, occurred_at) and
        `orders` only the orders that count (person_id, ordered_at), both already cut at
        the as-of date. The rule behind the engagement score of dim_customer_scores and
        dim_person_activity. -#}
    select
        person_id,
        'open' as engagement_type,
        min(occurred_at) as engaged_at
    from {{ email_events }}
    where event_type = 'open'
    group by person_id, message_id
    union all
    select
        person_id,
        'click' as engagement_type,
        min(occurred_at) as engaged_at
    from {{ email_events }}
    where event_type = 'click'
    group by person_id, message_id
    union all
    select
        person_id,
        'purchase' as engagement_type,
        ordered_at as engaged_at
    from {{ orders }}
{%- endmacro %}
