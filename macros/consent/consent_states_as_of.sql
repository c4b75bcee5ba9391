{% macro consent_states_as_of(events, partition_by, as_of=none) -%}
    {#- Consent events ranked per key and purpose, newest first, as of a time: select the
        rows with recency_rank = 1 for the state then. The latest event decides; a grant
        and a withdrawal at the same instant read as withdrawn (the safer reading), then
        the larger event id. `events` is a relation or CTE with consent_event_id,
        consent_purpose, consent_status and occurred_at; `partition_by` the key columns
        besides the purpose; `as_of` a SQL timestamp expression: events before it count (none: every event). -#}
    {%- set partition = (partition_by + ['consent_purpose']) | join(', ') %}
    select
        *,
        row_number() over (
            partition by {{ partition }}
            order by
                occurred_at desc,
                case when consent_status = 'withdrawn' then 0 else 1 end asc,
                consent_event_id desc
        ) as recency_rank,
        min(case when consent_status = 'granted' then occurred_at end) over (
            partition by {{ partition }}
        ) as first_granted_at,
        count(*) over (partition by {{ partition }}) as consent_event_count
    from {{ events }}
    {%- if as_of is not none %}
    where occurred_at < {{ as_of }}
    {%- endif %}
{%- endmacro %}
