{#- One row per tier of the programme, lowest first: its threshold and benefits, as the shop
    states them in var loyalty_programme. -#}
{%- set programme = loyalty_programme() %}
{%- for tier in programme.tiers %}
{%- if not loop.first %}
union all
{% endif %}
select
    {{ loop.index0 }} as tier_rank,
    cast('{{ tier.name }}' as {{ dbt.type_string() }}) as member_tier,
    cast('{{ programme.tier_basis }}' as {{ dbt.type_string() }}) as tier_basis,
    cast({{ tier.threshold }} as decimal(18, 2)) as threshold,
    cast({{ tier.points_multiplier }} as decimal(18, 4)) as points_multiplier,
    cast({{ tier.discount }} as decimal(18, 4)) as discount,
    cast({{ 'null' if tier.free_shipping_min_amount is none else tier.free_shipping_min_amount }} as decimal(18, 2)) as free_shipping_min_amount,
    cast({{ "'" ~ tier.birthday_gift ~ "'" if tier.birthday_gift else 'null' }} as {{ dbt.type_string() }}) as birthday_gift
{%- endfor %}
