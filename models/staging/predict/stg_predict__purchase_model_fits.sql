{#- One row per fit of the purchase models that `mailpipe fit` accepted, newest first
    ranked within its time unit (fit_rank 1: the one the scores read). -#}
with

source as (
    select
        fit_id,
        fitted_at,
        cutoff_date,
        time_unit,
        data_source,
        customer_count,
        repeat_customer_count,
        bgnbd_log_likelihood,
        r as bgnbd_r,
        alpha as bgnbd_alpha,
        a as bgnbd_a,
        b as bgnbd_b,
        gamma_gamma_log_likelihood,
        p as gamma_gamma_p,
        q as gamma_gamma_q,
        v as gamma_gamma_v
    from {{ source('predict', 'purchase_model_fits') }}
),

fits_ranked as (
    select
        *,
        row_number() over (
            partition by time_unit order by fitted_at desc, fit_id asc
        ) as fit_rank
    from source
)

select * from fits_ranked
