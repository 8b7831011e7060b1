{#- One row per audience and covariate: are treatment and holdout comparable tonight? The mean
    of each group and the standardised mean difference (difference of means over the root of
    the mean of the two variances, Austin 2009). |SMD| below 0.1 is the usual sign of balance,
    but a random holdout of a few hundred moves it by chance alone by about
    √(1/n_treatment + 1/n_holdout) (0.08 for 1,500 against 170), so a covariate is balanced
    when |SMD| is below 0.1 or within 1.96 of those standard errors. Null where a group has
    fewer than two members or the covariate does not vary. -#}
{%- set covariates = {
    'days_since_last_purchase': 'days_since_last_purchase',
    'purchase_day_count': 'purchase_day_count',
    'net_revenue_amount': 'net_revenue_amount',
    'r_score': 'r_score',
    'f_score': 'f_score',
    'm_score': 'm_score',
    'churn_probability': 'churn_probability',
    'clv_12m_amount': 'clv_12m_amount',
    'is_churned': "case when lifecycle_stage = 'churned' then 1 else 0 end",
    'is_silent': "case when lifecycle_stage = 'silent' then 1 else 0 end",
    'is_member': 'case when member_tier is not null then 1 else 0 end',
} -%}
with

members as (

    select audience_name, customer_id, treatment_group
    from {{ ref('audience_memberships') }}
    where is_current

),

facts as (

    select * from {{ ref('customer_audience_facts') }}

),

values_long as (

    {%- for name, expression in covariates.items() %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        members.audience_name,
        members.treatment_group,
        '{{ name }}' as covariate,
        cast({{ expression }} as double precision) as value
    from members
    inner join facts
        on members.customer_id = facts.customer_id
    {%- endfor %}

),

by_group as (

    select
        audience_name,
        covariate,
        avg(case when treatment_group = 'treatment' then value end) as treatment_mean,
        avg(case when treatment_group = 'holdout' then value end) as holdout_mean,
        var_samp(case when treatment_group = 'treatment' then value end) as treatment_variance,
        var_samp(case when treatment_group = 'holdout' then value end) as holdout_variance,
        count(case when treatment_group = 'treatment' then value end) as treatment_count,
        count(case when treatment_group = 'holdout' then value end) as holdout_count
    from values_long
    group by audience_name, covariate

),

final as (

    select
        audience_name,
        covariate,
        cast(treatment_count as integer) as treatment_count,
        cast(holdout_count as integer) as holdout_count,
        cast(treatment_mean as decimal(18, 4)) as treatment_mean,
        cast(holdout_mean as decimal(18, 4)) as holdout_mean,
        -- four decimals: the engines' floating sums differ in the last bits
        cast(
            case
                when treatment_count >= 2 and holdout_count >= 2
                    and treatment_variance + holdout_variance > 0
                then (treatment_mean - holdout_mean)
                    / sqrt((treatment_variance + holdout_variance) / 2)
            end
            as decimal(18, 4)
        ) as standardized_mean_difference,
        cast(
            case
                when treatment_count >= 2 and holdout_count >= 2
                then sqrt(1.0 / treatment_count + 1.0 / holdout_count)
            end
            as decimal(18, 4)
        ) as chance_standard_error,
        {{ as_of_date() }} as as_of_date
    from by_group

)

select
    *,
    case
        when standardized_mean_difference is not null
        then abs(standardized_mean_difference) < 0.1
            or abs(standardized_mean_difference) < 1.96 * chance_standard_error
    end as is_balanced
from final
