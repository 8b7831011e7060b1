{#- The audiences of var `audiences` (dbt_project.yml), checked and compiled.

    audience_rules(facts, tags): one SQL query with a row per audience and customer who meets
    its rule tonight: customer_id, audience_name, priority, in_holdout (a keyed hash of customer
    and audience below the audience's holdout_share: the same every night, whatever else
    changes). An audience outside its active dates selects nobody.

    audience_definitions(): one row per audience with its settings, for the marts and the outbox.

    A malformed entry stops the compile naming the audience and what is wrong, before any SQL
    runs. -#}

{% macro audience_channels() -%}
    {{ return(['sms', 'wecom', 'wangwang', 'taobao_crowd', 'agent_task', 'webhook']) }}
{%- endmacro %}

{% macro audience_offer_kinds() -%}
    {{ return(['discount', 'amount_off', 'no_threshold', 'gift', 'none']) }}
{%- endmacro %}

{% macro checked_audiences() -%}
    {%- set audiences = var('audiences', []) -%}
    {%- set required = ['name', 'description_cn', 'description_en', 'when', 'priority', 'channels', 'offer', 'cooldown_days', 'holdout_share'] -%}
    {%- set optional = ['tags_all', 'active_from', 'active_to', 'marketing', 'product', 'goal'] -%}
    {%- set names = [] -%}
    {%- set priorities = [] -%}
    {%- set checked = [] -%}
    {%- if not audiences -%}
        {{ exceptions.raise_compiler_error('var audiences lists no audience') }}
    {%- endif -%}
    {%- for audience in audiences -%}
        {%- set label = 'audience ' ~ (audience.name if audience is mapping and audience.name else '#' ~ loop.index) -%}
        {%- if audience is not mapping -%}
            {{ exceptions.raise_compiler_error(label ~ ': each entry must be a mapping of settings') }}
        {%- endif -%}
        {%- set missing = required | reject('in', audience) | list -%}
        {%- set unknown = audience.keys() | reject('in', required + optional) | list -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(label ~ ': missing ' ~ missing | join(', ')) }}
        {%- elif unknown -%}
            {{ exceptions.raise_compiler_error(label ~ ': unknown setting ' ~ unknown | join(', ') ~ ' (allowed: ' ~ (required + optional) | join(', ') ~ ')') }}
        {%- elif not modules.re.match('^[a-z][a-z0-9_]{0,62}$', audience.name | string) or audience.name in names -%}
            {{ exceptions.raise_compiler_error(label ~ ': name must be lower_snake_case, at most 63 characters, and used once') }}
        {%- elif audience.priority is not integer or audience.priority in priorities -%}
            {{ exceptions.raise_compiler_error(label ~ ': priority must be a whole number no other audience has') }}
        {%- elif audience.channels is string or audience.channels is not iterable or not audience.channels or audience.channels | reject('in', audience_channels()) | list -%}
            {{ exceptions.raise_compiler_error(label ~ ': channels must be a list of ' ~ audience_channels() | join(', ')) }}
        {%- elif audience.offer is not mapping or audience.offer.kind not in audience_offer_kinds() or audience.offer.value is not number or not audience.offer.template_id -%}
            {{ exceptions.raise_compiler_error(label ~ ': offer must be {kind: ' ~ audience_offer_kinds() | join(' | ') ~ ', value: a number, template_id: text}') }}
        {%- elif audience.offer.kind == 'discount' and not (0 < audience.offer.value < 1) -%}
            {{ exceptions.raise_compiler_error(label ~ ': a discount offer is the share paid, above 0 and below 1 (0.85 is 85折)') }}
        {%- elif audience.cooldown_days is not integer or audience.cooldown_days < 0 -%}
            {{ exceptions.raise_compiler_error(label ~ ': cooldown_days must be a whole number of days, 0 or more') }}
        {%- elif audience.holdout_share is not number or audience.holdout_share < 0 or audience.holdout_share > 0.5 -%}
            {{ exceptions.raise_compiler_error(label ~ ': holdout_share must be a number from 0 to 0.5') }}
        {%- elif audience.when is not string or not audience.when | trim -%}
            {{ exceptions.raise_compiler_error(label ~ ': when must be an SQL condition over customer_audience_facts') }}
        {%- elif audience.tags_all is defined and (audience.tags_all is string or audience.tags_all is not iterable) -%}
            {{ exceptions.raise_compiler_error(label ~ ': tags_all must be a list of tag names') }}
        {%- elif 'marketing' in audience and audience.marketing is not boolean -%}
            {{ exceptions.raise_compiler_error(label ~ ': marketing must be true or false') }}
        {%- elif 'product' in audience and audience.product not in ['next_product', 'new_arrival', 'none'] -%}
            {{ exceptions.raise_compiler_error(label ~ ': product must be next_product, new_arrival or none') }}
        {%- elif 'goal' in audience and (audience.goal is not mapping
            or audience.goal.keys() | reject('in', ['metric', 'change', 'period_days']) | list
            or audience.goal.metric not in ['repurchase', 'churn']
            or audience.goal.change is not number or audience.goal.change == 0 or audience.goal.change <= -1
            or (audience.goal.metric == 'churn') != (audience.goal.change < 0)
            or audience.goal.period_days is not integer or audience.goal.period_days < 1) -%}
            {{ exceptions.raise_compiler_error(label ~ ': goal must be {metric: repurchase | churn, change: the relative change aimed at (0.05 for repurchase up 5%, -0.1 for churn down 10%), period_days: whole days after the send}') }}
        {%- endif -%}
        {%- set dates = {} -%}
        {%- for key in ['active_from', 'active_to'] -%}
            {%- if audience[key] is not none and audience[key] is defined -%}
                {%- set parsed = modules.datetime.date.fromisoformat(audience[key] | string) if modules.re.match('^\\d{4}-\\d{2}-\\d{2}$', audience[key] | string) else none -%}
                {%- if parsed is none -%}
                    {{ exceptions.raise_compiler_error(label ~ ': ' ~ key ~ ' must be a date like 2026-11-01') }}
                {%- endif -%}
                {%- do dates.update({key: parsed}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set today = as_of_date_value() -%}
        {%- set active = (dates.active_from is not defined or dates.active_from <= today) and (dates.active_to is not defined or today <= dates.active_to) -%}
        {%- do names.append(audience.name) -%}
        {%- do priorities.append(audience.priority) -%}
        {%- do checked.append({
            'name': audience.name,
            'description_cn': audience.description_cn,
            'description_en': audience.description_en,
            'when': audience.when,
            'priority': audience.priority,
            'channels': audience.channels,
            'offer': audience.offer,
            'cooldown_days': audience.cooldown_days,
            'holdout_share': audience.holdout_share,
            'tags_all': audience.tags_all if audience.tags_all is defined and audience.tags_all else [],
            'active_from': dates.active_from,
            'active_to': dates.active_to,
            'is_active': active,
            'is_marketing': audience.marketing if 'marketing' in audience else true,
            'product': audience.product if 'product' in audience else 'next_product',
            'goal': audience.goal if 'goal' in audience else none,
        }) -%}
    {%- endfor -%}
    {{ return(checked) }}
{%- endmacro %}

{#- The holdout test as SQL: the first 4 hex digits of md5(key:audience:customer) read as a
    number below share × 65536. Equal-length lower-case hex strings compare as their numbers
    do, so the test is a string comparison on both engines. -#}
{% macro in_holdout(audience, customer_id_column) -%}
    {%- if audience.holdout_share <= 0 -%}
        false
    {%- else -%}
        {%- set cut = '%04x' % ((audience.holdout_share * 65536) | round | int) -%}
        substr({{ dbt.hash("'" ~ var('audience_holdout_key') ~ ":" ~ audience.name ~ ":' || " ~ customer_id_column) }}, 1, 4) < '{{ cut }}'
    {%- endif -%}
{%- endmacro %}

{% macro quoted(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}

{% macro audience_rules(facts, tags) -%}
    {%- for audience in checked_audiences() -%}
        {%- if not loop.first %}
    union all
        {% endif %}
    select
        facts.customer_id,
        {{ quoted(audience.name) }} as audience_name,
        {{ audience.priority }} as priority,
        {{ in_holdout(audience, 'facts.customer_id') }} as in_holdout
    from {{ facts }} as facts
    where {% if audience.is_active %}({{ audience.when }}){% else %}false{% endif %}
        {%- for tag in audience.tags_all %}
        and exists (
            select 1 from {{ tags }} as tags
            where tags.customer_id = facts.customer_id and tags.tag = {{ quoted(tag) }}
        )
        {%- endfor %}
    {%- endfor -%}
{%- endmacro %}

{% macro audience_definitions() -%}
    {%- for audience in checked_audiences() -%}
        {%- if not loop.first %}
    union all
        {% endif %}
    select
        {{ quoted(audience.name) }} as audience_name,
        {{ quoted(audience.description_cn) }} as description_cn,
        {{ quoted(audience.description_en) }} as description_en,
        {{ audience.priority }} as priority,
        {{ quoted(audience.channels | join(',')) }} as channels,
        {{ quoted(audience.offer.kind) }} as offer_kind,
        cast({{ audience.offer.value }} as decimal(18, 2)) as offer_value,
        {{ quoted(audience.offer.template_id) }} as template_id,
        {{ audience.cooldown_days }} as cooldown_days,
        cast({{ audience.holdout_share }} as decimal(5, 4)) as holdout_share,
        {{ quoted(audience.when) }} as rule_sql,
        {% if audience.active_from %}cast('{{ audience.active_from }}' as date){% else %}cast(null as date){% endif %} as active_from_date,
        {% if audience.active_to %}cast('{{ audience.active_to }}' as date){% else %}cast(null as date){% endif %} as active_to_date,
        {{ 'true' if audience.is_active else 'false' }} as is_active,
        {{ 'true' if audience.is_marketing else 'false' }} as is_marketing,
        {{ quoted(audience.product) }} as product_fact,
        {% if audience.goal %}{{ quoted(audience.goal.metric) }}{% else %}cast(null as {{ dbt.type_string() }}){% endif %} as goal_metric,
        {% if audience.goal %}cast({{ audience.goal.change }} as decimal(18, 4)){% else %}cast(null as decimal(18, 4)){% endif %} as goal_change,
        {% if audience.goal %}{{ audience.goal.period_days }}{% else %}cast(null as integer){% endif %} as goal_period_days
    {%- endfor -%}
{%- endmacro %}


{#- var activation_channel_caps, checked: each {channel, days, max_actions} with a known channel
    and whole numbers, else the compile stops naming the entry. -#}
{% macro checked_channel_caps() %}
    {%- set caps = var('activation_channel_caps', []) or [] -%}
    {%- for cap in caps -%}
        {%- if cap is not mapping or cap.get('channel') not in audience_channels()
            or cap.get('days') is not number or cap.get('max_actions') is not number
            or cap.get('days') < 1 or cap.get('max_actions') < 0
            or cap.get('days') != cap.get('days') | int or cap.get('max_actions') != cap.get('max_actions') | int -%}
            {{ exceptions.raise_compiler_error('var activation_channel_caps: entry ' ~ loop.index ~ ' (' ~ cap ~ ') must be {channel: one of ' ~ audience_channels() | join(', ') ~ ', days: a whole number of at least 1, max_actions: a whole number}') }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(caps) }}
{% endmacro %}
