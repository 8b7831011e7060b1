{#- Compile the tag rules (var customer_tag_rules in dbt_project.yml) into one SQL query with a
    row per customer and tag that applies: customer_id, tag, tag_group, tag_value.

    A rule names the tag and its group (basic, behaviour, lifecycle, custom) and says how to find
    it, one of:
    - value: an SQL expression over the facts (one row per customer); the tag's value, null when
      it does not apply;
    - when: an SQL condition over the facts; the tag's value is 'true' where it holds;
    - bought_product_like: a LIKE pattern; the tag applies to customers who bought a product whose
      name matches (a series, a collaboration, a flavour).
    `where` (optional) restricts a value or when rule to some customers. Mistakes stop the
    compile with the rule named, before any SQL runs. -#}
{% macro customer_tag_rules(rules, facts, purchase_lines) -%}
    {%- set groups = ['basic', 'behaviour', 'lifecycle', 'custom'] -%}
    {%- set kinds = ['value', 'when', 'bought_product_like'] -%}
    {%- set seen = [] -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error('var customer_tag_rules lists no tag rules') }}
    {%- endif -%}
    {%- for rule in rules -%}
        {%- set given = kinds | select('in', rule) | list -%}
        {%- if not rule.tag or rule.tag in seen -%}
            {{ exceptions.raise_compiler_error('tag rule ' ~ loop.index ~ ': every rule needs a tag name, used once (' ~ rule.tag ~ ')') }}
        {%- elif rule.group not in groups -%}
            {{ exceptions.raise_compiler_error('tag ' ~ rule.tag ~ ': group must be one of ' ~ groups | join(', ')) }}
        {%- elif given | length != 1 -%}
            {{ exceptions.raise_compiler_error('tag ' ~ rule.tag ~ ': give exactly one of ' ~ kinds | join(', ')) }}
        {%- endif -%}
        {%- do seen.append(rule.tag) -%}
        {%- if not loop.first %}
    union all
        {% endif -%}
        {%- if 'bought_product_like' in rule %}
    select distinct
        customer_id,
        '{{ rule.tag }}' as tag,
        '{{ rule.group }}' as tag_group,
        'true' as tag_value
    from {{ purchase_lines }}
    where product_name like '{{ rule.bought_product_like | replace("'", "''") }}'
        {%- else %}
    select
        customer_id,
        '{{ rule.tag }}' as tag,
        '{{ rule.group }}' as tag_group,
        {%- if 'value' in rule %}
        cast({{ rule.value }} as {{ dbt.type_string() }}) as tag_value
        {%- else %}
        'true' as tag_value
        {%- endif %}
    from {{ facts }}
    where {% if 'value' in rule %}({{ rule.value }}) is not null{% else %}({{ rule.when }}){% endif %}
        {%- if rule.where %} and ({{ rule.where }}){% endif %}
        {%- endif %}
    {%- endfor -%}
{%- endmacro %}

