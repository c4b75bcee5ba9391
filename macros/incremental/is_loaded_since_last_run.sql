{% macro is_loaded_since_last_run(relation, watermark_column) -%}
    {#- A predicate for a model that is incremental in a micro-batch: the row of `relation`
        (a CTE or alias with a `loaded_at` column; none: the
        `loaded_at` column of the query's only relation) was loaded after the latest
        `watermark_column` the model holds; true for every row in a full build or while
        the model holds no such time. -#}
    {%- if is_incremental() -%}
    {%- set loaded_at = (relation ~ '.loaded_at') if relation else 'loaded_at' %}
    {{ is_loaded_after_watermark(loaded_at, watermark_column, this) }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
