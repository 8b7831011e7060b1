{#- The actions of earlier nights, for tonight's cooldowns and frequency caps: contact_history
    as it stands before this build writes tonight's rows. It is read by its relation, not by
    ref(): contact_history is built from the queue, after it, so a ref would be a cycle. On the
    first night (no table yet) it is empty. -#}
{% macro previous_contact_history() -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier='contact_history') if execute else none -%}
    {%- if relation is not none %}
    select customer_id, audience_name, channels, as_of_date
    from {{ relation }}
    where as_of_date < {{ as_of_date() }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as audience_name,
        cast(null as {{ dbt.type_string() }}) as channels,
        cast(null as date) as as_of_date
    where false
    {%- endif %}
{%- endmacro %}

{#- Tonight's send time, the morning after the as-of day (var activation_send_time, HH:MM),
    refused when it falls in the quiet hours (var activation_quiet_hours: [from, to] hours). -#}
{% macro activation_send_at() -%}
    {%- set text = var('activation_send_time') | string -%}
    {%- if not modules.re.match('^([01]\\d|2[0-3]):[0-5]\\d$', text) -%}
        {{ exceptions.raise_compiler_error('var activation_send_time must be HH:MM, got ' ~ text) }}
    {%- endif -%}
    {%- set hour = text[:2] | int -%}
    {%- set quiet = var('activation_quiet_hours') -%}
    {%- set quiet_from, quiet_to = quiet[0] | int, quiet[1] | int -%}
    {%- set in_quiet = (hour >= quiet_from or hour < quiet_to) if quiet_from > quiet_to else (quiet_from <= hour < quiet_to) -%}
    {%- if in_quiet -%}
        {{ exceptions.raise_compiler_error('var activation_send_time ' ~ text ~ ' falls in the quiet hours ' ~ quiet_from ~ ':00-' ~ quiet_to ~ ':00') }}
    {%- endif -%}
    cast('{{ (as_of_date_value() + modules.datetime.timedelta(days=1)).isoformat() }} {{ text }}:00' as timestamp)
{%- endmacro %}
