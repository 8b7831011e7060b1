{#- The shop's loyalty programme (var loyalty_programme in dbt_project.yml), checked once, and the
    SQL its rules compile to. README "The loyalty programme" says how to state the rules;
    DECISIONLOG "The loyalty engine" says why the computation is what it is. -#}

{% macro loyalty_expiry_policies() -%}
    {{ return(['rolling_months', 'end_of_following_year', 'never']) }}
{%- endmacro %}

{% macro loyalty_event_kinds() -%}
    {{ return(['review', 'check_in', 'share', 'activity']) }}
{%- endmacro %}

{#- var loyalty_programme, checked: a compile error names the setting that is wrong, so a
    mistyped rule stops `dbt parse`, never a night half-way. -#}
{% macro loyalty_programme() -%}
    {%- set p = var('loyalty_programme') -%}
    {%- set label = 'var loyalty_programme' -%}
    {%- set required = ['points_per_yuan', 'birthday_month_multiplier', 'event_points', 'point_value_yuan', 'expiry', 'tier_basis', 'tier_window_months', 'tier_review', 'near_next_tier_share', 'reconciliation_warn_share', 'tiers'] -%}
    {%- if p is not mapping -%}
        {{ exceptions.raise_compiler_error(label ~ ' must be a mapping of the programme rules (README "The loyalty programme")') }}
    {%- endif -%}
    {%- for key in required if key not in p -%}
        {{ exceptions.raise_compiler_error(label ~ ': ' ~ key ~ ' is missing') }}
    {%- endfor -%}
    {%- for key in p if key not in required and key not in ['redemption_kinds'] -%}
        {{ exceptions.raise_compiler_error(label ~ ': unknown setting ' ~ key ~ ' (the settings are ' ~ required | join(', ') ~ ', redemption_kinds)') }}
    {%- endfor -%}
    {%- for key in ['points_per_yuan', 'birthday_month_multiplier', 'point_value_yuan'] if p[key] is not number or p[key] < 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ': ' ~ key ~ ' must be a number, 0 or more') }}
    {%- endfor -%}
    {%- for key in ['near_next_tier_share', 'reconciliation_warn_share'] if p[key] is not number or p[key] < 0 or p[key] > 1 -%}
        {{ exceptions.raise_compiler_error(label ~ ': ' ~ key ~ ' must be a share from 0 to 1') }}
    {%- endfor -%}
    {%- if p.expiry is not mapping or p.expiry.get('policy') not in loyalty_expiry_policies() -%}
        {{ exceptions.raise_compiler_error(label ~ ': expiry must be {policy: ' ~ loyalty_expiry_policies() | join(' | ') ~ ', months: N}') }}
    {%- elif p.expiry.policy == 'rolling_months' and (p.expiry.get('months') is not integer or p.expiry.months < 1) -%}
        {{ exceptions.raise_compiler_error(label ~ ': expiry policy rolling_months needs months, a whole number from 1') }}
    {%- endif -%}
    {%- if p.tier_basis not in ['net_spend', 'points'] -%}
        {{ exceptions.raise_compiler_error(label ~ ': tier_basis must be net_spend or points') }}
    {%- endif -%}
    {%- if p.tier_window_months is not integer or p.tier_window_months < 1 -%}
        {{ exceptions.raise_compiler_error(label ~ ': tier_window_months must be a whole number of months, 1 or more') }}
    {%- endif -%}
    {%- set review = p.tier_review -%}
    {%- if review is not mapping or review.get('schedule') not in ['annual', 'anniversary']
        or review.get('grace_days') is not integer or review.grace_days < 0 -%}
        {{ exceptions.raise_compiler_error(label ~ ': tier_review must be {schedule: annual | anniversary, month_day: "MM-DD" (annual), grace_days: whole days}') }}
    {%- elif review.schedule == 'annual' and not (review.get('month_day') is string and modules.re.match('^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', review.month_day)) -%}
        {{ exceptions.raise_compiler_error(label ~ ': tier_review schedule annual needs month_day as "MM-DD"') }}
    {%- endif -%}
    {%- if p.event_points is not iterable or p.event_points is string or p.event_points is mapping -%}
        {{ exceptions.raise_compiler_error(label ~ ': event_points must be a list of {kind, match, points}') }}
    {%- endif -%}
    {%- for rule in p.event_points -%}
        {%- if rule is not mapping or rule.get('kind') not in loyalty_event_kinds()
            or rule.get('match') is string or rule.get('match') is not iterable or not rule.match
            or not (rule.get('points') is none or (rule.points is integer and rule.points >= 0)) -%}
            {{ exceptions.raise_compiler_error(label ~ ': each event_points entry must be {kind: ' ~ loyalty_event_kinds() | join(' | ') ~ ', match: [words in 变动类型], points: whole points or null (as exported)}') }}
        {%- endif -%}
    {%- endfor -%}
    {%- for rule in loyalty_redemption_kinds(p) -%}
        {%- if rule is not mapping or rule.get('kind') is not string or not rule.kind
            or rule.get('match') is string or rule.get('match') is not iterable or not rule.match -%}
            {{ exceptions.raise_compiler_error(label ~ ': each redemption_kinds entry must be {kind: a name, match: [words in 变动类型 or 备注]}') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set tiers = p.tiers -%}
    {%- if tiers is string or tiers is not iterable or not tiers -%}
        {{ exceptions.raise_compiler_error(label ~ ': tiers must be a list, lowest first') }}
    {%- endif -%}
    {%- set tier_keys = ['name', 'threshold', 'points_multiplier', 'discount', 'free_shipping_min_amount', 'birthday_gift'] -%}
    {%- for tier in tiers -%}
        {%- set tier_label = label ~ ': tier ' ~ loop.index -%}
        {%- if tier is not mapping or tier.keys() | reject('in', tier_keys) | list or tier_keys | reject('in', tier) | list -%}
            {{ exceptions.raise_compiler_error(tier_label ~ ' must give exactly ' ~ tier_keys | join(', ')) }}
        {%- elif tier.threshold is not number or (loop.first and tier.threshold != 0) or (not loop.first and tier.threshold <= tiers[loop.index0 - 1].threshold) -%}
            {{ exceptions.raise_compiler_error(tier_label ~ ': thresholds start at 0 and rise with each tier') }}
        {%- elif tier.points_multiplier is not number or tier.points_multiplier < 0 -%}
            {{ exceptions.raise_compiler_error(tier_label ~ ': points_multiplier must be a number, 0 or more') }}
        {%- elif tier.discount is not number or not (0 < tier.discount <= 1) -%}
            {{ exceptions.raise_compiler_error(tier_label ~ ': discount is the share paid, above 0 up to 1 (0.95 is 95折)') }}
        {%- elif not (tier.free_shipping_min_amount is none or (tier.free_shipping_min_amount is number and tier.free_shipping_min_amount >= 0)) -%}
            {{ exceptions.raise_compiler_error(tier_label ~ ': free_shipping_min_amount must be CNY, 0 or more, or null (no free shipping)') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(p) }}
{%- endmacro %}

{#- A number of the rules as an exact SQL decimal, so points never meet float rounding
    (0.29 * 100 is 28.999… in floating point). -#}
{% macro loyalty_decimal(value) -%}
    cast({{ value }} as decimal(18, 4))
{%- endmacro %}

{#- The tier rank (0 = the lowest tier) a qualifying measure reaches. -#}
{% macro qualifying_tier_rank(measure) -%}
    {%- set tiers = loyalty_programme().tiers -%}
    case
        {%- for rank in range(tiers | length - 1, 0, -1) %}
        when {{ measure }} >= {{ tiers[rank].threshold }} then {{ rank }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}

{#- One setting of the tier at a rank (null past the top, for "the next tier"). -#}
{% macro tier_setting(rank, setting) -%}
    {%- set tiers = loyalty_programme().tiers -%}
    case {{ rank }}
        {%- for tier in tiers %}
        {%- set value = tier[setting] %}
        when {{ loop.index0 }} then {% if value is none %}null{% elif value is number %}{{ loyalty_decimal(value) }}{% else %}'{{ value }}'{% endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The day a lot of points earned on `earned_date` expires: points are out of the closing
    balance of that day. Null under the never policy. -#}
{% macro points_expiry_date(earned_date) -%}
    {%- set expiry = loyalty_programme().expiry -%}
    {%- if expiry.policy == 'rolling_months' -%}
        cast({{ dbt.dateadd('month', expiry.months, earned_date) }} as date)
    {%- elif expiry.policy == 'end_of_following_year' -%}
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 2, dbt.date_trunc('year', earned_date))) }} as date)
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}

