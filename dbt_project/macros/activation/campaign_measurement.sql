{#- Settings and arithmetic of campaign measurement (marts.order_attributions, campaign_*).
    DECISIONLOG "Did it work?" says why the defaults are what they are and names the methods. -#}

{#- var attribution_window_days, checked: {channel: days} for every channel an audience can use. -#}
{% macro checked_attribution_windows() -%}
    {%- set windows = var('attribution_window_days') -%}
    {%- if windows is not mapping or windows.keys() | reject('in', audience_channels()) | list
        or audience_channels() | reject('in', windows) | list -%}
        {{ exceptions.raise_compiler_error('var attribution_window_days must give whole days for each of ' ~ audience_channels() | join(', ')) }}
    {%- endif -%}
    {%- for channel, days in windows.items() if days is not integer or days < 0 -%}
        {{ exceptions.raise_compiler_error('var attribution_window_days: ' ~ channel ~ ' must be a whole number of days, 0 or more') }}
    {%- endfor -%}
    {{ return(windows) }}
{%- endmacro %}

{#- var channel_cost_per_message, checked: {channel: CNY} for every channel. -#}
{% macro checked_channel_costs() -%}
    {%- set costs = var('channel_cost_per_message') -%}
    {%- if costs is not mapping or costs.keys() | reject('in', audience_channels()) | list
        or audience_channels() | reject('in', costs) | list -%}
        {{ exceptions.raise_compiler_error('var channel_cost_per_message must give a cost in CNY for each of ' ~ audience_channels() | join(', ')) }}
    {%- endif -%}
    {%- for channel, cost in costs.items() if cost is not number or cost < 0 -%}
        {{ exceptions.raise_compiler_error('var channel_cost_per_message: ' ~ channel ~ ' must be a number of CNY, 0 or more') }}
    {%- endfor -%}
    {{ return(costs) }}
{%- endmacro %}

{#- The attribution window of an action in days: the longest of its channels' (a comma list). -#}
{% macro attribution_window_days(channels_column) -%}
    {%- set windows = checked_attribution_windows() -%}
    greatest(
        0
        {%- for channel in audience_channels() %},
        case when ',' || {{ channels_column }} || ',' like '%,{{ channel }},%' then {{ windows[channel] }} else 0 end
        {%- endfor %}
    )
{%- endmacro %}

{#- What sending an action cost: the sum of its channels' cost per message. -#}
{% macro sending_cost_amount(channels_column) -%}
    {%- set costs = checked_channel_costs() -%}
    (
        0
        {%- for channel in audience_channels() if costs[channel] > 0 %}
        + case when ',' || {{ channels_column }} || ',' like '%,{{ channel }},%' then {{ costs[channel] }} else 0 end
        {%- endfor %}
    )
{%- endmacro %}

{#- Every paid order with its gross margin: net revenue (after refunds) minus the cost of the
    goods kept (int_orders_costed, scaled by the share not refunded). The orders the campaign
    marts measure and credit. -#}
{% macro paid_orders_with_margin() -%}
    select
        orders.order_id,
        orders.customer_id,
        orders.paid_at,
        orders.is_purchase,
        orders.goods_amount,
        orders.coupon_amount,
        orders.paid_amount,
        orders.refund_amount,
        orders.net_revenue_amount,
        orders.net_revenue_amount
            - coalesce(costs.cost_of_goods_amount, 0) * orders.net_revenue_amount / orders.paid_amount
            as gross_margin_amount,
        coalesce(costs.is_cost_estimated, true) as is_cost_estimated
    from {{ ref('fct_orders') }} as orders
    left join {{ ref('int_orders_costed') }} as costs
        on orders.order_id = costs.order_id
    where orders.paid_at is not null
        and orders.paid_amount > 0
{%- endmacro %}

{#- z quantiles: two-sided 95% (1.959964) and the power of var campaign_power. -#}
{% macro z_two_sided_95() -%}1.959964{%- endmacro %}

{% macro z_power() -%}
    {%- set power = var('campaign_power') -%}
    {%- set table = {0.5: 0.0, 0.8: 0.841621, 0.85: 1.036433, 0.9: 1.281552, 0.95: 1.644854} -%}
    {%- if power not in table -%}
        {{ exceptions.raise_compiler_error('var campaign_power must be one of ' ~ table.keys() | list | join(', ')) }}
    {%- endif -%}
    {{ table[power] }}
{%- endmacro %}

{#- Wilson score interval bounds of a proportion x / n (95%). (× 1.0: PostgreSQL divides whole
    numbers as whole numbers.) -#}
{% macro wilson_bound(x, n, sign) -%}
    (({{ x }} + 1.920729 {{ sign }} 1.959964 * sqrt({{ x }} * 1.0 * ({{ n }} - {{ x }}) / {{ n }} + 0.960365))
        / ({{ n }} + 3.841459))
{%- endmacro %}

{#- Newcombe's hybrid score interval (method 10, 1998) of p1 − p2, lower or upper bound:
    the Wilson intervals of each rate combined. Better than Wald's with small groups or rates
    near 0, where Wald's interval is too narrow. -#}
{% macro newcombe_bound(x1, n1, x2, n2, side) -%}
    {%- set p1 = '(' ~ x1 ~ ' * 1.0 / ' ~ n1 ~ ')' -%}
    {%- set p2 = '(' ~ x2 ~ ' * 1.0 / ' ~ n2 ~ ')' -%}
    {%- if side == 'lower' -%}
    ({{ p1 }} - {{ p2 }} - sqrt(
        power({{ p1 }} - {{ wilson_bound(x1, n1, '-') }}, 2)
        + power({{ wilson_bound(x2, n2, '+') }} - {{ p2 }}, 2)))
    {%- else -%}
    ({{ p1 }} - {{ p2 }} + sqrt(
        power({{ wilson_bound(x1, n1, '+') }} - {{ p1 }}, 2)
        + power({{ p2 }} - {{ wilson_bound(x2, n2, '-') }}, 2)))
    {%- endif -%}
{%- endmacro %}

{#- Katz's log interval of the ratio p1 / p2 − 1 (the relative change), lower or upper bound;
    null unless both groups have at least one event. -#}
{% macro katz_relative_bound(x1, n1, x2, n2, side) -%}
    case when {{ x1 }} > 0 and {{ x2 }} > 0 then
        exp(ln(({{ x1 }} * 1.0 / {{ n1 }}) / ({{ x2 }} * 1.0 / {{ n2 }}))
            {{ '-' if side == 'lower' else '+' }} 1.959964 * sqrt(
                1.0 / {{ x1 }} - 1.0 / {{ n1 }} + 1.0 / {{ x2 }} - 1.0 / {{ n2 }})) - 1
    end
{%- endmacro %}

{#- Per audience, wave and group, the sums and variances lift and ROI compare: each wave as far
    as it has been seen, and every wave whose window is complete pooled (wave_date null). A
    customer in several waves counts once per wave. -#}
{% macro campaign_group_stats(members) -%}
    {%- for pooled in [false, true] %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        audience_name,
        {{ 'cast(null as date)' if pooled else 'wave_date' }} as wave_date,
        {{ 'true' if pooled else 'false' }} as is_pooled,
        treatment_group,
        min(days_observed) as days_observed,
        count(*) as member_count,
        sum(case when has_purchased then 1 else 0 end) as buyer_count,
        avg(purchase_count * 1.0) as purchases_per_member,
        coalesce(var_samp(purchase_count * 1.0), 0) as purchases_variance,
        avg(net_revenue_amount * 1.0) as net_revenue_per_member,
        coalesce(var_samp(net_revenue_amount * 1.0), 0) as net_revenue_variance,
        -- margin before our coupons: the coupon cost is its own line in campaign_roi
        avg((gross_margin_amount + coupon_cost_amount) * 1.0) as margin_per_member,
        coalesce(var_samp((gross_margin_amount + coupon_cost_amount) * 1.0), 0) as margin_variance,
        sum(coupon_cost_amount) as coupon_cost_amount,
        sum(coupon_redeemed_count) as coupon_redeemed_count,
        sum(credited_order_count) as credited_order_count,
        sum(credited_net_revenue_amount) as credited_net_revenue_amount,
        sum(case when treatment_group = 'treatment' then {{ sending_cost_amount('channels') }} else 0 end)
            as sending_cost_amount,
        sum(case when treatment_group = 'treatment'
            then {{ dbt.length('channels') }} - {{ dbt.length(dbt.replace('channels', "','", "''")) }} + 1
            else 0 end) as message_count
    from {{ members }}
    {%- if pooled %}
    where is_window_complete
    group by audience_name, treatment_group
    {%- else %}
    group by audience_name, wave_date, treatment_group
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Holdout members needed to tell a lift of `lift` at 95% two-sided with var campaign_power
    (the normal approximation for unequal groups): n_holdout = (z_α/2 + z_β)² × (σ²_holdout +
    σ²_treatment / k) / δ², k the treatment : holdout ratio. -#}
{% macro required_holdout_count(holdout_variance, treatment_variance, ratio, lift) -%}
    ceiling(power({{ z_two_sided_95() }} + {{ z_power() }}, 2)
        * (({{ holdout_variance }}) + ({{ treatment_variance }}) / ({{ ratio }}))
        / power({{ lift }}, 2))
{%- endmacro %}

{#- The same for a rate: the holdout's rate p₀ (both groups' pooled rate, steadier than a small
    holdout's own) against p₀ + δ in treatment, capped at 1. -#}
{% macro required_holdout_count_for_rate(rate, ratio, lift) -%}
    {{ required_holdout_count(
        '(' ~ rate ~ ') * (1 - (' ~ rate ~ '))',
        'least(' ~ rate ~ ' + ' ~ lift ~ ', 1) * (1 - least(' ~ rate ~ ' + ' ~ lift ~ ', 1))',
        ratio, lift) }}
{%- endmacro %}

{#- The verdict on an interval: lift or negative when it lies above or below zero (whatever the
    sample), no_clear_effect when it includes zero and the sample could have detected the
    smallest lift worth telling, else too_small_to_tell; too_small_to_tell also where a group is
    too small to measure, no_holdout without a holdout. Reads is_measurable and holdout_count. -#}
{% macro lift_verdict(lower, upper, is_powered) -%}
    case
        when holdout_count = 0 then 'no_holdout'
        when not is_measurable then 'too_small_to_tell'
        when {{ lower }} > 0 then 'lift'
        when {{ upper }} < 0 then 'negative'
        when {{ is_powered }} then 'no_clear_effect'
        else 'too_small_to_tell'
    end
{%- endmacro %}
