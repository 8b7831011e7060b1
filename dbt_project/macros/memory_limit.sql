{#- For a model whose aggregates hold strings outside DuckDB's buffer pool: the state of max() or
    min() over a string longer than 12 bytes is allocated per group, beside the pool, so it
    neither counts toward memory_limit nor spills. Such a model runs with a fraction of the
    profile's cap (a pre-hook), so that pool and strings together stay near what the cap lets the
    other models use; restore_memory_limit (its post-hook) gives the profile's cap back. A model
    that fails skips its post-hook, but dbt-duckdb applies the profile's settings again on the next
    model's cursor. Nothing on other warehouses, whose memory is the server's business. -#}
{% macro shrink_memory_limit(fraction) -%}
    {{ return(adapter.dispatch('shrink_memory_limit')(fraction)) }}
{%- endmacro %}

{% macro default__shrink_memory_limit(fraction) -%}
{%- endmacro %}

{% macro duckdb__shrink_memory_limit(fraction) -%}
    {%- set cap = (target.get('settings') or {}).get('memory_limit') -%}
    {%- if cap -%}
        set memory_limit = '{{ (size_in_bytes(cap) * fraction / 1000000) | int }}MB'
    {%- endif -%}
{%- endmacro %}

{% macro restore_memory_limit() -%}
    {{ return(adapter.dispatch('restore_memory_limit')()) }}
{%- endmacro %}

{% macro default__restore_memory_limit() -%}
{%- endmacro %}

{% macro duckdb__restore_memory_limit() -%}
    {%- set cap = (target.get('settings') or {}).get('memory_limit') -%}
    {%- if cap -%}
        set memory_limit = '{{ cap }}'
    {%- endif -%}
{%- endmacro %}

{#- '2GB', '1.5 GiB', '500MB' as DuckDB reads them (KB, MB, GB, TB in powers of 1000; KiB … in
    powers of 1024) to a number of bytes. -#}
{% macro size_in_bytes(text) -%}
    {%- set units = {'TIB': 1024 ** 4, 'GIB': 1024 ** 3, 'MIB': 1024 ** 2, 'KIB': 1024,
                     'TB': 1000 ** 4, 'GB': 1000 ** 3, 'MB': 1000 ** 2, 'KB': 1000,
                     'BYTES': 1, 'B': 1} -%}
    {%- set compact = text | string | replace(' ', '') | upper -%}
    {%- for unit, factor in units.items() if compact.endswith(unit)
            and compact[:-(unit | length)] | float(-1) >= 0 -%}
        {%- if loop.first -%}
            {{ return(compact[:-(unit | length)] | float * factor) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "memory_limit '" ~ text ~ "' is not a size DuckDB's units can say (e.g. 2GB, 1.5GiB)") }}
{%- endmacro %}