{#- What an exported points event is, from its 变动类型 and the rules' event words:
    a kind of event points (review …), or order_earn, clawback, redeem, expire, adjust. -#}
{% macro points_event_kind(type_text, stg_type, points, order_id) -%}
    case
        when {{ stg_type }} = 'expire' then 'expire'
        when {{ stg_type }} = 'redeem' then 'redeem'
        when {{ type_text }} like '%退款%' or {{ type_text }} like '%退货%'
            or lower({{ type_text }}) like '%refund%' or lower({{ type_text }}) like '%clawback%' then 'clawback'
        {%- for rule in loyalty_programme().event_points %}
        when {% for word in rule.match %}{% if not loop.first %} or {% endif %}lower({{ type_text }}) like '%{{ word | lower }}%'{% endfor %} then '{{ rule.kind }}'
        {%- endfor %}
        when {{ points }} > 0 and ({{ order_id }} is not null or {{ type_text }} like '%消费%'
            or {{ type_text }} like '%购物%' or {{ type_text }} like '%下单%'
            or lower({{ type_text }}) like '%order%' or lower({{ type_text }}) like '%purchase%') then 'order_earn'
        else 'adjust'
    end
{%- endmacro %}

{#- The fixed points an event kind earns under the rules; null: the points as exported. -#}
{% macro event_kind_points(kind, exported_points) -%}
    case {{ kind }}
        {%- for rule in loyalty_programme().event_points %}
        when '{{ rule.kind }}' then {% if rule.points is none %}{{ exported_points }}{% else %}{{ rule.points }}{% endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The programme's redemption kinds (what points are spent on), first match wins; a
    programme that does not state them gets these. -#}
{% macro loyalty_redemption_kinds(programme) -%}
    {{ return(programme.get('redemption_kinds') or [
        {'kind': 'draw', 'match': ['抽奖', 'draw']},
        {'kind': 'coupon', 'match': ['券', 'coupon']},
        {'kind': 'cash', 'match': ['抵现', '抵扣', '现金', 'cash']},
        {'kind': 'goods', 'match': ['商品', '礼品', '兑换', 'goods', 'gift']},
    ]) }}
{%- endmacro %}

{#- What a redemption bought, from its 变动类型 / 备注 and the programme's redemption_kinds;
    other when no word matches. -#}
{% macro redemption_kind(text) -%}
    case
        {%- for rule in loyalty_redemption_kinds(loyalty_programme()) %}
        when {% for word in rule.match %}{% if not loop.first %} or {% endif %}lower({{ text }}) like '%{{ word | lower }}%'{% endfor %} then '{{ rule.kind }}'
        {%- endfor %}
        else 'other'
    end
{%- endmacro %}

{#- The years a tier review can fall in, as rows (review_year): the as-of year and the 30
    before it, written out at compile time so no engine-specific series is needed. -#}
{% macro tier_review_years() -%}
    {%- set as_of = as_of_date_value() -%}
    {%- for back in range(0, 31) -%}
        {%- if not loop.first %}
    union all
        {% endif %}
    select {{ as_of.year - back }} as review_year
    {%- endfor -%}
{%- endmacro %}

{#- The day of a member's tier review in a year: the programme's month_day (annual) or the
    joining anniversary (29 February: 28 February in other years, as both engines add years). -#}
{% macro tier_review_date(review_year, joined_date) -%}
    {%- set review = loyalty_programme().tier_review -%}
    {%- if review.schedule == 'annual' -%}
        cast(cast({{ review_year }} as {{ dbt.type_string() }}) || '-{{ review.month_day }}' as date)
    {%- else -%}
        cast({{ dbt.dateadd('year', '(' ~ review_year ~ ' - extract(year from ' ~ joined_date ~ '))', joined_date) }} as date)
    {%- endif -%}
{%- endmacro %}
