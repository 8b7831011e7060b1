{#- A digest of the identity rules as the loader wrote them (which types link, the group limits,
    the blocked values and patterns): int_identifiers_assessed stores it on every row and
    reassesses every identifier when it changes. The nightly step rebuilds in full anyway when
    dbt_project/identity_rules.yml changes (the dbt code's digest), but the rules can also come
    from another file (the loader's `rules_file`), and the blocked phones are keyed hashes that
    change with the key. -#}
{% macro identity_rules_digest() -%}
    (
        select md5(coalesce({{ dbt.listagg('rule_line', "'|'", 'order by rule_line') }}, ''))
        from (
            select 'links:' || identifier_type || '=' || cast(links as {{ dbt.type_string() }})
                as rule_line
            from {{ ref('stg_identity__rules') }}
            union all
            select 'limit:' || identifier_type || '/' || group_of
                || '/' || coalesce(cast(max_group_size as {{ dbt.type_string() }}), '')
                || '/' || coalesce(cast(max_concurrent as {{ dbt.type_string() }}), '')
            from {{ ref('stg_identity__group_limits') }}
            union all
            select 'blocked:' || identifier_type || '/' || match_kind || '/' || blocked_value
            from {{ ref('stg_identity__blocked_values') }}
        ) as rule_lines
    )
{%- endmacro %}
