{% macro is_cancelled_order(cancelled_at, order_status) -%}
    {#- True when an order was cancelled: it has a cancellation time or its status says so.
        One rule for every model that leaves cancelled orders out or nets them to 0. -#}
    ({{ cancelled_at }} is not null or coalesce({{ order_status }} = 'cancelled', false))
{%- endmacro %}
