{% test is_contactable(model, column_name, purposes) %}
    {#- Rows of an audience or export whose person (`column_name`) may not be contacted
        now for one of `purposes` (contact purposes of the seed contact_purposes), by
        dim_person_contactability. Returns the row's person and the purpose refused. -#}
    with

    model_rows as (
        select {{ column_name }} as person_id
        from {{ model }}
    )

    select
        model_rows.person_id,
        required.contact_purpose
    from model_rows
    cross join (
        {%- for purpose in purposes %}
        select {{ sql_literal(purpose) }} as contact_purpose
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as required
    left join {{ ref('dim_person_contactability') }} as contactability
        on
            model_rows.person_id = contactability.person_id
            and required.contact_purpose = contactability.contact_purpose
    where contactability.can_contact is null or not contactability.can_contact
{% endtest %}
